"""The worker pool: which stored update is handled next, and by whom.

Each chat's updates wait in a queue of their own, in update_id order, and are handled one at a
time. Chats with work and no worker line up as ready chats; a bounded pool of workers takes
them round-robin, one update each, and puts the chat back at the end of the line while it has
more. A chat with a backlog therefore holds no worker while it waits: one person forwarding a
thousand messages occupies one worker, at Telegram's pace of about a message a second for their
chat, while everyone else is served by the others.

(PTB's own update processor takes one of its concurrency slots before an update waits for its
chat, so a chat with a backlog occupied every slot.)
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from bot.intake.updates import Queued

log = logging.getLogger(__name__)

# On stop, how long updates already being handled may take to finish (their replies wait for
# the chat's sending pace, a second or so); then they are cut short and handed back.
FINISH_SECONDS = 5.0

Handle = Callable[[Queued], Awaitable[None]]


class WorkerPool:
    """Handles queued updates with `handle`, per chat in order; calls `finished` with each one
    handled (not with one cut short at stop) and `cleared` with a chat's key once it has
    nothing left waiting."""

    def __init__(
        self,
        handle: Handle,
        finished: Callable[[Queued], None],
        cleared: Callable[[Hashable], None],
        finish_seconds: float = FINISH_SECONDS,
    ) -> None:
        self._handle, self._finished, self._cleared = handle, finished, cleared
        self._finish_seconds = finish_seconds
        self._chats: dict[Hashable, deque[Queued]] = {}  # chats with work, ready or in hand
        self._ready: asyncio.Queue[Hashable] = asyncio.Queue()  # chats waiting for a worker
        self._open = 0  # updates queued or being handled
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._workers: list[asyncio.Task[None]] = []
        self._busy: set[asyncio.Task[Any]] = set()  # workers in the middle of an update
        self._stopping = False

    @property
    def queued(self) -> int:
        """Updates queued or being handled."""
        return self._open

    def waiting(self, key: Hashable) -> int:
        """Updates of this chat queued or being handled."""
        return len(self._chats.get(key, ()))

    def add(self, item: Queued, key: Hashable) -> None:
        """Queue an update behind the others of its chat, in update_id order."""
        waiting = self._chats.get(key)
        if waiting is None:
            waiting = self._chats[key] = deque()
            self._ready.put_nowait(key)
        waiting.append(item)
        if len(waiting) > 1 and waiting[-2].update_id > item.update_id:
            # came out of order (two webhook requests at once): a chat goes by update_id
            ordered = sorted(waiting, key=lambda queued: queued.update_id)
            waiting.clear()
            waiting.extend(ordered)
        self._open += 1
        self._quiet.clear()

    def start(self, workers: int) -> None:
        """Serve with this many workers."""
        self._workers = [
            asyncio.create_task(self._work(), name=f"intake-worker-{number}")
            for number in range(workers)
        ]

    async def stop(self, timeout: float) -> None:
        """Handle what is queued within timeout. Then no update is started, and those being
        handled may finish within finish_seconds before they are cut short; what is left
        stays unfinished (the inbox keeps it for the next start)."""
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
            await asyncio.wait(set(self._busy), timeout=self._finish_seconds)
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []

    async def _work(self) -> None:
        me = asyncio.current_task()
        assert me is not None
        while not self._stopping:
            key = await self._ready.get()
            waiting = self._chats[key]
            item = waiting.popleft()
            self._busy.add(me)
            try:
                await self._handle(item)
            finally:
                self._busy.discard(me)
                if waiting:
                    self._ready.put_nowait(key)  # back of the line: round-robin
                else:
                    del self._chats[key]
                    self._cleared(key)
            self._open -= 1
            if not self._open:
                self._quiet.set()
            self._finished(item)
