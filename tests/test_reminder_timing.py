"""Issue 12, items 1–3: pushes at the right time, and only about what a person really got.

Each test plays the person's inputs through the emulator with a ManualClock and checks the
messages and the stored pushes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.models import Push, User, WeeklyReview
from tests.auxil.reminders import REMINDER_TEXT, delivered

NUDGE = "We missed each other"


async def tick_at(harness, instant: datetime):
    harness.clock.set(instant)
    return await harness.engine.tick()


async def pushes(harness) -> list[tuple[str, str, str]]:
    async with harness.services.database.transaction() as db:
        rows = await db.scalars(select(Push).order_by(Push.due_at, Push.id))
        return [(row.kind, row.local_date.isoformat(), row.status) for row in rows]


async def ticks_every_hour(harness, first: datetime, last: datetime) -> None:
    instant = first
    while instant <= last:
        await tick_at(harness, instant)
        instant += timedelta(hours=1)


# -- item 1: a nudge only after a reminder that was delivered and ignored ---------------------


async def test_sign_up_on_friday_evening_gets_no_nudge_for_friday(harness, chat):
    """Friday 17:46 in Berlin, reminder time 07:00: the first push is never a nudge."""
    harness.clock.set(datetime(2026, 11, 27, 16, 46, tzinfo=UTC))  # Friday 17:46 Berlin
    await chat.onboard(time="07:00")
    await ticks_every_hour(
        harness,
        datetime(2026, 11, 27, 17, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 7, 0, tzinfo=UTC),
    )
    assert delivered(harness.emulator, NUDGE) == {}
    assert delivered(harness.emulator, "Yesterday slipped by") == {}
    assert delivered(harness.emulator) == {chat.user_id: 1}  # Monday's reminder, the first push
    assert [kind for kind, _day, _status in await pushes(harness)] == ["reminder"]


async def test_new_training_day_added_on_saturday_is_not_nudged(harness, ready_chat):
    """Days changed on Saturday evening to include Saturday: Sunday brings no nudge for it."""
    chat = ready_chat
    await harness.engine.tick()
    harness.clock.set(datetime(2026, 11, 28, 19, 0, tzinfo=UTC))  # Saturday 20:00 Berlin
    await chat.send("/schedule")
    await chat.press("Training days")
    await chat.press("Sat")
    saved = await chat.press("Save days")
    assert "Saved." in saved.text and "Mon, Wed, Fri, Sat" in saved.text
    await ticks_every_hour(
        harness,
        datetime(2026, 11, 28, 20, 0, tzinfo=UTC),
        datetime(2026, 11, 29, 22, 0, tzinfo=UTC),
    )
    assert delivered(harness.emulator, NUDGE) == {}
    assert not [row for row in await pushes(harness) if row[0] == "nudge"]


async def test_resume_just_after_a_slot_brings_no_nudge_for_it(harness, ready_chat):
    """/resume six minutes after Wednesday's 18:00 slot: nothing about Wednesday on Thursday."""
    chat = ready_chat
    await harness.engine.tick()
    await chat.send("/pause")
    harness.clock.set(datetime(2026, 11, 25, 17, 6, tzinfo=UTC))  # Wednesday 18:06 Berlin
    resumed = await chat.send("/resume")
    assert "on again" in resumed.text
    await ticks_every_hour(
        harness,
        datetime(2026, 11, 25, 18, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 22, 0, tzinfo=UTC),
    )
    assert delivered(harness.emulator, NUDGE) == {}
    assert await pushes(harness) == []


async def test_a_delivered_and_ignored_reminder_is_nudged_once(harness, ready_chat):
    await harness.engine.tick()
    await tick_at(harness, datetime(2026, 11, 25, 17, 0, tzinfo=UTC))  # Wednesday's reminder
    await ticks_every_hour(
        harness,
        datetime(2026, 11, 25, 18, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 22, 0, tzinfo=UTC),
    )
    assert delivered(harness.emulator, NUDGE) == {ready_chat.user_id: 1}
    assert await pushes(harness) == [
        ("reminder", "2026-11-25", "sent"),
        ("nudge", "2026-11-26", "sent"),
    ]


