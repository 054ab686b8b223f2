"""Several webhook replicas on one PostgreSQL database agree (README, "Running several
replicas"): each claim there that can be tested is tested here, with two real bots sharing one
database, one Bot API emulator and one clock. A test posts each update to the replica it names,
as a load balancer would route it; updates the emulator delivers itself (a Chat's) reach the
replica that registered its webhook last (`two`)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

import aiohttp
import pytest
from sqlalchemy import func, select, text

from bot.app import Receiving, SendingLimits, create_services
from bot.intake import IntakeConfig
from bot.web import SECRET_HEADER
from content.states import PainKind, PushKind, PushStatus
from handlers.services import Services
from sandbox.emulator import BotApiEmulator, Event
from sandbox.local import HandledUpdates, running_bot
from scheduler.engine import EngineConfig, PushEngine
from storage import inbox, people, training
from storage.models import InboxUpdate, PainCheckin, Push, SessionLog, UploadedFile, User
from tests.auxil.chat import Chat
from tests.auxil.databases import empty_tables
from tests.auxil.reminders import (
    REMINDER_TEXT,
    add_due_reminders,
    add_users,
    delivered,
    ticks_by_hand,
)
from tests.auxil.tcpproxy import TcpProxy
from tests.conftest import TOKEN
from tests.test_production import HOOK_PATH, SECRET, started_servers

pytestmark = pytest.mark.postgres

# Small batches, so that two engines ticking together both find work.
ENGINE = EngineConfig(tick_seconds=3600, backoff_seconds=0.05, batch_size=5)
SORRY = "Sorry, something went wrong"
WEDNESDAY = date(2026, 11, 25)  # the clock fixture's day, a default training day


@dataclass
class Replica:
    services: Services
    handled: HandledUpdates
    engine: PushEngine
    http: aiohttp.ClientSession
    base: str  # this replica's webhook, through a port held open all along


@dataclass
class Replicas:
    one: Replica
    two: Replica
    emulator: BotApiEmulator
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_000_000))
    _queries: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def chat(self, user_id: int) -> Chat:
        """A person whose updates the emulator delivers (to `two`)."""
        return Chat(self.emulator, self.two.handled, user_id)

    async def post(self, replica: Replica, payload: dict[str, Any]) -> list[Event]:
        """Deliver one update to this replica, wait until it is handled, and return what the
        bot did in that person's chat meanwhile (answers to buttons included)."""
        before = len(self.emulator.events)
        await self.deliver(replica, payload)
        await replica.handled.wait(payload["update_id"])
        user_id = _sender(payload)
        return [
            event
            for event in self.emulator.events[before:]
            if event.chat_id == user_id
            or event.params.get("callback_query_id") == _query_id(payload)
        ]

    async def deliver(self, replica: Replica, payload: dict[str, Any]) -> None:
        """Deliver one update to this replica: it is stored once this returns."""
        headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
        url = replica.base + HOOK_PATH
        async with replica.http.post(url, data=json.dumps(payload), headers=headers) as answer:
            assert answer.status == 200, await answer.text()

    def messages(self, user_id: int, since: int) -> list[str]:
        """The texts of the messages sent to this person since that many events."""
        return [
            event.text
            for event in self.emulator.events[since:]
            if event.chat_id == user_id and event.method == "sendMessage"
        ]

    def message(self, user_id: int, words: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Alex"},
            "from": _user(user_id),
            "text": words,
        }
        if words.startswith("/"):
            length = len(words.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._ids), "message": message}

    def press(self, user_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
        query = {
            "id": f"replica-{next(self._queries)}",
            "from": _user(user_id),
            "chat_instance": f"ci{user_id}",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": "Alex"},
                "text": "(a message with buttons)",
            },
        }
        return {"update_id": next(self._ids), "callback_query": query}


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Alex", "language_code": "en"}


def _sender(payload: dict[str, Any]) -> int:
    body = payload.get("message") or payload["callback_query"]
    return int(body["from"]["id"])


def _query_id(payload: dict[str, Any]) -> str | None:
    query = payload.get("callback_query")
    return query["id"] if query else None


def said(events: list[Event]) -> str:
    return "\n".join(event.text for event in events)


def toast(events: list[Event]) -> str:
    return " ".join(event.text for event in events if event.method == "answerCallbackQuery")


