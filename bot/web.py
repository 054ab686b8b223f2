"""The bot's HTTP server (starlette + uvicorn, PTB's custom-webhook recipe): /healthz, /readyz
and /metrics always, and in webhook mode the endpoint Telegram posts updates to.

The webhook answers Telegram 200 once the update is stored in the inbox (bot.intake); the bot
handles it afterwards. A request without the right secret token is refused with 403 before its
body is read; what is not a Telegram update with 400; and while the database cannot store it,
503, so that Telegram sends it again later. An update already stored (sent again, or also
delivered to another replica sharing the database) is acknowledged and handled once.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hmac
import json
import logging
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram.error import TelegramError

from bot.intake import Intake, update_id_of
from bot.metrics import Metrics
from storage.db import Database

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; anything this large is not from Telegram.
MAX_UPDATE_BYTES = 256 * 1024
CHECK_TIMEOUT = 3.0
# A good Bot API answer is trusted this long, so probes do not call Telegram every time.
BOT_API_CHECK_TTL = 30.0
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts updates (the URL's path) and the secret it must send back."""

    path: str
    secret: str


@dataclass(frozen=True)
class Address:
    """Where the HTTP server listens: a host name or address, and a port (0: any free one)."""

    host: str
    port: int


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: `kneecoach run` owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpServer:
    """The HTTP side of the bot: health and readiness probes, /metrics, and the webhook."""

    def __init__(
        self,
        application: Any,
        database: Database,
        metrics: Metrics,
        intake: Intake,
        address: Address,
        webhook: Webhook | None = None,
    ) -> None:
        self.application = application
        self.database = database
        self.metrics = metrics
        self.webhook = webhook
        self.intake = intake
        self._bot_api_ok_until = 0.0
        routes = [
            Route("/healthz", self.healthz),
            Route("/readyz", self.readyz),
            Route("/metrics", self.metrics_page),
        ]
        if webhook is not None:
            routes.append(Route(webhook.path, self.receive_update, methods=["POST"]))
        config = uvicorn.Config(
            Starlette(routes=routes),
            host=address.host,
            port=address.port,
            log_level="warning",
            log_config=None,  # uvicorn's lines go through our redacting handler
            access_log=False,
            lifespan="off",
        )
        self._server = _QuietServer(config)
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    @property
    def port(self) -> int:
        """The port actually bound (useful when 0 asked for any free one)."""
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    def bind(self) -> None:
        """Take the port now, before anything else starts: a port in use (say, by a second
        instance on this machine) is an OSError saying so, at start-up, not a log line from a
        server that quietly never answers."""
        if self._socket is not None:
            return
        config = self._server.config
        family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            # Only lets a restart reuse a port its predecessor left in TIME_WAIT; two live
            # listeners on one port still fail (no SO_REUSEPORT).
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((config.host, config.port))
            listener.listen(config.backlog)
        except OSError as error:
            listener.close()
            reason = error.strerror or str(error)
            if error.errno == errno.EADDRINUSE:
                reason += " (a second instance on this machine?)"
            raise OSError(f"cannot listen on {config.host}:{config.port}: {reason}") from None
        self._socket = listener

    async def start(self) -> None:
        """Start serving in the background; OSError if the port cannot be bound."""
        self.bind()
        assert self._socket is not None
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        while not self._server.started:
            if self._task.done():  # could not bind (uvicorn logged why, and exits)
                config = self._server.config
                with contextlib.suppress(SystemExit):
                    await self._task
                raise OSError(f"cannot listen on {config.host}:{config.port}")
            await asyncio.sleep(0.02)
        log.info("HTTP server on port %s", self.port)

    async def stop(self) -> None:
        """Stop serving and wait for the server task to end."""
        if self._task is not None:
            self._server.should_exit = True
            await self._task
        self.close()

    def close(self) -> None:
        """Give the port back (also when the server never started)."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    # -- health ---------------------------------------------------------------------------

    async def healthz(self, _request: Request) -> Response:
        """Liveness: the process answers; nothing else is checked."""
        return JSONResponse({"status": "ok"})

    async def readyz(self, _request: Request) -> Response:
        """Readiness: 200 when the database and the Bot API answer, else 503 saying which not."""
        checks = {"database": await self._database_ok(), "bot_api": await self._bot_api_ok()}
        ready = all(checks.values())
        body = {"status": "ready" if ready else "not ready", **checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    async def _database_ok(self) -> bool:
        try:
            await self.database.ping(CHECK_TIMEOUT)
            return True
        except Exception as error:  # any failure means "not ready"; the reason is logged
            log.warning("readiness: database unreachable: %s", error)
            return False

    async def _bot_api_ok(self) -> bool:
        if time.monotonic() < self._bot_api_ok_until:
            return True
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await self.application.bot.get_me()
        except (TelegramError, TimeoutError) as error:
            log.warning("readiness: Bot API unreachable: %s", error)
            return False
        self._bot_api_ok_until = time.monotonic() + BOT_API_CHECK_TTL
        return True

    async def metrics_page(self, _request: Request) -> Response:
        """The Prometheus exposition, active users counted from the database."""
        body = await self.metrics.exposition(self.database)
        return Response(body, media_type=PROMETHEUS_TEXT)

    # -- webhook --------------------------------------------------------------------------

    async def receive_update(self, request: Request) -> Response:
        """Take one webhook update: check the secret, size and shape, and store it before the 200;
        anything not stored gets an error so Telegram sends it again."""
        assert self.webhook is not None
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.webhook.secret.encode()):
            return self._refuse("secret", 403, "forbidden")
        body = await _read_at_most(request, MAX_UPDATE_BYTES)
        if body is None:
            return self._refuse("too_large", 413, "request body too large")
        try:
            data = json.loads(body)
            update_id_of(data)
        except (ValueError, RecursionError):  # bot.intake.NotAnUpdate is a ValueError
            return self._refuse("malformed", 400, "not a Telegram update")
        try:
            await self.intake.receive([data])
        except Exception as error:  # not stored: Telegram must send it again
            log.warning("webhook: could not store an update: %s", error)
            return self._refuse("unavailable", 503, "try again later")
        return Response(status_code=200)

    def _refuse(self, reason: str, status: int, message: str) -> Response:
        self.metrics.webhook_refused.labels(reason).inc()
        return PlainTextResponse(message, status_code=status)


async def _read_at_most(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it passes limit (a declared length is checked first)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)
