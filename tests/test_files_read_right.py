"""Issue 22, item 4: the files the bot makes read right in English, Russian and Spanish.

One rich data set (docs/report_page.py, the year behind the README's report picture: long
exercise names in Russian and Spanish, more level changes than one page holds, two pauses,
skipped sessions, a red-flag hold, two day scores on one day) goes through the bot as /report,
/progress and /export in each language, on SQLite and PostgreSQL. The PDF's text is read back
with its positions: names and doses are whole in their columns (wrapped, never cut with "…"),
every level change of the period is there (on a second page if need be, the first one filled),
the period is stated as it is, each day counts one day score, and the charts get the skips,
pauses and holds to mark. docs/report_page.py draws the same pages as PNGs to look at."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from content.catalogue import load_catalogue
from content.i18n import _, date_range, short_day, use_language
from docs.report_page import (
    CHANGES,
    HELD,
    LEVELS,
    PAUSES,
    REVIEW_HELD,
    SKIPPED,
    TODAY,
    USER_ID,
    ZONE,
    seed,
    trains,
)
from media.chart import ChartData
from media.document import FOOTER_H, MARGIN, ReportDocument
from storage.models import User

MM = 25.4 / 72  # PDF points to millimetres
LENGTHS = {
    ("en", 6): "6 weeks",
    ("en", 26): "26 weeks",
    ("ru", 6): "6 недель",
    ("ru", 26): "26 недель",
    ("es", 6): "6 semanas",
    ("es", 26): "26 semanas",
}


@dataclass(frozen=True)
class Fragment:
    """A piece of text on a page: where it starts, in mm from the left and the bottom."""

    page: int
    x: float
    y: float
    text: str


def fragments(pdf: bytes) -> list[Fragment]:
    found: list[Fragment] = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):

        def visit(text, _cm, tm, _font, _size, number=number):
            if text.strip():
                found.append(Fragment(number, tm[4] * MM, tm[5] * MM, text))

        page.extract_text(visitor_text=visit)
    return found


def squash(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").split())


def column(found: list[Fragment], header: str, next_header: str, until: str) -> str:
    """The text of a table's column, top to bottom: what starts between the x of its header
    and the next column's, below the header and above the heading `until`."""
    [top] = [f for f in found if squash(f.text) == header]
    [right] = [f for f in found if squash(f.text) == next_header and f.page == top.page]
    ends = [f.y for f in found if squash(f.text) == until and f.page == top.page]
    bottom = ends[0] if ends else 0
    cells = [
        f
        for f in found
        if f.page == top.page and bottom < f.y < top.y and top.x - 0.5 <= f.x < right.x - 0.5
    ]
    return squash(" ".join(f.text for f in sorted(cells, key=lambda f: (-f.y, f.x))))


async def rich_chat(harness, language: str):
    await seed(harness.services.database)
    async with harness.services.database.transaction() as db:
        await db.execute(update(User).where(User.id == USER_ID).values(language=language))
    harness.clock.set(datetime.combine(TODAY, time(10), ZONE))
    return harness.chat(USER_ID, "Alex")


@pytest.mark.parametrize("language", ["en", "ru", "es"])
@pytest.mark.parametrize("weeks", [6, 26])
async def test_the_report_reads_right(harness, drawn, language, weeks):
    chat = await rich_chat(harness, language)
    replies = await chat.send(f"/report {weeks}")
    [document] = [event for event in replies.events if event.method == "sendDocument"]
    found = fragments(document.document)
    pages = 1 + max(f.page for f in found)
    text = squash(" ".join(f.text for f in found))
    catalogue = load_catalogue(language=language)
    first = TODAY - timedelta(weeks=weeks) + timedelta(days=1)
    assert first.weekday() == 0
    with use_language(language):
        period = f"{LENGTHS[language, weeks]}: {date_range(first, TODAY)}"
        assert squash(f"{_('Report period:')} {period}") in text
        assert squash(period) in squash(document.text)  # the caption says it too
        # Nothing is cut: names and doses are whole in their columns.
        assert "…" not in text
        names = column(found, _("Exercise"), _("Level"), _("Red flags and clearances"))
        doses = column(found, _("Dose"), _("Last change"), _("Red flags and clearances"))
        for exercise in catalogue.exercises:
            dose = exercise.dose_at(LEVELS.get(exercise.slug, exercise.start_level)).describe()
            assert squash(exercise.name) in names, (exercise.name, names)
            assert squash(dose) in doses, (dose, doses)
        # Every level change of the period, none left out.
        changes = [(day, slug) for day, slug, *_rest in CHANGES if day >= first]
        assert len(changes) > 6
        for day, slug in changes:
            line = squash(f"{short_day(day, opening=True)}: {catalogue.get(slug).name}")
            assert line in text, line
    if (language, weeks) == ("en", 6):
        assert pages == 1  # the one page it always was, when everything fits
    if weeks == 26:
        assert pages == 2  # more level changes than one page holds
    if pages > 1:
        footer_top = MARGIN + FOOTER_H
        lowest = min(f.y for f in found if f.page == 0 and f.y > footer_top)
        assert lowest - footer_top < 16, "the first page is filled before the second starts"
    if language == "en" and weeks == 6:
        # One day score a day, the latest: 12 December counts its 6, not its 3 as well.
        assert "Day scores 4 / 4 – 5 / 6" in text

    [(report,)] = [args for args in drawn if isinstance(args[0], ReportDocument)]
    chart = report.chart
    days = [first + timedelta(days=offset) for offset in range((TODAY - first).days + 1)]
    skipped = tuple(day for day in days if trains(day) and (day in SKIPPED or day.day == 13))
    assert chart.skipped == skipped
    assert chart.paused == tuple(
        (start - timedelta(days=1), end) for start, end in PAUSES if end >= first
    )
    assert chart.holds == tuple(held for held in (REVIEW_HELD, HELD) if held[1] >= first)


