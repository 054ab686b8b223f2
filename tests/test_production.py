"""Production mode: the webhook and its secret, health, readiness and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from unittest import mock

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.app import Receiving, SendingLimits, create_services
from bot.web import MAX_UPDATE_BYTES, SECRET_HEADER, HttpServer
from handlers.services import Services
from sandbox.emulator import BotApiEmulator, Fault
from sandbox.local import HandledUpdates, running_bot
from tests.auxil.chat import Chat
from tests.auxil.databases import empty_tables
from tests.auxil.tcpproxy import TcpProxy
from tests.conftest import ENGINE_CONFIG, TOKEN

SECRET = "hook-secret_0123456789"
HOOK_PATH = "/telegram/updates"


REAL_START = HttpServer.start


@contextlib.contextmanager
def started_servers(proxy: TcpProxy) -> Iterator[list[HttpServer]]:
    """Record the bot's HTTP server once it listens, and point the proxy at its port.

    The bot binds port 0 (the kernel picks a free port as it binds, nothing can take it in
    between), and the webhook URL names the proxy's port, which the test holds open all along.
    A port probed free, released and bound later could be taken by another process meanwhile:
    that made these tests flaky on a busy machine."""
    started: list[HttpServer] = []

    async def start(self: HttpServer) -> None:
        await REAL_START(self)  # not a patch of an outer run_bot (two replicas)
        proxy.target = ("127.0.0.1", self.port)
        started.append(self)

    with mock.patch.object(HttpServer, "start", start):
        yield started


@dataclass
class Running:
    emulator: BotApiEmulator
    handled: HandledUpdates
    http: aiohttp.ClientSession
    base: str  # the bot's own HTTP server

    def chat(self, user_id: int = 5001) -> Chat:
        return Chat(self.emulator, self.handled, user_id)

    async def post_update(self, body: bytes, secret: str | None = SECRET) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        async with self.http.post(self.base + HOOK_PATH, data=body, headers=headers) as response:
            return response.status

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.base + path) as response:
            return response.status, await response.text()


async def run_bot(
    services: Services, webhook: bool, emulator: BotApiEmulator | None = None
) -> AsyncIterator[Running]:
    """The bot with its HTTP server, against the given emulator or one of its own."""
    own = emulator is None
    if emulator is None:
        emulator = BotApiEmulator(TOKEN)
        await emulator.start()
    proxy = TcpProxy("127.0.0.1", 0)  # held open for the whole test: Telegram's side
    await proxy.start()
    receiving = Receiving(
        poll_timeout=1,
        webhook_url=f"http://127.0.0.1:{proxy.port}{HOOK_PATH}" if webhook else None,
        webhook_secret=SECRET if webhook else None,
        http_host="127.0.0.1",
        http_port=0,
    )
    limits = SendingLimits(chat_burst=1000)
    with started_servers(proxy) as servers:
        async with (
            running_bot(
                services, emulator, engine_config=ENGINE_CONFIG, limits=limits, receiving=receiving
            ) as running,
            aiohttp.ClientSession() as http,
        ):
            await emulator.wait_for(lambda: bool(servers))  # it listens once start() returns
            if webhook:
                await emulator.wait_for(lambda: emulator.webhook is not None)
            base = f"http://127.0.0.1:{proxy.port}"  # to the bot through the held port
            yield Running(emulator, running.handled, http, base)
    await proxy.stop()
    if own:
        await emulator.stop()


@pytest.fixture
async def hooked(services) -> AsyncIterator[Running]:
    async for running in run_bot(services, webhook=True):
        yield running


def update_json(update_id: int, text: str = "/help", user_id: int = 5001) -> bytes:
    user = {"id": user_id, "is_bot": False, "first_name": "Alex"}
    message = {
        "message_id": update_id,
        "date": 1_790_000_000,
        "chat": {"id": user_id, "type": "private", "first_name": "Alex"},
        "from": user,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


async def test_webhook_with_the_right_secret_is_processed(hooked):
    assert hooked.emulator.webhook == {
        "url": hooked.base + HOOK_PATH,
        "secret_token": SECRET,
    }
    replies = await hooked.chat().send("/start")
    assert "I'm Knee Coach" in replies.text
    assert hooked.emulator.webhook_answers[-1][1] == 200
    getupdates = [
        method for _at, method, _chat in hooked.emulator.requests if method == "getUpdates"
    ]
    assert getupdates == []  # no polling in webhook mode


async def test_wrong_or_missing_secret_is_refused_and_never_processed(hooked):
    hooked.emulator.accept_unknown_chats = True
    assert await hooked.post_update(update_json(900), secret="wrong") == 403
    assert await hooked.post_update(update_json(901), secret=None) == 403
    assert await hooked.post_update(update_json(902), secret=SECRET + "x") == 403
    await hooked.chat(5002).send("/help")  # a real update after them is handled...
    assert not {900, 901, 902} & hooked.handled.ids  # ...but the refused ones never were
    assert {event.chat_id for event in hooked.emulator.events if event.chat_id} == {5002}
    _status, metrics = await hooked.get("/metrics")
    assert 'kneecoach_webhook_refused_total{reason="secret"} 3.0' in metrics


async def test_malformed_and_oversized_bodies_are_refused(hooked):
    assert await hooked.post_update(b"{not json") == 400
    assert await hooked.post_update(b"[1, 2, 3]") == 400
    assert await hooked.post_update(b'{"message": "no update id"}') == 400
    assert await hooked.post_update(b"\xff\xfe") == 400
    huge = b'{"update_id": 7, "padding": "' + b"x" * 1_000_000 + b'"}'
    assert await hooked.post_update(huge) == 413
    assert await hooked.post_update(b"x" * (MAX_UPDATE_BYTES + 1)) == 413
    _status, metrics = await hooked.get("/metrics")
    assert 'kneecoach_webhook_refused_total{reason="malformed"} 4.0' in metrics
    assert 'kneecoach_webhook_refused_total{reason="too_large"} 2.0' in metrics
    replies = await hooked.chat().send("/help")  # still serving
    assert "/today" in replies.text


async def test_update_ids_that_are_not_integers_and_deep_json_are_refused(hooked, caplog):
    for body in (
        b'{"update_id": "12", "message": {"text": "hi"}}',
        b'{"update_id": 1.5}',
        b'{"update_id": true}',
        b'{"update_id": null}',
        b'{"update_id": -1}',
        b'{"update_id": 123456789012345678901234567890}',
    ):
        assert await hooked.post_update(body) == 400, body
    deep = b'{"update_id": 5, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert len(deep) < MAX_UPDATE_BYTES
    assert await hooked.post_update(deep) == 400
    nested = {"update_id": 6, "message": {"text": "hi"}}
    for _ in range(40):  # deeper than any real update, shallower than Python's limits
        nested["message"] = {"reply_to_message": nested["message"]}
    assert await hooked.post_update(json.dumps(nested).encode()) == 400
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    _status, metrics = await hooked.get("/metrics")
    assert 'kneecoach_webhook_refused_total{reason="malformed"} 8.0' in metrics
    replies = await hooked.chat().send("/help")  # still serving
    assert "/today" in replies.text


async def test_an_update_sent_twice_is_handled_once(hooked):
    hooked.emulator.accept_unknown_chats = True
    body = update_json(950)
    assert await hooked.post_update(body) == 200
    assert await hooked.post_update(body) == 200
    await hooked.handled.wait(950)
    await hooked.chat(5003).send("/help")  # let anything queued behind it finish
    helps = [event for event in hooked.emulator.events if event.chat_id == 5001]
    assert len(helps) == 1


async def test_health_and_metrics_in_polling_mode(services):
    async for running in run_bot(services, webhook=False):
        status, body = await running.get("/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, body = await running.get("/readyz")
        assert status == 200
        assert json.loads(body) == {"status": "ready", "database": True, "bot_api": True}
        chat = running.chat()
        await chat.onboard()
        await chat.send("done")
        await chat.send("2")
        status, metrics = await running.get("/metrics")
        assert status == 200
        assert 'kneecoach_updates_total{type="message"}' in metrics
        assert 'kneecoach_updates_total{type="callback_query"}' in metrics
        assert 'kneecoach_handler_seconds_count{handler="free_text"} 3.0' in metrics
        assert 'kneecoach_handler_seconds_bucket{handler="button_accept_disclaimer"' in metrics
        assert "kneecoach_active_users 1.0" in metrics
        assert 'kneecoach_pushes_total{outcome="sent"} 0.0' in metrics
        assert "kneecoach_telegram_429_total 0.0" in metrics


async def test_readyz_follows_the_bot_api(services):
    async for running in run_bot(services, webhook=False):
        # The Bot API fails getMe. (Stopping the emulator instead freed its port, which
        # another process on the machine could take and answer: a flaky test.)
        running.emulator.faults = [Fault(status=502, method="getMe")]
        status, body = await running.get("/readyz")
        assert status == 503
        assert json.loads(body) == {"status": "not ready", "database": True, "bot_api": False}


@pytest.mark.postgres
async def test_metrics_are_served_while_postgresql_is_away(postgres_url, clock):
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
    services = await create_services(through_proxy, clock)
    try:
        async for running in run_bot(services, webhook=False):
            status, metrics = await running.get("/metrics")
            assert status == 200 and "kneecoach_database_up 1.0" in metrics
            await proxy.stop()
            status, metrics = await running.get("/metrics")
            assert status == 200
            assert "kneecoach_database_up 0.0" in metrics
            assert "kneecoach_active_users " in metrics  # the last value, marked stale above
            assert "kneecoach_updates_queued 0.0" in metrics
            await proxy.start()
            status, metrics = await running.get("/metrics")
            assert status == 200 and "kneecoach_database_up 1.0" in metrics
    finally:
        await services.database.dispose()
        await proxy.stop()


@pytest.mark.postgres
async def test_webhook_answers_503_until_the_update_is_stored(postgres_url, clock):
    """While the database is away the webhook does not confirm an update (Telegram sends it
    again); once it is back, the update is stored, confirmed and answered."""
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
    services = await create_services(through_proxy, clock)
    await empty_tables(services.database.engine)
    try:
        async for running in run_bot(services, webhook=True):
            emulator = running.emulator
            await proxy.stop()
            update_id = emulator.send_message(5001, "/help")
            answers = emulator.webhook_answers
            await emulator.wait_for(lambda: len(answers) >= 2, timeout=10)  # noqa: B023
            assert {status for _id, status in emulator.webhook_answers} == {503}
            await proxy.start()
            await running.handled.wait(update_id, timeout=15)
            assert emulator.webhook_answers[-1] == (update_id, 200)
            assert "Here's what I can do" in emulator.chat_events(5001)[-1].text
    finally:
        await services.database.dispose()
        await proxy.stop()


@pytest.mark.postgres
async def test_two_webhook_replicas_on_one_database_handle_each_update_once(postgres_url, clock):
    """Telegram (or a load balancer retrying) delivers every update to both replicas: the
    inbox they share lets exactly one of them handle it."""
    first = await create_services(postgres_url, clock)
    await empty_tables(first.database.engine)
    second = await create_services(postgres_url, clock)
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    emulator.accept_unknown_chats = True
    updates = range(3000, 3040)
    try:
        async for one in run_bot(first, webhook=True, emulator=emulator):
            async for two in run_bot(second, webhook=True, emulator=emulator):
                for update_id in updates:
                    body = update_json(update_id, user_id=8000 + update_id % 10)
                    statuses = await asyncio.gather(one.post_update(body), two.post_update(body))
                    assert statuses == [200, 200]
                for update_id in updates:  # handled by one replica or the other
                    waits = {
                        asyncio.ensure_future(one.handled.wait(update_id)),
                        asyncio.ensure_future(two.handled.wait(update_id)),
                    }
                    done, pending = await asyncio.wait(waits, return_when="FIRST_COMPLETED")
                    for wait in pending:
                        wait.cancel()
                    assert any(wait.exception() is None for wait in done), update_id
                await two.chat(8100).send("/help")  # (the emulator posts to the last webhook)
                handled_by = (one.handled.ids & set(updates), two.handled.ids & set(updates))
    finally:
        await first.database.dispose()
        await second.database.dispose()
        await emulator.stop()
    helps = [
        event
        for event in emulator.events
        if event.method == "sendMessage" and 8000 <= (event.chat_id or 0) < 8010
    ]
    assert len(helps) == len(updates)
    assert not handled_by[0] & handled_by[1]
    assert handled_by[0] and handled_by[1]  # both took part


@pytest.mark.postgres
async def test_readyz_fails_while_postgresql_is_away_and_recovers(postgres_url, clock):
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
    services = await create_services(through_proxy, clock)
    try:
        async for running in run_bot(services, webhook=False):
            assert (await running.get("/readyz"))[0] == 200
            await proxy.stop()
            status, body = await running.get("/readyz")
            assert status == 503 and json.loads(body)["database"] is False
            assert (await running.get("/healthz"))[0] == 200  # the process itself is fine
            await proxy.start()
            status, body = await running.get("/readyz")
            assert status == 200 and json.loads(body)["database"] is True
    finally:
        await services.database.dispose()
        await proxy.stop()
