"""Issue 10 end to end: the pain-to-dose loop and red-flag triage through the emulator, with the
injected clock, pressing buttons and typing, on SQLite and PostgreSQL; each scenario checks the
stored rows and the lines the person reads."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select, update

from content.catalogue import load_catalogue
from storage import outbox
from storage.models import (
    Clearance,
    ExerciseLevel,
    LevelChange,
    PainCheckin,
    RedFlagAnswer,
    SessionLog,
    SessionReview,
    User,
)
from tests.auxil.chat import Chat, Replies

CATALOGUE = load_catalogue()
SAFETY = CATALOGUE.safety
JOINED = date(2026, 11, 25)  # a Wednesday: the harness clock starts there
MORNING_TEXT = "How is your knee this morning"
CARRY_ON = "carry on as planned"


@pytest.fixture
async def ready_chat(chat):
    """Reminders at 18:00 and morning checks at 08:00 in Berlin."""
    await chat.onboard(morning="08:00")
    return chat


class Days:
    """One person's days: the reminder engine runs at 08:00 (the morning check) and at 18:00
    (the reminder) in Berlin every day, and sessions, scores and answers are given after that,
    as the person would; `pushed` holds that day's pushes."""

    def __init__(self, harness, chat: Chat) -> None:
        self.harness, self.chat = harness, chat
        self.day = JOINED - timedelta(days=1)
        self.pushed: list = []

    async def to(self, day: date) -> None:
        """Move the clock day by day up to `day`, running the engine each day."""
        while self.day < day:
            self.day += timedelta(days=1)
            await self._tick(datetime.combine(self.day, datetime.min.time(), UTC))

    async def at(self, hour: int) -> None:
        """Later that day (UTC hour), running the engine."""
        await self._tick(datetime.combine(self.day, datetime.min.time(), UTC), hour)

    async def _tick(self, midnight: datetime, hour: int | None = None) -> None:
        before = len(self.harness.emulator.events)
        for at in (7, 17) if hour is None else (hour,):
            self.harness.clock.set(midnight + timedelta(hours=at))
            await self.harness.engine.tick()
        self.pushed = [
            event
            for event in self.harness.emulator.events[before:]
            if event.chat_id == self.chat.user_id
        ]

    async def session(self, pain: int | None, effort: str | None = None) -> Replies:
        """Today's session done, and its pain score tapped on the 0–10 buttons."""
        done = await self.chat.send("done")
        if "Log an extra session" in done.text:  # a rest day: yes, an extra session
            done = await self.chat.press("Yes, log it")
        assert "Logged" in done.text, done.text
        if pain is None:
            return done
        replies = await self.chat.press(str(pain), done.with_buttons())
        if effort is not None:
            await self.chat.press(effort, replies.with_buttons())
        return replies

    async def morning(self, score: int) -> Replies:
        """Tap the score on today's morning question (about the session the day before)."""
        [push] = [event for event in self.pushed if MORNING_TEXT in event.text]
        return await self.chat.press(str(score), push)

    async def week(self, scores, effort: dict[date, str] | None = None) -> list[Replies]:
        """Mon/Wed/Fri sessions from the next training day, each (pain during, next morning)
        answered on the buttons; the replies to every score, in order."""
        replies = []
        for during, morning in scores:
            day = self.day + timedelta(days=1)
            while day.weekday() not in (0, 2, 4):
                day += timedelta(days=1)
            await self.to(day)
            replies.append(await self.session(during, (effort or {}).get(day)))
            await self.to(day + timedelta(days=1))
            if morning is not None:
                replies.append(await self.morning(morning))
        return replies


async def fetch(services, model, *where, order=None):
    async with services.database.transaction() as db:
        query = select(model).where(*where)
        if order is not None:
            query = query.order_by(order)
        return list(await db.scalars(query))


async def changes_of(services) -> list[tuple[date, str, int | None, int, str]]:
    """(Berlin day, exercise, from, to, reason) of every stored level change, in order."""
    rows = await fetch(services, LevelChange, order=LevelChange.id)
    return [
        (
            (row.changed_at + timedelta(hours=1)).date(),
            row.exercise,
            row.from_level,
            row.to_level,
            row.reason,
        )
        for row in rows
    ]


