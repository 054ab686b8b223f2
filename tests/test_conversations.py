"""End to end through the emulator over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from storage.models import ExerciseLevel, PainCheckin, Push, SessionExercise, SessionLog, User


async def rows(services, model, *where):
    async with services.database.transaction() as db:
        return list(await db.scalars(select(model).where(*where)))


async def test_start_walks_through_disclaimer_screen_and_schedule(harness, chat):
    welcome = await chat.send("/start")
    assert "Knee Coach" in welcome.text and "not a diagnosis" in welcome.text
    screen = await chat.press("I understand")
    labels = [label for row in screen.with_buttons().buttons for label, _ in row]
    assert "calf" in screen.text and "emergency number" in screen.text
    assert labels[-1] == "None of these" and "Painful, swollen calf" in labels
    asked = await chat.press("None of these")
    assert "time zone" in asked.text
    days = await chat.send("new york")
    assert "Got it: New York" in days.text and "Chosen: Mon, Wed, Fri" in days.text
    toggled = await chat.press("Tue")
    assert "Chosen: Mon, Tue, Wed, Fri" in toggled.text
    await chat.press("Save days")
    morning = await chat.send("7:30")
    assert "What time suits you in the morning?" in morning.text
    finished = await chat.press("09:00")
    assert "Mon, Tue, Wed, Fri at 07:30 (New York)" in finished.text
    assert "Morning check: 09:00" in finished.text

    [user] = await rows(harness.services, User)
    assert user.timezone == "America/New_York"
    assert user.weekdays == (0, 1, 2, 4)
    assert user.reminder_time.strftime("%H:%M") == "07:30"
    assert user.morning_time.strftime("%H:%M") == "09:00"
    assert user.disclaimer_accepted_at is not None and user.onboarded
    levels = {row.exercise: row.level for row in await rows(harness.services, ExerciseLevel)}
    assert levels == {"balance": 2, "hip_bump": 2, "squat_to_surface": 2}


async def test_red_flag_stops_the_program(harness, chat):
    await chat.send("/start")
    await chat.press("I understand")
    stopped = await chat.press("Knee locks")
    assert "see a doctor or physiotherapist before starting" in stopped.text
    assert "emergency" in stopped.text
    today = await chat.send("/today")
    assert "on hold" in today.text and "1." not in today.text
    [user] = await rows(harness.services, User)
    assert user.on_hold and not user.onboarded
    again = await chat.send("/start")  # /start does not skip the hold
    assert "on hold" in again.text
    resumed = await chat.press("A clinician has checked my knee")
    assert "time zone" in resumed.text  # onboarding carries on after the screen
    [user] = await rows(harness.services, User)
    assert not user.on_hold and user.onboarding_step == "timezone"


async def test_rerunning_start_keeps_history(harness, ready_chat):
    await ready_chat.send("done")
    again = await ready_chat.send("/start")
    assert "Welcome back" in again.text
    assert len(await rows(harness.services, SessionLog)) == 1
    [user] = await rows(harness.services, User)
    assert user.onboarded and user.timezone == "Europe/Berlin"


async def test_change_schedule_from_start(harness, ready_chat):
    await ready_chat.send("/start")
    await ready_chat.press("Change schedule")
    await ready_chat.press("Time zone")
    await ready_chat.send("+9")
    choices = ready_chat.last_buttons
    assert choices is not None and "Asia/Tokyo" in str(choices.buttons)
    saved = await ready_chat.press("Tokyo")
    assert "Saved." in saved.text and "Tokyo" in saved.text


async def test_today_lists_starter_exercises_in_program_order(ready_chat):
    replies = await ready_chat.send("/today")
    text = replies.last.text
    assert "training day" in text  # Wednesday
    order = [
        text.index(name) for name in ("Foot and ankle balance", "Hip bump", "Squat to a surface")
    ]
    assert order == sorted(order)
    assert "Sumo squat" not in text and "reverse lunge" not in text.lower()
    assert "2–3 sets × 10 reps per leg" in text
    labels = [label for row in replies.last.buttons for label, _ in row]
    assert "✅ Session done" in labels and "⏭ Skip today" in labels
    assert "📖 Hip bump" in labels


async def test_today_on_rest_day_names_next_training_day(harness, ready_chat):
    harness.clock.advance(timedelta(days=1))  # Thursday
    replies = await ready_chat.send("/today")
    assert "rest day" in replies.text and "Friday 27 November" in replies.text
    assert "Session done" in str(replies.last.buttons)  # training anyway is allowed


async def test_done_button_logs_session_and_asks_pain(harness, ready_chat):
    today = await ready_chat.send("/today")
    done = await ready_chat.press("Session done", today.last)
    assert done.toast == "Logged ✅"
    assert "How much did your knee hurt" in done.text
    pain = await ready_chat.press("3", done.with_buttons())
    assert "3/10" in pain.text and "acceptable" in pain.text

    [log] = await rows(harness.services, SessionLog)
    assert log.status == "done" and log.local_date == date(2026, 11, 25)
    exercises = await rows(harness.services, SessionExercise)
    assert sorted(row.exercise for row in exercises) == ["balance", "hip_bump", "squat_to_surface"]
    [checkin] = await rows(harness.services, PainCheckin)
    assert (checkin.kind, checkin.score, checkin.session_id) == ("during", 3, log.id)


async def test_done_and_pain_as_free_text(harness, ready_chat):
    done = await ready_chat.send("did it")
    assert "Logged" in done.text and "0 means no pain" in done.text
    pain = await ready_chat.send("pain 3")
    assert "Noted: 3/10" in pain.text
    again = await ready_chat.send("2/10")
    assert "If 2 is a pain score" in again.text  # the question was answered already
    fixed = await ready_chat.send("pain 1")
    assert "Updated: 1/10" in fixed.text
    first, fixed = sorted(await rows(harness.services, PainCheckin), key=lambda row: row.id)
    assert (first.score, fixed.score) == (3, 1)  # the correction is a new row
    assert first.superseded_by == fixed.id and fixed.superseded_at is None


async def test_bare_number_answers_the_pain_question(harness, ready_chat):
    await ready_chat.send("done")
    replies = await ready_chat.send("7")
    assert "Noted: 7/10" in replies.text and "more than we want" in replies.text
    [checkin] = await rows(harness.services, PainCheckin)
    assert checkin.score == 7


async def test_high_pain_offers_red_flag_check(harness, ready_chat):
    await ready_chat.send("done")
    replies = await ready_chat.send("9")
    assert "stop for today" in replies.text and "calf" in replies.text
    fine = await ready_chat.press("None of these")
    assert "none of the warning signs apply" in fine.text
    assert "carry on" not in fine.text.lower()
    [user] = await rows(harness.services, User)
    assert not user.on_hold
    await ready_chat.send("/redflags")
    held = await ready_chat.press("Numb or weak leg")
    assert "doctor or physiotherapist before carrying on" in held.text
    assert "emergency" in held.text
    assert "on hold" in (await ready_chat.send("/today")).text
    assert "on hold" in (await ready_chat.send("done")).text


async def test_double_done_is_logged_once(harness, ready_chat):
    today = await ready_chat.send("/today")
    await ready_chat.press("Session done", today.last)
    second = await ready_chat.press("Session done", today.last)
    assert second.toast == "Already logged ✅"
    assert "already logged" in second.text
    assert len(await rows(harness.services, SessionLog)) == 1


async def test_skip_then_done_same_day(harness, ready_chat):
    skipped = await ready_chat.send("skip")
    assert "skipped" in skipped.text and "Friday 27 November" in skipped.text
    [log] = await rows(harness.services, SessionLog)
    assert log.status == "skipped"
    await ready_chat.send("done")
    [log] = await rows(harness.services, SessionLog)
    assert log.status == "done"
    assert all(row.done for row in await rows(harness.services, SessionExercise))


async def test_later_snoozes_once(harness, ready_chat):
    replies = await ready_chat.send("later")
    assert "I'll remind you again at 11:00" in replies.text  # 10:00 in Berlin + 1 h
    again = await ready_chat.send("later")
    assert "already snoozed" in again.text
    async with harness.services.database.transaction() as db:
        [push] = (await db.scalars(select(Push))).all()
    assert (push.kind, push.status) == ("snoozed", "pending")


async def test_local_date_follows_users_time_zone(harness, chat):
    # 23:30 UTC on Wednesday is already Thursday in Tokyo.
    harness.clock.set(harness.clock.now().replace(hour=23, minute=30))
    await chat.onboard(place="Tokyo")
    asked = await chat.send("done")  # Thursday in Tokyo: a rest day
    assert "Log an extra session today?" in asked.text
    await chat.press("Yes, log it")
    [log] = await rows(harness.services, SessionLog)
    assert log.local_date == date(2026, 11, 26)


async def test_exercise_command_accepts_names_and_typos(ready_chat):
    for query in ("hip_bump", "Hip bump", "hipbump", "hip bumb", "HIP-BUMP"):
        replies = await ready_chat.send(f"/exercise {query}")
        assert replies.last.text.startswith("📖 Hip bump"), query
        assert "Lean" in replies.last.text or "lean" in replies.last.text
        assert "You're on level 2." in replies.last.text


async def test_exercise_unknown_name_offers_closest_as_buttons(ready_chat):
    replies = await ready_chat.send("/exercise squat")
    labels = [label for row in replies.last.buttons for label, _ in row]
    assert "📖 Squat to a surface" in labels and "📖 Sumo squat" in labels
    chosen = await ready_chat.press("Sumo squat", replies.last)
    assert chosen.last.text.startswith("📖 Sumo squat")
    assert "Not in your program yet" in chosen.last.text


async def test_exercise_without_argument_lists_all(ready_chat):
    replies = await ready_chat.send("/exercise")
    assert "in program order" in replies.text and "Single-arm reverse lunge" in replies.text


async def test_exercises_lists_seven_in_order(chat):
    replies = await chat.send("/exercises")
    text = replies.last.text
    names = [
        "Foot and ankle balance",
        "Single-leg RDL",
        "Hip bump",
        "Hip circles",
        "Squat to a surface",
        "Sumo squat",
        "Single-arm reverse lunge",
    ]
    assert [text.index(name) for name in names] == sorted(text.index(name) for name in names)
    assert len(replies.last.buttons) == 7


async def test_how_to_button_from_today(ready_chat):
    today = await ready_chat.send("/today")
    how = await ready_chat.press("📖 Squat to a surface", today.last)
    assert "How to do it:" in how.text and "8–12 reps" in how.text


async def test_typing_an_exercise_name_shows_it(ready_chat):
    replies = await ready_chat.send("sumo squat")
    assert replies.last.text.startswith("📖 Sumo squat")


async def test_help_lists_every_command(chat, harness):
    every = {
        "today",
        "progress",
        "report",
        "history",
        "psfs",
        "exercises",
        "exercise",
        "schedule",
        "pause",
        "resume",
        "redflags",
        "export",
        "delete",
        "language",
        "physio",
        "invite",
        "patients",
        "digest",
        "start",
        "help",
    }
    replies = await chat.send("/help")
    assert set(re.findall(r"^/(\w+):", replies.text, re.MULTILINE)) == every
    menus = [event for event in harness.emulator.events if event.method == "setMyCommands"]
    assert menus and {item["command"] for item in menus[0].params["commands"]} == every
    for command in every - {"start", "help", "exercise"}:  # each one is really handled
        answer = await chat.send(f"/{command}")
        assert "I don't know the command" not in answer.text


async def test_two_users_do_not_see_each_others_data(harness):
    alex, sam = harness.chat(6001, "Alex"), harness.chat(6002, "Sam")
    await alex.onboard()
    await sam.onboard(place="London")
    await alex.send("done")
    await alex.send("pain 2")
    sam_today = await sam.send("/today")
    assert "already" not in sam_today.text.lower()
    logs = await rows(harness.services, SessionLog)
    assert [log.user_id for log in logs] == [6001]


async def test_time_zone_from_a_location_pin(harness, chat):
    await chat.send("/start")
    await chat.press("I understand")
    asked = await chat.press("None of these")
    location_button = asked.events[-1].params["reply_markup"]["keyboard"][0][0]
    assert location_button["request_location"] is True
    at_sea = await chat.send_location(0.0, -30.0)
    assert "couldn't tell the time zone" in at_sea.text
    found = await chat.send_location(48.137, 11.575)  # Munich
    assert "Got it: Berlin" in found.text
    cleared = next(event for event in found.events if "Got it" in event.text)
    assert cleared.params["reply_markup"] == {"remove_keyboard": True}
    async with harness.services.database.transaction() as db:
        user = await db.get(User, chat.user_id)
    assert user.timezone == "Europe/Berlin"


async def test_location_out_of_context_is_not_used(harness, ready_chat):
    replies = await ready_chat.send_location(35.68, 139.69)
    assert "only use a location to set your time zone" in replies.text
    async with harness.services.database.transaction() as db:
        user = await db.get(User, ready_chat.user_id)
    assert user.timezone == "Europe/Berlin"