# -- item 2: the morning check in the morning, at the person's time --------------------------


async def test_morning_check_at_the_chosen_morning_time_never_at_the_reminder(harness, chat):
    """Reminder at 19:00; morning check moved to 07:30 in /schedule: it comes at 07:30 with an
    absolute 0–10 question, and nothing says "Good morning" at 19:00."""
    setup = await chat.send("/start")
    assert "I'm Knee Coach" in setup.text
    await chat.press("I understand")
    await chat.press("None of these")
    await chat.send("Berlin")
    await chat.press("Save days")
    asked = await chat.press("19:00")
    assert "What time suits you in the morning?" in asked.text  # asked once, in setup
    done = await chat.press("08:00")
    assert "Morning check: 08:00" in done.text
    await chat.send("/schedule")
    await chat.press("Morning check")
    saved = await chat.send("7:30")
    assert "Saved." in saved.text and "Morning check: 07:30" in saved.text
    await chat.send("done")  # Wednesday
    await chat.send("3")
    await harness.engine.tick()
    await tick_at(harness, datetime(2026, 11, 26, 6, 29, tzinfo=UTC))
    assert delivered(harness.emulator, "this morning") == {}
    await tick_at(harness, datetime(2026, 11, 26, 6, 30, tzinfo=UTC))  # 07:30 Berlin
    [check] = [event for event in harness.emulator.events if "this morning" in event.text]
    assert check.text.startswith("How is your knee this morning, 0–10?")
    before = len(harness.emulator.events)
    await tick_at(harness, datetime(2026, 11, 26, 18, 0, tzinfo=UTC))  # Thursday 19:00
    assert not [e for e in harness.emulator.events[before:] if "morning" in e.text.lower()]
    async with harness.services.database.transaction() as db:
        user = await db.scalar(select(User))
        morning = await db.scalar(select(Push).where(Push.kind == "morning"))
    assert user.morning_time.strftime("%H:%M") == "07:30"
    assert (morning.due_at, morning.status) == (datetime(2026, 11, 26, 6, 30, tzinfo=UTC), "sent")


# -- item 3: the weekly check-in survives a hold cleared or a pause ended after the slot ----


async def _weekly_after_return(harness, chat, leave: str, come_back: str) -> None:
    await harness.engine.tick()
    await chat.send("done")  # Wednesday
    harness.clock.set(datetime(2026, 11, 27, 16, 50, tzinfo=UTC))  # Friday 17:50 Berlin
    await chat.send(leave)
    if leave == "/redflags":
        await chat.press("Numb or weak leg")
    await tick_at(harness, datetime(2026, 11, 27, 17, 0, tzinfo=UTC))  # Friday's slot passes
    harness.clock.set(datetime(2026, 11, 27, 17, 10, tzinfo=UTC))
    if come_back == "cleared":
        back = await chat.press("A clinician has checked my knee")
    else:
        back = await chat.send(come_back)
    assert "on again" in back.text
    await tick_at(harness, datetime(2026, 11, 27, 19, 59, tzinfo=UTC))
    assert delivered(harness.emulator, "Your week") == {}
    await tick_at(harness, datetime(2026, 11, 27, 20, 0, tzinfo=UTC))  # its time: slot + 3 h
    assert delivered(harness.emulator, "Your week") == {chat.user_id: 1}
    assert delivered(harness.emulator, REMINDER_TEXT) == {}
    async with harness.services.database.transaction() as db:
        review = await db.scalar(select(WeeklyReview))
    assert (review.sessions_done, review.sessions_planned) == (1, 2)


async def test_weekly_check_in_after_a_hold_is_cleared(harness, ready_chat):
    await _weekly_after_return(harness, ready_chat, "/redflags", "cleared")


async def test_weekly_check_in_after_a_pause_ends(harness, ready_chat):
    await _weekly_after_return(harness, ready_chat, "/pause", "/resume")
