"""The /report PDF: one A4 page for the person's physiotherapist, laid out with fpdf2 from a
ReportDocument whose every word and number was prepared by the caller (in the person's
language, from the same functions as /progress). The pain chart is drawn by matplotlib on the
pain model's bands (media.chart) and embedded as vector graphics (SVG paths), so it
stays sharp when printed or zoomed.

render_report() is a pure function of plain data: it runs in the drawing process. The font is
DejaVu Sans, which matplotlib ships (so it is always installed), and covers Latin with every
accent, Cyrillic and Greek; characters it lacks (emoji) are left out rather than shown as boxes.
The layout itself is in media.pdf, imported by render_report() in the drawing process:
fpdf2 and matplotlib never load in the bot's own process.
"""

from media.document import (
    PainChart,
    PainSeries,
    ReportDocument,
    Section,
    Table,
    WeekBar,
)

__all__ = [
    "PainChart",
    "PainSeries",
    "ReportDocument",
    "Section",
    "Table",
    "WeekBar",
    "render_report",
]


def render_report(document: ReportDocument) -> bytes:
    """The one-page PDF (media.pdf.render_report, loaded on first use)."""
    from media import pdf

    return pdf.render_report(document)