async def levels_of(services) -> dict[str, int]:
    return {row.exercise: row.level for row in await fetch(services, ExerciseLevel)}


async def set_levels(services, level: int) -> None:
    async with services.database.transaction() as db:
        await db.execute(update(ExerciseLevel).values(level=level))


def name(slug: str) -> str:
    return CATALOGUE.get(slug).name


# --- rules 1, 2 and 8: up, then pain 8 and 6 ------------------------------------------------


async def test_up_then_pain_8_and_6_go_down_at_once_then_a_clinician(harness, ready_chat):
    days = Days(harness, ready_chat)
    replies = await days.week([(1, 1)] * 7)  # Wed 25 Nov … Wed 9 Dec, mornings 1
    # Tuesday the 8th hip bumps went up to their top level; Thursday hip circles opened.
    up = f"⬆️ {name('hip_bump')} moves up to level 3 of 3"
    assert up in replies[-3].text
    assert "your last 2 sessions of it had pain 1/10 and 1/10" in replies[-3].text
    assert f"🔓 New exercise from your next session: {name('hip_circles')}" in replies[-1].text
    assert all("⬇️" not in reply.text for reply in replies)

    await days.to(date(2026, 12, 11))
    friday = await days.session(8)  # Friday: severe pain, three days after the step up
    text = friday.text
    assert "stop for today and rest" in text
    for slug, level in (("balance", 2), ("hip_bump", 2), ("squat_to_surface", 1)):
        assert f"⬇️ {name(slug)} goes back to level {level} of 3" in text
    assert "the pain during the session was 8/10" in text
    assert SAFETY.emergency in text and SAFETY.question.later in text  # the red-flag screen
    assert "protested" not in text and CARRY_ON not in text.lower()
    assert "How hard was the session" not in text  # no effort question after severe pain
    await days.chat.press("None of these")
    await days.to(date(2026, 12, 12))
    await days.morning(3)

    await days.to(date(2026, 12, 14))
    monday = await days.session(6)  # Monday: too much pain again
    text = monday.text
    for slug in ("balance", "hip_bump"):
        assert f"⬇️ {name(slug)} goes back to level 1 of 3" in text
    assert "protested 2 sessions in a row (8/10 on Fri 11 Dec; 6/10 on Mon 14 Dec)" in text
    assert CARRY_ON not in text.lower() and "Keep it up" not in text
    assert "A clinician has checked my knee" in str(monday.with_buttons().buttons)

    changes = await changes_of(harness.services)
    assert (date(2026, 12, 8), "hip_bump", 2, 3, "pain_free") in changes
    assert [change for change in changes if change[0] >= date(2026, 12, 11)] == [
        (date(2026, 12, 11), "balance", 3, 2, "severe_pain"),
        (date(2026, 12, 11), "hip_bump", 3, 2, "severe_pain"),
        (date(2026, 12, 11), "squat_to_surface", 2, 1, "severe_pain"),
        (date(2026, 12, 14), "balance", 2, 1, "too_much_pain"),
        (date(2026, 12, 14), "hip_bump", 2, 1, "too_much_pain"),
    ]
    logs = {log.id: log.local_date for log in await fetch(harness.services, SessionLog)}
    reviews = {
        logs[review.session_id]: (review.voice, review.clinician)
        for review in await fetch(harness.services, SessionReview)
    }
    assert reviews[date(2026, 12, 11)] == ("stop_today", None)
    assert reviews[date(2026, 12, 14)] == ("see_clinician", "regressions_in_a_row")


# --- rule 2: a 10 is not treated like a 6 ---------------------------------------------------


