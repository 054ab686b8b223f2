"""Inbox bookkeeping: this process's side of the inbox (storage.inbox), where every update is
stored before Telegram is told it arrived, so that a stop, a crash or a database outage loses
none.

It owns the rows' life as this process sees it. An update is stored claimed by this process;
the claims are renewed while it lives; updates whose process died are taken up once their
claims are stale (and one taken up too often is given up: it must not block every restart);
at stop, what is left is handed back, free for the next process at once; handled ids are
forgotten once Telegram can no longer send them again.

"Handled" is recorded once per update. A turn (handlers' one update, in one transaction)
records its update itself, in that transaction (storage.inbox.take), so a re-delivered update
never applies twice. The bookkeeping records only the others: updates no turn took (a group
chat, a type no handler takes, one PTB cannot read) and turns that did not commit (their
handler failed), a few at a time in one statement. It learns which turns committed from their
transactions: the intake's gate asks to be told when the turn's transaction commits
(storage.inbox.on_commit).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.intake.config import IntakeConfig
from bot.metrics import Metrics
from scheduler.clock import Clock
from storage import inbox
from storage.db import Database
from storage.inbox import Stored

log = logging.getLogger(__name__)

MARK_DELAY = 0.5  # seconds a handled update may wait to be recorded with others
CLAIM_BATCH = 500  # stored updates taken up per statement


class Bookkeeping:
    """Stores updates, keeps this process's claims, and records handled the updates no turn
    recorded (see the module docstring)."""

    def __init__(
        self,
        database: Database,
        metrics: Metrics,
        clock: Clock,
        worker: str,
        config: IntakeConfig,
    ) -> None:
        self._database = database
        self._metrics = metrics
        self._clock = clock  # the real time: leases are about processes, not about people
        self._worker = worker
        self._config = config
        # Updates a worker is on; True once their turn has committed (and recorded them).
        self._handling: dict[int, bool] = {}
        self._unmarked: list[int] = []  # handled, not yet recorded as handled
        self._marker: asyncio.Task[None] | None = None
        self._chores: asyncio.Task[None] | None = None

    def stale_before(self) -> datetime:
        """A claim older than this belongs to a process that is gone."""
        return self._clock.now() - self._config.lease

    async def store(self, updates: Sequence[tuple[int, str, int | None]]) -> set[int]:
        """Store (update_id, payload JSON, chat_id), claimed by this process; returns the ids
        that were new (the others came again). Raises when they could not be stored."""
        async with self._database.connection() as connection:
            return await inbox.store(connection, updates, self._worker, self._clock.now())

    # -- the record of handled -----------------------------------------------------------

    def handling(self, update_id: int) -> None:
        """A worker starts on this update: from now its turn may record it."""
        self._handling[update_id] = False

    def turn_began(self, db: AsyncSession, update_id: int) -> None:
        """In a turn's transaction: once it commits, the update is recorded as handled (the
        turn did it) and the bookkeeping leaves it be."""
        if update_id in self._handling:
            inbox.on_commit(db, functools.partial(self._recorded_by_turn, update_id))

    def _recorded_by_turn(self, update_id: int) -> None:
        if update_id in self._handling:
            self._handling[update_id] = True

    def handled(self, update_id: int) -> None:
        """Done with this stored update: record it as handled, unless its turn did. Soon, with
        others in one statement, not at once: a write per update would slow the next down
        (until then a restart would handle it again; nothing of it was committed)."""
        if self._handling.pop(update_id, False):
            return
        self._unmarked.append(update_id)
        if self._marker is None or self._marker.done():
            self._marker = asyncio.create_task(self._record_soon())

    async def _record_soon(self) -> None:
        await asyncio.sleep(MARK_DELAY)
        await self._record_handled()

    async def _record_handled(self) -> None:
        """Record handled updates, many in one statement; retried while the database is
        away."""
        delay = 0.1
        while self._unmarked:
            batch, self._unmarked = self._unmarked, []
            try:
                async with self._database.connection() as connection:
                    await inbox.mark_handled(connection, batch, self._clock.now())
                delay = 0.1
            except Exception as error:
                self._unmarked = batch + self._unmarked
                log.warning("could not record %d updates as handled: %s", len(batch), error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            except BaseException:  # cancelled while writing: keep them for the next write
                self._unmarked = batch + self._unmarked
                raise

    # -- claims ---------------------------------------------------------------------------

    async def take_unhandled(
        self, claimed_before: datetime | None, take_up: Callable[[Stored], None]
    ) -> int:
        """Claim the stored updates no living process holds (claimed before claimed_before;
        None: every one this process does not hold) and pass each to take_up, oldest first;
        returns how many. One taken up more than max_attempts times is given up instead."""
        taken = 0
        while True:
            async with self._database.connection() as connection:
                rows = await inbox.claim_unhandled(
                    connection, self._worker, self._clock.now(), claimed_before, CLAIM_BATCH
                )
            if not rows:
                return taken
            limit = self._config.max_attempts
            await self._give_up([row.update_id for row in rows if row.attempts > limit])
            for row in rows:
                if row.attempts <= limit:
                    take_up(row)
                    taken += 1

    async def _give_up(self, update_ids: list[int]) -> None:
        if not update_ids:
            return
        log.error(
            "updates %s given up: taken up more than %d times",
            update_ids,
            self._config.max_attempts,
        )
        self._metrics.updates_dropped.labels("given_up").inc(len(update_ids))
        async with self._database.connection() as connection:
            await inbox.mark_handled(connection, update_ids, self._clock.now())

    def start(self, take_up: Callable[[Stored], None]) -> None:
        """While this process lives: keep its claims fresh, pass to take_up the updates whose
        process died, and forget handled update ids after a while."""
        self._chores = asyncio.create_task(self._housekeeping(take_up), name="intake-chores")

    async def _housekeeping(self, take_up: Callable[[Stored], None]) -> None:
        interval = self._config.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                async with self._database.connection() as connection:
                    await inbox.renew_claims(connection, self._worker, self._clock.now())
                taken = await self.take_unhandled(self.stale_before(), take_up)
                if taken:
                    log.info("%d stored updates of a stopped process taken up", taken)
                async with self._database.connection() as connection:
                    await inbox.forget(connection, self._clock.now() - self._config.keep)
            except Exception as error:  # the database is away: next round
                log.warning("inbox housekeeping failed: %s", error)

    async def close(self) -> None:
        """Stopping, once no worker is left: record what was handled, and hand back the rest
        of this process's claims for the next process."""
        tasks = [task for task in (self._chores, self._marker) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._chores = self._marker = None
        self._handling.clear()  # cut short: handed back below, unless their turn committed
        try:
            async with asyncio.timeout(5):
                await self._record_handled()
                async with self._database.connection() as connection:
                    handed_back = await inbox.hand_back(connection, self._worker)
            if handed_back:
                log.info("%d stored updates handed back for the next start", handed_back)
        except Exception as error:  # the next process finds them once the claims expire
            log.warning("could not hand back the stored updates: %s", error)
