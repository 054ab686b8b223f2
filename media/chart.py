"""The /progress pain chart: during-session and next-morning pain over time, on the pain
model's bands, drawn with matplotlib's object API and Agg canvas (no pyplot, no display).
matplotlib is imported by the drawing functions only: the bot's own process never loads it.

Charts are drawn in one separate process. In a worker thread they slowed every other chat:
matplotlib's C drawing code holds the GIL for long stretches, which held up other users'
replies several times over (BENCHMARKS.md, /progress chart).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from babel.dates import format_skeleton

from content.catalogue import PainThresholds
from content.i18n import _

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
ChartRows = Sequence[tuple[date, int | None, int | None]]
WIDTH_INCHES, HEIGHT_INCHES, DPI = 8, 4.5, 100  # 800 × 450 pixels
BANDS = ("#dff2e1", "#fdf0d2", "#f9dcdc")  # safe, acceptable, too much
DURING_COLOUR, MORNING_COLOUR, MARK_COLOUR = "#1f5fa8", "#c2571a", "#7a7a7a"
DAY_COLOUR, SKIP_COLOUR = "#6b3fa0", "#5a5a5a"
PAUSE_COLOUR, HOLD_COLOUR, HOLD_EDGE = "#cfd3d8", "#8d99ae", "#4a5568"
MAX_GAP = timedelta(days=7)  # points further apart than this are not joined by a line


@dataclass(frozen=True)
class ChartLabels:
    """The chart's words, translated before they cross into the chart process (which does not
    know the person's language); English by default."""

    during: str = "during the session"
    morning: str = "next morning"
    day: str = "knee that day"
    paused: str = "paused"
    hold: str = "on hold (see a clinician)"
    done: str = "session done"
    skipped: str = "skipped"
    axis: str = "pain (0–10)"
    title: str = "Knee pain over time"


def chart_labels() -> ChartLabels:
    """The chart's words in the current language."""
    return ChartLabels(
        during=_("during the session"),
        morning=_("next morning"),
        day=_("knee that day"),
        paused=_("paused"),
        hold=_("on hold (see a clinician)"),
        done=_("session done"),
        skipped=_("skipped"),
        axis=_("pain (0–10)"),
        title=_("Knee pain over time"),
    )


@dataclass(frozen=True)
class ChartData:
    """Everything the chart shows, as plain data (it crosses into the chart process).

    sessions: (day, pain during, next-morning pain) of each done session, oldest first; the
    morning score is drawn on the morning's own date, the day after the session."""

    sessions: ChartRows
    day_scores: Sequence[tuple[date, int]] = ()
    skipped: Sequence[date] = ()
    holds: Sequence[tuple[date, date]] = ()  # on hold after a warning sign, first and last day
    paused: Sequence[tuple[date, date]] = ()  # paused by the person, first and last day
    first_day: date | None = None  # the person joined (the axis starts on that week's Monday)
    today: date | None = None
    language: str = "en"
    labels: ChartLabels = ChartLabels()


def segments(points: list[tuple[date, int]]) -> list[list[tuple[date, int]]]:
    """Runs of points with no gap longer than a week between neighbours."""
    runs: list[list[tuple[date, int]]] = []
    for point in sorted(points):
        if runs and point[0] - runs[-1][-1][0] <= MAX_GAP:
            runs[-1].append(point)
        else:
            runs.append([point])
    return runs


def _axis(data: ChartData, days: list[date]) -> tuple[date, date, list[date]]:
    """From the Monday of the person's first week to the end of this week, with a tick on
    each Monday (every second or fourth one over longer spans)."""
    first = min([*days, *(d for d in (data.first_day, data.today) if d)])
    last = max([*days, *(d for d in (data.first_day, data.today) if d)])
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=7 - last.weekday())
    weeks = (end - start).days // 7
    step = 1 if weeks <= 8 else 2 if weeks <= 16 else 4
    ticks = [start + timedelta(weeks=week) for week in range(0, weeks + 1, step)]
    return start, end, ticks


def series(data: ChartData) -> dict[str, list[list[tuple[date, int]]]]:
    """Each line of the chart as runs of (date, score), split where a week or more passed:
    pain during sessions, next mornings on the morning's own date, and day scores."""
    sessions = list(data.sessions)
    return {
        "during the session": segments([(r[0], r[1]) for r in sessions if r[1] is not None]),
        "next morning": segments(
            [(r[0] + timedelta(days=1), r[2]) for r in sessions if r[2] is not None]
        ),
        "knee that day": segments(list(data.day_scores)),
    }


def x_axis(data: ChartData) -> tuple[date, date, list[date], list[str]]:
    """The first and last day shown, the ticks and their labels ("Nov 30") in the person's
    language: the person's own weeks, not years."""
    days = [point[0] for runs in series(data).values() for run in runs for point in run]
    days += [row[0] for row in data.sessions] + list(data.skipped)
    days += [day for held in (*data.holds, *data.paused) for day in held]
    start, end, ticks = _axis(data, days or [data.today or date.today()])  # noqa: DTZ011 (no date at all: only bare rows)
    return (
        start,
        end,
        ticks,
        [format_skeleton("MMMd", tick, locale=data.language) for tick in ticks],
    )


