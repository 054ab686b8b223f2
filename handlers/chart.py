"""The /progress pain chart: during-session and next-morning pain over time, on the pain
model's bands. Uses matplotlib's object API (no pyplot, no global state), so it is safe to run
in a worker thread, and the Agg canvas, so no display is needed."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from content.catalogue import PainThresholds

WIDTH_INCHES, HEIGHT_INCHES, DPI = 8, 4.5, 100  # 800 × 450 pixels
BANDS = ("#dff2e1", "#fdf0d2", "#f9dcdc")  # safe, acceptable, too much
DURING_COLOUR, MORNING_COLOUR, MARK_COLOUR = "#1f5fa8", "#c2571a", "#7a7a7a"


def render_pain_chart(
    sessions: Sequence[tuple[date, int | None, int | None]], pain: PainThresholds
) -> bytes:
    """sessions: (day, pain during, next-morning pain) of each done session, oldest first."""
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.axhspan(-0.5, pain.safe_max + 0.5, color=BANDS[0], zorder=0)
    axes.axhspan(pain.safe_max + 0.5, pain.acceptable_max + 0.5, color=BANDS[1], zorder=0)
    axes.axhspan(pain.acceptable_max + 0.5, 10.5, color=BANDS[2], zorder=0)
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
        [row[0] for row in sessions],
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
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