@contextlib.asynccontextmanager
async def replica(
    services: Services, emulator: BotApiEmulator, intake: IntakeConfig | None = None
) -> AsyncIterator[Replica]:
    """One webhook replica serving until the block ends; its reminder job is off (tests tick
    its engine themselves)."""
    proxy = TcpProxy("127.0.0.1", 0)  # the port Telegram (the emulator) knows
    await proxy.start()
    url = f"http://127.0.0.1:{proxy.port}{HOOK_PATH}"
    receiving = Receiving(
        poll_timeout=1,
        webhook_url=url,
        webhook_secret=SECRET,
        http_host="127.0.0.1",
        http_port=0,
    )
    limits = SendingLimits(chat_burst=1000)
    try:
        with started_servers(proxy) as servers:
            async with (
                running_bot(
                    services,
                    emulator,
                    engine_config=ENGINE,
                    limits=limits,
                    receiving=receiving,
                    intake=intake,
                ) as running,
                aiohttp.ClientSession() as http,
            ):
                ticks_by_hand(running)
                await emulator.wait_for(lambda: bool(servers))
                await emulator.wait_for(lambda: (emulator.webhook or {}).get("url") == url)
                base = f"http://127.0.0.1:{proxy.port}"
                yield Replica(services, running.handled, running.engine, http, base)
    finally:
        await proxy.stop()


@contextlib.asynccontextmanager
async def two_replicas(
    postgres_url: str, clock: Any, media_dir: Any, intake: IntakeConfig | None = None
) -> AsyncIterator[Replicas]:
    """Two replicas, each with its own connection pool, on one PostgreSQL database."""
    first = await create_services(postgres_url, clock, media_dir)
    await empty_tables(first.database.engine)
    second = await create_services(postgres_url, clock, media_dir)
    emulator = BotApiEmulator(TOKEN)
    await emulator.start()
    emulator.accept_unknown_chats = True  # people whose updates a test posts itself
    try:
        async with (
            replica(first, emulator, intake) as one,
            replica(second, emulator, intake) as two,
        ):
            yield Replicas(one, two, emulator)
    finally:
        await first.database.dispose()
        await second.database.dispose()
        await emulator.stop()


@pytest.fixture
async def replicas(postgres_url, clock, media_dir) -> AsyncIterator[Replicas]:
    async with two_replicas(postgres_url, clock, media_dir) as both:
        yield both


async def count(services: Services, statement: Any) -> int:
    async with services.database.transaction() as db:
        return int(await db.scalar(statement) or 0)


class Crossing:
    """Makes two turns meet inside a function: each call waits until the other turn has
    called it too, or until another connection to the database waits for a lock (the other
    turn is queued behind this one and cannot get here before this one commits). So two
    turns that nothing serialises are sure to overlap there."""

    def __init__(self, services: Services, real: Callable[..., Awaitable[Any]]) -> None:
        self.services, self.real = services, real
        self.calls = 0
        self.met = asyncio.Event()

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls >= 2:
            self.met.set()  # the first one goes on at once too
        else:
            watching = asyncio.create_task(self._watch_locks())
            try:
                await asyncio.wait_for(self.met.wait(), 10)
            finally:
                watching.cancel()
        return await self.real(*args, **kwargs)

    async def _watch_locks(self) -> None:
        """Let the waiting turn go on once another connection waits for a lock."""
        query = text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        while not self.met.is_set():
            async with self.services.database.connection() as connection:
                if await connection.scalar(query):
                    self.met.set()
            await asyncio.sleep(0.01)


# -- confirmations ----------------------------------------------------------------------------


async def test_a_delete_confirmation_asked_on_one_replica_is_honoured_on_the_other(
    replicas, clock
):
    """The confirmation's time travels in its button (delete:<unix time>): any replica judges
    it by the same rule, with nothing remembered in memory."""
    one, two = replicas.one, replicas.two
    await replicas.chat(7001).onboard()
    asked = await replicas.post(one, replicas.message(7001, "/delete"))
    stale = asked[-1].button_data("Yes, delete")
    clock.advance(timedelta(minutes=11))
    refused = await replicas.post(two, replicas.press(7001, stale))
    assert "expired" in toast(refused)
    assert await count(one.services, select(func.count()).select_from(User)) == 1

    asked = await replicas.post(two, replicas.message(7001, "/delete"))
    fresh = asked[-1].button_data("Yes, delete")
    clock.advance(timedelta(minutes=9))
    erased = await replicas.post(one, replicas.press(7001, fresh))
    assert "everything about you is erased" in said(erased)
    assert await count(two.services, select(func.count()).select_from(User)) == 0


# -- snooze once a day ------------------------------------------------------------------------


