"""The /report PDF laid out with fpdf2, and its chart drawn by matplotlib: the drawing
process's half of handlers.media.report (imported there on first use, never by the bot's own
process, which only builds the plain ReportDocument)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from handlers.media.chart import draw_bands
from handlers.media.document import (
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
    Table,
    WeekBar,
)

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT, FONT_BOLD = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"


def render_report(document: ReportDocument) -> bytes:
    """The one-page PDF. Lists too long for the page end in "…" (or, for a list in time order,
    start with it and keep the latest); nothing flows onto a second page."""
    pdf = _Page()
    pdf.heading(document.title, 16)
    pdf.facts(document.facts)
    pdf.heading(document.adherence_title, 11)
    pdf.week_bars(document.weeks)
    pdf.lines(document.adherence_lines)
    pdf.heading(document.pain_title, 11)
    pdf.chart(document.chart)
    pdf.lines((document.pain_note,), size=7.5, colour=MUTED)
    for section in document.sections:
        if pdf.room() < 14:
            break
        pdf.heading(section.title, 11)
        if section.table is not None:
            pdf.data_table(section.table)
        if section.latest_last:
            pdf.latest_lines(section.lines, section.overflow)
        else:
            pdf.lines(section.lines)
    pdf.footer_text(document.footer)
    return bytes(pdf.output())


def render_chart_svg(
    chart: PainChart, width_mm: float = WIDTH, height_mm: float = CHART_H
) -> bytes:
    """The report's pain chart as SVG, text as paths (no font needed to show it)."""
    figure = Figure(figsize=(width_mm / 25.4, height_mm / 25.4))
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    draw_bands(axes, chart.pain)
    for series in chart.series:
        if not series.points:
            continue
        colour, style = SERIES_STYLE[series.kind]
        days, scores = zip(*series.points, strict=True)
        axes.plot(
            days,
            scores,
            style,
            marker="o",
            markersize=2.5,
            linewidth=1.1,
            color=colour,
            label=series.label,
        )
    axes.set_xlim(float(date2num(chart.first)), float(date2num(chart.last)))
    axes.set_ylim(-0.5, 10.5)
    axes.set_yticks(range(0, 11, 2))
    axes.set_xticks(date2num([day for day, _ in chart.ticks]), [label for _, label in chart.ticks])
    axes.tick_params(labelsize=7, length=2)
    axes.set_ylabel(chart.axis_label, fontsize=7)
    if any(series.points for series in chart.series):
        axes.legend(loc="upper left", fontsize=6.5, framealpha=0.9, ncols=3)
    for spine in axes.spines.values():
        spine.set_linewidth(0.6)
    figure.subplots_adjust(left=0.06, right=0.995, top=0.97, bottom=0.13)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    # fpdf2 reads drawing elements only; the RDF metadata block would just be warned about.
    return re.sub(rb"<metadata>.*?</metadata>", b"", buffer.getvalue(), flags=re.DOTALL)


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
    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_margins(MARGIN, MARGIN, MARGIN)
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

    def heading(self, text: str, size: float) -> None:
        self.ln(1.0 if size < 14 else 0)
        self.set_font(FAMILY, "B", size)
        self.cell(WIDTH, size * 0.5, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if size < 14:
            y = self.get_y() + 0.4
            self.line(MARGIN, y, PAGE_W - MARGIN, y)
        self.ln(1.2)

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
        self.set_font(FAMILY, "", size)
        self.set_text_color(*colour)
        height = size * 0.48
        for index, line in enumerate(lines):
            if self.room() < height * 2 and index < len(lines) - 1:
                self.multi_cell(WIDTH, height, "…", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                break
            self.multi_cell(WIDTH, height, printable(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def latest_lines(
        self, lines: Sequence[str], overflow: Sequence[str], size: float = 8.5
    ) -> None:
        """lines if they all fit in the room left; else how many earlier ones are left out,
        then as many of the last as fit."""
        self.set_font(FAMILY, "", size)
        height = size * 0.48
        needed = [self._line_count(line, height) for line in lines]
        if sum(needed) * height > self.room():
            room = self.room() - height  # the line saying what is left out
            kept = 0
            for count in reversed(needed):
                if count * height > room:
                    break
                room -= count * height
                kept += 1
            left_out = len(lines) - kept
            said = overflow[left_out - 1] if left_out <= len(overflow) else "…"
            self.lines((said,), size, MUTED)
            lines = lines[left_out:]
        self.lines(lines, size)

    def _line_count(self, text: str, height: float) -> int:
        wrapped = self.multi_cell(WIDTH, height, printable(text), dry_run=True, output="LINES")
        return len(wrapped) if isinstance(wrapped, list) else 1

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
        y = self.get_y()
        self.image(io.BytesIO(render_chart_svg(chart)), x=MARGIN, y=y, w=WIDTH, h=CHART_H)
        self.set_xy(MARGIN, y + CHART_H + 0.5)

    def data_table(self, table: Table) -> None:
        if not table.rows:
            if table.empty:
                self.lines((table.empty,))
            return
        widths = [share * WIDTH for share in table.widths]
        height = ROW_H
        size = 6.8 if table.small else 8.0
        self.set_font(FAMILY, "" if table.small else "B", size - 0.5)
        self.set_text_color(*MUTED)
        for width, text in zip(widths, table.header, strict=True):
            self.cell(width, height, _clip(self, printable(text), width - 1))
        self.ln(height)
        self.set_text_color(*INK)
        self.set_font(FAMILY, "", size)
        for index, row in enumerate(table.rows):
            if self.room() < height * 2 and index < len(table.rows) - 1:
                self.cell(WIDTH, height, "…", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                break
            if index % 2 == 0:
                self.set_fill_color(245, 246, 248)
                self.rect(MARGIN, self.get_y(), WIDTH, height, style="F")
            for width, text in zip(widths, row, strict=True):
                self.cell(width, height, _clip(self, printable(text), width - 1))
            self.ln(height)

    def footer_text(self, text: str) -> None:
        y = PAGE_H - MARGIN - FOOTER_H + 4
        self.line(MARGIN, y - 1.5, PAGE_W - MARGIN, y - 1.5)
        self.set_xy(MARGIN, y)
        self.set_font(FAMILY, "", 7)
        self.set_text_color(*MUTED)
        self.multi_cell(WIDTH, 3.4, printable(text), align="C")


def _clip(pdf: FPDF, text: str, width: float) -> str:
    """text cut with "…" to fit width at the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"
