"""Issue 21 end to end: advice with follow-through. Every "see a clinician" outcome holds the
program until a clearance or the recorded choice of the easiest levels, returns after a break
are gentle, a flare blocks increases, the most urgent flags keep their weight, and one reply
speaks with one voice. Each plays the issue's own inputs through the emulator, on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from content.catalogue import load_catalogue
from content.i18n import _, use_language
from content.states import HoldEnd, HoldKind, PushKind, PushStatus
from handlers.safety import CLEARED_LABEL, DOCTOR_CLEARED_LABEL
from storage.models import ExerciseLevel, Hold, KneeEvent, LevelChange, Push, User
from tests.auxil.reminders import REMINDER_TEXT
from tests.test_adapting import JOINED, Days, fetch, name, set_levels

FOLLOWUP_TEXT = "A few days ago I suggested having your knee checked"
SAFETY_EMERGENCY = {
    language: load_catalogue(language=language).safety.emergency for language in ("en", "ru", "es")
}


@pytest.fixture
async def ready_chat(chat):
    await chat.onboard(morning="08:00")
    return chat


def labels(replies) -> list[str]:
    return [label for event in replies.events for row in event.buttons for label, _ in row]


def reminders(days: Days) -> list:
    return [event for event in days.pushed if REMINDER_TEXT in event.text]


async def test_pain_8_at_the_easiest_levels_holds_the_program_until_a_clinician_checked(
    harness, ready_chat
):
    await set_levels(harness.services, 1)
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    replies = await ready_chat.send("done, pain 8")
    assert "✅ Logged: 3 exercises done." in replies.text
    assert "Great work" not in replies.text
    assert "8/10 is severe pain. Please stop for today and rest your knee" in replies.text
    assert "every exercise already at its easiest level" in replies.text
    assert "easier level" not in replies.text and "easier version" not in replies.text
    assert "Until then your program is on hold" in replies.text
    [hold] = await fetch(harness.services, Hold)
    assert (hold.kind, hold.reason, hold.ended_at) == (HoldKind.REVIEW, "severe_at_lowest", None)
    assert hold.evidence == [{"day": "2026-11-25", "during": 8, "morning": None}]

    # The next day: /today says the hold and offers no session.
    await days.to(date(2026, 11, 26))
    today = await ready_chat.send("/today")
    assert "🩺 Your program has been on hold since Wednesday 25 November" in today.text
    assert "Pain of 8/10 with every exercise already at its easiest level" in today.text
    assert "Today's session is done" not in today.text and "1. " not in today.text
    assert labels(today) == ["✅ A clinician has checked my knee", "I can't see anyone now"]

    # Friday, a training day: no reminder; Saturday, three days on: the one follow-up.
    await days.to(date(2026, 11, 27))
    assert reminders(days) == []
    await days.to(date(2026, 11, 28))
    [followup] = [event for event in days.pushed if FOLLOWUP_TEXT in event.text]
    assert "has been on hold since Wednesday 25 November" in followup.text
    await days.to(date(2026, 11, 29))
    assert [event for event in days.pushed if FOLLOWUP_TEXT in event.text] == []

    back = await ready_chat.press("A clinician has checked my knee", followup)
    assert "Reminders are on again from your next training day" in back.text
    assert "fewer reps and a smaller range" in back.text  # no easier level to point to
    [hold] = await fetch(harness.services, Hold)
    assert hold.ended_by is HoldEnd.CLEARED
    await days.to(date(2026, 11, 30))
    assert len(reminders(days)) == 1


async def test_two_regressions_hold_and_carrying_on_at_the_easiest_levels_is_a_choice(
    harness, ready_chat
):
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    first = await days.session(6)
    assert "⬇️" in first.text and "Until then your program is on hold" not in first.text
    await days.to(date(2026, 11, 27))
    second = await days.session(6)
    assert "protested 2 sessions in a row (6/10 on Wed 25 Nov; 6/10 on Fri 27 Nov)" in second.text
    assert "Until then your program is on hold" in second.text
    assert "How hard was the session" not in second.text  # no effort question on a hold

    # Monday (a training day, three days on): no reminder, the follow-up instead.
    await days.to(date(2026, 11, 30))
    assert reminders(days) == []
    [followup] = [event for event in days.pushed if FOLLOWUP_TEXT in event.text]
    assert "I can't see anyone now" in str(followup.buttons)
    await ready_chat.press("Not yet", followup)
    choice = await ready_chat.press("I can't see anyone now", followup)
    assert "every exercise at its easiest level" in choice.text
    chosen = await ready_chat.press("Carry on at the easiest levels")
    assert "Every exercise was at its easiest level already" in chosen.text
    assert "Reminders are on again" in chosen.text
    [hold] = await fetch(harness.services, Hold)
    assert hold.ended_by is HoldEnd.EASIEST and hold.reason == "regressions_in_a_row"
    await days.to(date(2026, 12, 2))
    assert len(reminders(days)) == 1


async def test_carrying_on_moves_every_exercise_to_its_easiest_level(harness, ready_chat):
    await set_levels(harness.services, 3)
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    await days.session(10)  # a 10: see a clinician, whatever the levels
    [hold] = await fetch(harness.services, Hold)
    assert hold.reason == "worst_pain"
    await ready_chat.send("/today")
    await ready_chat.press("I can't see anyone now")
    chosen = await ready_chat.press("Carry on at the easiest levels")
    assert "Every exercise is at its easiest level now:" in chosen.text
    assert f"• {name('hip_bump')}: level 1 of 3" in chosen.text
    levels = {row.exercise: row.level for row in await fetch(harness.services, ExerciseLevel)}
    assert set(levels.values()) == {1}
    reasons = {row.reason for row in await fetch(harness.services, LevelChange)}
    assert "easiest" in reasons


async def test_a_return_after_three_weeks_starts_one_level_lower_and_old_sessions_do_not_count(
    harness, ready_chat
):
    days = Days(harness, ready_chat)
    async with harness.services.database.transaction() as db:
        await db.execute(
            update(ExerciseLevel).where(ExerciseLevel.exercise == "hip_bump").values(level=3)
        )
    await days.to(date(2026, 11, 30))
    await days.session(1)
    await days.to(date(2026, 12, 1))
    await days.morning(1)
    await ready_chat.send("/pause")
    await days.to(date(2026, 12, 22))
    resumed = await ready_chat.send("/resume")
    assert "Reminders are on again" in resumed.text
    assert "Your last session was on Mon 30 Nov, 22 days ago" in resumed.text
    assert f"• {name('hip_bump')}: level 2 of 3" in resumed.text
    assert f"• {name('balance')}: level 1 of 3" in resumed.text
    again = await ready_chat.send("/today")
    assert "Welcome back" not in again.text  # once per break
    levels = {row.exercise: row.level for row in await fetch(harness.services, ExerciseLevel)}
    assert levels == {"balance": 1, "hip_bump": 2, "squat_to_surface": 1}

    await days.to(date(2026, 12, 23))
    await days.session(1)
    await days.to(date(2026, 12, 24))
    morning = await days.morning(1)
    assert "🔓" not in morning.text and "⬆️" not in morning.text


async def test_a_gap_without_a_pause_eases_the_reminder_too(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    await days.session(1)
    await days.to(date(2026, 12, 9))  # two weeks of reminders ignored
    [reminder] = reminders(days)
    assert "Your last session was on Wed 25 Nov, 14 days ago" in reminder.text
    assert f"{name('balance')} (" in reminder.text


async def test_a_flare_the_day_before_holds_the_opening_it_would_have_made(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.week([(1, 1), (1, 1), (0, 1)])  # Wed 25, Fri 27, Mon 30
    await days.to(date(2026, 12, 1))
    await ready_chat.send("my knee is 7 today")
    await days.to(date(2026, 12, 2))
    sore = await ready_chat.send("my knee is 7 today")
    assert "take this session gently" in sore.text
    await days.session(1)
    await days.to(date(2026, 12, 3))
    morning = await days.morning(1)
    assert "🔓" not in morning.text
    assert "nothing steps up or opens this time" in morning.text
    assert await fetch(harness.services, LevelChange) == []


async def test_an_extra_session_the_next_day_counts_for_the_week_not_for_a_step_up(
    harness, ready_chat
):
    """Monday's and Tuesday's pain-free sessions are a day apart: Wednesday's morning opens or
    steps up nothing; Wednesday's session, two days after Monday's, earns the first increase
    (an opening, which goes before an up-step)."""
    days = Days(harness, ready_chat)
    await days.to(date(2026, 11, 30))  # steps may come from Wednesday 2 December on
    await days.session(1)
    await days.to(date(2026, 12, 1))
    await days.morning(1)
    extra = await days.session(1)  # Tuesday, a rest day: an extra session
    await days.to(date(2026, 12, 2))
    wednesday = [await days.morning(1), await days.session(1)]
    assert all("⬆️" not in reply.text and "🔓" not in reply.text for reply in wednesday)
    await days.to(date(2026, 12, 3))
    thursday = await days.morning(1)
    assert f"🔓 New exercise from your next session: {name('single_leg_rdl')}" in thursday.text
    assert "your last 2 sessions had pain 1/10 and 1/10" in thursday.text
    assert "⬆️" not in extra.text and "🔓" not in extra.text
    progress = await ready_chat.send("/progress")
    assert "This week: 3 of 3 planned sessions" in progress.text  # the extra counts here


async def test_an_emergency_flag_cannot_be_cleared_the_same_day(harness, ready_chat):
    await ready_chat.send("/redflags")
    advice = await ready_chat.press("Chest pain or breathless")
    assert "Call your local emergency number now" in advice.text
    assert "tap the button under /today from Thursday 26 November on" in advice.text
    assert "A clinician has checked my knee" not in str(advice.events)
    refused = await ready_chat.press_data("cleared")  # an old clearance button, same minute
    assert "Please get seen by a doctor first" in refused.text
    [user] = await fetch(harness.services, User)
    assert user.on_hold

    harness.clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    today = await ready_chat.send("/today")
    assert "after a doctor has seen you" in today.text
    assert labels(today) == ["✅ A doctor has seen me and said I can exercise"]
    cleared = await ready_chat.press("A doctor has seen me")
    assert "Reminders are on again" in cleared.text


async def test_a_soon_flag_can_be_cleared_at_once(harness, ready_chat):
    await ready_chat.send("/redflags")
    advice = await ready_chat.press("Knee locks")
    assert labels(advice)[-1] == "✅ A clinician has checked my knee"
    cleared = await ready_chat.press("A clinician has checked my knee")
    assert "Reminders are on again" in cleared.text


async def test_during_a_hold_exercise_shows_the_hold_only(harness, ready_chat):
    await ready_chat.send("/redflags")
    await ready_chat.press("Knee locks")
    shown = await ready_chat.send("/exercise hip bump")
    assert "on hold" in shown.text
    assert [event for event in shown.events if event.method == "sendAnimation"] == []
    assert "How to do it" not in shown.text
    typed = await ready_chat.send("hip bump")
    assert "How to do it" not in typed.text and "on hold" in typed.text


async def test_pain_6_at_the_easiest_level_never_points_to_an_easier_one(harness, ready_chat):
    await set_levels(harness.services, 1)
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    replies = await days.session(6)
    assert "easier version" not in replies.text and "easier level" not in replies.text
    assert "already at their easiest level" in replies.text
    assert "fewer reps" in replies.text and "smaller range" in replies.text


async def test_a_weekly_check_in_that_asks_for_a_review_celebrates_nothing(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.week([(1, 7)] * 7)  # Wed 25 Nov … Wed 9 Dec, every morning 7
    await days.to(date(2026, 12, 11))
    await days.at(20)
    [weekly] = [event for event in days.pushed if "Your week" in event.text]
    assert "🎉" not in weekly.text and "Keep going" not in weekly.text
    assert "2 of 3 sessions done" in weekly.text and "What got in the way" not in weekly.text
    assert "Until then your program is on hold" in weekly.text
    [hold] = await fetch(harness.services, Hold)
    assert (
        hold.reason == "mornings_high" and [item["morning"] for item in hold.evidence] == [7] * 4
    )
    followups = [
        push for push in await fetch(harness.services, Push) if push.kind is PushKind.FOLLOWUP
    ]
    assert [(push.local_date, push.status) for push in followups] == [
        (date(2026, 12, 14), PushStatus.PENDING)
    ]


async def test_onboarding_refuses_an_evening_morning_check(chat):
    await chat.send("/start")
    await chat.press("I understand")
    await chat.press("None of these")
    await chat.send("Berlin")
    await chat.press("Save days")
    await chat.press("18:00")
    refused = await chat.send("18:00")
    assert "18:00 isn't a morning time" in refused.text
    assert "between 04:00 and 12:00" in refused.text
    assert "What time suits you in the morning?" in refused.text
    done = await chat.send("7:30")
    assert "Morning check: 07:30" in done.text


async def test_schedule_refuses_an_evening_morning_check(ready_chat):
    await ready_chat.send("/schedule")
    await ready_chat.press("Morning check")
    refused = await ready_chat.send("6 pm")
    assert "between 04:00 and 12:00" in refused.text
    midnight = await ready_chat.send("0:00")
    assert "midnight" not in midnight.text.lower() and "between 04:00 and 12:00" in midnight.text


async def test_a_morning_question_sent_after_noon_does_not_say_this_morning(harness, chat):
    await chat.onboard(morning="11:00")
    days = Days(harness, chat)
    await days.to(JOINED)
    await days.session(2)
    harness.clock.set(datetime(2026, 11, 26, 11, 30, tzinfo=UTC))  # 12:30 in Berlin
    before = len(harness.emulator.events)
    await harness.engine.tick()
    [question] = [
        event for event in harness.emulator.events[before:] if "0 means no pain" in event.text
    ]
    assert "this morning" not in question.text
    assert "How is your knee today, the day after your session" in question.text


@pytest.mark.parametrize(
    ("language", "words"), [("ru", ("врач", "физиотерапевт")), ("es", ("médico", "fisio"))]
)
def test_the_clearance_buttons_name_a_clinician_in_every_language(language, words):
    with use_language(language):
        for label in (CLEARED_LABEL, DOCTOR_CLEARED_LABEL):
            translated = _(label).lower()
            assert translated != label.lower() and any(word in translated for word in words)


async def test_a_corrected_score_lifts_the_review_it_called_for(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    await days.session(10)
    corrected = await ready_chat.send("pain 1")
    assert "the hold is lifted" in corrected.text
    [hold] = await fetch(harness.services, Hold)
    assert hold.ended_by is HoldEnd.CORRECTED
    [user] = await fetch(harness.services, User)
    assert not user.on_hold
    assert timedelta(0) <= hold.ended_at - hold.started_at < timedelta(hours=1)


async def test_a_cleared_weekly_review_does_not_come_back_on_the_old_mornings(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.week([(1, 7)] * 7)  # every morning 7, up to Thu 10 Dec
    await days.to(date(2026, 12, 11))
    await days.at(20)
    [weekly] = [event for event in days.pushed if "Your week" in event.text]
    await ready_chat.press("A clinician has checked my knee", weekly)
    await days.week([(1, 1)])  # Mon 14, morning 1
    await days.to(date(2026, 12, 18))
    await days.session(1)
    await days.at(20)
    [weekly] = [event for event in days.pushed if "Your week" in event.text]
    assert "usual morning" not in weekly.text and "on hold" not in weekly.text
    assert len(await fetch(harness.services, Hold)) == 1


async def test_a_higher_correction_of_the_first_regression_keeps_the_hold(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    await days.session(6)
    await days.to(date(2026, 11, 27))
    await days.session(6)
    again = await ready_chat.press_data("pain:2026-11-25:7")  # Wednesday's score, corrected
    assert "the hold is lifted" not in again.text
    [hold] = await fetch(harness.services, Hold)
    assert hold.ended_at is None


async def test_review_advice_during_a_red_flag_hold_offers_no_dead_button(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    done = await ready_chat.send("done")
    await ready_chat.send("/redflags")
    await ready_chat.press("Chest pain or breathless")
    advice = await ready_chat.press("10", done.with_buttons())
    assert "You gave your knee the highest score" in advice.text
    offered = {data for event in advice.events for row in event.buttons for _, data in row}
    # No clearance on the day of an emergency flag, and no easiest levels under a red flag.
    assert not offered & {"cleared", "noreview"}


async def test_a_cleared_hold_sends_no_follow_up(harness, ready_chat):
    days = Days(harness, ready_chat)
    await ready_chat.send("/redflags")
    await ready_chat.press("Knee locks")  # Wednesday
    await ready_chat.press("A clinician has checked my knee")
    await days.to(date(2026, 11, 27))
    await ready_chat.send("/redflags")
    await ready_chat.press("Knee locks")  # Friday: a new hold
    await days.to(date(2026, 11, 30))
    sent = [event.text for event in harness.emulator.events if FOLLOWUP_TEXT in event.text]
    assert len(sent) == 1  # Monday's, none on Saturday for the hold that ended


async def test_the_morning_question_still_comes_during_a_hold(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    await ready_chat.send("done, pain 10")
    await days.to(date(2026, 11, 26))
    morning = await days.morning(4)
    assert "Noted: 4/10" in morning.text and "has been on hold" in morning.text


async def test_a_move_to_the_easiest_level_is_said_as_now_and_earns_no_praise(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    replies = await ready_chat.send("done, pain 6")
    assert "Great work" not in replies.text
    assert "now at their easiest level" in replies.text
    assert "already at their easiest level" not in replies.text


async def test_today_after_a_stopped_session_does_not_say_well_done(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    await ready_chat.send("done, pain 8")
    await ready_chat.press("None of these")
    today = await ready_chat.send("/today")
    assert "Well done" not in today.text
    assert "your knee needs rest for the rest of today" in today.text


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "my knee gave way"), ("ru", "колено подкосилось"), ("es", "se me dobló la rodilla")],
)
async def test_a_knee_that_gave_way_is_heard_and_kept(harness, ready_chat, language, said):
    if language != "en":
        await ready_chat.send("/language")
        await ready_chat.tap(f"lang:{language}")
    asked = await ready_chat.send(said)
    assert any(data.endswith(":neither") for row in asked.last.buttons for _, data in row)
    calm = await ready_chat.tap("gaveway:", asked.last)  # the first answer: after an injury
    assert SAFETY_EMERGENCY[language] in calm.text  # the warning-sign screen
    [event] = await fetch(harness.services, KneeEvent)
    assert (event.kind, event.answer) == ("gave_way", "injury")


async def test_a_knee_that_gave_way_without_injury_is_common_and_noted(harness, ready_chat):
    asked = await ready_chat.send("my knee buckled on the stairs")
    answer = await ready_chat.press("No, neither", asked.last)
    assert "common with knee pain" in answer.text and "balance exercises" in answer.text
    [event] = await fetch(harness.services, KneeEvent)
    assert event.answer == "neither"
    forged = await ready_chat.press_data(f"gaveway:{event.id + 1}:injury")
    assert forged.toast == "That button has expired."


async def test_every_advice_shows_in_history_progress_export_and_report(harness, ready_chat):
    await set_levels(harness.services, 1)
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    await ready_chat.send("done, pain 8")
    await ready_chat.press("None of these")
    await ready_chat.send("my knee gave way")
    await ready_chat.press("No, neither")
    await days.to(date(2026, 11, 28))
    [followup] = [event for event in days.pushed if FOLLOWUP_TEXT in event.text]
    await ready_chat.press("A clinician has checked my knee", followup)
    advice = "Advice to see a clinician: Pain of 8/10 with every exercise already at its easiest"

    history = await ready_chat.send("/history")
    assert f"Wed 25 Nov: 🩺 {advice} level.; cleared by a clinician on Sat 28 Nov" in history.text
    assert "Wed 25 Nov: 🦵 knee gave way (no fall or injury)" in history.text

    progress = await ready_chat.send("/progress")
    assert "Holds in these weeks:" in progress.text and advice in progress.text

    exported = await ready_chat.send("/export")
    [document] = [event for event in exported.events if event.method == "sendDocument"]
    rows = list(csv.reader(io.StringIO(document.document.decode())))
    [hold] = [row for row in rows if row[0] == "hold"]
    assert advice in hold[5] and "cleared by a clinician on Sat 28 Nov" in hold[6]
    assert hold[-1] == "kind=review;reason=severe_at_lowest;ended_by=cleared"
    [knee] = [row for row in rows if row[0] == "knee_event"]
    assert knee[-1] == "kind=gave_way;answer=neither"

    report = await ready_chat.send("/report")
    [pdf] = [event for event in report.events if event.method == "sendDocument"]
    reader = PdfReader(io.BytesIO(pdf.document))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Warning signs, clinician reviews and holds" in text
    assert "Pain of 8/10 with every exercise already at its easiest level" in text
    assert "cleared by a clinician on Sat 28 Nov" in text
    assert "Knee gave way" in text and "no fall or injury" in text
