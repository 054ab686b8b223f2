"""The /progress pain chart: during-session and next-morning pain over time, on the pain
model's bands, drawn with matplotlib's object API and Agg canvas (no pyplot, no display).

Charts are drawn in one separate process. In a worker thread they slowed every other chat:
matplotlib's C drawing code holds the GIL for tens of milliseconds at a time, which made
other users' reply latency 3.6× (median) and 5× (p95) its idle value (bench/chart.py).
"""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from functools import partial
from typing import ParamSpec, TypeVar

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

from content.catalogue import PainThresholds

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
ChartRows = Sequence[tuple[date, int | None, int | None]]
WIDTH_INCHES, HEIGHT_INCHES, DPI = 8, 4.5, 100  # 800 × 450 pixels
BANDS = ("#dff2e1", "#fdf0d2", "#f9dcdc")  # safe, acceptable, too much
DURING_COLOUR, MORNING_COLOUR, MARK_COLOUR = "#1f5fa8", "#c2571a", "#7a7a7a"


def render_pain_chart(sessions: ChartRows, pain: PainThresholds) -> bytes:
    """sessions: (day, pain during, next-morning pain) of each done session, oldest first."""
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    draw_bands(axes, pain)
    for column, label, colour, style in (
        (1, "during the session", DURING_COLOUR, "-"),
        (2, "next morning", MORNING_COLOUR, "--"),
    ):
        points = [(row[0], row[column]) for row in sessions if row[column] is not None]
        if points:
            days, scores = zip(*points, strict=True)
            axes.plot(days, scores, style, marker="o", markersize=3, color=colour, label=label)
    # A small mark at the bottom for every session done, scored or not.
    axes.plot(
        date2num([row[0] for row in sessions]),
        [-0.25] * len(sessions),
        "|",
        color=MARK_COLOUR,
        markersize=8,
        label="session done",
    )
    axes.set_ylim(-0.5, 10.5)
    axes.set_yticks(range(0, 11, 2))
    axes.set_ylabel("pain (0–10)")
    axes.set_title("Knee pain over time")
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.legend(loc="upper right", fontsize="small", framealpha=0.9)
    axes.margins(x=0.02)
    # Fixed margins: tight_layout would measure every label first, a fifth of the time.
    figure.subplots_adjust(left=0.08, right=0.98, top=0.92, bottom=0.1)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def draw_bands(axes: Axes, pain: PainThresholds) -> None:
    """The pain model's bands behind the scores: safe, acceptable, too much."""
    axes.axhspan(-0.5, pain.safe_max + 0.5, color=BANDS[0], zorder=0)
    axes.axhspan(pain.safe_max + 0.5, pain.acceptable_max + 0.5, color=BANDS[1], zorder=0)
    axes.axhspan(pain.acceptable_max + 0.5, 10.5, color=BANDS[2], zorder=0)


class ChartProcess:
    """One process drawing charts, animations and reports in turn, started on first use and
    replaced if it dies."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def draw(self, sessions: ChartRows, pain: PainThresholds) -> bytes:
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
                log.warning("the chart process died (attempt %d); starting a new one", attempt)
                self._pool = None
        raise RuntimeError("the chart process keeps dying")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
