"""/report end to end: a one-page PDF whose text carries the database's numbers (sessions,
pain, levels, effort answers, red flags and clearances), in the person's language with every
letter shown; friendly answers without data or with a bad number of weeks."""

from __future__ import annotations

import io
import re
import statistics
from datetime import UTC, date, datetime, time, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import insert, select, update

from content.adherence import summarize, tally_week, week_start
from content.catalogue import load_catalogue
from content.i18n import _, full_date, short_day, use_language
from content.states import HoldEnd, HoldKind
from scheduler.slots import local_day
from storage.models import (
    Clearance,
    ExerciseLevel,
    Hold,
    LevelChange,
    PainCheckin,
    RedFlagAnswer,
    SessionLog,
    User,
    WeeklyReview,
)
from tests.test_adapting import Days, changes_of, fetch

CATALOGUE = load_catalogue()
EFFORT_CYCLE = ("easy", "just_right", "hard", None, "just_right")


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def the_document(replies):
    [document] = [event for event in replies.events if event.method == "sendDocument"]
    assert document.document.startswith(b"%PDF")
    return document


@pytest.fixture
async def ready_chat(chat):
    """Morning checks at 08:00 and reminders at 18:00 in Berlin, as Days ticks."""
    await chat.onboard(morning="08:00")
    return chat


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
        if offset % 7 == 5:
            await chat.send("skip")  # Mondays (a skip on a rest day is not stored)
        elif offset % 2 == 0:
            done = await chat.send("done")
            if "Log an extra session" in done.text:  # a rest day: yes, an extra one
                await chat.press("Yes, log it")
            await chat.send(str(offset % 6))
    corrected = await chat.send("pain 4")  # today's 2 was a typo: a new row supersedes it
    assert "4/10" in corrected.text
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
    # /report 4, but the person joined on Wednesday 25 November: three weeks to report.
    assert "(3 weeks: 25 Nov – 15 Dec 2026)" in " ".join(document.text.split())
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
    assert "Report period: 3 weeks: 25 Nov – 15 Dec 2026" in flat
    assert "Program start: 25 November 2026" in flat
    assert "Training days and reminder: Mon, Wed, Fri at 18:00" in flat
    assert "not a diagnosis" in flat.lower() and "Generated by Knee Coach" in flat
    # Per fortnight: the median and worst of the current scores given during sessions (a
    # corrected score counts once, as corrected).
    async with harness.services.database.transaction() as db:
        scores = list(
            await db.execute(
                select(SessionLog.local_date, PainCheckin.score)
                .join(PainCheckin, PainCheckin.session_id == SessionLog.id)
                .where(PainCheckin.kind == "during", PainCheckin.superseded_at.is_(None))
            )
        )
        superseded = await db.scalar(
            select(PainCheckin.score).where(PainCheckin.superseded_at.is_not(None))
        )
    assert (superseded, dict(scores)[today]) == (2, 4)
    cells = []
    for start_day in (first, first + timedelta(days=14)):
        fortnight = [s for d, s in scores if start_day <= d < start_day + timedelta(days=14)]
        median = statistics.median(fortnight)
        cells.append(f"{median:g} / {max(fortnight)}")
    assert f"During sessions {' '.join(cells)}" in flat


@pytest.mark.parametrize(
    ("today", "weeks", "period"),
    [
        (date(2026, 11, 30), 6, "6 days: 25 – 30 Nov 2026"),
        (date(2026, 12, 11), 4, "2 weeks and 3 days: 25 Nov – 11 Dec 2026"),
        (date(2026, 12, 20), 2, "2 weeks: 7 – 20 Dec 2026"),
    ],
)
async def test_the_period_is_stated_as_it_is(harness, ready_chat, today, weeks, period):
    """Not "the last 6 weeks" for six days: the person joined on Wednesday 25 November."""
    await ready_chat.send("done, pain 2")
    harness.clock.set(datetime.combine(today, time(9), UTC))
    replies = await ready_chat.send(f"/report {weeks}")
    document = the_document(replies)
    _pages, text = pdf_text(document.document)
    assert f"Report period: {period}" in " ".join(text.split())
    assert f"({period})" in " ".join(document.text.split())