async def test_pain_10_at_the_lowest_level_stops_today_and_calls_for_a_clinician(
    harness, ready_chat
):
    other = harness.chat(5002, "Sam")
    await other.onboard()
    await set_levels(harness.services, 1)
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    ten = await days.session(10)
    assert "10/10 is severe pain. Please stop for today and rest" in ten.text
    assert "every exercise already at its easiest level" in ten.text
    assert "Please have a doctor or physiotherapist look at your knee" in ten.text
    assert SAFETY.emergency in ten.text  # the red-flag screen
    assert CARRY_ON not in ten.text.lower() and "How hard" not in ten.text

    six = await Days(harness, other).session(6)  # the same level, pain 6
    assert "more than we want" in six.text
    assert "stop for today" not in six.text and "doctor" not in six.text
    assert SAFETY.emergency not in six.text
    assert "How hard was the session" in six.text

    reviews = await fetch(harness.services, SessionReview, order=SessionReview.user_id)
    assert [(r.user_id, r.voice, r.clinician) for r in reviews] == [
        (ready_chat.user_id, "see_clinician", "severe_at_lowest"),
        (other.user_id, "carry_on", None),
    ]
    assert await fetch(harness.services, LevelChange) == []  # nothing below level 1


async def test_a_second_severe_score_within_14_days_calls_for_a_clinician(harness, ready_chat):
    await set_levels(harness.services, 3)
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    first = await days.session(9)
    assert "stop for today" in first.text and "doctor" not in first.text
    await ready_chat.press("None of these")
    await days.to(date(2026, 11, 27))
    second = await days.session(8)
    assert "stop for today" in second.text
    assert (
        "This is the second time in 14 days that the pain reached 8/10 or more "
        "(9/10 on Wed 25 Nov; 8/10 on Fri 27 Nov)"
    ) in second.text
    assert CARRY_ON not in second.text.lower()
    assert [change[2:4] for change in await changes_of(harness.services)] == [(3, 2)] * 3 + [
        (2, 1)
    ] * 3


# --- rule 3: a late morning score ----------------------------------------------------------


async def test_a_morning_8_entered_after_the_next_session_moves_that_session_down(
    harness, ready_chat
):
    days = Days(harness, ready_chat)
    await days.to(date(2026, 11, 30))
    await days.session(1)  # Monday
    await days.to(date(2026, 12, 1))
    assert any(MORNING_TEXT in event.text for event in days.pushed)  # about Monday
    await days.session(1)  # Tuesday too, before answering the morning question
    late = await days.morning(8)
    for slug in ("balance", "hip_bump", "squat_to_surface"):
        assert f"⬇️ {name(slug)} goes back to level 1 of 3" in late.text
    assert (
        "your knee was 8/10 the morning after, clearly worse than the pain during that session "
        "(1/10)" in late.text
    )
    assert SAFETY.emergency in late.text  # a morning above 7 offers the screen
    await ready_chat.press("None of these")
    await days.to(date(2026, 12, 2))
    calm = await days.morning(1)  # Tuesday's own morning: no second step down
    assert "⬇️" not in calm.text

    monday, _tuesday = await fetch(harness.services, SessionLog, order=SessionLog.local_date)
    [morning] = await fetch(
        harness.services, PainCheckin, PainCheckin.kind == "next_morning", PainCheckin.score == 8
    )
    assert morning.session_id == monday.id
    assert {change[1:] for change in await changes_of(harness.services)} == {
        (slug, 2, 1, "worse_morning") for slug in ("balance", "hip_bump", "squat_to_surface")
    }
    [review] = await fetch(harness.services, SessionReview, SessionReview.session_id == monday.id)
    assert [move["step"] for move in review.moves] == ["down"] * 3
    assert review.levels_before == {"balance": 2, "hip_bump": 2, "squat_to_surface": 2}


