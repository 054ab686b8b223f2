"""The drawing process: charts, animations and report pages are drawn in one separate process
at a lower priority, so that the bot's replies keep their CPU while a picture is made."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import ParamSpec, TypeVar

from content.catalogue import PainThresholds
from media.chart import ChartData, ChartRows, render_pain_chart

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


class DrawingProcess:
    """One process drawing charts, animations and reports in turn, started on first use and
    replaced if it dies."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def draw(self, sessions: ChartData | ChartRows, pain: PainThresholds) -> bytes:
        """The pain chart as PNG bytes, drawn in the drawing process."""
        return await self.run(render_pain_chart, sessions, pain)

    async def run(self, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """function(*args) in the drawing process; function, its arguments and its result
        must pickle (a module-level function and plain data)."""
        loop = asyncio.get_running_loop()
        call = partial(function, *args, **kwargs)
        for attempt in (1, 2):
            if self._pool is None:
                # "spawn": a fork would copy the bot's threads and open connections. The
                # lower priority lets the CPU go to answering people first.
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=context, initializer=os.nice, initargs=(10,)
                )
            try:
                return await loop.run_in_executor(self._pool, call)
            except BrokenProcessPool:
                log.warning("the drawing process died (attempt %d); starting a new one", attempt)
                self._pool = None
        raise RuntimeError("the drawing process keeps dying")

    def close(self) -> None:
        """Stop the drawing process, dropping queued drawings; the next call starts a new one."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