def render_pain_chart(data: ChartData | ChartRows, pain: PainThresholds) -> bytes:
    """The pain chart as a PNG: sessions (during and next morning), day scores, skipped days,
    pauses and holds over the person's own weeks."""
    buffer = io.BytesIO()
    pain_figure(data, pain).savefig(buffer, format="png")
    return buffer.getvalue()


def pain_figure(data: ChartData | ChartRows, pain: PainThresholds) -> Figure:
    """The /progress chart as a matplotlib figure (Agg canvas); its legend sits under the
    plot, where it can never cover a score."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not isinstance(data, ChartData):
        data = ChartData(sessions=data)
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    draw_bands(axes, pain)
    _draw_scores(axes, data)
    _draw_sessions_done(axes, data)
    draw_marks(axes, data.skipped, data.paused, data.holds, data.labels)
    _draw_axes(axes, data)
    entries = len(axes.get_legend_handles_labels()[1])
    axes.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.07),
        ncols=min(entries, 4),
        fontsize="small",
        frameon=False,
    )
    # Fixed margins: tight_layout would measure every label first, a fifth of the time.
    figure.subplots_adjust(left=0.08, right=0.98, top=0.92, bottom=0.22)
    return figure


def _draw_scores(axes: Axes, data: ChartData) -> None:
    """Each line of scores, one legend entry per line however many runs it breaks into."""
    from matplotlib.dates import date2num

    words = data.labels
    styles = {
        "during the session": (DURING_COLOUR, "-", words.during),
        "next morning": (MORNING_COLOUR, "--", words.morning),
        "knee that day": (DAY_COLOUR, ":", words.day),
    }
    for line, runs in series(data).items():
        colour, style, label = styles[line]
        for index, run in enumerate(runs):
            xs, ys = zip(*run, strict=True)
            axes.plot(
                date2num(xs),
                ys,
                style,
                marker="o",
                markersize=4,
                color=colour,
                label=label if index == 0 else None,
            )


def _draw_sessions_done(axes: Axes, data: ChartData) -> None:
    """A small mark at the bottom for every session done, scored or not."""
    from matplotlib.dates import date2num

    sessions = list(data.sessions)
    if not sessions:
        return
    axes.plot(
        date2num([row[0] for row in sessions]),
        [-0.25] * len(sessions),
        "|",
        color=MARK_COLOUR,
        markersize=8,
        label=data.labels.done,
    )


def _draw_axes(axes: Axes, data: ChartData) -> None:
    """The person's own weeks along the bottom, 0–10 up the side, and the title."""
    from matplotlib.dates import date2num

    start, end, ticks, labels = x_axis(data)
    axes.set_xlim(date2num(start) - 0.5, date2num(end) + 0.5)
    axes.set_xticks(date2num(ticks))
    axes.set_xticklabels(labels)
    axes.set_ylim(-0.5, 10.5)
    axes.set_yticks(range(0, 11, 2))
    axes.set_ylabel(data.labels.axis)
    axes.set_title(data.labels.title)


def draw_bands(axes: Axes, pain: PainThresholds) -> None:
    """The pain model's bands behind the scores: safe, acceptable, too much."""
    axes.axhspan(-0.5, pain.safe_max + 0.5, color=BANDS[0], zorder=0)
    axes.axhspan(pain.safe_max + 0.5, pain.acceptable_max + 0.5, color=BANDS[1], zorder=0)
    axes.axhspan(pain.acceptable_max + 0.5, 10.5, color=BANDS[2], zorder=0)


def draw_marks(
    axes: Axes,
    skipped: Sequence[date],
    paused: Sequence[tuple[date, date]],
    holds: Sequence[tuple[date, date]],
    words: ChartLabels,
    size: float = 6,
) -> None:
    """What has no score but matters to the story, on /progress and /report alike: each
    skipped session as a cross on the bottom line, paused periods shaded light grey, and holds
    after a warning sign shaded slate and edged, each whole day from its first to its last
    (no hatching: the report's SVG reader does not draw patterns)."""
    from matplotlib.dates import date2num

    for index, (first, last) in enumerate(paused):
        axes.axvspan(
            date2num(first) - 0.5,
            date2num(last) + 0.5,
            facecolor=PAUSE_COLOUR,
            alpha=0.75,
            linewidth=0,
            zorder=1,
            label=words.paused if index == 0 else None,
        )
    for index, (first, last) in enumerate(holds):
        axes.axvspan(
            date2num(first) - 0.5,
            date2num(last) + 0.5,
            facecolor=HOLD_COLOUR,
            edgecolor=HOLD_EDGE,
            alpha=0.45,
            linewidth=0.8,
            zorder=1,
            label=words.hold if index == 0 else None,
        )
    if skipped:
        axes.plot(
            date2num(list(skipped)),
            [-0.25] * len(skipped),
            "x",
            color=SKIP_COLOUR,
            markersize=size,
            linestyle="none",
            label=words.skipped,
        )
