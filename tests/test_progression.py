"""Pain-guided progression rules over sequences of pain scores (PRODUCT.md, "Program rules";
issue 10, rules 1-5, 7 and 8).

Two layers: one-session tables (what a run of scores means for one exercise), and scenarios that
replay weeks of sessions, morning scores and corrections through `Coach`, which applies each
review the way the bot's caller must (see its docstring), and compare every review with a line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import pairwise

import pytest

from content.catalogue import load_catalogue
from content.progression import (
    ClinicianReason,
    Decision,
    Effort,
    Moment,
    Progression,
    Review,
    Revision,
    SessionRecord,
    Signal,
    Standing,
    Step,
    Track,
    Voice,
    Why,
    easiest_steps,
    morning_session,
    return_steps,
)
from content.states import PainKind

CATALOGUE = load_catalogue()
RULES = Progression(CATALOGUE)
STARTER = {"balance": 2, "hip_bump": 2, "squat_to_surface": 2}
ALL_OPEN = {exercise.slug: 2 for exercise in CATALOGUE.exercises}
FIRST_DAY = date(2026, 11, 2)  # a Monday
LONG_AGO = FIRST_DAY - timedelta(days=365)
Scores = tuple[int | None, int | None]  # (during, next morning)


def day(number: int) -> date:
    return FIRST_DAY + timedelta(days=number)


# --- one session at a time -----------------------------------------------------------------


def history(*scores: Scores, levels: Mapping[str, int] = STARTER) -> list[SessionRecord]:
    """Sessions every other day, all with the same exercises and levels."""
    return [
        SessionRecord(day(2 * index), dict(levels), during, morning)
        for index, (during, morning) in enumerate(scores)
    ]


def decide(
    sessions: list[SessionRecord],
    levels: Mapping[str, int] = STARTER,
    stepped_days_ago: int | None = None,
    unlocked_days_ago: int = 0,
) -> Review:
    """Review the latest session of someone long in the program (nothing stepped lately, and
    by default an exercise opened today, so that no opening is due)."""
    today = sessions[-1].day + timedelta(days=1) if sessions else FIRST_DAY
    stepped = {}
    if stepped_days_ago is not None:
        stepped = dict.fromkeys(levels, today - timedelta(days=stepped_days_ago))
    last_unlock = today - timedelta(days=unlocked_days_ago)
    return RULES.review(Standing(levels, stepped, last_unlock), Track(sessions), Moment(today))


def of(review: Review, slug: str) -> Decision:
    return next(decision for decision in review.decisions if decision.exercise == slug)


ONLY_HIP_BUMP = {"hip_bump": 2}


@pytest.mark.parametrize(
    ("scores", "step", "why"),
    [
        # Two pain-free sessions with calm mornings: up one level.
        (((1, 1), (0, 1)), Step.UP, Why.PAIN_FREE),
        (((2, 2), (2, 2)), Step.UP, Why.PAIN_FREE),
        # One is not enough.
        (((1, 1),), Step.HOLD, Why.MORE_SESSIONS),
        # The second morning is not in yet: wait for it.
        (((1, 1), (1, None)), Step.HOLD, Why.WAITING_FOR_SCORES),
        # Acceptable pain (3–5) holds.
        (((1, 1), (4, 1)), Step.HOLD, Why.ACCEPTABLE_PAIN),
        (((5, 2), (5, 2)), Step.HOLD, Why.ACCEPTABLE_PAIN),
        # Above 5 during the session: down one level, at once (no morning needed).
        (((1, 1), (6, None)), Step.DOWN, Why.TOO_MUCH_PAIN),
        (((7, None),), Step.DOWN, Why.TOO_MUCH_PAIN),
        # 8 or more is severe: down too, with its own reason.
        (((9, None),), Step.DOWN, Why.SEVERE_PAIN),
        # Usual morning is 1 (median of earlier mornings); 4 is more than 2 above: down.
        (((1, 1), (1, 1), (1, 4)), Step.DOWN, Why.WORSE_MORNING),
        # Exactly 2 above usual is "a bit worse": hold, and no progression either.
        (((1, 1), (1, 1), (1, 3)), Step.HOLD, Why.ACCEPTABLE_PAIN),
        # No earlier mornings: the pain during that session stands in for usual.
        (((1, 4),), Step.DOWN, Why.WORSE_MORNING),
        (((3, 5),), Step.HOLD, Why.ACCEPTABLE_PAIN),
        # A usual of 4 (chronic pain): a morning of 4 after pain-free sessions is usual.
        (((4, 4), (4, 4), (2, 4), (1, 4)), Step.UP, Why.PAIN_FREE),
        # A morning in the safe zone is never "worse than usual", even if usual is 0.
        (((0, 0), (0, 0), (1, 2), (0, 2)), Step.UP, Why.PAIN_FREE),
        # Only the latest sessions count: old pain does not block progress.
        (((7, 7), (1, 1), (1, 1)), Step.UP, Why.PAIN_FREE),
        # Rule 4: a usual of 7 is not "fine": a morning of 7 holds, never counts as usual.
        (((7, 7), (7, 7), (1, 7), (1, 7)), Step.HOLD, Why.HIGH_MORNING),
        (((6, 6), (6, 6), (1, 6), (1, 6)), Step.HOLD, Why.HIGH_MORNING),
    ],
)
def test_pain_sequences(scores, step, why):
    decision = of(decide(history(*scores, levels=ONLY_HIP_BUMP), ONLY_HIP_BUMP), "hip_bump")
    assert (decision.step, decision.why) == (step, why)
    expected = {Step.UP: 3, Step.DOWN: 1, Step.HOLD: 2}[step]
    assert (decision.level, decision.new_level) == (2, expected)


def test_an_up_step_quotes_the_real_scores():
    up = of(decide(history((1, 1), (0, 2), levels=ONLY_HIP_BUMP), ONLY_HIP_BUMP), "hip_bump")
    assert [(scores.during, scores.morning) for scores in up.evidence] == [(1, 1), (0, 2)]
    assert [scores.day for scores in up.evidence] == [day(0), day(2)]


def test_a_worse_morning_quotes_the_usual_it_was_compared_with():
    down = of(decide(history((1, 1), (1, 2), (1, 6))), "hip_bump")
    assert (down.step, down.why, down.usual_morning) == (Step.DOWN, Why.WORSE_MORNING, 1.5)
    assert [(scores.during, scores.morning) for scores in down.evidence] == [(1, 6)]


@pytest.mark.parametrize(
    ("days_ago", "step", "why"),
    [
        (0, Step.HOLD, Why.STEPPED_RECENTLY),
        (6, Step.HOLD, Why.STEPPED_RECENTLY),
        (7, Step.UP, Why.PAIN_FREE),
    ],
)
def test_at_most_one_step_up_per_week(days_ago, step, why):
    review = decide(history((1, 1), (1, 1), levels=ONLY_HIP_BUMP), ONLY_HIP_BUMP, days_ago)
    decision = of(review, "hip_bump")
    assert (decision.step, decision.why) == (step, why)


@pytest.mark.parametrize("days_ago", [0, 1, 6])
def test_down_steps_never_wait(days_ago):
    """Rule 1: the week between steps applies to up-steps and openings only."""
    review = decide(history((1, 1), (6, None)), stepped_days_ago=days_ago)
    assert [(move.exercise, move.step, move.new_level) for move in review.moves] == [
        ("balance", Step.DOWN, 1),
        ("hip_bump", Step.DOWN, 1),
        ("squat_to_surface", Step.DOWN, 1),
    ]
    assert review.voice is Voice.CARRY_ON


def test_lowest_level_cannot_go_down():
    levels = {**STARTER, "hip_bump": 1}
    decision = of(decide(history((7, None), levels=levels), levels=levels), "hip_bump")
    assert (decision.step, decision.why, decision.new_level) == (Step.HOLD, Why.LOWEST_LEVEL, 1)


def test_top_level_holds():
    levels = {"hip_bump": 3}
    decision = of(decide(history((0, 0), (0, 0), levels=levels), levels=levels), "hip_bump")
    assert (decision.step, decision.why) == (Step.HOLD, Why.TOP_LEVEL)


def test_sessions_at_an_earlier_level_do_not_count_towards_the_next_step():
    before = {"hip_bump": 1}
    sessions = [
        *history((0, 0), (0, 0), levels=before),
        SessionRecord(day(4), ONLY_HIP_BUMP, 0, 0),
    ]
    decision = of(decide(sessions, levels=ONLY_HIP_BUMP), "hip_bump")
    assert (decision.step, decision.why) == (Step.HOLD, Why.MORE_SESSIONS)


def test_a_session_is_not_stepped_down_twice():
    """Its pain during moved it down; its bad morning, arriving later, does not again."""
    sessions = history((1, 1), (7, 9))
    levels = {slug: level - 1 for slug, level in STARTER.items()}
    review = decide(sessions, levels=levels)
    assert review.moves == ()
    assert {decision.why for decision in review.decisions} == {Why.ALREADY_LOWER}


@pytest.mark.parametrize(
    ("scores", "advise"),
    [
        (((1, 1), (7, None)), False),  # one regression
        (((7, None), (7, None)), True),  # two in a row
        (((1, 1), (1, 5)), False),
        (((1, 1), (1, 5), (6, None)), True),  # worse morning, then too much pain
        (((7, None), (3, 3), (7, None)), False),  # not in a row
        (((7, None), (1, 1), (1, 1), (7, None)), False),
        (((7, None), (None, None), (7, None)), True),  # a session never scored says nothing
    ],
)
def test_two_regressions_in_a_row_mean_see_a_clinician(scores, advise):
    review = decide(history(*scores))
    assert (review.voice is Voice.SEE_CLINICIAN) is advise
    assert ("hip_bump" in review.see_clinician) is advise
    if advise:
        assert review.clinician is ClinicianReason.REGRESSIONS_IN_A_ROW
        assert len(review.clinician_evidence) == 2
        assert review.clinician_evidence[-1] == review.session


def test_two_regressions_at_the_lowest_level_still_advise_a_clinician():
    levels = {**STARTER, "hip_bump": 1}
    review = decide(history((7, None), (7, None), levels=levels), levels=levels)
    assert of(review, "hip_bump").step is Step.HOLD
    assert review.voice is Voice.SEE_CLINICIAN


def opened(review: Review) -> list[str]:
    return [decision.exercise for decision in review.decisions if decision.step is Step.UNLOCK]


def test_an_opening_that_is_due_comes_first_and_is_the_only_change():
    review = decide(history((1, 1), (1, 1)), unlocked_days_ago=30)
    # Balance and hip bumps are both pain-free: the feet/ankle exercise opens first, and
    # nothing moves up in the same review.
    assert opened(review) == ["single_leg_rdl"]
    assert len(review.moves) == 1
    unlock = review.moves[-1]
    assert (unlock.level, unlock.new_level) == (0, CATALOGUE.get("single_leg_rdl").start_level)
    assert {of(review, slug).why for slug in STARTER} == {Why.ONE_AT_A_TIME}


def test_no_second_opening_within_a_week():
    levels = {**STARTER, "single_leg_rdl": 1}
    review = decide(history((1, 1), (1, 1)), levels=levels, unlocked_days_ago=3)
    assert opened(review) == []
    assert [move.exercise for move in review.moves] == ["balance"]  # one up-step instead
    later = decide(history((1, 1), (1, 1)), levels=levels, unlocked_days_ago=7)
    assert opened(later) == ["hip_circles"]


def test_hip_circles_wait_for_pain_free_hip_bumps():
    levels = {**STARTER, "single_leg_rdl": 1, "sumo_squat": 1}
    without_hip_bump = {slug: level for slug, level in levels.items() if slug != "hip_bump"}
    sessions = [
        SessionRecord(day(0), levels, 4, 2),  # hip bumps hurt (acceptable, not pain-free)
        SessionRecord(day(2), without_hip_bump, 0, 0),
        SessionRecord(day(4), without_hip_bump, 0, 0),
    ]
    review = decide(sessions, levels=levels, unlocked_days_ago=30)
    assert "hip_circles" not in opened(review)
    sessions.append(SessionRecord(day(6), levels, 0, 0))
    sessions.append(SessionRecord(day(8), levels, 1, 1))
    assert opened(decide(sessions, levels=levels, unlocked_days_ago=30)) == ["hip_circles"]


def test_the_reverse_lunge_opens_last():
    all_but_lunge = {e.slug: 1 for e in CATALOGUE.exercises if e.slug != "reverse_lunge"}
    missing_sumo = {slug: level for slug, level in all_but_lunge.items() if slug != "sumo_squat"}
    pain_free = history((0, 0), (0, 0), levels=missing_sumo)
    assert opened(decide(pain_free, levels=missing_sumo, unlocked_days_ago=30)) == ["sumo_squat"]
    pain_free = history((0, 0), (0, 0), levels=all_but_lunge)
    review = decide(pain_free, levels=all_but_lunge, unlocked_days_ago=30)
    assert opened(review) == ["reverse_lunge"]
    assert review.decisions[-1].exercise == "reverse_lunge"


def test_the_longest_at_its_level_moves_up_first_ties_in_session_order():
    levels = {**STARTER, "single_leg_rdl": 1}
    sessions = history((1, 1), (1, 1), levels=levels)
    today = sessions[-1].day + timedelta(days=1)
    since = {
        "balance": today - timedelta(days=20),
        "single_leg_rdl": today - timedelta(days=30),
        "hip_bump": today - timedelta(days=30),
        "squat_to_surface": today - timedelta(days=40),
    }
    review = RULES.review(Standing(levels, since, today), Track(sessions), Moment(today))
    assert [move.exercise for move in review.moves] == ["squat_to_surface"]
    assert of(review, "hip_bump").why is Why.ONE_AT_A_TIME
    since["squat_to_surface"] = today - timedelta(days=3)
    review = RULES.review(Standing(levels, since, today), Track(sessions), Moment(today))
    assert [move.exercise for move in review.moves] == ["single_leg_rdl"]  # ties: session order
    assert of(review, "squat_to_surface").why is Why.STEPPED_RECENTLY


def test_no_sessions_hold_everything():
    review = decide([])
    assert review.moves == ()
    assert review.voice is Voice.CARRY_ON
    assert {decision.why for decision in review.decisions} == {Why.WAITING_FOR_SCORES}


@pytest.mark.parametrize(
    ("effort", "step", "why"),
    [
        (None, Step.UP, Why.PAIN_FREE),  # no answer: no effect
        (Effort.EASY, Step.UP, Why.PAIN_FREE),
        (Effort.JUST_RIGHT, Step.UP, Why.PAIN_FREE),
        (Effort.HARD, Step.HOLD, Why.HARD_EFFORT),
    ],
)
def test_hard_effort_holds_every_up_step(effort, step, why):
    sessions = history((1, 1), (1, 1))
    sessions[-1] = replace(sessions[-1], effort=effort)
    review = decide(sessions, levels=ALL_OPEN, unlocked_days_ago=0)
    decision = of(review, "balance")
    assert (decision.step, decision.why) == (step, why)
    if effort is Effort.HARD:
        assert review.moves == ()


def test_hard_effort_does_not_soften_a_down_step():
    sessions = history((1, 1), (7, None))
    sessions[-1] = replace(sessions[-1], effort=Effort.HARD)
    assert of(decide(sessions), "hip_bump").step is Step.DOWN


def test_morning_belongs_to_the_session_the_day_before():
    days = [day(0), day(1), day(3)]
    assert morning_session(days, day(1)) == day(0)  # even though day(1) has a session too
    assert morning_session(days, day(2)) == day(1)
    assert morning_session(days, day(3)) is None  # no session the day before
    assert morning_session(days, day(4)) == day(3)


def test_usual_morning_and_the_clinician_review_condition():
    steady = history(*[(1, 7)] * 6)
    assert RULES.usual_morning(steady) == 7
    assert RULES.mornings_need_review(steady)
    calm = history(*[(1, 7)] * 2, *[(1, 2)] * 4)
    assert RULES.usual_morning(calm) == 2
    assert not RULES.mornings_need_review(calm)
    assert RULES.mornings_need_review(calm, until=day(2))
    assert RULES.usual_morning([]) is None and not RULES.mornings_need_review([])


# --- scenarios: weeks of scores through a caller that applies each review ------------------


@dataclass
class Coach:
    """The caller's side of the contract, in memory.

    - a session is recorded at the current levels, and reviewed when its pain score arrives
      (`today` = that day);
    - a next-morning score is attached to the session the day before that morning
      (`morning_session`) and that session is reviewed, even if a later one is logged;
    - each review's moves are applied at once, and remembered per session together with the
      state before that session's first review, so that a correction can `revise` it;
    - `last_step` holds the day each exercise reached its level (a starter: the first day),
      `last_unlock` the day of the latest opening (at first: the first day).
    """

    levels: dict[str, int] = field(default_factory=lambda: dict(STARTER))
    start: date = FIRST_DAY
    sessions: list[SessionRecord] = field(default_factory=list)
    last_step: dict[str, date] = field(default_factory=dict)
    last_unlock: date | None = None
    cleared_on: date | None = None
    flare: bool = False  # a day score above the acceptable band in the last 48 hours
    before: dict[date, Standing] = field(default_factory=dict)  # each session's first review
    made: dict[date, list[Decision]] = field(default_factory=dict)
    log: list[tuple[date, Decision]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.last_step = self.last_step or dict.fromkeys(self.levels, self.start)
        self.last_unlock = self.last_unlock or self.start

    def session(self, on: date, during: int | None, effort: Effort | None = None) -> Review:
        self.sessions.append(SessionRecord(on, dict(self.levels), during, None, effort))
        return self._review(on, on, PainKind.DURING)

    def morning(self, morning: date, score: int, entered: date | None = None) -> Review:
        owner = morning_session([record.day for record in self.sessions], morning)
        assert owner is not None
        self._set(owner, morning=score)
        return self._review(owner, entered or morning, PainKind.NEXT_MORNING)

    def correct(self, on: date, today: date, **scores: int) -> Revision:
        self._set(on, **scores)
        arrived = PainKind.DURING if "during" in scores else PainKind.NEXT_MORNING
        revision = RULES.revise(
            self.made.get(on, []),
            self.levels,
            self.before[on],
            Track(self.sessions, self.cleared_on),
            Moment(today, on, arrived),
        )
        self._apply(revision.changes, today)
        self.made[on] = list(revision.review.moves)
        return revision

    def _set(self, on: date, **scores: object) -> None:
        at = next(index for index, record in enumerate(self.sessions) if record.day == on)
        self.sessions[at] = replace(self.sessions[at], **scores)

    def _review(self, on: date, today: date, arrived: PainKind) -> Review:
        standing = Standing(dict(self.levels), dict(self.last_step), self.last_unlock)
        self.before.setdefault(on, standing)
        review = RULES.review(
            standing,
            Track(self.sessions, self.cleared_on),
            Moment(today, on, arrived, self.flare),
        )
        self._apply(review.moves, today)
        self.made.setdefault(on, []).extend(review.moves)
        return review

    def _apply(self, moves: tuple[Decision, ...], today: date) -> None:
        for move in moves:
            self.log.append((today, move))
            if move.new_level == 0:
                del self.levels[move.exercise]
                continue
            self.levels[move.exercise] = move.new_level
            self.last_step[move.exercise] = today
            if move.step is Step.UNLOCK:
                self.last_unlock = today


def said(review: Review | Revision) -> str:
    """One line per review: the voice, flags, and each change as 'slug from>to'."""
    revision = review if isinstance(review, Revision) else None
    review = revision.review if revision else review
    moves = revision.changes if revision else review.moves
    voice = review.voice.value + (f"({review.clinician.value})" if review.clinician else "")
    voice += "+stop" if review.stop_today else ""
    voice += "+screen" if review.red_flag_screen else ""
    voice += "+flare" if review.flare_held else ""
    changes = ", ".join(
        f"{'undo ' if move.step is Step.UNDO else ''}{move.exercise} {move.level}>{move.new_level}"
        for move in moves
    )
    return f"{voice}: {changes or '-'}"


# Each event: (what, day, score, [effort or entered day]). Expected: the `said` line, or None.
S, M, C, CLEAR, FLARE = "session", "morning", "correct", "clear", "flare"
SCENARIOS = {
    "up on day N, then pain 8 and 6: down at once, then see a clinician": (
        {},
        [
            ((S, 0, 1), "carry_on: -"),
            ((M, 1, 1), "carry_on: -"),
            ((S, 2, 1), None),
            ((M, 3, 1), "carry_on: -"),  # first week: nothing moves up or opens
            ((S, 4, 1), None),
            ((M, 5, 1), "carry_on: -"),
            ((S, 7, 1), None),
            ((M, 8, 1), "carry_on: single_leg_rdl 0>1"),  # the opening due goes first
            ((S, 9, 0), None),
            ((M, 10, 1), "carry_on: balance 2>3"),  # Thursday: up
            (
                (S, 11, 8),
                "stop_today+stop+screen: balance 3>2, hip_bump 2>1, squat_to_surface 2>1",
            ),
            ((M, 12, 3), None),
            # Monday: down again, and 2 regressions in a row.
            ((S, 14, 6), "see_clinician(regressions_in_a_row): balance 2>1"),
        ],
    ),
    "pain 10 at the lowest level: stop today and see a clinician": (
        {"levels": dict.fromkeys(STARTER, 1)},
        [((S, 0, 10), "see_clinician(severe_at_lowest)+stop+screen: -")],
    ),
    "a 10 above the lowest level: stop today, down, and see a clinician": (
        {"levels": dict.fromkeys(STARTER, 3)},
        [
            (
                (S, 0, 10),
                (
                    "see_clinician(worst_pain)+stop+screen: "
                    "balance 3>2, hip_bump 3>2, squat_to_surface 3>2"
                ),
            )
        ],
    ),
    "a morning of 10: see a clinician": (
        {"levels": dict.fromkeys(STARTER, 3)},
        [
            ((S, 0, 2), None),
            (
                (M, 1, 10),
                "see_clinician(worst_pain)+screen: " + "balance 3>2, "
                "hip_bump 3>2, squat_to_surface 3>2",
            ),
        ],
    ),
    "a flare in the last 48 hours holds the up-step it would earn, then it comes": (
        {"levels": dict(STARTER), "last_step": dict.fromkeys(STARTER, LONG_AGO)},
        [
            ((S, 0, 1), None),
            ((M, 1, 1), None),
            ((S, 2, 1), None),
            ((FLARE, 2, True), None),
            ((M, 3, 1), "carry_on+flare: -"),
            ((FLARE, 4, False), None),
            ((S, 4, 1), None),
            ((M, 5, 1), "carry_on: balance 2>3"),
        ],
    ),
    "a flare says nothing when nothing would move": (
        {"levels": dict(STARTER), "last_step": dict.fromkeys(STARTER, LONG_AGO)},
        [((FLARE, 0, True), None), ((S, 0, 1), None), ((M, 1, 1), "carry_on: -")],
    ),
    "an extra session the next day does not count towards the up-step": (
        {"levels": dict(STARTER), "last_step": dict.fromkeys(STARTER, LONG_AGO)},
        [
            ((S, 0, 1), None),
            ((M, 1, 1), None),
            ((S, 1, 1), None),  # an extra session the day after: pain-free, but too close
            ((M, 2, 1), "carry_on: -"),
            ((S, 3, 1), None),
            ((M, 4, 1), "carry_on: balance 2>3"),  # sessions 0 and 3 earn it
        ],
    ),
    "an extra session the next day with too much pain is judged like any other": (
        {"levels": dict(STARTER), "last_step": dict.fromkeys(STARTER, LONG_AGO)},
        [
            ((S, 0, 1), None),
            ((M, 1, 1), None),
            ((S, 1, 6), "carry_on: balance 2>1, hip_bump 2>1, squat_to_surface 2>1"),
        ],
    ),
    "sessions before a gap of 14 days no longer count towards an increase": (
        {"levels": dict(STARTER), "last_step": dict.fromkeys(STARTER, LONG_AGO)},
        [
            ((S, 0, 1), None),
            ((M, 1, 1), None),
            ((S, 15, 1), None),
            ((M, 16, 1), "carry_on: -"),  # day 0 is before the gap
            ((S, 18, 1), None),
            ((M, 19, 1), "carry_on: single_leg_rdl 0>1"),  # the opening due goes first
        ],
    ),
    "a second severe score within 14 days: see a clinician": (
        {"levels": dict.fromkeys(STARTER, 3)},
        [
            ((S, 0, 9), "stop_today+stop+screen: balance 3>2, hip_bump 3>2, squat_to_surface 3>2"),
            ((M, 1, 2), "carry_on: -"),  # the next morning: no second stop, no second screen
            ((S, 2, 1), None),
            ((M, 3, 1), None),
            ((S, 4, 1), None),
            ((M, 5, 1), None),
            (
                (S, 14, 8),
                (
                    "see_clinician(second_severe)+stop+screen: "
                    "balance 2>1, hip_bump 2>1, squat_to_surface 2>1"
                ),
            ),
        ],
    ),
    "a severe score 15 days after the last one: stop today only": (
        {"levels": dict.fromkeys(STARTER, 3)},
        [
            ((S, 0, 9), None),
            ((S, 2, 1), None),
            ((M, 3, 1), None),
            (
                (S, 15, 8),
                "stop_today+stop+screen: balance 2>1, hip_bump 2>1, squat_to_surface 2>1",
            ),
        ],
    ),
    "a severe score at the lowest level after a regression: see a clinician": (
        {},
        [
            ((S, 0, 7), "carry_on: balance 2>1, hip_bump 2>1, squat_to_surface 2>1"),
            ((M, 1, 3), None),
            ((S, 2, 1), None),
            ((M, 3, 1), None),
            ((S, 4, 9), "see_clinician(severe_at_lowest)+stop+screen: -"),
        ],
    ),
    "a morning 8 entered after the next session still moves down": (
        {},
        [
            ((S, 0, 1), "carry_on: -"),
            ((S, 1, 1), "carry_on: -"),  # back-to-back training days
            # Tuesday morning's score, given after Tuesday's session: it judges Monday's.
            ((M, 1, 8, 1), "carry_on+screen: balance 2>1, hip_bump 2>1, squat_to_surface 2>1"),
            ((M, 2, 1), "carry_on: -"),  # Tuesday's own morning: fine, and no second step
        ],
    ),
    "a bad morning for an older session regresses whenever it arrives": (
        {},
        [
            ((S, 0, 1), None),
            ((M, 1, 1), None),
            ((S, 2, 1), None),
            ((S, 4, 1), None),
            ((M, 5, 1), None),
            ((M, 3, 7, 5), "carry_on: balance 2>1, hip_bump 2>1, squat_to_surface 2>1"),
        ],
    ),
    "a clinician's clearance starts the count afresh": (
        {},
        [
            ((S, 0, 7), "carry_on: balance 2>1, hip_bump 2>1, squat_to_surface 2>1"),
            ((CLEAR, 1), None),
            ((S, 2, 7), "carry_on: -"),  # first regression since the clearance
            ((S, 4, 6), "see_clinician(regressions_in_a_row): -"),
        ],
    ),
    "without a clearance the same scores mean a clinician": (
        {},
        [((S, 0, 7), None), ((S, 2, 7), "see_clinician(regressions_in_a_row): -")],
    ),
    "hard effort holds the up-step, and the session does not count towards the next": (
        {"levels": dict(ALL_OPEN), "last_step": dict.fromkeys(ALL_OPEN, LONG_AGO)},
        [
            ((S, 0, 1), None),
            ((M, 1, 1), "carry_on: -"),
            ((S, 2, 1, Effort.HARD), None),
            ((M, 3, 1), "carry_on: -"),
            ((S, 4, 1, Effort.JUST_RIGHT), None),
            ((M, 5, 1), "carry_on: -"),
            ((S, 7, 1), None),
            ((M, 8, 1), "carry_on: balance 2>3"),
        ],
    ),
    "a correction from 1 to 4 undoes the up-step it earned": (
        {"levels": dict(ALL_OPEN), "last_step": dict.fromkeys(ALL_OPEN, LONG_AGO)},
        [
            ((S, 0, 1), None),
            ((M, 1, 1), None),
            ((S, 2, 0), None),
            ((M, 3, 1), "carry_on: balance 2>3"),
            ((C, 2, {"during": 4}, 3), "carry_on: undo balance 3>2"),
            ((C, 2, {"during": 2}, 3), "carry_on: balance 2>3"),  # and back again
        ],
    ),
    "a correction from 3 to 7 moves the session down": (
        {"levels": dict(ALL_OPEN), "last_step": dict.fromkeys(ALL_OPEN, LONG_AGO)},
        [
            ((S, 0, 3), "carry_on: -"),
            (
                (C, 0, {"during": 7}, 0),
                "carry_on: "
                + ", ".join(f"{exercise.slug} 2>1" for exercise in CATALOGUE.exercises),
            ),
            (
                (C, 0, {"during": 3}, 1),
                "carry_on: "
                + ", ".join(f"undo {exercise.slug} 1>2" for exercise in CATALOGUE.exercises),
            ),
        ],
    ),
    "a correction of a pain-free score that went up turns the up into a down": (
        {"levels": {"hip_bump": 2}, "last_step": {"hip_bump": LONG_AGO}, "last_unlock": day(0)},
        [
            ((S, 0, 1), None),
            ((M, 1, 1), None),
            ((S, 2, 1), None),
            ((M, 3, 1), "carry_on: hip_bump 2>3"),
            ((C, 2, {"during": 7}, 4), "carry_on: hip_bump 3>1"),
        ],
    ),
    "a correction that still supports the move changes nothing": (
        {"levels": {"hip_bump": 2}, "last_step": {"hip_bump": LONG_AGO}, "last_unlock": day(0)},
        [
            ((S, 0, 1), None),
            ((M, 1, 1), None),
            ((S, 2, 2), None),
            ((M, 3, 1), "carry_on: hip_bump 2>3"),
            ((C, 2, {"during": 0}, 4), "carry_on: -"),
        ],
    ),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario(name):
    setup, events = SCENARIOS[name]
    coach = Coach(**setup)
    lines = []
    for event, expected in events:
        what, on, *rest = event
        if what == CLEAR:
            coach.cleared_on = day(on)
            continue
        if what == FLARE:
            coach.flare = rest[0]
            continue
        if what == S:
            result = coach.session(day(on), rest[0], *rest[1:])
        elif what == M:
            entered = day(rest[1]) if len(rest) > 1 else None
            result = coach.morning(day(on), rest[0], entered)
        else:
            result = coach.correct(day(on), day(rest[1]), **rest[0])
        lines.append((event, said(result), expected))
    assert [(event, line) for event, line, expected in lines if expected is not None] == [
        (event, expected) for event, line, expected in lines if expected is not None
    ]


def test_a_late_morning_score_judges_its_own_session():
    coach = Coach()
    coach.session(day(0), 1)
    coach.session(day(1), 1)
    review = coach.morning(day(1), 8)
    assert review.session.day == day(0)
    assert review.signal is Signal.DOWN
    down = review.moves[0]
    assert (down.why, down.usual_morning) == (Why.WORSE_MORNING, 1)
    assert [(scores.day, scores.during, scores.morning) for scores in down.evidence] == [
        (day(0), 1, 8)
    ]


def test_steady_mornings_of_7_never_move_up_and_ask_for_a_clinician_review():
    coach = Coach(levels=dict(STARTER))
    reviews = []
    for week in range(4):
        for offset in (0, 2, 4):
            on = day(7 * week + offset)
            reviews.append(coach.session(on, 1))
            reviews.append(coach.morning(on + timedelta(days=1), 7))
    ups = [move for review in reviews for move in review.moves if move.step is not Step.DOWN]
    assert ups == []
    assert reviews[-1].mornings_high and reviews[-1].voice is Voice.CARRY_ON
    assert RULES.mornings_need_review(coach.sessions)
    # Only the very first morning, with no usual yet, counted as worse than usual.
    assert [when for when, move in coach.log] == [day(1)] * 3


def six_pain_free_weeks() -> Coach:
    coach = Coach()
    scores = [(0, 1), (1, 0), (1, 1)]
    for week in range(6):
        for number, offset in enumerate((0, 2, 4)):
            during, morning = scores[(week + number) % 3]
            on = day(7 * week + offset)
            review = coach.session(on, during)
            assert review.moves == () and review.voice is Voice.CARRY_ON
            review = coach.morning(on + timedelta(days=1), morning)
            assert len(review.moves) <= 1, "one change per review"
            assert review.voice is Voice.CARRY_ON
    return coach


def test_six_pain_free_weeks_change_one_thing_at_a_time():
    coach = six_pain_free_weeks()
    log = coach.log
    assert all(move.step in (Step.UP, Step.UNLOCK) for _, move in log)
    days = [when for when, _ in log]
    assert len(days) == len(set(days)), "never two changes on one day"
    # Nothing changes in the first week: no starter reaches its top level then.
    assert min(days) >= day(7)
    # One opening a week at most, the reverse lunge last.
    openings = [(when, move.exercise) for when, move in log if move.step is Step.UNLOCK]
    assert [slug for _, slug in openings] == [
        "single_leg_rdl",
        "hip_circles",
        "sumo_squat",
        "reverse_lunge",
    ]
    gaps = [(later - earlier).days for (earlier, _), (later, _) in pairwise(openings)]
    assert min(gaps) >= 7
    # Each exercise at most one level a week, and a new one waits a week for its first step.
    for slug in ALL_OPEN:
        steps = [when for when, move in log if move.exercise == slug]
        assert all((later - earlier).days >= 7 for earlier, later in pairwise(steps))
    # By the end every exercise is open and the program has moved on.
    assert set(coach.levels) == set(ALL_OPEN)
    assert coach.levels == {**dict.fromkeys(ALL_OPEN, 3), "reverse_lunge": 2}


def test_each_review_has_one_voice():
    coach = Coach(levels=dict.fromkeys(STARTER, 1))
    for score in (3, 6, 8, 10):
        review = coach.session(day(2 * score), score)
        assert review.voice in Voice
        if review.voice is Voice.CARRY_ON:
            assert review.clinician is None and not review.stop_today
        if review.voice is Voice.SEE_CLINICIAN:
            assert review.clinician is not None


def test_a_return_after_a_gap_starts_every_exercise_above_the_easiest_one_lower():
    rules = CATALOGUE.program.progression
    levels = {"balance": 3, "hip_bump": 1, "squat_to_surface": 2}
    back = return_steps(rules, levels, day(0), day(rules.return_gap_days))
    assert [(move.exercise, move.step, move.why, move.level, move.new_level) for move in back] == [
        ("balance", Step.DOWN, Why.RETURNED, 3, 2),
        ("squat_to_surface", Step.DOWN, Why.RETURNED, 2, 1),
    ]
    assert return_steps(rules, levels, day(0), day(rules.return_gap_days - 1)) == ()
    assert return_steps(rules, levels, None, day(100)) == ()


def test_carrying_on_at_the_easiest_levels_moves_every_exercise_to_level_1():
    moves = easiest_steps({"balance": 3, "hip_bump": 1, "reverse_lunge": 2})
    assert [(move.exercise, move.new_level, move.why) for move in moves] == [
        ("balance", 1, Why.EASIEST),
        ("reverse_lunge", 1, Why.EASIEST),
    ]


def test_a_first_morning_is_compared_with_the_sessions_own_pain():
    coach = Coach()
    coach.session(day(0), 2)
    review = coach.morning(day(1), 6)
    assert review.morning_baseline == 2 and review.morning_baseline_is_session
    coach.session(day(2), 2)
    later = coach.morning(day(3), 7)
    assert later.morning_baseline == 6 and not later.morning_baseline_is_session