async def test_snooze_is_once_a_day_across_replicas(replicas):
    """The snooze is a pushes row, unique per (person, local day, kind): a second snooze on
    another replica, or at the same moment on both, finds it there."""
    one, two = replicas.one, replicas.two
    for user_id in (7011, 7012):
        await replicas.chat(user_id).onboard()
    snoozed = await replicas.post(one, replicas.press(7011, f"snooze:{WEDNESDAY}"))
    assert "I'll remind you again at 11:00" in said(snoozed)
    again = await replicas.post(two, replicas.message(7011, "later"))
    assert "already snoozed" in said(again)

    before = len(replicas.emulator.events)
    await asyncio.gather(
        replicas.post(one, replicas.press(7012, f"snooze:{WEDNESDAY}")),
        replicas.post(two, replicas.press(7012, f"snooze:{WEDNESDAY}")),
    )
    answers = replicas.messages(7012, before)
    assert len(answers) == 2, answers
    assert sum("Okay, I'll remind you again at 11:00" in answer for answer in answers) == 1
    assert sum("already snoozed" in answer for answer in answers) == 1
    snoozes = select(func.count()).where(Push.kind == PushKind.SNOOZED).group_by(Push.user_id)
    async with one.services.database.transaction() as db:
        assert list(await db.scalars(snoozes)) == [1, 1]


# -- pending questions ------------------------------------------------------------------------


async def test_a_question_asked_on_one_replica_is_answered_on_the_other(replicas):
    """The open question is the person's row (users.awaiting_question), not memory."""
    one, two = replicas.one, replicas.two
    await replicas.chat(7021).onboard()
    asked = await replicas.post(one, replicas.message(7021, "done"))
    assert "0 means no pain" in said(asked)
    answered = await replicas.post(two, replicas.message(7021, "3"))
    assert SORRY not in said(answered)
    during = select(PainCheckin.score).where(
        PainCheckin.user_id == 7021, PainCheckin.kind == PainKind.DURING
    )
    async with two.services.database.transaction() as db:
        assert list(await db.scalars(during)) == [3]


# -- one person's updates on two replicas -----------------------------------------------------


async def test_one_persons_updates_on_two_replicas_apply_one_at_a_time(replicas):
    """Two taps on "done" that reach different replicas at the same moment: the second turn
    waits for the first one's transaction (the person's row is locked) and then sees the
    session logged. Unserialised, both would log it and one would fail on the unique key."""
    one, two = replicas.one, replicas.two
    await replicas.chat(7031).onboard()
    entering = Crossing(one.services, people.get_or_create_user)
    logging_it = Crossing(one.services, training.log_session)
    with (
        mock.patch.object(people, "get_or_create_user", entering),
        mock.patch.object(training, "log_session", logging_it),
    ):
        before = len(replicas.emulator.events)
        await asyncio.gather(
            replicas.post(one, replicas.message(7031, "done")),
            replicas.post(two, replicas.message(7031, "done")),
        )
    answers = replicas.messages(7031, before)
    assert not [answer for answer in answers if SORRY in answer], answers
    assert sum("0 means no pain" in answer for answer in answers) == 1, answers
    assert sum("already logged as done" in answer for answer in answers) == 1, answers
    sessions = select(func.count()).select_from(SessionLog).where(SessionLog.user_id == 7031)
    assert await count(one.services, sessions) == 1


async def test_a_chats_updates_on_two_replicas_apply_in_update_id_order(replicas):
    """ "done" reaches replica one, and "3" (a later update: the pain score "done" asks for)
    reaches two while one is still handling "done": two lets the earlier one go first, so "3"
    answers the question instead of coming before it."""
    one, two = replicas.one, replicas.two
    await replicas.chat(7071).onboard()
    done, score = replicas.message(7071, "done"), replicas.message(7071, "3")
    assert done["update_id"] < score["update_id"]
    holding, waiting = asyncio.Event(), asyncio.Event()
    real_take, real_held = inbox.take, inbox.held_elsewhere_before

    async def take(db: Any, update_id: int, now: Any) -> bool:
        if update_id == done["update_id"]:
            await holding.wait()  # replica one is still at it
        return await real_take(db, update_id, now)

    async def held(*args: Any) -> int | None:
        found = await real_held(*args)
        if found == done["update_id"]:
            waiting.set()
        return found

    before = len(replicas.emulator.events)
    with (
        mock.patch.object(inbox, "take", take),
        mock.patch.object(inbox, "held_elsewhere_before", held),
    ):
        await replicas.deliver(one, done)
        await replicas.deliver(two, score)
        handled = asyncio.ensure_future(two.handled.wait(score["update_id"]))
        first = asyncio.ensure_future(waiting.wait())
        await asyncio.wait({handled, first}, return_when=asyncio.FIRST_COMPLETED)
        assert waiting.is_set() and not handled.done(), "the later update did not wait"
        holding.set()
        await one.handled.wait(done["update_id"])
        await handled
    answers = replicas.messages(7071, before)
    asked = next(n for n, answer in enumerate(answers) if "0 means no pain" in answer)
    assert asked < len(answers) - 1, answers  # the score's reply comes after the question
    during = select(PainCheckin.score).where(
        PainCheckin.user_id == 7071, PainCheckin.kind == PainKind.DURING
    )
    async with one.services.database.transaction() as db:
        assert list(await db.scalars(during)) == [3]


