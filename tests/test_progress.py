"""/progress, /history and six weeks of a simulated user, through the emulator."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from content.catalogue import load_catalogue
from storage.models import ExerciseLevel, LevelChange, SessionExercise, SessionLog, SessionReview
from tests.auxil.reminders import REMINDER_TEXT

CATALOGUE = load_catalogue()
MORNING_TEXT = "How is your knee this morning"
MOVE_MARKS = ("⬆️", "⬇️", "🔓", "↩️")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
async def ready_chat(chat):
    """Morning checks at 08:00 and reminders at 18:00 in Berlin."""
    await chat.onboard(morning="08:00")
    return chat


async def test_progress_without_sessions_is_a_friendly_message(harness, ready_chat):
    replies = await ready_chat.send("/progress")
    assert "Nothing to show yet" in replies.text
    assert not [event for event in harness.emulator.events if event.method == "sendPhoto"]


async def test_progress_without_pain_scores_has_no_chart(harness, ready_chat):
    await ready_chat.send("done")
    replies = await ready_chat.send("/progress")
    assert "This week: 1 of 2 planned sessions" in replies.text
    assert "chart appears once" in replies.text
    assert not [event for event in harness.emulator.events if event.method == "sendPhoto"]


async def test_history_lists_the_last_sessions_newest_first(harness, ready_chat):
    assert "No sessions logged yet" in (await ready_chat.send("/history")).text
    start = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    for offset in range(12):
        harness.clock.set(start + timedelta(days=offset))
        if offset % 3 == 2:
            await ready_chat.send("skip")
        else:
            done = await ready_chat.send("done")
            if "Log an extra session" in done.text:  # a rest day
                await ready_chat.press("Yes, log it")
            await ready_chat.send(str(offset % 4))
    lines = (await ready_chat.send("/history")).text.splitlines()
    # Skips on rest days (Thu 3 and Sun 6 December) are not sessions: nothing is stored.
    assert lines[0] == "🗒 Your last 10 sessions:"
    assert lines[1:4] == [
        "Sat 5 Dec: ✅ done · pain 2/10",
        "Fri 4 Dec: ✅ done · pain 1/10",
        "Wed 2 Dec: ✅ done · pain 3/10",
    ]
    assert len(lines) == 11 and lines[-1].startswith("Wed 25 Nov")
    assert "Mon 30 Nov: ⏭ skipped" in lines


async def test_history_says_how_many_exercises_of_a_part_session_were_done(harness, ready_chat):
    await ready_chat.send("did hip bump, pain 4")  # only the hip bump of the session
    harness.clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    await ready_chat.send("done, pain 2")  # the whole session
    lines = (await ready_chat.send("/history")).text.splitlines()
    async with harness.services.database.transaction() as db:
        exercises = list(await db.scalars(select(SessionExercise)))
        wednesday = await db.scalar(
            select(SessionLog.id).where(SessionLog.local_date == date(2026, 11, 25))
        )
    done = [row.done for row in exercises if row.session_id == wednesday]
    assert (sum(done), len(done)) == (1, 3)
    assert lines[1:] == [
        "Fri 27 Nov: ✅ done · pain 2/10",
        "Wed 25 Nov: ✅ 1 of 3 exercises done · pain 4/10",
    ]


async def test_progress_shades_every_red_flag_hold_cleared_or_open(harness, ready_chat, drawn):
    chat = ready_chat
    await chat.send("done, pain 3")  # Wed 25 Nov
    harness.clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    await chat.send("/redflags")
    await chat.press("Knee locks")  # Thu 26: on hold
    harness.clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    await chat.press("A clinician has checked my knee")  # Sat 28: cleared
    harness.clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    await chat.send("done, pain 2")
    await chat.send("/pause")
    harness.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    await chat.send("/resume")
    harness.clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    await chat.send("/redflags")
    await chat.press("Painful, swollen calf")  # Wed 2 Dec: on hold, not cleared
    progress = await chat.send("/progress")
    assert [event for event in progress.events if event.method == "sendPhoto"]
    [(data, _pain)] = drawn
    assert data.holds == (
        (date(2026, 11, 26), date(2026, 11, 28)),
        (date(2026, 12, 2), date(2026, 12, 2)),
    )
    assert data.paused == ((date(2026, 11, 30), date(2026, 12, 1)),)


async def local_sessions(harness) -> list[SessionLog]:
    async with harness.services.database.transaction() as db:
        return list(await db.scalars(select(SessionLog).order_by(SessionLog.local_date)))


# Pain during / next morning for each training day (Mon, Wed, Fri) from Wed 25 November.
SIX_WEEKS = [
    (1, 1),  # Wed 25 Nov
    (1, 1),  # Fri 27: two pain-free sessions, but nothing changes in the first week
    (0, 1),  # Mon 30
    (1, 1),  # Wed 2 Dec: the first change, an opening (Thursday morning)
    (2, 2),  # Fri 4: balance up (Saturday morning), one change per review
    (1, 1),  # Mon 7: hip bump up (Tuesday morning)
    (7, 4),  # Wed 9: too much pain → down a level at once, two days after a step up
    (6, 5),  # Fri 11: again → down at once, and see a clinician
    (2, 1),  # Mon 14
    (1, 1),  # Wed 16
    (1, 1),  # Fri 18
    (0, 0),  # Mon 21
    (1, 1),  # Wed 23
    (0, 1),  # Fri 25
    (1, 1),  # Mon 28
    (1, 0),  # Wed 30
    (None, None),  # Fri 1 Jan: done, no scores given
    (0, 1),  # Mon 4 Jan
]
JOINED = date(2026, 11, 25)


async def test_six_weeks_of_training(harness, ready_chat):
    chat, emulator = ready_chat, harness.emulator
    day = JOINED
    scores = iter(SIX_WEEKS)
    announcements: list[str] = []
    clinician_advice: list[date] = []
    last_morning: int | None = None
    while day <= date(2027, 1, 5):
        midnight = datetime.combine(day, datetime.min.time(), UTC)
        harness.clock.set(midnight + timedelta(hours=7))  # 08:00 in Berlin
        before = len(emulator.events)
        await harness.engine.tick()
        asked = any(MORNING_TEXT in event.text for event in emulator.events[before:])
        if asked and last_morning is not None:
            replies = await chat.send(str(last_morning))
            announcements += moves_in(replies.text)
        harness.clock.set(midnight + timedelta(hours=17))  # 18:00 in Berlin
        before = len(emulator.events)
        await harness.engine.tick()
        pushed = emulator.events[before:]
        reminder = [event for event in pushed if REMINDER_TEXT in event.text]
        if reminder:
            during, last_morning = next(scores)
            await chat.press("Session done", reminder[-1])
            if during is not None:
                replies = await chat.send(str(during))
                announcements += moves_in(replies.text)
                if "protested 2 sessions in a row" in replies.text:
                    clinician_advice.append(day)
                    assert "carry on as planned" not in replies.text.lower()
                    # The program is held until a clinician has checked the knee.
                    await chat.press("A clinician has checked my knee")
        day += timedelta(days=1)

    assert next(scores, "all used") == "all used"
    async with harness.services.database.transaction() as db:
        changes = list(await db.scalars(select(LevelChange).order_by(LevelChange.id)))
        levels = {row.exercise: row.level for row in await db.scalars(select(ExerciseLevel))}
        reviews = list(await db.scalars(select(SessionReview)))
    # Every stored change was announced, in order, with the exercise's name.
    assert len(announcements) == len(changes) > 0
    for line, change in zip(announcements, changes, strict=True):
        assert CATALOGUE.get(change.exercise).name in line
        if change.from_level is None:
            assert line.startswith("🔓")
        else:
            assert line.startswith("⬆️" if change.to_level > change.from_level else "⬇️")
    berlin = ZoneInfo("Europe/Berlin")
    dated = [
        (
            change.changed_at.astimezone(berlin).date(),
            change.exercise,
            change.from_level,
            change.to_level,
            change.reason,
        )
        for change in changes
    ]
    # Nothing changes in the first week, and never more than one increase a day.
    increases = [when for when, _, before, after, _ in dated if before is None or after > before]
    assert min(increases) >= JOINED + timedelta(days=7)
    assert len(increases) == len(set(increases)), "one change at a time"
    # Down-steps never wait: Wednesday's 7 and Friday's 6 each move down on their own day,
    # two days after hip bumps went up.
    assert (date(2026, 12, 8), "hip_bump", 2, 3, "pain_free") in dated
    assert (date(2026, 12, 9), "hip_bump", 3, 2, "too_much_pain") in dated
    assert (date(2026, 12, 11), "hip_bump", 2, 1, "too_much_pain") in dated
    assert clinician_advice == [date(2026, 12, 11)]
    assert [review.clinician for review in reviews if review.clinician] == ["regressions_in_a_row"]
    # Openings in the seed's order, a week apart at least, the reverse lunge last.
    openings = [(when, slug) for when, slug, before, _, _ in dated if before is None]
    assert [slug for _, slug in openings] == [
        "single_leg_rdl",
        "hip_circles",
        "sumo_squat",
        "reverse_lunge",
    ]
    assert all((later - earlier).days >= 7 for (earlier, _), (later, _) in pairwise(openings))
    # An exercise stays a week at a level before it moves up.
    for slug in levels:
        moved = [(when, before, after) for when, name, before, after, _ in dated if name == slug]
        for (earlier, _, _), (later, before, after) in pairwise(moved):
            if before is not None and after > before:
                assert (later - earlier).days >= 7, (slug, earlier, later)

    progress = await chat.send("/progress")
    [photo] = [event for event in progress.events if event.method == "sendPhoto"]
    assert png_size(photo.document) == (800, 450)
    caption = photo.text
    sessions = await local_sessions(harness)
    done_days = [log.local_date for log in sessions if log.status == "done"]
    today = date(2027, 1, 5)
    this_monday = today - timedelta(days=today.weekday())
    assert f"This week: {sum(d >= this_monday for d in done_days)} of 3" in caption
    for weeks_back in range(1, 5):
        monday = this_monday - timedelta(weeks=weeks_back)
        done = sum(monday <= d < monday + timedelta(days=7) for d in done_days)
        assert f"Week of {monday.day} {monday.strftime('%b')}: {done} of 3 planned" in caption
    assert f"Sessions done in all: {len(done_days)}" in caption
    # Every week met its target (2 of 2 in the joining week); this week has just begun.
    assert "Streak: 6 weeks in a row on target" in caption
    for slug, level in levels.items():
        exercise = CATALOGUE.get(slug)
        assert f"{exercise.name}: level {level} of {len(exercise.levels)}" in caption
    locked = set(CATALOGUE.session_slugs(e.slug for e in CATALOGUE.exercises)) - set(levels)
    for slug in locked:
        assert f"🔒 {CATALOGUE.get(slug).name}: opens later" in caption


def moves_in(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(MOVE_MARKS)]
