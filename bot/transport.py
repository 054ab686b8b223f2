"""python-telegram-bot's requests to the Bot API, made with aiohttp instead of httpx.

PTB's HTTP client (httpx over httpcore and anyio) cost more CPU per request than anything else in
the bot, and set the ceiling of the push fan-out (BENCHMARKS.md). aiohttp, which the bot already
runs for its web server, does the same request for less. PTB keeps everything above the transport:
the rate limiter, retries, errors from status codes, reading the answers.
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from yarl import URL

JSON = "application/json"
# A proxy and its credentials, or (None, None) for a direct connection.
Proxy = tuple[URL | None, aiohttp.BasicAuth | None]
# A timeout as PTB passes it: seconds, None for no limit, or BaseRequest.DEFAULT_NONE for this
# client's own (PTB documents that as a plain object; its class is private to PTB).
Timeout = float | None | object


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of keep-alive connections. Plain calls go as one JSON
    body, encoded once (PTB's own json_payload encodes keyboards twice, as strings in JSON);
    calls with files as multipart form data, the other parameters as JSON-encoded fields, as
    PTB's own client sends them. aiohttp has no write timeout of its own: the read timeout
    also bounds an upload that stalls."""

    def __init__(
        self,
        connection_pool_size: int = 64,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_read_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_read_timeout = media_read_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, Proxy] = {}  # by scheme://host:port

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout; PTB adds it to getUpdates' long-poll timeout."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown)."""
        if self._session is None or self._session.closed:
            self._proxies.clear()  # the environment is read afresh
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300),
                headers={"User-Agent": self.USER_AGENT},
                skip_auto_headers=("Accept-Encoding",),
                # The Bot API sets no cookies; a jar would be searched on every request.
                cookie_jar=aiohttp.DummyCookieJar(),
                # Not trust_env: aiohttp would then read ~/.netrc twice per request in a
                # worker thread (a third of this client's CPU). The proxy is looked up once
                # per host instead (_proxy_for).
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        write_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        connect_timeout: Timeout = BaseRequest.DEFAULT_NONE,
        pool_timeout: Timeout = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Make the request; TimedOut or NetworkError as PTB's own client would raise them."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        uploads = request_data is not None and request_data.contains_files
        read = _given(read_timeout, self._media_read_timeout if uploads else self._read_timeout)
        if uploads and read is not None and isinstance(write_timeout, (int, float)):
            read = max(read, write_timeout)
        connect = _given(connect_timeout, self._connect_timeout)
        waiting = _given(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or waiting is None else connect + waiting,
            sock_connect=connect,
            sock_read=read,
        )
        body: aiohttp.FormData | bytes | None = None
        headers: dict[str, str] = {}
        if request_data is not None and uploads:
            body = _form(request_data)
        elif request_data is not None:
            body, headers["Content-Type"] = json.dumps(request_data.parameters).encode(), JSON
        proxy, proxy_auth = await self._proxy_for(url)
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=timeout,
                proxy=proxy,
                proxy_auth=proxy_auth,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error

    async def _proxy_for(self, url: str) -> Proxy:
        """HTTP(S)_PROXY, NO_PROXY and the proxy's ~/.netrc entry apply, as they did with
        PTB's httpx client; read from the environment once per host."""
        scheme, _, rest = url.partition("://")
        origin = f"{scheme}://{rest.split('/', 1)[0]}"
        found = self._proxies.get(origin)
        if found is None:
            found = self._proxies[origin] = await asyncio.to_thread(_env_proxy, URL(origin))
        return found


def bot_api_clients() -> tuple[AiohttpRequest, AiohttpRequest]:
    """The bot's two clients: one for every call, and one for getUpdates with a second
    connection, so the shutdown call that confirms the last updates goes out while the
    cancelled long poll still holds the first (otherwise they come again)."""
    return AiohttpRequest(connection_pool_size=128), AiohttpRequest(connection_pool_size=2)


def _env_proxy(url: URL) -> Proxy:
    try:
        return get_env_proxy_for_url(url)
    except LookupError:  # none set, or NO_PROXY names the host
        return None, None


def _given(value: Timeout, default: float | None) -> float | None:
    if isinstance(value, (int, float)):
        return value
    return None if value is None else default


def _form(request_data: RequestData) -> aiohttp.FormData:
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename or name, content_type=mimetype)
    return form
