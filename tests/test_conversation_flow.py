"""Issue 12, items 4–9 and 11: a conversation without traps, free text people really type,
pain outside a session, rest days, time zones and wording. Each test plays the person's exact
inputs through the emulator and checks the replies and the stored rows, on both databases."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from content.catalogue import load_catalogue
from storage.models import PainCheckin, SessionExercise, SessionLog, User
from tests.auxil.reminders import REMINDER_TEXT, delivered

CATALOGUE = load_catalogue()
WEDNESDAY = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 10:00 in Berlin


async def rows(harness, model, *where):
    async with harness.services.database.transaction() as db:
        return list(await db.scalars(select(model).where(*where)))


async def the_user(harness) -> User:
    [user] = await rows(harness, User)
    return user


async def pain_scores(harness) -> list[tuple[str, int]]:
    async with harness.services.database.transaction() as db:
        found = await db.scalars(select(PainCheckin).order_by(PainCheckin.id))
        return [(row.kind, row.score) for row in found]


# -- item 4: no modal traps ---------------------------------------------------------------


async def test_a_session_report_during_the_time_zone_question_is_a_report(harness, ready_chat):
    chat = ready_chat
    await chat.send("/schedule")
    asked = await chat.press("Time zone")
    assert "Which time zone are you in?" in asked.text
    report = await chat.send("did hip bump, pain 4")
    assert "couldn't find that place" not in report.text
    assert "Logged: 1 of 3 exercises done (Hip bump)" in report.text
    assert "Noted: 4/10" in report.text
    assert report.last.text.startswith("Which time zone are you in?")  # asked again after
    [log] = await rows(harness, SessionLog)
    done = {row.exercise: row.done for row in await rows(harness, SessionExercise)}
    assert (log.status, done) == (
        "done",
        {"balance": False, "hip_bump": True, "squat_to_surface": False},
    )
    assert await pain_scores(harness) == [("during", 4)]
    user = await the_user(harness)
    assert (user.awaiting_question, user.timezone) == ("timezone", "Europe/Berlin")
    answered = await chat.send("Tokyo")
    assert "Saved." in answered.text and "Got it: Tokyo" in answered.text


async def test_commands_and_skip_during_a_pending_question_then_the_question_again(
    harness, ready_chat
):
    chat = ready_chat
    await chat.send("/schedule")
    await chat.press("Reminder time")
    today = await chat.send("/today")
    assert "training day" in today.text
    assert today.last.text.startswith("What time should I remind you")
    skipped = await chat.send("skip")
    assert "today is skipped" in skipped.text
    assert skipped.last.text.startswith("What time should I remind you")
    [log] = await rows(harness, SessionLog)
    assert log.status == "skipped"
    assert (await the_user(harness)).awaiting_question == "reminder_time"


async def test_a_zone_is_saved_only_when_its_step_is_answered(harness, ready_chat):
    chat = ready_chat
    await chat.send("/schedule")
    await chat.press("Time zone")
    choices = await chat.send("+9")
    assert "Asia/Tokyo" in str(choices.last.buttons)
    await chat.send("/help")  # the person walks away from the choice
    await chat.send("/schedule")
    await chat.press("Keep")
    assert (await the_user(harness)).timezone == "Europe/Berlin"
    late = await chat.press("Tokyo", choices.last)  # an old choice is not saved any more
    assert "has passed" in late.toast
    assert (await the_user(harness)).timezone == "Europe/Berlin"


# -- item 5: /schedule as a menu; /today during setup; hello before /start ------------------


async def test_schedule_is_a_menu_with_keep(harness, ready_chat):
    menu = await ready_chat.send("/schedule")
    assert "Training days: Mon, Wed, Fri at 18:00 (Berlin)" in menu.text
    assert "Morning check: 08:00" in menu.text
    labels = [label for row in menu.last.buttons for label, _ in row]
    assert labels == [
        "📅 Training days",
        "⏰ Reminder time",
        "🌅 Morning check",
        "🌍 Time zone",
        "👍 Keep it as it is",
    ]
    kept = await ready_chat.press("Keep")
    assert "stays as it is" in kept.text
    user = await the_user(harness)
    assert (user.timezone, user.training_days, user.awaiting_question) == (
        "Europe/Berlin",
        "0,2,4",
        None,
    )


async def test_today_during_setup_names_the_pending_question(harness, chat):
    hello = await chat.send("hello")  # before /start
    assert "I'm Knee Coach" in hello.text and "I understand" in str(hello.last.buttons)
    await chat.press("I understand")
    await chat.press("None of these")
    today = await chat.send("/today")
    assert "Send /start" not in today.text
    assert "Let's finish setting you up first" in today.text
    assert today.last.text.startswith("Which time zone are you in?")
    await chat.send("Lisbon")
    days = await chat.send("/today")
    assert days.last.text.startswith("Which days will you train?")
    user = await the_user(harness)
    assert (user.onboarding_step, user.awaiting_question) == ("timezone", "days")


# -- item 6: free text people type -------------------------------------------------------------


TRAINING_DAYS = [datetime(2026, 11, day, 9, 0, tzinfo=UTC) for day in (25, 27, 30)] + [
    datetime(2026, 12, day, 9, 0, tzinfo=UTC) for day in (2, 4, 7)
]


@pytest.mark.parametrize(
    ("text", "left_out", "score"),
    [
        ("done, pain 3", set(), 3),
        ("done 3/10", set(), 3),
        ("done ✅", set(), None),
        ("I did my exercises", set(), None),
        ("did hip bump, pain 4", {"balance", "squat_to_surface"}, 4),
        ("skipped the squats, knee sore 6", {"squat_to_surface"}, 6),
    ],
)
async def test_session_reports_people_type(harness, ready_chat, text, left_out, score):
    replies = await ready_chat.send(text)
    assert "Logged:" in replies.text
    if score is None:
        assert "How much did your knee hurt" in replies.text
        assert await pain_scores(harness) == []
    else:
        assert f"Noted: {score}/10" in replies.text
        assert await pain_scores(harness) == [("during", score)]
    not_done = {row.exercise for row in await rows(harness, SessionExercise) if not row.done}
    assert not_done == left_out


async def test_skipped_the_lunges_before_they_open_logs_the_session(harness, ready_chat):
    replies = await ready_chat.send("skipped the lunges, knee sore 6")
    assert "Logged: 3 exercises done" in replies.text and "Noted: 6/10" in replies.text
    assert await pain_scores(harness) == [("during", 6)]


async def test_numbers_and_times_in_words(harness, ready_chat):
    chat = ready_chat
    await chat.send("done")
    zero = await chat.send("zero")  # answers "How much did your knee hurt?"
    assert "Noted: 0/10" in zero.text
    harness.clock.set(WEDNESDAY + timedelta(days=1))  # Thursday morning
    morning = await chat.send("pain 4 this morning")
    assert "Noted: 4/10" in morning.text
    assert await pain_scores(harness) == [("during", 0), ("next_morning", 4)]
    await chat.send("/schedule")
    await chat.press("Reminder time")
    evening = await chat.send("7:30 pm")
    assert "Saved." in evening.text and "at 19:30" in evening.text
    await chat.send("/schedule")
    await chat.press("Reminder time")
    noon = await chat.send("noon")
    assert "at 12:00" in noon.text
    assert (await the_user(harness)).reminder_time.strftime("%H:%M") == "12:00"


async def test_what_is_not_understood_gets_two_examples(harness, ready_chat):
    replies = await ready_chat.send("the weather is nice")
    assert replies.text.count('"') >= 4  # two quoted examples
    assert '"done, pain 3"' in replies.text and '"pain 4 this morning"' in replies.text
    assert await rows(harness, SessionLog) == []


# -- item 7: pain outside a session ----------------------------------------------------------


async def test_pain_outside_a_session_is_a_day_score(harness, ready_chat):
    chat = ready_chat
    harness.clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))  # Thursday, a rest day
    asked = await chat.send("my knee hurts")
    assert "How is your knee right now" in asked.text
    assert [label for row in asked.last.buttons for label, _ in row] == [
        str(score) for score in range(11)
    ]
    noted = await chat.press("6", asked.last)
    assert "Noted: your knee is at 6/10 today" in noted.text
    harness.clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))  # Friday, a training day
    second = await chat.send("my knee is 6 today")
    assert "two days in a row" in second.text  # a gentle check on the next session
    today = await chat.send("/today")
    assert "take this session gently" in today.text
    harness.clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))  # Saturday
    third = await chat.send("pain 6")
    assert "Noted: your knee is at 6/10 today" in third.text
    assert await pain_scores(harness) == [("day", 6), ("day", 6), ("day", 6)]
    assert await rows(harness, SessionLog) == []
    history = await chat.send("/history")
    assert "Sat 28 Nov: 🦵 knee 6/10 that day" in history.text
    exported = await chat.send("/export")
    [document] = [event for event in exported.events if event.method == "sendDocument"]
    table = list(csv.DictReader(io.StringIO(document.document.decode())))
    day_rows = [(row["date"], row["value"]) for row in table if row["code"] == "kind=day"]
    assert day_rows == [("2026-11-26", "6"), ("2026-11-27", "6"), ("2026-11-28", "6")]


async def test_day_scores_reach_the_reminder_and_the_weekly_check_in(harness, ready_chat):
    chat = ready_chat
    await harness.engine.tick()
    harness.clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    await chat.send("my knee is 7 today")
    harness.clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    await chat.send("my knee is 6 today")
    harness.clock.set(datetime(2026, 11, 27, 17, 0, tzinfo=UTC))
    await harness.engine.tick()  # Friday's reminder
    [reminder] = [event for event in harness.emulator.events if REMINDER_TEXT in event.text]
    assert "take this session gently" in reminder.text
    harness.clock.set(datetime(2026, 11, 27, 20, 0, tzinfo=UTC))
    await harness.engine.tick()  # the weekly check-in
    assert delivered(harness.emulator, "Your knee this week, on the 2 days you told me: 6–7/10")


# -- item 8: rest days ---------------------------------------------------------------------------


async def test_rest_day_done_asks_first_and_skip_is_not_stored(harness, chat):
    harness.clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))  # joins on Friday
    await chat.onboard()
    await chat.send("done")  # Friday: a training day
    await chat.send("2")
    harness.clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))  # Saturday: a rest day
    skip = await chat.send("skip")
    assert "rest day" in skip.text
    asked = await chat.send("done")
    assert "Log an extra session today?" in asked.text
    assert len(await rows(harness, SessionLog)) == 1  # nothing logged before the answer
    await chat.press("Yes, log it")
    await chat.send("1")
    logs = {log.local_date: log.status for log in await rows(harness, SessionLog)}
    assert logs == {date(2026, 11, 27): "done", date(2026, 11, 28): "done"}
    progress = await chat.send("/progress")
    assert "This week: 1 of 1 planned sessions + 1 extra" in progress.text
    assert "2 of 1" not in progress.text


async def test_rest_day_done_can_be_declined(harness, chat):
    harness.clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))  # Thursday
    await chat.onboard()
    await chat.send("done")
    declined = await chat.press("No")
    assert "Nothing logged" in declined.text
    assert await rows(harness, SessionLog) == []


# -- item 9: time zones ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "offered", "choose"),
    [
        ("IST", ["Asia/Kolkata", "Asia/Colombo"], "Asia/Kolkata"),
        ("EST", ["America/New_York"], "America/New_York"),
        ("CET", ["Europe/Berlin", "Europe/Madrid"], "Europe/Berlin"),
        ("PST", ["America/Los_Angeles"], "America/Los_Angeles"),
        ("+5.5", ["Asia/Kolkata", "Asia/Colombo"], "Asia/Kolkata"),
        ("München", ["Europe/Berlin"], None),
        ("GMT", ["Europe/London"], None),
        ("London", ["Europe/London"], None),
        ("Asia/Calcutta", ["Asia/Kolkata"], None),
    ],
)
async def test_time_zone_names_and_abbreviations(harness, ready_chat, typed, offered, choose):
    chat = ready_chat
    await chat.send("/schedule")
    await chat.press("Time zone")
    replies = await chat.send(typed)
    if choose is None:
        assert f"Got it: {offered[0].split('/')[-1]} (" in replies.text  # the zone's city
    else:
        data = [data for row in replies.last.buttons for _label, data in row]
        assert data[: len(offered)] == [f"tz:{zone}" for zone in offered]
        assert "tz:Asia/Calcutta" not in data  # one choice per real zone
        await chat.press_data(f"tz:{choose}", replies.last.message_id)
    assert (await the_user(harness)).timezone == (choose or offered[0])


async def test_midnight_is_checked(harness, ready_chat):
    chat = ready_chat
    await chat.send("/schedule")
    await chat.press("Reminder time")
    check = await chat.send("00:00")
    assert "Did you mean midnight?" in check.text
    assert (await the_user(harness)).reminder_time.strftime("%H:%M") == "18:00"
    again = await chat.press("No, another time")
    assert "What time should I remind you" in again.text
    await chat.send("00:00")
    saved = await chat.press("Yes, midnight")
    assert "at 00:00" in saved.text
    assert (await the_user(harness)).reminder_time.strftime("%H:%M") == "00:00"


# -- item 11: wording ----------------------------------------------------------------------


async def test_the_disclaimer_stays_in_the_chat(harness, chat):
    welcome = await chat.send("/start")
    disclaimer = welcome.last
    thanks = await chat.press("I understand")
    assert not [event for event in thanks.events if event.method.startswith("edit")]
    assert "Thanks for reading that" in thanks.messages[0].text
    assert CATALOGUE.safety.disclaimer in disclaimer.text


async def test_exercise_texts_read_well(harness, ready_chat):
    for exercise in CATALOGUE.exercises:
        shown = await ready_chat.send(f"/exercise {exercise.slug}")
        text = shown.text
        for heading in ("Good form:", "Avoid:", "How to do it:"):
            word = heading.split()[0].rstrip(":")
            following = text.split(heading, 1)[1].lstrip("\n• 0123456789.")
            assert not following.startswith(word), (exercise.slug, heading)
        assert "Feel for:\n• Feel" not in text
    lunge = CATALOGUE.get("reverse_lunge")
    level_one = " ".join([*lunge.steps_at(1), lunge.level(1).how, lunge.dose_at(1).describe()])
    assert "dumbbell" not in level_one.lower()
    balance = CATALOGUE.get("balance")
    assert "30 s" in balance.dose_at(2).describe() and "alphabet once" in balance.level(3).how


# -- item 10: the first chart makes sense ------------------------------------------------------


def test_chart_spans_the_persons_own_weeks_and_breaks_at_gaps():
    from media.chart import ChartData, series, x_axis

    first = date(2026, 12, 3)  # a Thursday
    one = ChartData([(first, 3, None)], first_day=first, today=first)
    assert x_axis(one)[:2] == (date(2026, 11, 30), date(2026, 12, 7))
    assert x_axis(one)[3] == ["Nov 30", "Dec 7"]
    gap = ChartData(
        [(first, 3, 2), (first + timedelta(days=2), 2, 1), (first + timedelta(days=30), 4, 3)],
        day_scores=[(first + timedelta(days=1), 6)],
        skipped=[first + timedelta(days=9)],
        holds=[(first + timedelta(days=10), first + timedelta(days=25))],
        first_day=first,
        today=first + timedelta(days=31),
    )
    lines = series(gap)
    assert lines["during the session"] == [
        [(first, 3), (first + timedelta(days=2), 2)],
        [(first + timedelta(days=30), 4)],  # no line across four weeks
    ]
    assert lines["next morning"][0][0] == (date(2026, 12, 4), 2)  # on the morning's date
    assert lines["knee that day"] == [[(date(2026, 12, 4), 6)]]
    start, end, _ticks, labels = x_axis(gap)
    assert (start, end) == (date(2026, 11, 30), date(2027, 1, 4))
    assert labels[:2] == ["Nov 30", "Dec 7"]
    russian = ChartData([(first, 3, None)], first_day=first, today=first, language="ru")
    assert x_axis(russian)[3][0] == "30 нояб."


async def test_first_progress_chart_through_the_chat(harness, ready_chat):
    await ready_chat.send("done")
    await ready_chat.send("3")
    replies = await ready_chat.send("/progress")
    [photo] = [event for event in harness.emulator.events if event.method == "sendPhoto"]
    png = photo.document
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (800, 450)
    assert "This week: 1 of 2 planned sessions" in replies.text or photo.text
