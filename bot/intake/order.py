"""Replica ordering: a chat's updates apply in update_id order across webhook replicas.

Within one process the worker pool keeps each chat's order. Two webhook requests at once,
routed to two replicas, can still bring one chat's updates to different processes; the later
one then waits until the earlier one is handled there, seen in the inbox they share
(storage.inbox.held_elsewhere_before). Not for ever: a replica that died leaves a stale claim,
and a slow handler there must not hold this chat up for long. SQLite has one process: nothing
to wait for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage import inbox

log = logging.getLogger(__name__)

# How long an update waits for an earlier one of its chat that another replica holds, and how
# often it looks again (only while there is one: two updates of a chat at two replicas).
ORDER_WAIT_SECONDS = 10.0
ORDER_POLL_SECONDS = 0.05


class ReplicaOrder:
    """Lets an earlier update of the chat, held by another replica, go first. stale_before:
    a claim older than it belongs to a process that is gone."""

    def __init__(
        self,
        worker: str,
        stale_before: Callable[[], datetime],
        wait_seconds: float = ORDER_WAIT_SECONDS,
        poll_seconds: float = ORDER_POLL_SECONDS,
    ) -> None:
        self._worker = worker
        self._stale_before = stale_before
        self._wait_seconds = wait_seconds
        self._poll_seconds = poll_seconds

    async def let_earlier_go_first(self, db: AsyncSession, update_id: int, chat_id: int) -> None:
        """Return once no other living replica holds an earlier unhandled update of this chat,
        or after wait_seconds.

        Runs first in the turn's own transaction (the intake's gate, Services.before_turn),
        before the turn takes any lock: a transaction of its own cost three more round trips
        per update. A database error here is the turn's, as any of its statements' (retried
        when the connection was lost)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_seconds
        announced = False
        while True:
            earlier = await inbox.held_elsewhere_before(
                db, chat_id, update_id, self._worker, self._stale_before()
            )
            if earlier is None:
                return
            if loop.time() >= deadline:
                log.warning(
                    "update %s handled before update %s of its chat: that one is still being "
                    "handled by another replica after %.0f s",
                    update_id,
                    earlier,
                    self._wait_seconds,
                )
                return
            if not announced:
                log.info(
                    "update %s waits for update %s of its chat (held by another replica)",
                    update_id,
                    earlier,
                )
                announced = True
            await asyncio.sleep(self._poll_seconds)