async def test_morning_typed_belongs_to_the_session_the_day_before(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.to(date(2026, 11, 30))
    await days.session(1)
    await days.to(date(2026, 12, 1))
    await days.session(2)
    typed = await ready_chat.send("morning 2")
    assert "Noted: 2/10" in typed.text
    [morning] = await fetch(harness.services, PainCheckin, PainCheckin.kind == "next_morning")
    [monday] = await fetch(
        harness.services, SessionLog, SessionLog.local_date == date(2026, 11, 30)
    )
    assert morning.session_id == monday.id
    await days.to(date(2026, 12, 3))  # no session on Wednesday the 2nd
    none = await ready_chat.send("morning 2")
    assert "none for yesterday" in none.text


# --- rule 4: "usual" has a ceiling ----------------------------------------------------------


async def test_steady_mornings_of_7_never_move_up_and_the_check_in_suggests_a_review(
    harness, ready_chat
):
    days = Days(harness, ready_chat)
    replies = await days.week([(1, 7)] * 7)  # Wed 25 Nov … Wed 9 Dec, every morning 7
    # Only the very first morning (no usual yet: the session's 1 stands in) moved anything:
    # down. Nothing ever moved up or opened.
    changes = await changes_of(harness.services)
    assert [(when, reason) for when, _, _, _, reason in changes] == [
        (date(2026, 11, 26), "worse_morning")
    ] * 3
    assert "nothing moves up until your mornings settle" in replies[-1].text
    await days.to(date(2026, 12, 11))
    await days.at(20)  # three hours after Friday's reminder: the weekly check-in
    [weekly] = [event for event in days.pushed if "Your week" in event.text]
    assert "usual morning lately" in weekly.text and "7/10" in weekly.text
    assert "Please have a doctor or physiotherapist look at your knee" in weekly.text


async def test_calm_mornings_get_no_review_suggestion(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.week([(1, 1)])
    await days.to(date(2026, 11, 27))
    await days.at(20)
    [weekly] = [event for event in days.pushed if "Your week" in event.text]
    assert "review" not in weekly.text


# --- rule 5: six pain-free weeks -----------------------------------------------------------


async def test_six_pain_free_weeks_change_one_thing_at_a_time_lunge_last(harness, ready_chat):
    days = Days(harness, ready_chat)
    replies = await days.week([(0, 1), (1, 0), (1, 1)] * 6)
    changes = await changes_of(harness.services)
    marks = ("⬆️", "🔓", "⬇️", "↩️")
    announced = [
        line for reply in replies for line in reply.text.splitlines() if line.startswith(marks)
    ]
    assert len(announced) == len(changes)
    assert all(
        name(slug) in line for line, (_, slug, *_rest) in zip(announced, changes, strict=True)
    )
    assert all(before is None or after > before for _, _, before, after, _ in changes)
    moved_on = [when for when, *_ in changes]
    assert len(moved_on) == len(set(moved_on)), "one change per review, one review a day"
    assert min(moved_on) >= JOINED + timedelta(days=7), "no change in the first week"
    openings = [(when, slug) for when, slug, before, *_ in changes if before is None]
    assert [slug for _, slug in openings] == [
        "single_leg_rdl",
        "hip_circles",
        "sumo_squat",
        "reverse_lunge",
    ]
    assert all((later - earlier).days >= 7 for (earlier, _), (later, _) in pairwise(openings))
    levels = await levels_of(harness.services)
    assert set(levels) == {exercise.slug for exercise in CATALOGUE.exercises}
    starters = ("balance", "hip_bump", "squat_to_surface")
    assert all(levels[slug] == 3 for slug in starters)  # no starter went two levels in a week


# --- rule 6: effort ------------------------------------------------------------------------


async def test_hard_effort_holds_the_step_and_shows_in_history_and_export(harness, ready_chat):
    days = Days(harness, ready_chat)
    hard = {date(2026, 12, 2): "Hard", date(2026, 11, 30): "Just right"}
    replies = await days.week([(1, 1)] * 5, effort=hard)  # Wed 25 … Fri 4
    # Without "hard" the Wednesday 2nd session opened the single-leg RDL on Thursday; with it,
    # nothing changes until two more pain-free sessions (Fri 4, Mon 7).
    assert await changes_of(harness.services) == []
    assert all("🔓" not in reply.text for reply in replies)
    await days.week([(1, 1)])
    assert [change[1] for change in await changes_of(harness.services)] == ["single_leg_rdl"]
    efforts = {log.local_date: log.effort for log in await fetch(harness.services, SessionLog)}
    assert efforts[date(2026, 12, 2)] == "hard" and efforts[date(2026, 11, 30)] == "just_right"
    assert efforts[date(2026, 12, 4)] is None  # not answered: no effect
    history = await ready_chat.send("/history")
    assert "Wed 2 Dec: ✅ done · pain 1/10 · morning 1/10 · effort: hard" in history.text
    export = await ready_chat.send("/export")
    [document] = [event for event in export.events if event.method == "sendDocument"]
    rows = list(csv.DictReader(io.StringIO(document.document.decode())))
    sessions = {row["date"]: row["detail"] for row in rows if row["record"] == "session"}
    assert sessions["2026-12-02"] == "hard" and sessions["2026-12-04"] == ""


async def test_hard_after_the_step_up_undoes_it(harness, ready_chat):
    days = Days(harness, ready_chat)
    replies = await days.week([(1, 1)] * 4)  # the Thursday 3rd: the single-leg RDL opens
    assert [change[1] for change in await changes_of(harness.services)] == ["single_leg_rdl"]
    wednesday = replies[-2].with_buttons()  # the effort question after Wednesday's score
    assert "How hard was the session" in wednesday.text
    effort = await ready_chat.press("Hard", wednesday)  # tapped late, on Thursday
    assert f"↩️ {name('single_leg_rdl')} is locked again" in effort.text
    assert "single_leg_rdl" not in await levels_of(harness.services)


# --- rule 7: corrections -------------------------------------------------------------------


async def test_a_correction_undoes_the_move_it_no_longer_supports(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.to(JOINED)
    seven = await days.session(7)
    assert seven.text.count("⬇️") == 3
    fixed = await ready_chat.send("pain 3")  # a typo: it was a 3
    assert "Updated: 3/10 (it was 7/10)" in fixed.text
    for slug in ("balance", "hip_bump", "squat_to_surface"):
        line = f"↩️ {name(slug)} goes back to level 2 of 3"
        assert line in fixed.text
    assert "with the corrected score (3/10 during)" in fixed.text
    assert await levels_of(harness.services) == {
        "balance": 2,
        "hip_bump": 2,
        "squat_to_surface": 2,
    }
    changes = await changes_of(harness.services)
    assert [change[2:] for change in changes] == [(2, 1, "too_much_pain")] * 3 + [
        (1, 2, "corrected")
    ] * 3
    scores = await fetch(harness.services, PainCheckin, order=PainCheckin.id)
    assert [(row.score, row.superseded_at is not None) for row in scores] == [
        (7, True),
        (3, False),
    ]
    assert scores[0].superseded_by == scores[1].id
    [review] = await fetch(harness.services, SessionReview)
    assert review.moves == []
    history = await ready_chat.send("/history")
    assert "pain 3/10" in history.text and "7/10" not in history.text


async def test_a_morning_correction_locks_an_opening_again(harness, ready_chat):
    days = Days(harness, ready_chat)
    replies = await days.week([(1, 1)] * 4)
    assert f"🔓 New exercise from your next session: {name('single_leg_rdl')}" in replies[-1].text
    corrected = await ready_chat.send("morning 3")  # Thursday morning: it was a 3, not a 1
    assert "Updated: 3/10" in corrected.text
    assert f"↩️ {name('single_leg_rdl')} is locked again" in corrected.text
    assert "single_leg_rdl" not in await levels_of(harness.services)
    assert (await changes_of(harness.services))[-1][1:] == ("single_leg_rdl", 1, 0, "corrected")
    today = await ready_chat.send("/today")
    assert name("single_leg_rdl") not in today.text
    # Two rows for that morning, one current: the reminder engine still sees it answered once.
    async with harness.services.database.transaction() as db:
        records = await outbox.day_records(db, [ready_chat.user_id], date(2026, 12, 2))
    assert records[(ready_chat.user_id, date(2026, 12, 2))].morning_logged
    mornings = await fetch(
        harness.services, PainCheckin, PainCheckin.kind == "next_morning", order=PainCheckin.id
    )
    assert [(row.score, row.superseded_at is None) for row in mornings][-2:] == [
        (1, False),
        (3, True),
    ]


# --- rule 8: one voice, clearance restarts the count ---------------------------------------


async def test_a_clearance_starts_the_count_afresh(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.to(date(2026, 11, 27))
    await days.session(7)
    await days.to(date(2026, 11, 28))
    await ready_chat.send("/redflags")
    await ready_chat.press("Knee locks")
    assert (await ready_chat.send("/today")).text.startswith("Your program is on hold")
    cleared = await ready_chat.press("A clinician has checked my knee")
    assert "Welcome back" in cleared.text
    [clearance] = await fetch(harness.services, Clearance)
    assert clearance.held_since is not None and clearance.cleared_at >= clearance.held_since
    await days.to(date(2026, 11, 30))
    again = await days.session(7)
    assert "protested" not in again.text  # the Friday before the clearance does not count
    await days.to(date(2026, 12, 2))
    third = await days.session(6)
    assert "protested 2 sessions in a row (7/10 on Mon 30 Nov; 6/10 on Wed 2 Dec)" in third.text
    # The advice carries its own clearance button, which starts the count afresh too.
    await ready_chat.press("A clinician has checked my knee", third.with_buttons())
    assert len(await fetch(harness.services, Clearance)) == 2
    await days.to(date(2026, 12, 4))
    fourth = await days.session(6)
    assert "protested" not in fourth.text


# --- rules 9–11: red-flag triage ------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "key", "words"),
    [
        ("Chest pain or breathless", "chest", "Call your local emergency number now"),
        ("Painful, swollen calf", "calf", "Please get seen today"),
        ("Hot, red knee and fever", "hot_knee", "before a physiotherapist"),
        ("Knee locks", "locking", "before starting this program"),
    ],
)
async def test_each_tier_has_its_advice_before_starting(harness, chat, label, key, words):
    await chat.send("/start")
    screen = await chat.press("I understand")
    assert SAFETY.emergency in screen.text and "Before we start" in screen.text
    held = await chat.press(label)
    assert words in held.text and SAFETY.emergency in held.text
    [answer] = await fetch(harness.services, RedFlagAnswer)
    assert (answer.flag, answer.moment) == (key, "start")
    [user] = await fetch(harness.services, User)
    assert user.on_hold and not user.onboarded


async def test_mid_program_advice_says_before_carrying_on_and_the_most_urgent_wins(
    harness, ready_chat
):
    screen = await ready_chat.send("/redflags")
    assert SAFETY.emergency in screen.text and SAFETY.question.later in screen.text
    numb = await ready_chat.press("Numb or weak leg")
    assert "before carrying on with the program" in numb.text
    chest = await ready_chat.press("Chest pain or breathless", numb.events[0])
    assert "Call your local emergency number now" in chest.text
    screen_now = chest.events[0]
    assert "Numb" in screen_now.text and "Chest" in screen_now.text  # both told
    assert "Numb" not in str(screen_now.buttons)  # a tapped flag leaves the screen's buttons
    answers = await fetch(harness.services, RedFlagAnswer, order=RedFlagAnswer.id)
    assert [(row.flag, row.moment) for row in answers] == [
        ("none", "start"),
        ("numbness", "later"),
        ("chest", "later"),
    ]
    exercise = await ready_chat.send("/exercise hip bump")
    assert exercise.events[0].text.startswith("Your program is on hold")
    today = await ready_chat.send("/today")
    assert today.text.startswith("Your program is on hold") and "1." not in today.text


async def test_gives_way_is_not_a_red_flag_and_the_emergency_line_is_everywhere(harness, chat):
    welcome = await chat.send("/start")
    assert SAFETY.emergency in welcome.text  # in the disclaimer
    screen = await chat.press("I understand")
    assert "give way" not in screen.text and "gives way" not in screen.text
    assert SAFETY.emergency in screen.text
    forged = await chat.press_data("redflag:gives_way")
    assert "expired" in forged.toast
    [user] = await fetch(harness.services, User)
    assert not user.on_hold


async def test_the_pain_barrier_offers_the_red_flag_screen(harness, ready_chat):
    days = Days(harness, ready_chat)
    await days.to(date(2026, 11, 27))
    await days.at(20)
    [weekly] = [event for event in days.pushed if "Your week" in event.text]
    pain = await ready_chat.press("Pain", weekly)
    assert "Pain up to 5" in pain.text and SAFETY.emergency in pain.text
    assert "None of these" in str(pain.with_buttons().buttons)
    no_time = await ready_chat.press("No time", weekly)
    assert "one set of each exercise" in no_time.text
