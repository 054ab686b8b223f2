"""The /report PDF laid out with fpdf2, and its chart drawn by matplotlib: the drawing
process's half of media.report (imported there on first use, never by the bot's own
process, which only builds the plain ReportDocument). Text wraps rather than being cut, and
what does not fit on the page continues on the next one."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from media.chart import draw_bands, draw_marks, segments
from media.document import (
    BAR_DONE,
    BAR_PLANNED,
    CHART_H,
    FAMILY,
    FOOTER_H,
    INK,
    MARGIN,
    MUTED,
    PAGE_H,
    PAGE_W,
    ROW_H,
    RULE,
    SERIES_STYLE,
    WIDTH,
    PainChart,
    ReportDocument,
    Section,
    Table,
    WeekBar,
)

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT, FONT_BOLD = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
WEEK_BARS_H = 18.0  # the adherence bars with their labels, mm
RUNNING_HEAD_H = 8.0  # whose report, atop a page after the first, mm
ROW_PAD = 0.6  # above and below the text of a table row, mm
CELL_MARGIN = 0.6  # left and right of the text in a cell, mm (fpdf2's default is 1)


def render_report(document: ReportDocument) -> bytes:
    """The report as A4 pages: one page when everything fits, as it usually does; what does
    not fit continues on the next page (a table with its header again). Nothing is cut or
    left out: long names and doses wrap inside their cells."""
    pdf = _Page(document)
    pdf.heading(document.title, 16)
    pdf.facts(document.facts)
    pdf.heading(document.adherence_title, 11, keep=WEEK_BARS_H)
    pdf.week_bars(document.weeks)
    pdf.lines(document.adherence_lines)
    pdf.heading(document.pain_title, 11, keep=CHART_H)
    pdf.chart(document.chart)
    pdf.lines((document.pain_note,), size=7.5, colour=MUTED)
    for section in document.sections:
        pdf.section(section)
    pdf.footers()
    return bytes(pdf.output())


def render_chart_svg(
    chart: PainChart, width_mm: float = WIDTH, height_mm: float = CHART_H
) -> bytes:
    """The report's pain chart as SVG, text as paths (no font needed to show it)."""
    figure = report_chart_figure(chart, width_mm, height_mm)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    # fpdf2 reads drawing elements only; the RDF metadata block would just be warned about.
    return re.sub(rb"<metadata>.*?</metadata>", b"", buffer.getvalue(), flags=re.DOTALL)


def report_chart_figure(
    chart: PainChart, width_mm: float = WIDTH, height_mm: float = CHART_H
) -> Figure:
    """The report's pain chart as a matplotlib figure: the scores on the pain bands, with the
    skipped sessions, pauses and holds marked, and the legend above the plot (never over a
    score)."""
    figure = Figure(figsize=(width_mm / 25.4, height_mm / 25.4))
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    draw_bands(axes, chart.pain)
    _draw_series(axes, chart)
    draw_marks(axes, chart.skipped, chart.paused, chart.holds, chart.marks, size=3.5)
    _draw_axes(axes, chart)
    _place_legend(figure, axes)
    return figure


def _draw_series(axes: Axes, chart: PainChart) -> None:
    """Each line of scores, one legend entry per line however many runs it breaks into."""
    for series in chart.series:
        if not series.points:
            continue
        colour, style = SERIES_STYLE[series.kind]
        for index, run in enumerate(segments(list(series.points))):
            days, scores = zip(*run, strict=True)
            axes.plot(
                days,
                scores,
                style,
                marker="o",
                markersize=2.5,
                linewidth=1.1,
                color=colour,
                label=series.label if index == 0 else None,
            )


def _draw_axes(axes: Axes, chart: PainChart) -> None:
    """The report's period along the bottom, 0–10 up the side, small and thin for print."""
    axes.set_xlim(float(date2num(chart.first)), float(date2num(chart.last)))
    axes.set_ylim(-0.5, 10.5)
    axes.set_yticks(range(0, 11, 2))
    axes.set_xticks(date2num([day for day, _ in chart.ticks]), [label for _, label in chart.ticks])
    axes.tick_params(labelsize=7, length=2)
    axes.set_ylabel(chart.axis_label, fontsize=7)
    for spine in axes.spines.values():
        spine.set_linewidth(0.6)


def _place_legend(figure: Figure, axes: Axes) -> None:
    """The legend above the plot in one row, or in two when one is wider than the plot; the
    plot's top margin leaves it the room."""
    entries = len(axes.get_legend_handles_labels()[1])
    for rows, top in ((1, 0.88), (2, 0.8)):
        figure.subplots_adjust(left=0.06, right=0.995, top=top, bottom=0.12)
        if not entries:
            break
        legend = axes.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            fontsize=6.5,
            ncols=math.ceil(entries / rows),
            frameon=False,
            borderaxespad=0.2,
            handlelength=1.6,
            columnspacing=1.2,
        )
        if legend.get_window_extent().width <= axes.get_window_extent().width:
            break