async def test_a_day_counts_one_day_score_its_latest(harness, ready_chat):
    chat = ready_chat
    await chat.send("done, pain 2")
    harness.clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    await chat.send("my knee is 4 today")
    harness.clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    await chat.send("my knee is 6 today")
    harness.clock.set(datetime(2026, 11, 28, 19, 0, tzinfo=UTC))
    await chat.send("my knee is 6 today")
    scores = [row.score for row in await fetch(harness.services, PainCheckin) if row.kind == "day"]
    assert scores == [4, 6, 6]  # both kept, as given
    replies = await chat.send("/report")
    _pages, text = pdf_text(the_document(replies).document)
    assert "Day scores 5 / 6" in " ".join(text.split())  # the days were 4 and 6


async def test_report_carries_effort_red_flags_and_clearances(harness, ready_chat):
    """Played through the bot: effort answers after the pain scores, a "hard" that locks an
    exercise again, a red flag, a clearance, another flag still open, and "None of these"."""
    chat, days = ready_chat, Days(harness, ready_chat)
    efforts = {date(2026, 11, 25): "Easy", date(2026, 11, 27): "Just right"}
    replies = await days.week([(1, 1)] * 4, effort=efforts)  # Wed 25 … Wed 2; RDL opens Thu 3
    await chat.press("Hard", replies[-2].with_buttons())  # Wednesday's effort: it locks again
    assert [change[3] for change in await changes_of(harness.services)] == [1, 0]
    await chat.send("/redflags")
    await chat.press("Knee locks")  # Thu 3 Dec: on hold
    await days.to(date(2026, 12, 5))
    await chat.press("A clinician has checked my knee")
    screen = await chat.send("/redflags")
    await chat.press("None of these", screen.with_buttons())
    await days.to(date(2026, 12, 7))
    await chat.send("/redflags")
    await chat.press("Painful, swollen calf")  # Mon 7 Dec: on hold again, not cleared

    replies = await chat.send("/report 3")
    pages, text = pdf_text(the_document(replies).document)
    assert pages == 1
    flat = " ".join(text.split())

    [user] = await fetch(harness.services, User)
    logs = await fetch(harness.services, SessionLog)
    rated = [log.effort for log in logs if log.effort is not None]
    done = [log for log in logs if log.status == "done"]
    counts = [rated.count(effort) for effort in ("easy", "just_right", "hard")]
    assert counts == [1, 1, 1]  # as played
    assert (
        f"Effort ratings: {counts[0]} easy, {counts[1]} just right, {counts[2]} hard "
        f"({len(rated)} of {len(done)} sessions rated)."
    ) in flat
    # The fortnight from Mon 23 Nov holds every session: its effort cell counts them all.
    assert "effort easy / just right / hard" in flat
    assert f"Effort {counts[0]} / {counts[1]} / {counts[2]}" in flat

    zone = user.timezone
    answers = await fetch(harness.services, RedFlagAnswer, order=RedFlagAnswer.id)
    flags = [answer for answer in answers if answer.flag != "none"]
    assert [answer.flag for answer in flags] == ["locking", "calf"]
    tiers = {
        "soon": "soon: a clinician before going on",
        "same_day": "same day: a doctor or urgent care",
        "emergency": "emergency: call the emergency number",
    }
    for answer in flags:
        flag = CATALOGUE.safety.flag(answer.flag)
        day = short_day(local_day(answer.answered_at, zone))
        assert f"{day} {flag.button} {tiers[flag.tier.value]}" in flat
    [clearance] = await fetch(harness.services, Clearance)
    cleared, held = (
        short_day(local_day(clearance.cleared_at, zone)),
        short_day(local_day(clearance.held_since, zone)),
    )
    # The hold the first flag started, with how it ended.
    assert f"{held} On hold for a warning sign (soon: a clinician before going on)" in flat
    assert f"cleared by a clinician on {cleared}" in flat
    nones = [local_day(answer.answered_at, zone) for answer in answers if answer.flag == "none"]
    assert len(nones) == 2  # at /start and after the clearance
    assert f"Screen answered “None of these” 2 times (last {short_day(nones[-1])})." in flat
    on_hold = full_date(local_day(user.held_since, zone))
    assert f"On hold now, since {on_hold}: the program waits until a clinician" in flat
    # Each flag, then the hold it started, in time order.
    assert flat.index("Knee locks") < flat.index("cleared by") < flat.index("Painful, swollen")

    rdl = CATALOGUE.get("single_leg_rdl").name
    assert f"{rdl} opened at level 1" in flat
    assert f"{rdl} locked again (a corrected score or a later effort answer)" in flat
    assert "→ 0" not in flat


