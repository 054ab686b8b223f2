"""Group commit: many tasks each ask for one small write; whoever comes while a write is
running joins the next one. At a low rate every item gets its own statement at once; under
load one statement carries many, so the statements per item fall as the rate rises."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


class Coalescer(Generic[K, R]):
    """Calls write(keys) for the keys waiting, one call at a time; each caller gets its own
    key's result (or the write's exception)."""

    def __init__(self, write: Callable[[list[K]], Awaitable[dict[K, R]]]) -> None:
        self._write = write
        self._waiting: dict[K, asyncio.Future[R]] = {}
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, key: K) -> R:
        """Queue `key` for the next write and wait for its result; asking for a key already
        waiting shares its future. Cancelling the caller does not cancel the write."""
        future = self._waiting.get(key)
        if future is None:
            future = self._waiting[key] = asyncio.get_running_loop().create_future()
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await asyncio.shield(future)

    async def _run(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, {}
            try:
                results = await self._write(list(batch))
            except Exception as error:
                for future in batch.values():
                    if not future.done():
                        future.set_exception(error)
                        future.exception()  # retrieved: a caller that went away is fine
            else:
                for key, future in batch.items():
                    if not future.done():
                        future.set_result(results[key])

    async def idle(self) -> None:
        """Until every write asked for so far has finished."""
        while self._runner is not None and not self._runner.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(self._runner)
