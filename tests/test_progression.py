"""Pain-guided progression rules over sequences of pain scores (PRODUCT.md, "Program rules")."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from content.catalogue import load_catalogue
from content.progression import Progression, SessionRecord, Step, Why

CATALOGUE = load_catalogue()
RULES = Progression(CATALOGUE)
STARTER = {"balance": 2, "hip_bump": 2, "squat_to_surface": 2}
FIRST_DAY = date(2026, 11, 2)  # a Monday
Scores = tuple[int | None, int | None]  # (during, next morning)


def history(*scores: Scores, levels: dict[str, int] = STARTER) -> list[SessionRecord]:
    """Sessions every other day, all with the same exercises and levels."""
    return [
        SessionRecord(FIRST_DAY + timedelta(days=2 * index), dict(levels), during, morning)
        for index, (during, morning) in enumerate(scores)
    ]


def decide(
    sessions: list[SessionRecord],
    levels: dict[str, int] = STARTER,
    stepped_days_ago: int | None = None,
    unlocked_days_ago: int | None = None,
):
    today = sessions[-1].day + timedelta(days=1) if sessions else FIRST_DAY
    stepped = {}
    if stepped_days_ago is not None:
        stepped = dict.fromkeys(levels, today - timedelta(days=stepped_days_ago))
    last_unlock = None if unlocked_days_ago is None else today - timedelta(days=unlocked_days_ago)
    return RULES.review(levels, sessions, stepped, last_unlock, today)


def hip_bump(review):
    return next(decision for decision in review.decisions if decision.exercise == "hip_bump")


@pytest.mark.parametrize(
    ("scores", "step", "why"),
    [
        # Two pain-free sessions with calm mornings: up one level.
        (((1, 1), (0, 1)), Step.UP, Why.PAIN_FREE),
        (((2, 2), (2, 2)), Step.UP, Why.PAIN_FREE),
        # One is not enough.
        (((1, 1),), Step.HOLD, Why.WAITING_FOR_SCORES),
        # The second morning is not in yet: wait for it.
        (((1, 1), (1, None)), Step.HOLD, Why.WAITING_FOR_SCORES),
        # Acceptable pain (3–5) holds.
        (((1, 1), (4, 1)), Step.HOLD, Why.ACCEPTABLE_PAIN),
        (((5, 2), (5, 2)), Step.HOLD, Why.ACCEPTABLE_PAIN),
        # Above 5 during the session: down one level, at once (no morning needed).
        (((1, 1), (6, None)), Step.DOWN, Why.TOO_MUCH_PAIN),
        (((9, None),), Step.DOWN, Why.TOO_MUCH_PAIN),
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
    ],
)
def test_pain_sequences(scores, step, why):
    decision = hip_bump(decide(history(*scores)))
    assert (decision.step, decision.why) == (step, why)
    expected = {Step.UP: 3, Step.DOWN: 1, Step.HOLD: 2}[step]
    assert (decision.level, decision.new_level) == (2, expected)


def test_every_exercise_in_the_session_is_decided_in_session_order():
    review = decide(history((1, 1), (1, 1)))
    assert [decision.exercise for decision in review.decisions[:3]] == [
        "balance",
        "hip_bump",
        "squat_to_surface",
    ]
    assert all(decision.step is Step.UP for decision in review.decisions[:3])


@pytest.mark.parametrize(
    ("days_ago", "step", "why"),
    [
        (0, Step.HOLD, Why.STEPPED_RECENTLY),
        (6, Step.HOLD, Why.STEPPED_RECENTLY),
        (7, Step.UP, Why.PAIN_FREE),
    ],
)
def test_at_most_one_step_up_per_week(days_ago, step, why):
    decision = hip_bump(decide(history((1, 1), (1, 1)), stepped_days_ago=days_ago))
    assert (decision.step, decision.why) == (step, why)


def test_a_regression_within_a_week_of_a_step_waits_too():
    decision = hip_bump(decide(history((1, 1), (8, None)), stepped_days_ago=2))
    assert (decision.step, decision.why, decision.new_level) == (
        Step.HOLD,
        Why.STEPPED_RECENTLY,
        2,
    )


def test_lowest_level_cannot_go_down():
    levels = {**STARTER, "hip_bump": 1}
    decision = hip_bump(decide(history((7, None), levels=levels), levels=levels))
    assert (decision.step, decision.why, decision.new_level) == (Step.HOLD, Why.LOWEST_LEVEL, 1)


def test_top_level_holds():
    levels = {**STARTER, "hip_bump": 3}
    decision = hip_bump(decide(history((0, 0), (0, 0), levels=levels), levels=levels))
    assert (decision.step, decision.why) == (Step.HOLD, Why.TOP_LEVEL)


def test_sessions_at_an_earlier_level_do_not_count_towards_the_next_step():
    before = {**STARTER, "hip_bump": 1}
    sessions = [
        *history((0, 0), (0, 0), levels=before),
        SessionRecord(FIRST_DAY + timedelta(days=4), STARTER, 0, 0),
    ]
    decision = hip_bump(decide(sessions, levels=STARTER))
    assert (decision.step, decision.why) == (Step.HOLD, Why.WAITING_FOR_SCORES)


@pytest.mark.parametrize(
    ("scores", "advise"),
    [
        (((1, 1), (7, None)), False),  # one regression
        (((7, None), (8, None)), True),  # two in a row
        (((1, 1), (1, 5)), False),
        (((1, 1), (1, 5), (6, None)), True),  # worse morning, then too much pain
        (((7, None), (3, 3), (7, None)), False),  # not in a row
        (((7, None), (1, 1), (1, 1), (7, None)), False),
    ],
)
def test_two_regressions_in_a_row_mean_see_a_clinician(scores, advise):
    review = decide(history(*scores))
    assert ("hip_bump" in review.see_clinician) is advise


def test_two_regressions_at_the_lowest_level_still_advise_a_clinician():
    levels = {**STARTER, "hip_bump": 1}
    review = decide(history((7, None), (7, None), levels=levels), levels=levels)
    assert hip_bump(review).step is Step.HOLD
    assert "hip_bump" in review.see_clinician


def opened(review):
    return [decision.exercise for decision in review.decisions if decision.step is Step.UNLOCK]


def test_one_exercise_opens_at_a_time_in_session_order():
    review = decide(history((1, 1), (1, 1)))
    # Balance and hip bumps are both pain-free: the feet/ankle exercise opens first.
    assert opened(review) == ["single_leg_rdl"]
    unlock = review.moves[-1]
    assert (unlock.level, unlock.new_level) == (0, CATALOGUE.get("single_leg_rdl").start_level)


def test_no_second_opening_within_a_week():
    levels = {**STARTER, "single_leg_rdl": 1}
    assert opened(decide(history((1, 1), (1, 1)), levels=levels, unlocked_days_ago=3)) == []
    later = decide(history((1, 1), (1, 1)), levels=levels, unlocked_days_ago=7)
    assert opened(later) == ["hip_circles"]


def test_hip_circles_wait_for_pain_free_hip_bumps():
    levels = {**STARTER, "single_leg_rdl": 1, "sumo_squat": 1}
    without_hip_bump = {slug: level for slug, level in levels.items() if slug != "hip_bump"}
    sessions = [
        SessionRecord(FIRST_DAY, levels, 4, 2),  # hip bumps hurt (acceptable, not pain-free)
        SessionRecord(FIRST_DAY + timedelta(days=2), without_hip_bump, 0, 0),
        SessionRecord(FIRST_DAY + timedelta(days=4), without_hip_bump, 0, 0),
    ]
    review = decide(sessions, levels=levels, unlocked_days_ago=30)
    assert "hip_circles" not in opened(review)
    sessions.append(SessionRecord(FIRST_DAY + timedelta(days=6), levels, 0, 0))
    sessions.append(SessionRecord(FIRST_DAY + timedelta(days=8), levels, 1, 1))
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


def test_no_sessions_hold_everything():
    review = decide([])
    assert review.moves == ()
    assert {decision.why for decision in review.decisions} == {Why.WAITING_FOR_SCORES}