async def test_a_first_contact_on_two_replicas_at_once_makes_one_person(replicas):
    """Two /start at once from someone new, on different replicas: one row, both answered."""
    one, two = replicas.one, replicas.two
    entering = Crossing(one.services, people.get_or_create_user)
    with mock.patch.object(people, "get_or_create_user", entering):
        before = len(replicas.emulator.events)
        await asyncio.gather(
            replicas.post(one, replicas.message(7041, "/start")),
            replicas.post(two, replicas.message(7041, "/start")),
        )
    welcomes = [
        event
        for event in replicas.emulator.events[before:]
        if event.chat_id == 7041 and "I understand" in str(event.buttons)
    ]
    assert len(welcomes) == 2
    assert not [answer for answer in replicas.messages(7041, before) if SORRY in answer]
    people_rows = select(func.count()).select_from(User).where(User.id == 7041)
    assert await count(one.services, people_rows) == 1


# -- reminders --------------------------------------------------------------------------------


async def test_due_reminders_reaching_both_replicas_engines_are_each_sent_once(replicas, clock):
    one, two = replicas.one, replicas.two
    users = range(7100, 7140)
    await add_users(one.services, users)
    await add_due_reminders(one.services, users, WEDNESDAY, clock.now())
    reports = await asyncio.gather(one.engine.tick(), two.engine.tick())
    assert delivered(replicas.emulator, REMINDER_TEXT) == dict.fromkeys(users, 1)
    assert sum(report.counts["sent"] for report in reports) == len(users)
    async with one.services.database.transaction() as db:
        rows = (await db.execute(select(Push.status, Push.claimed_by))).all()
    assert {status for status, _worker in rows} == {PushStatus.SENT}
    assert {worker for _status, worker in rows} <= {one.engine.worker, two.engine.worker}


# -- files Telegram holds ---------------------------------------------------------------------


async def test_an_animation_uploaded_by_one_replica_is_sent_by_file_id_from_the_other(replicas):
    one, two = replicas.one, replicas.two
    await replicas.chat(7051).onboard()
    first = await replicas.post(one, replicas.message(7051, "/exercise hip bump"))
    second = await replicas.post(two, replicas.message(7051, "/exercise hip bump"))
    [uploaded] = [event for event in first if event.method == "sendAnimation"]
    [by_id] = [event for event in second if event.method == "sendAnimation"]
    assert uploaded.uploaded and not by_id.uploaded
    assert by_id.file_id == uploaded.file_id
    assert await count(two.services, select(func.count()).select_from(UploadedFile)) == 1


# -- a replica that died ----------------------------------------------------------------------


async def test_updates_of_a_replica_that_died_are_handled_by_another(
    postgres_url, clock, media_dir
):
    """A replica stored an update (Telegram was told it arrived) and died before handling it:
    once its claim is older than the inbox lease, a living replica takes it up; it is
    answered once."""
    async with two_replicas(
        postgres_url, clock, media_dir, IntakeConfig(lease=timedelta(seconds=1))
    ) as replicas:
        update = replicas.message(7061, "/help")
        stored_at = datetime.now(UTC)  # leases are about processes: the real time
        async with replicas.one.services.database.connection() as connection:
            await connection.execute(
                InboxUpdate.__table__.insert(),
                {
                    "update_id": update["update_id"],
                    "payload": json.dumps(update),
                    "received_at": stored_at,
                    "claimed_by": "a-replica-that-died",
                    "claimed_at": stored_at,
                    "attempts": 1,
                },
            )
        waits = {
            asyncio.ensure_future(replicas.one.handled.wait(update["update_id"])),
            asyncio.ensure_future(replicas.two.handled.wait(update["update_id"])),
        }
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for wait in pending:
            wait.cancel()
        assert any(wait.exception() is None for wait in done)
        answers = replicas.messages(7061, 0)
        handled = select(InboxUpdate.handled_at).where(
            InboxUpdate.update_id == update["update_id"]
        )
        async with replicas.two.services.database.transaction() as db:
            assert await db.scalar(handled) is not None
    assert len(answers) == 1 and "/today" in answers[0], answers