async def seed_year(harness, user_id: int, first_name: str, language: str) -> date:
    """A year of Mon/Wed/Fri sessions with both scores and most with an effort answer, a few
    skips, more level changes than the page has room for, a red flag and its clearance."""
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
                "effort": EFFORT_CYCLE[index % len(EFFORT_CYCLE)] if status == "done" else None,
            }
            for index, (day, status) in enumerate(logs)
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
        for index in range(24):  # every week of the last 24, one exercise up or down
            db.add(
                LevelChange(
                    user_id=user_id,
                    exercise=CATALOGUE.exercises[index % 5].slug,
                    from_level=1 + index % 2,
                    to_level=2 - index % 2,
                    reason="pain_free" if index % 2 == 0 else "too_much_pain",
                    changed_at=datetime.combine(
                        today - timedelta(weeks=24 - index), time(18), UTC
                    ),
                )
            )
        flagged = datetime.combine(today - timedelta(days=30), time(18), UTC)
        db.add(
            RedFlagAnswer(user_id=user_id, flag="hot_knee", moment="later", answered_at=flagged)
        )
        db.add(
            Clearance(user_id=user_id, held_since=flagged, cleared_at=flagged + timedelta(days=3))
        )
        db.add(
            Hold(
                user_id=user_id,
                kind=HoldKind.RED_FLAG,
                started_at=flagged,
                ended_at=flagged + timedelta(days=3),
                ended_by=HoldEnd.CLEARED,
            )
        )
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
    assert pages == 2  # 24 level changes: they go on to a second page
    flat = " ".join(text.split())
    assert first_name in flat
    with use_language(language):
        assert " ".join(full_date(today).replace("\u202f", " ").split()) in flat
    for word in words:
        assert word in flat
    assert "?" not in flat and "\ufffd" not in flat and "□" not in flat
    for exercise in load_catalogue(language=language).exercises:  # in the person's language
        assert " ".join(exercise.name[:12].split()) in flat
    # The red flag with its day, the clearance's day, the latest level change and the last
    # fortnight's effort answers.
    async with harness.services.database.transaction() as db:
        [flag] = await db.scalars(select(RedFlagAnswer).where(RedFlagAnswer.flag != "none"))
        [clearance] = await db.scalars(select(Clearance))
        latest = await db.scalar(select(LevelChange).order_by(LevelChange.changed_at.desc()))
        first = week_start(today) - timedelta(weeks=25)
        last_fortnight = first + timedelta(days=14 * ((today - first).days // 14))
        efforts = list(
            await db.scalars(
                select(SessionLog.effort).where(SessionLog.local_date >= last_fortnight)
            )
        )
    local = load_catalogue(language=language)
    hot_knee = local.safety.flag("hot_knee")
    assert hot_knee is not None
    with use_language(language):
        flagged = short_day(flag.answered_at.date(), opening=True)  # a table row opens with it
        assert " ".join(f"{flagged} {hot_knee.button}".split()) in flat
        assert short_day(clearance.cleared_at.date()) in flat  # how the hold ended
        assert f"{short_day(latest.changed_at.date(), opening=True)}: " in flat
        effort_row = re.search(re.escape(_("Effort")) + r"((?: (?:\d+ / \d+ / \d+|–))+)", flat)
    assert local.get(latest.exercise).name in flat
    counts = " / ".join(str(efforts.count(kind)) for kind in ("easy", "just_right", "hard"))
    assert effort_row is not None and effort_row.group(1).split(" ", 1)[1].endswith(counts)
    assert len(effort_row.group(1).split(" / ")) == 1 + 2 * 13  # 13 fortnights of 3 counts


async def test_levels_eased_after_a_break_are_named_in_the_report_and_the_export(
    harness, ready_chat
):
    """A return after a break stores its moves with the reason "returned": /report and
    /export word it (they failed on a reason without words)."""
    await ready_chat.send("/today")
    async with harness.services.database.transaction() as db:
        await db.execute(update(ExerciseLevel).values(level=2))
    await ready_chat.send("done")
    await ready_chat.send("pain 1")
    harness.clock.advance(timedelta(days=15))
    assert "ease back in" in (await ready_chat.send("/today")).text
    _pages, text = pdf_text(the_document(await ready_chat.send("/report")).document)
    assert "level 2 → 1 (back after a break)" in " ".join(text.split())
    export = await ready_chat.send("/export")
    [document] = [event for event in export.events if event.method == "sendDocument"]
    assert "reason: back after a break" in document.document.decode()
