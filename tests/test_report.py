"""/report end to end: a one-page PDF whose text carries the database's numbers, in the
person's language with every letter shown; friendly answers without data or with a bad
number of weeks."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import insert, select, update

from content.adherence import summarize, tally_week, week_start
from content.catalogue import load_catalogue
from content.i18n import full_date, use_language
from storage.models import (
    ExerciseLevel,
    LevelChange,
    PainCheckin,
    SessionLog,
    User,
    WeeklyReview,
)

CATALOGUE = load_catalogue()


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def the_document(replies):
    [document] = [event for event in replies.events if event.method == "sendDocument"]
    assert document.document.startswith(b"%PDF")
    return document


async def test_no_data_gets_a_friendly_text(harness, ready_chat):
    replies = await ready_chat.send("/report")
    assert "nothing to report yet" in replies.text
    assert not [event for event in replies.events if event.method == "sendDocument"]


@pytest.mark.parametrize("arguments", ["abc", "0", "27", "3 4", "-2", "½"])
async def test_a_bad_number_of_weeks_gets_a_friendly_reply(ready_chat, arguments):
    replies = await ready_chat.send(f"/report {arguments}")
    assert "/report 12" in replies.text and "1 to 26" in replies.text
    assert not [event for event in replies.events if event.method == "sendDocument"]


async def test_report_carries_the_databases_numbers(harness, ready_chat):
    chat, clock = ready_chat, harness.clock
    start = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    # Three weeks: done with scores on most days, a few skipped.
    for offset in range(21):
        clock.set(start + timedelta(days=offset))
        if offset % 5 == 3:
            await chat.send("skip")
        elif offset % 2 == 0:
            await chat.send("done")
            await chat.send(str(offset % 6))
    today = date(2026, 12, 15)
    async with harness.services.database.transaction() as db:
        db.add(
            WeeklyReview(
                user_id=chat.user_id,
                week_start=date(2026, 11, 30),
                sessions_done=1,
                sessions_planned=3,
                barrier="time",
            )
        )
        db.add(
            LevelChange(
                user_id=chat.user_id,
                exercise="squat_to_surface",
                from_level=3,
                to_level=2,
                reason="too_much_pain",
                changed_at=datetime(2026, 12, 9, 18, 0, tzinfo=UTC),
            )
        )

    replies = await chat.send("/report 4")
    document = the_document(replies)
    assert document.filename == f"knee-coach-report-{today.isoformat()}.pdf"
    assert "last 4 weeks" in document.text
    pages, text = pdf_text(document.document)
    assert pages == 1

    async with harness.services.database.transaction() as db:
        user = await db.get(User, chat.user_id)
        logs = list(await db.scalars(select(SessionLog).where(SessionLog.user_id == user.id)))
        levels = {
            row.exercise: row.level
            for row in await db.scalars(
                select(ExerciseLevel).where(ExerciseLevel.user_id == user.id)
            )
        }
    done = sorted(log.local_date for log in logs if log.status == "done")
    skipped = [log.local_date for log in logs if log.status == "skipped"]
    joined = date(2026, 11, 25)
    first = max(week_start(today) - timedelta(weeks=3), week_start(joined))
    weeks = [
        tally_week(done, user.weekdays, joined, first + timedelta(weeks=index))
        for index in range(4)
        if first + timedelta(weeks=index) <= today
    ]
    flat = " ".join(text.split())
    bars = re.findall(r"\b(\d+)/(\d+)\b", text)[: len(weeks)]
    assert [(int(d), int(p)) for d, p in bars] == [(week.done, week.planned) for week in weeks]
    done_in_period = sum(week.done for week in weeks)
    planned = sum(week.planned for week in weeks)
    assert f"Done in this period: {done_in_period} of {planned} planned sessions." in flat
    summary = summarize(done, user.weekdays, joined, today, CATALOGUE.program.progress)
    assert f"Streak: {summary.streak_weeks} week" in flat
    assert f"Sessions done since the start: {len(done)}." in flat
    in_period = [day for day in skipped if day >= first]
    assert f"Skipped: {len(in_period)} session" in flat
    assert "week of 30 Nov: No time" in flat
    for slug, level in levels.items():
        exercise = CATALOGUE.get(slug)
        assert f"{level} of {len(exercise.levels)}: {exercise.level(level).label}" in flat
    for exercise in CATALOGUE.exercises:
        assert exercise.name[:12] in flat
    assert "Squat to a surface: level 3 → 2 (pain above 5/10 during a session)" in flat
    assert "Report period: 23 November 2026 – 15 December 2026" in flat
    assert "Program start: 25 November 2026" in flat
    assert "Training days and reminder: Mon, Wed, Fri at 18:00" in flat
    assert "not a diagnosis" in flat.lower() and "Generated by Knee Coach" in flat
    # Per fortnight: the median and worst of the scores given during sessions.
    async with harness.services.database.transaction() as db:
        scores = list(
            await db.execute(
                select(SessionLog.local_date, PainCheckin.score)
                .join(PainCheckin, PainCheckin.session_id == SessionLog.id)
                .where(PainCheckin.kind == "during")
            )
        )
    fortnight = [score for day, score in scores if first <= day < first + timedelta(days=14)]
    assert f"/ {max(fortnight)}" in flat


async def seed_year(harness, user_id: int, first_name: str, language: str) -> date:
    """A year of Mon/Wed/Fri sessions with both scores, a few skips, and levels."""
    today = date(2026, 11, 25)
    joined = today - timedelta(weeks=52)
    async with harness.services.database.transaction() as db:
        await db.execute(
            update(User)
            .where(User.id == user_id)
            .values(
                first_name=first_name,
                language=language,
                created_at=datetime.combine(joined, time(9), UTC),
            )
        )
        logs, pain = [], []
        for week in range(53):
            for weekday in (0, 2, 4):
                day = week_start(joined) + timedelta(weeks=week, days=weekday)
                if not joined <= day < today:
                    continue
                status = "skipped" if (week + weekday) % 9 == 0 else "done"
                logs.append((day, status))
        rows = [
            {
                "user_id": user_id,
                "local_date": day,
                "status": status,
                "logged_at": datetime.combine(day, time(17), UTC),
            }
            for day, status in logs
        ]
        await db.execute(insert(SessionLog), rows)
        ids = await db.execute(
            select(SessionLog.id, SessionLog.local_date, SessionLog.status).where(
                SessionLog.user_id == user_id
            )
        )
        for session_id, day, status in ids:
            if status != "done":
                continue
            for kind, score in (("during", day.toordinal() % 7), ("next_morning", 2)):
                pain.append(
                    {
                        "user_id": user_id,
                        "session_id": session_id,
                        "kind": kind,
                        "score": score,
                        "recorded_at": datetime.combine(day, time(18), UTC),
                    }
                )
        await db.execute(insert(PainCheckin), pain)
    return today


@pytest.mark.parametrize(
    ("language", "first_name", "words"),
    [
        ("ru", "Алёна", ("сент", "нояб")),
        ("es", "Begoña", ("sept", "nov", "mié")),
    ],
)
async def test_russian_and_spanish_reports_show_every_letter(
    harness, ready_chat, language, first_name, words
):
    today = await seed_year(harness, ready_chat.user_id, first_name, language)
    harness.clock.set(datetime.combine(today, time(10), UTC))
    replies = await ready_chat.send("/report 26")
    pages, text = pdf_text(the_document(replies).document)
    assert pages == 1
    flat = " ".join(text.split())
    assert first_name in flat
    with use_language(language):
        assert " ".join(full_date(today).replace("\u202f", " ").split()) in flat
    for word in words:
        assert word in flat
    assert "?" not in flat and "\ufffd" not in flat and "□" not in flat
    for exercise in CATALOGUE.exercises:
        assert exercise.name[:12] in flat