@pytest.mark.parametrize("language", ["en", "ru", "es"])
async def test_progress_and_export_read_right(harness, drawn, language):
    chat = await rich_chat(harness, language)
    progress = await chat.send("/progress")
    assert [event for event in progress.events if event.method == "sendPhoto"]
    [(data, _pain)] = [args for args in drawn if isinstance(args[0], ChartData)]
    assert data.paused == tuple((start - timedelta(days=1), end) for start, end in PAUSES)
    assert data.holds == (REVIEW_HELD, HELD)
    assert data.day_scores[-1] == (HELD[0] + timedelta(days=2), 6)  # the 12th: its later 6

    exported = await chat.send("/export")
    [document] = [event for event in exported.events if event.method == "sendDocument"]
    rows = list(csv.DictReader(io.StringIO(document.document.decode("utf-8"))))
    catalogue = load_catalogue(language=language)
    with use_language(language):
        named = {row[_("exercise")] for row in rows} - {""}
    assert named == {exercise.name for exercise in catalogue.exercises}


def test_the_legends_cover_no_score_and_holds_and_pauses_are_shaded():
    """The newest score at 8/10 in the top right corner, where the legend box sat; a hold
    and a pause; on the /progress chart and on the report's."""
    from matplotlib.dates import date2num

    from media.chart import ChartLabels, pain_figure
    from media.document import PainChart, PainSeries
    from media.pdf import report_chart_figure

    first, today = TODAY - timedelta(weeks=6) + timedelta(days=1), TODAY
    days = [first + timedelta(days=offset) for offset in range(0, 42, 2)]
    sessions = [(day, 8 if day == days[-1] else 3, 2) for day in days]
    paused, held = (first + timedelta(days=8), first + timedelta(days=12)), HELD
    pain = load_catalogue().program.pain
    words = ChartLabels()
    progress = pain_figure(
        ChartData(
            sessions,
            skipped=[first + timedelta(days=3)],
            holds=[held],
            paused=[paused],
            first_day=first,
            today=today,
        ),
        pain,
    )
    report = report_chart_figure(
        PainChart(
            first=first,
            last=today + timedelta(days=1),
            series=(PainSeries("during", "during", tuple((d, s) for d, s, _m in sessions)),),
            ticks=((first, "9 Nov"),),
            axis_label="pain",
            pain=pain,
            skipped=(first + timedelta(days=3),),
            paused=(paused,),
            holds=(held,),
        )
    )
    for figure in (progress, report):
        [axes] = figure.axes
        legend = axes.get_legend()
        assert not legend.get_window_extent().overlaps(axes.get_window_extent())
        labels = [text.get_text() for text in legend.get_texts()]
        assert {words.paused, words.hold, words.skipped} <= set(labels)
        shaded = {
            patch.get_label(): (patch.get_x(), patch.get_x() + patch.get_width())
            for patch in axes.patches
            if patch.get_label() in (words.paused, words.hold)
        }
        for label, (start, end) in ((words.paused, paused), (words.hold, held)):
            assert shaded[label] == (date2num(start) - 0.5, date2num(end) + 0.5)
