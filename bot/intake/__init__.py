"""Updates from Telegram, from arrival to handled.

Every update is stored in the inbox (storage.inbox) before Telegram is told it arrived, so a
stop, a crash or a database outage loses none: what is not stored is not confirmed, and what
is stored is handled at least once, by this process or the next one, and never again once
handled.

The Intake joins four parts, each a module of its own:
- the flood guard (bot.intake.flood): a chat's waiting updates are bounded, with one notice;
- the worker pool (bot.intake.workers): each chat's updates in update_id order, one at a time,
  by a bounded pool of workers that take the ready chats round-robin;
- the inbox bookkeeping (bot.intake.bookkeeping): storing, claims, and the record of handled;
- replica ordering (bot.intake.order): an earlier update of the chat held by another replica
  goes first.
An update arrives (`receive`): it must be an update (bot.intake.updates), its chat must have
room, then it is stored and queued. A worker hands it to PTB's Application, which dispatches it
to the handlers (`Application.process_update`); PTB's own update processor is not used (see
bot.intake.workers). Each handler's turn passes the intake's gate first (`before_turn`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.intake.bookkeeping import Bookkeeping
from bot.intake.config import IntakeConfig
from bot.intake.flood import FloodGuard
from bot.intake.order import ReplicaOrder
from bot.intake.updates import NotAnUpdate, Queued, Route, loads, route_of, update_id_of
from bot.intake.workers import WorkerPool
from bot.logs import log_context
from bot.metrics import Metrics
from scheduler.clock import Clock
from storage.db import Database
from storage.inbox import Stored

__all__ = ["Intake", "IntakeConfig", "Listener", "NotAnUpdate", "update_id_of"]

log = logging.getLogger(__name__)

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
        self.metrics = metrics
        self.config = config or IntakeConfig()
        # Called with each update once it is handled or dropped (tests, sandbox, metrics).
        self.listeners: list[Listener] = []
        self._single = database.dialect == "sqlite"  # one process owns a SQLite database
        self._flood = FloodGuard(application.bot, metrics, self.config.chat_queue_limit)
        self._pool = WorkerPool(self._handle, self._finished, self._flood.backlog_cleared)
        self._book = Bookkeeping(database, metrics, clock, worker, self.config)
        self._order = None if self._single else ReplicaOrder(worker, self._book.stale_before)
        metrics.watch_intake(self)

    @property
    def queued(self) -> int:
        """Updates queued or being handled."""
        return self._pool.queued

    async def start(self) -> None:
        """Take up the updates stored and not handled before this process started (the
        previous one stopped or crashed), then serve."""
        claimed_before = None if self._single else self._book.stale_before()
        recovered = await self._book.take_unhandled(claimed_before, self._take_up)
        if recovered:
            log.info("%d updates stored before this start are handled first", recovered)
        self._pool.start(self.config.workers)
        self._book.start(self._take_up)

    async def drain(self, timeout: float) -> None:
        """Stop serving: handle what is queued within timeout. Then no update is started,
        those being handled finish (their replies wait at most a few seconds for the chat's
        sending pace), and whatever is left goes back to the inbox, free for the next
        process at once."""
        await self._pool.stop(timeout)
        await self._flood.close()
        await self._book.close()

    async def receive(self, payloads: Sequence[object]) -> int | None:
        """Store these updates (one getUpdates answer, or one webhook request) and queue the
        new ones. Returns the highest update_id among them: Telegram may now be told they
        arrived. Raises when they could not be stored; then nothing may be confirmed.
        What is not an update is skipped (logged and counted); a chat's updates past its
        queue's limit are dropped before they are stored."""
        newest, accepted = self._admit(payloads)
        if accepted:
            new = await self._book.store(
                [(item.update_id, json.dumps(item.payload), to.chat_id) for item, to in accepted]
            )
            for item, to in accepted:
                if item.update_id in new:
                    self._pool.add(item, to.key)
                else:
                    log.info("update %s came again; it is handled once", item.update_id)
        return newest

    def _admit(self, payloads: Sequence[object]) -> tuple[int | None, list[tuple[Queued, Route]]]:
        """The highest update_id among payloads, and the updates their chats have room for."""
        newest: int | None = None
        accepted: list[tuple[Queued, Route]] = []
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
            item, to = Queued(update_id, payload), route_of(update_id, payload)
            if self._flood.admits(to, self._pool.waiting(to.key) + arriving[to.key]):
                arriving[to.key] += 1
                accepted.append((item, to))
            else:
                self._tell(item)
        return newest, accepted

    def _take_up(self, stored: Stored) -> None:
        payload = loads(stored.payload)
        self._pool.add(Queued(stored.update_id, payload), route_of(stored.update_id, payload).key)

    # -- handling -------------------------------------------------------------------------

    async def _handle(self, item: Queued) -> None:
        self._book.handling(item.update_id)
        update = self._read(item)
        if update is None:
            return
        try:
            await self.application.process_update(update)
        except Exception:  # PTB reports handler errors itself; this is anything else
            with log_context(update=item.update_id):
                log.exception("update %s could not be handled", item.update_id)

    def _read(self, item: Queued) -> Update | None:
        """The update as PTB's objects, or None (logged, counted) when PTB cannot read it,
        e.g. a field in a shape newer than this PTB: it is skipped, not retried."""
        try:
            return Update.de_json(item.payload, self.application.bot)
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            log.warning("update %s cannot be read (%s): skipped", item.update_id, reason)
            self.metrics.updates_dropped.labels("unreadable").inc()
            return None

    def _finished(self, item: Queued) -> None:
        self._book.handled(item.update_id)
        self._tell(item)

    def _tell(self, item: Queued) -> None:
        for listener in self.listeners:
            listener(item.update_id, item.kind)

    async def before_turn(self, db: AsyncSession, update_id: int, chat_id: int) -> None:
        """The gate every turn passes first, in its own transaction (Services.before_turn):
        the turn will record the update as handled, and, with replicas, an earlier update of
        the chat that another one holds goes first."""
        self._book.turn_began(db, update_id)
        if self._order is not None:
            await self._order.let_earlier_go_first(db, update_id, chat_id)