@cache
def _glyphs() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    with TTFont(FONT, lazy=True) as font:
        return frozenset(font.getBestCmap())


def printable(text: str) -> str:
    """text without the characters the font cannot show (emoji), spaces tidied."""
    glyphs = _glyphs()
    kept = "".join(char for char in text if ord(char) in glyphs or char == "\n")
    return re.sub(r"[ \t]{2,}", " ", kept).strip()


class _Page(FPDF):
    """The report's pages: a new one starts when the next block does not fit, headed by
    whose report it is; the footer goes on every page at the end."""

    def __init__(self, document: ReportDocument) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document = document
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.c_margin = CELL_MARGIN
        self.set_auto_page_break(False)
        self.add_font(FAMILY, "", FONT)
        self.add_font(FAMILY, "B", FONT_BOLD)
        self.set_creator("Knee Coach")
        self.add_page()
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)

    @property
    def bottom(self) -> float:
        return PAGE_H - MARGIN - FOOTER_H

    def room(self) -> float:
        return self.bottom - self.get_y()

    def fit(self, height: float) -> bool:
        """Start a new page unless `height` fits in the room left; whether one started."""
        if height <= self.room() or self.get_y() <= self.t_margin + RUNNING_HEAD_H:
            return False
        self.add_page()
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(WIDTH, 4, printable(self.document.continued), new_x=XPos.LMARGIN)
        self.set_text_color(*INK)
        y = self.get_y() + 4.6
        self.line(MARGIN, y, PAGE_W - MARGIN, y)
        self.set_xy(MARGIN, y + 2)
        return True

    def heading(self, text: str, size: float, keep: float = 0) -> None:
        """A title; keep: the height of what must follow it on the same page."""
        height = size * 0.5 + (2.6 if size < 14 else 1.2)
        self.fit(height + keep)
        self.ln(1.0 if size < 14 else 0)
        self.set_font(FAMILY, "B", size)
        self.cell(WIDTH, size * 0.5, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if size < 14:
            y = self.get_y() + 0.4
            self.line(MARGIN, y, PAGE_W - MARGIN, y)
        self.ln(1.2)

    def section(self, section: Section) -> None:
        """Its title kept with the first row or line that follows it."""
        first = 0.0
        if section.table is not None and section.table.rows:
            first = self._header_height(section.table) + self._row_height(
                section.table, section.table.rows[0]
            )
        elif section.table is not None and section.table.empty:
            first = self._lines_height(section.table.empty)
        elif section.lines:
            first = self._lines_height(section.lines[0])
        self.heading(section.title, 11, keep=first)
        if section.table is not None:
            self.data_table(section.table)
        self.lines(section.lines)

    def facts(self, facts: Sequence[tuple[str, str]]) -> None:
        """label value, two to a line where both fit in half the width, else one."""
        half = WIDTH / 2
        column = 0
        for label, value in facts:
            label, value = printable(label), printable(value)
            self.set_font(FAMILY, "", 8.5)
            label_w = self.get_string_width(label) + 1.5
            self.set_font(FAMILY, "B", 8.5)
            needed = label_w + self.get_string_width(value)
            wide = needed > half - 2
            if column == 1 and wide:
                self.ln(4.6)
                column = 0
            self.set_x(MARGIN + column * half)
            self.set_font(FAMILY, "", 8.5)
            self.set_text_color(*MUTED)
            self.cell(label_w, 4.6, label)
            self.set_text_color(*INK)
            self.set_font(FAMILY, "B", 8.5)
            self.cell(WIDTH - label_w if wide else half - label_w, 4.6, value)
            if wide or column == 1:
                self.ln(4.6)
                column = 0
            else:
                column = 1
        if column == 1:
            self.ln(4.6)

    def lines(
        self, lines: Sequence[str], size: float = 8.5, colour: tuple[int, int, int] = INK
    ) -> None:
        """Each line wrapped to the width, whole on one page."""
        height = self._line_height(size)
        for line in lines:
            self.fit(self._lines_height(line, size))
            self.set_font(FAMILY, "", size)
            self.set_text_color(*colour)
            self.multi_cell(
                WIDTH, height, printable(line), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.set_text_color(*INK)

    @staticmethod
    def _line_height(size: float) -> float:
        return size * 0.48

    def _lines_height(self, text: str, size: float = 8.5) -> float:
        """The height of one of lines() as wrapped."""
        self.set_font(FAMILY, "", size)
        height = self._line_height(size)
        return self._wrapped(printable(text), WIDTH, height) * height

    def _wrapped(self, text: str, width: float, height: float) -> int:
        """How many lines text takes in a box of that width, at the current font."""
        found = self.multi_cell(width, height, text, dry_run=True, output="LINES")
        return max(len(found), 1) if isinstance(found, list) else 1

    def week_bars(self, weeks: Sequence[WeekBar]) -> None:
        if not weeks:
            return
        top, bar_h = self.get_y() + 4, 9.0
        slot = min(WIDTH / len(weeks), 16.0)
        width = slot * 0.62
        most = max(max(week.planned, week.done) for week in weeks) or 1
        every = 1 if slot >= 9 else 2
        for index, week in enumerate(weeks):
            x = MARGIN + index * slot + (slot - width) / 2
            planned_h = bar_h * week.planned / most
            done_h = bar_h * week.done / most
            self.set_fill_color(*BAR_PLANNED)
            self.rect(x, top + bar_h - planned_h, width, planned_h, style="F")
            self.set_fill_color(*BAR_DONE)
            if done_h:
                self.rect(x, top + bar_h - done_h, width, done_h, style="F")
            self.set_font(FAMILY, "B", 6.5)
            self.set_xy(x - 2, top + bar_h - max(planned_h, done_h) - 3.2)
            self.cell(width + 4, 3, f"{week.done}/{week.planned}", align="C")
            if index % every == 0:
                self.set_font(FAMILY, "", 6)
                self.set_text_color(*MUTED)
                self.set_xy(x - 4, top + bar_h + 0.6)
                self.cell(width + 8, 3, printable(week.label), align="C")
                self.set_text_color(*INK)
        self.set_xy(MARGIN, top + bar_h + 4.5)

    def chart(self, chart: PainChart) -> None:
        self.fit(CHART_H + 0.5)
        y = self.get_y()
        self.image(io.BytesIO(render_chart_svg(chart)), x=MARGIN, y=y, w=WIDTH, h=CHART_H)
        self.set_xy(MARGIN, y + CHART_H + 0.5)

    def _font_of(self, table: Table, header: bool = False) -> tuple[str, float]:
        size = 6.8 if table.small else 8.0
        if header:
            return ("" if table.small else "B"), size - 0.5
        return "", size

    def _cells_height(self, table: Table, cells: Sequence[str], header: bool = False) -> float:
        style, size = self._font_of(table, header)
        self.set_font(FAMILY, style, size)
        height = self._line_height(size - 1.4)
        widths = [share * WIDTH for share in table.widths]
        lines = max(
            self._wrapped(printable(text), width, height)
            for width, text in zip(widths, cells, strict=True)
        )
        return max(ROW_H, lines * height + ROW_PAD)

    def _header_height(self, table: Table) -> float:
        return self._cells_height(table, table.header, header=True)

    def _row_height(self, table: Table, row: Sequence[str]) -> float:
        return self._cells_height(table, row)

    def _draw_cells(self, table: Table, cells: Sequence[str], height: float, header: bool) -> None:
        """One row: each cell's text wrapped in its column; the cells as tall as the row's
        tallest sit in its middle, shorter ones at its top."""
        style, size = self._font_of(table, header)
        line = self._line_height(size - 1.4)
        tallest = max(1, round((height - ROW_PAD) / line))
        top, x = self.get_y(), MARGIN
        for share, text in zip(table.widths, cells, strict=True):
            width = share * WIDTH
            self.set_font(FAMILY, style, size)
            used = self._wrapped(printable(text), width, line)
            offset = (height - used * line) / 2 if used == tallest else ROW_PAD / 2
            self.set_xy(x, top + offset)
            self.multi_cell(
                width, line, printable(text), align="L", new_x=XPos.RIGHT, new_y=YPos.TOP
            )
            x += width
        self.set_xy(MARGIN, top + height)

    def data_table(self, table: Table) -> None:
        """The header, then row by row; a row that does not fit starts the next page, with
        the header again."""
        if not table.rows:
            if table.empty:
                self.lines((table.empty,))
            return
        header_h = self._header_height(table)
        self._header(table, header_h)
        for index, row in enumerate(table.rows):
            height = self._row_height(table, row)
            if self.fit(height):
                self._header(table, header_h)
            if index % 2 == 0:
                self.set_fill_color(245, 246, 248)
                self.rect(MARGIN, self.get_y(), WIDTH, height, style="F")
            self.set_text_color(*INK)
            self._draw_cells(table, row, height, header=False)

    def _header(self, table: Table, height: float) -> None:
        self.set_text_color(*MUTED)
        self._draw_cells(table, table.header, height, header=True)
        self.set_text_color(*INK)

    def footers(self) -> None:
        """The footer on every page, and the page number when there is more than one."""
        pages = self.page_no()
        for page in range(1, pages + 1):
            self.page = page
            # fpdf2 writes the font into a page's content only when it changes; back on an
            # earlier page it must be written again, or the page's last font would be used.
            self.current_font_is_set_on_page = False
            y = PAGE_H - MARGIN - FOOTER_H + 4
            self.line(MARGIN, y - 1.5, PAGE_W - MARGIN, y - 1.5)
            self.set_xy(MARGIN, y)
            self.set_font(FAMILY, "", 7)
            self.set_text_color(*MUTED)
            self.multi_cell(WIDTH, 3.4, printable(self.document.footer), align="C")
            if pages > 1:
                self.set_xy(MARGIN, PAGE_H - MARGIN - 3.4)
                label = self.document.page_number.format(page=page, pages=pages)
                self.cell(WIDTH, 3.4, printable(label), align="R")
        self.page = pages
