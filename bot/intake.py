"""Updates from Telegram, from arrival to handled.

Every update is stored in the inbox (storage.inbox) before Telegram is told it arrived, so a
stop, a crash or a database outage loses none: what is not stored is not confirmed, and what
is stored is handled at least once, by this process or the next one.

Stored updates are handled one chat at a time, in update_id order (and after an earlier update
of the chat that another replica holds), by a bounded pool of workers that take the chats with
work round-robin. A chat waiting for its turn holds no worker: one
person forwarding a thousand messages occupies one worker, at Telegram's pace of about a
message a second for their chat, while everyone else is served by the others. Each chat's queue
is bounded: past the limit the person is asked, once, to slow down, and the rest is dropped
(and counted in /metrics).

(PTB's own update processor takes one of its concurrency slots before an update waits for its
chat, so a chat with a backlog occupied every slot; its Application still dispatches each
update to the handlers: `Application.process_update`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.error import TelegramError

from bot.logs import log_context, user_ref
from bot.metrics import Metrics
from content.i18n import N_, _, supported, use_language
from scheduler.clock import Clock
from storage import inbox
from storage.db import Database
from storage.inbox import Stored

log = logging.getLogger(__name__)

# Telegram's update ids are positive and fit the inbox's BIGINT; its updates nest a dozen
# levels at most (a reply's quoted message, a keyboard's rows of buttons).
MAX_UPDATE_ID = 2**63 - 1
MAX_DEPTH = 32
# On stop, how long updates already being handled may take to finish (their replies wait for
# the chat's sending pace, a second or so); then they are cut short and handed back.
FINISH_SECONDS = 5.0
MARK_DELAY = 0.5  # seconds a handled update may wait to be recorded with others
# How long an update waits for an earlier one of its chat that another replica holds, and how
# often it looks again (only while there is one: two updates of a chat at two replicas).
ORDER_WAIT_SECONDS = 10.0
ORDER_POLL_SECONDS = 0.05
SLOW_DOWN = N_(
    "That's a lot of messages at once! I'll answer the ones I have so far. "
    "Please wait for my replies before sending more."
)


class NotAnUpdate(ValueError):
    """Data that cannot be a Telegram update: it is refused, not stored."""


def update_id_of(data: object) -> int:
    """The update_id of what claims to be a Telegram update, or NotAnUpdate: it must be a JSON
    object with an integer update_id, and no deeper than any real update."""
    if not isinstance(data, dict):
        raise NotAnUpdate("not a JSON object")
    update_id = data.get("update_id")
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        raise NotAnUpdate("update_id is not a positive integer")
    if _deeper_than(data, MAX_DEPTH):
        raise NotAnUpdate(f"nested more than {MAX_DEPTH} levels deep")
    return update_id


def _deeper_than(data: object, limit: int) -> bool:
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return False


@dataclass(frozen=True)
class IntakeConfig:
    """workers: updates handled at once (each of a different chat). chat_queue_limit: updates
    a chat may have waiting. lease: how long a claim on a stored update outlives its process
    (claims are renewed while it lives). keep: how long handled update ids are remembered
    (Telegram re-sends for up to a day). max_attempts: processes that may take up one update
    before it is given up (one that keeps killing its handler must not block the restart)."""

    workers: int = 64
    chat_queue_limit: int = 20
    lease: timedelta = timedelta(seconds=30)
    keep: timedelta = timedelta(days=2)
    max_attempts: int = 3


@dataclass(frozen=True)
class _Queued:
    update_id: int
    payload: dict[str, Any]


# Called with (update_id, kind) once an update is handled or dropped; kind is "message",
# "callback_query", ... (tests wait on the id; metrics count the kinds).
Listener = Callable[[int, str], None]


class Intake:
    """Stores every update in the inbox, then hands them to a pool of workers, one chat at a
    time and in arrival order (see the module docstring)."""

    def __init__(
        self,
        application: Any,
        database: Database,
        metrics: Metrics,
        clock: Clock,
        worker: str,
        config: IntakeConfig | None = None,
    ) -> None:
        self.application = application
        self.database = database
        self.metrics = metrics
        self.clock = clock  # the real time: leases are about processes, not about people
        self.worker = worker
        self.config = config or IntakeConfig()
        # Called with each update once it is handled or dropped (tests, sandbox, metrics).
        self.listeners: list[Listener] = []
        self._chats: dict[Hashable, deque[_Queued]] = {}  # chats with work, in or out of turn
        self._turns: asyncio.Queue[Hashable] = asyncio.Queue()  # chats waiting for a worker
        self._open = 0  # updates queued or being handled
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._warned: set[Hashable] = set()  # asked to slow down during this backlog
        self._unmarked: list[int] = []  # handled, not yet recorded as handled
        self._marker: asyncio.Task[None] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self._busy: set[asyncio.Task[Any]] = set()  # workers in the middle of an update
        self._stopping = False
        self._chores: asyncio.Task[None] | None = None
        self._notices: set[asyncio.Task[None]] = set()
        metrics.watch_intake(self)

    @property
    def queued(self) -> int:
        """Updates queued or being handled."""
        return self._open

    # -- start and stop -------------------------------------------------------------------

    async def start(self) -> None:
        """Take up the updates stored and not handled before this process started (the
        previous one stopped or crashed), then serve."""
        single = self.database.dialect == "sqlite"  # one process owns a SQLite database
        recovered = await self._take_unhandled(None if single else self._stale_before())
        if recovered:
            log.info("%d updates stored before this start are handled first", recovered)
        self._workers = [
            asyncio.create_task(self._work(), name=f"intake-worker-{number}")
            for number in range(self.config.workers)
        ]
        self._chores = asyncio.create_task(self._housekeeping(), name="intake-chores")

    async def drain(self, timeout: float) -> None:
        """Stop serving: handle what is queued within timeout. Then no update is started,
        those being handled finish (their replies wait at most a few seconds for the chat's
        sending pace), and whatever is left goes back to the inbox, free for the next
        process at once."""
        try:
            await asyncio.wait_for(self._quiet.wait(), timeout)
        except TimeoutError:
            log.warning(
                "%d updates not handled within %.0f s: handed back for the next start",
                self._open - len(self._busy),
                timeout,
            )
        self._stopping = True
        for worker in self._workers:
            if worker not in self._busy:
                worker.cancel()
        if self._busy:
            await asyncio.wait(set(self._busy), timeout=FINISH_SECONDS)
        tasks = [*self._workers, *self._notices]
        tasks += [task for task in (self._chores, self._marker) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._workers, self._chores = [], None
        try:
            async with asyncio.timeout(5):
                await self._record_handled()
                async with self.database.connection() as connection:
                    handed_back = await inbox.hand_back(connection, self.worker)
            if handed_back:
                log.info("%d stored updates handed back for the next start", handed_back)
        except Exception as error:  # the next process finds them once the claims expire
            log.warning("could not hand back the stored updates: %s", error)

    # -- arrival --------------------------------------------------------------------------

    async def receive(self, payloads: Sequence[object]) -> int | None:
        """Store these updates (one getUpdates answer, or one webhook request) and queue the
        new ones. Returns the highest update_id among them: Telegram may now be told they
        arrived. Raises when they could not be stored; then nothing may be confirmed.
        What is not an update is skipped (logged and counted); a chat's updates past its
        queue's limit are dropped before they are stored."""
        newest: int | None = None
        accepted: list[tuple[int, dict[str, Any], _Route]] = []
        arriving: Counter[Hashable] = Counter()
        for payload in payloads:
            try:
                update_id = update_id_of(payload)
            except NotAnUpdate as error:
                log.warning("skipped something that is not an update: %s", error)
                self.metrics.updates_dropped.labels("malformed").inc()
                continue
            assert isinstance(payload, dict)
            newest = update_id if newest is None else max(newest, update_id)
            route = _route(update_id, payload)
            waiting = len(self._chats.get(route.key, ())) + arriving[route.key]
            if waiting >= self.config.chat_queue_limit:
                self._drop(update_id, payload, route)
                continue
            arriving[route.key] += 1
            accepted.append((update_id, payload, route))
        if accepted:
            async with self.database.connection() as connection:
                new = await inbox.store(
                    connection,
                    [
                        (update_id, json.dumps(payload), route.chat_id)
                        for update_id, payload, route in accepted
                    ],
                    self.worker,
                    self.clock.now(),
                )
            for update_id, payload, route in accepted:
                if update_id in new:
                    self._queue(_Queued(update_id, payload), route.key)
                else:
                    log.info("update %s came again; it is handled once", update_id)
        return newest

    def _queue(self, item: _Queued, key: Hashable) -> None:
        waiting = self._chats.get(key)
        if waiting is None:
            waiting = self._chats[key] = deque()
            self._turns.put_nowait(key)
        waiting.append(item)
        if len(waiting) > 1 and waiting[-2].update_id > item.update_id:
            # came out of order (two webhook requests at once): a chat goes by update_id
            ordered = sorted(waiting, key=lambda queued: queued.update_id)
            waiting.clear()
            waiting.extend(ordered)
        self._open += 1
        self._quiet.clear()

    def _drop(self, update_id: int, payload: dict[str, Any], route: _Route) -> None:
        """Too many waiting in this chat: not stored nor handled; the person is asked, once
        while their backlog lasts, to slow down."""
        self.metrics.updates_dropped.labels("flood").inc()
        self._done(update_id, payload)
        if route.key in self._warned or route.chat_id is None:
            return
        self._warned.add(route.key)
        log.warning(
            "chat of %s has %d updates waiting: asked to slow down, the rest is dropped",
            user_ref(route.user_id),
            self.config.chat_queue_limit,
        )
        notice = asyncio.create_task(self._slow_down(route.chat_id, route.language))
        self._notices.add(notice)
        notice.add_done_callback(self._notices.discard)

    async def _slow_down(self, chat_id: int, language_code: str | None) -> None:
        with use_language(supported(language_code)):
            text = _(SLOW_DOWN)
        try:
            await self.application.bot.send_message(chat_id, text)
        except TelegramError as error:
            log.warning("could not ask a chat to slow down: %s", error)

    # -- handling -------------------------------------------------------------------------

    async def _work(self) -> None:
        me = asyncio.current_task()
        assert me is not None
        while not self._stopping:
            key = await self._turns.get()
            waiting = self._chats[key]
            item = waiting.popleft()
            self._busy.add(me)
            try:
                await self._handle(item)
            finally:
                self._busy.discard(me)
                if waiting:
                    self._turns.put_nowait(key)  # back of the line: the chats take turns
                else:
                    del self._chats[key]
                    self._warned.discard(key)
            self._open -= 1
            if not self._open:
                self._quiet.set()
            self._mark(item.update_id)
            self._done(item.update_id, item.payload)

    async def _handle(self, item: _Queued) -> None:
        update = self._read(item.update_id, item.payload)
        if update is None:
            return
        try:
            await self.application.process_update(update)
        except Exception:  # PTB reports handler errors itself; this is anything else
            with log_context(update=item.update_id):
                log.exception("update %s could not be handled", item.update_id)

    async def let_earlier_go_first(self, db: AsyncSession, update_id: int, chat_id: int) -> None:
        """Another replica holds an earlier update of this chat, not yet handled (two webhook
        requests at once, routed to different replicas): wait until it is, so the chat's
        updates apply in order. Not for ever: until that replica's claim goes stale, or
        ORDER_WAIT_SECONDS (a slow handler there must not hold this chat up for long).

        Runs first in the turn's own transaction (Services.before_turn), before the turn
        takes any lock: a transaction of its own cost three more round trips per update."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ORDER_WAIT_SECONDS
        announced = False
        while True:
            # A database error here is the turn's, as any of its statements' (retried when
            # the connection was lost).
            earlier = await inbox.held_elsewhere_before(
                db, chat_id, update_id, self.worker, self._stale_before()
            )
            if earlier is None:
                return
            if loop.time() >= deadline:
                log.warning(
                    "update %s handled before update %s of its chat: that one is still being "
                    "handled by another replica after %.0f s",
                    update_id,
                    earlier,
                    ORDER_WAIT_SECONDS,
                )
                return
            if not announced:
                log.info(
                    "update %s waits for update %s of its chat (held by another replica)",
                    update_id,
                    earlier,
                )
                announced = True
            await asyncio.sleep(ORDER_POLL_SECONDS)

    def _read(self, update_id: int, payload: dict[str, Any]) -> Update | None:
        """The update as PTB's objects, or None (logged, counted) when PTB cannot read it,
        e.g. a field in a shape newer than this PTB: it is skipped, not retried."""
        try:
            return Update.de_json(payload, self.application.bot)
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            log.warning("update %s cannot be read (%s): skipped", update_id, reason)
            self.metrics.updates_dropped.labels("unreadable").inc()
            return None

    def _mark(self, update_id: int) -> None:
        """Record this stored update as handled, soon, with others in one statement. Not at
        once: an update handled by a turn is already recorded by it (storage.inbox.take), and
        a write per update would only slow the next ones down."""
        self._unmarked.append(update_id)
        if self._marker is None or self._marker.done():
            self._marker = asyncio.create_task(self._record_handled_soon())

    async def _record_handled_soon(self) -> None:
        await asyncio.sleep(MARK_DELAY)
        await self._record_handled()

    def _done(self, update_id: int, payload: dict[str, Any]) -> None:
        kind = next((key for key in payload if key != "update_id"), "other")
        for listener in self.listeners:
            listener(update_id, kind)

    async def _record_handled(self) -> None:
        """Record handled updates in the inbox, many in one statement; retried while the
        database is away (until then a restart would handle them again, harmlessly: each
        handler's transaction records its update too, see storage.inbox.take)."""
        delay = 0.1
        while self._unmarked:
            batch, self._unmarked = self._unmarked, []
            try:
                async with self.database.connection() as connection:
                    await inbox.mark_handled(connection, batch, self.clock.now())
                delay = 0.1
            except Exception as error:
                self._unmarked = batch + self._unmarked
                log.warning("could not record %d updates as handled: %s", len(batch), error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            except BaseException:  # cancelled while writing: keep them for the next write
                self._unmarked = batch + self._unmarked
                raise

    # -- housekeeping ---------------------------------------------------------------------

    def _stale_before(self) -> datetime:
        return self.clock.now() - self.config.lease

    async def _housekeeping(self) -> None:
        """While this process lives: keep its claims fresh, take up updates whose process
        died (their claims expired), and forget handled update ids after a while."""
        interval = self.config.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                async with self.database.connection() as connection:
                    await inbox.renew_claims(connection, self.worker, self.clock.now())
                taken = await self._take_unhandled(self._stale_before())
                if taken:
                    log.info("%d stored updates of a stopped process taken up", taken)
                async with self.database.connection() as connection:
                    await inbox.forget(connection, self.clock.now() - self.config.keep)
            except Exception as error:  # the database is away: next round
                log.warning("inbox housekeeping failed: %s", error)

    async def _take_unhandled(self, claimed_before: datetime | None) -> int:
        taken = 0
        while True:
            async with self.database.connection() as connection:
                rows = await inbox.claim_unhandled(
                    connection, self.worker, self.clock.now(), claimed_before, 500
                )
            if not rows:
                return taken
            given_up = [row.update_id for row in rows if row.attempts > self.config.max_attempts]
            if given_up:
                log.error(
                    "updates %s given up: taken up more than %d times",
                    given_up,
                    self.config.max_attempts,
                )
                self.metrics.updates_dropped.labels("given_up").inc(len(given_up))
                async with self.database.connection() as connection:
                    await inbox.mark_handled(connection, given_up, self.clock.now())
            for row in _usable(rows, self.config.max_attempts):
                payload = _loads(row.payload)
                self._queue(_Queued(row.update_id, payload), _route(row.update_id, payload).key)
                taken += 1


def _usable(rows: Iterable[Stored], max_attempts: int) -> Iterable[Stored]:
    return (row for row in rows if row.attempts <= max_attempts)


def _loads(payload: str) -> dict[str, Any]:
    with contextlib.suppress(ValueError):
        data = json.loads(payload)
        if isinstance(data, dict):
            return data
    return {}


@dataclass(frozen=True)
class _Route:
    """Updates with one key are handled in order, one at a time: a chat's, else a person's;
    an update with neither is on its own. Read from the JSON as it came, before PTB's
    objects are made (a dropped update never needs them)."""

    key: Hashable
    chat_id: int | None
    user_id: int | None
    language: str | None


def _route(update_id: int, payload: dict[str, Any]) -> _Route:
    body = next(
        (
            value
            for key, value in payload.items()
            if key != "update_id" and isinstance(value, dict)
        ),
        {},
    )
    message = body.get("message")
    chat = body.get("chat") or (message.get("chat") if isinstance(message, dict) else None)
    sender = body.get("from") or body.get("user")
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    user_id = sender.get("id") if isinstance(sender, dict) else None
    language = sender.get("language_code") if isinstance(sender, dict) else None
    chat_id = chat_id if type(chat_id) is int else None
    user_id = user_id if type(user_id) is int else None
    if chat_id is not None:
        key: Hashable = ("chat", chat_id)
    elif user_id is not None:
        key = ("user", user_id)
    else:
        key = ("update", update_id)
    return _Route(key, chat_id, user_id, language if isinstance(language, str) else None)
