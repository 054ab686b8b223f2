"""The /report pages as plain data: every word and number prepared by the caller, in the
person's language. It crosses into the drawing process, where media.pdf lays it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from content.catalogue import PainThresholds
from media.chart import DAY_COLOUR, DURING_COLOUR, MORNING_COLOUR, ChartLabels

FAMILY = "dejavu"
SERIES_STYLE = {
    "during": (DURING_COLOUR, "-"),
    "morning": (MORNING_COLOUR, "--"),
    "day": (DAY_COLOUR, ":"),
}

PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 14.0
WIDTH = PAGE_W - 2 * MARGIN
FOOTER_H = 12.0
INK, MUTED, RULE = (34, 40, 49), (105, 112, 122), (200, 204, 210)
BAR_DONE, BAR_PLANNED = (31, 95, 168), (226, 232, 240)
CHART_H = 44.0  # mm
ROW_H = 3.8  # a table row of one line, mm; a wrapped cell makes its row taller


@dataclass(frozen=True)
class PainSeries:
    """One line of the pain chart: its kind (colour and style), legend label and points."""

    kind: str  # "during", "morning" or "day": picks the colour and line style
    label: str
    points: tuple[tuple[date, int], ...]


@dataclass(frozen=True)
class PainChart:
    """The report's pain chart: the period shown, its lines, the pain bands behind them, and
    the skipped sessions, pauses and holds marked on it."""

    first: date
    last: date
    series: tuple[PainSeries, ...]
    ticks: tuple[tuple[date, str], ...]  # where to label the time axis, and with what
    axis_label: str
    pain: PainThresholds
    skipped: tuple[date, ...] = ()
    paused: tuple[tuple[date, date], ...] = ()  # first and last day
    holds: tuple[tuple[date, date], ...] = ()  # first and last day
    marks: ChartLabels = field(default_factory=ChartLabels)  # the legend's words for them


@dataclass(frozen=True)
class WeekBar:
    """One week's bar in the adherence chart: sessions done against planned."""

    label: str  # the week's Monday, e.g. "9 Nov"
    done: int
    planned: int


@dataclass(frozen=True)
class Table:
    """A table of text; column widths are shares of the page width."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # shares of the page width
    empty: str = ""  # said instead when there are no rows
    small: bool = False  # a smaller font, for many narrow columns


@dataclass(frozen=True)
class Section:
    """A titled block of the report: a table, lines after it, or both."""

    title: str
    lines: tuple[str, ...] = ()
    table: Table | None = None


@dataclass(frozen=True)
class ReportDocument:
    """Everything the /report PDF shows, every word already in the person's language."""

    title: str
    continued: str  # atop every page after the first: whose report it is
    facts: tuple[tuple[str, str], ...]  # (label, value), shown in two columns
    adherence_title: str
    weeks: tuple[WeekBar, ...]
    adherence_lines: tuple[str, ...]
    pain_title: str
    chart: PainChart
    pain_note: str  # under the chart: the bands and the lines
    sections: tuple[Section, ...] = field(default=())
    footer: str = ""
    page_number: str = "{page} / {pages}"  # under the footer when there is more than one page
