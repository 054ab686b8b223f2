"""Program rules that do not need the database: today's plan and what a pain score means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from content.catalogue import Catalogue, Dose, Exercise, Level, Program


class PainBand(Enum):
    """Where a pain score falls in the program's pain-monitoring model."""

    SAFE = "safe"
    ACCEPTABLE = "acceptable"
    TOO_MUCH = "too_much"


@dataclass(frozen=True)
class PlannedExercise:
    """An exercise in today's plan at the user's level number."""

    exercise: Exercise
    level_number: int

    @property
    def level(self) -> Level:
        """The level's description, clamped to the levels the exercise has."""
        return self.exercise.level(self.level_number)

    @property
    def dose(self) -> Dose:
        """The dose at this level."""
        return self.exercise.dose_at(self.level_number)


def starting_levels(catalogue: Catalogue) -> dict[str, int]:
    """A new user's unlocked exercises and the level each starts at."""
    return {
        slug: exercise.start_level
        for slug in catalogue.program.starter
        if (exercise := catalogue.get(slug)) is not None
    }


def session_plan(catalogue: Catalogue, levels: dict[str, int]) -> list[PlannedExercise]:
    """The unlocked exercises in the program's order, each at the user's level."""
    return [
        PlannedExercise(exercise, levels[exercise.slug])
        for exercise in catalogue.in_session_order(set(levels))
    ]


def session_minutes(plan: list[PlannedExercise]) -> int:
    """The plan's length in minutes, from each exercise's own estimate."""
    return sum(item.exercise.minutes for item in plan)


def pain_band(program: Program, score: int) -> PainBand:
    """The band of a pain score (0–10) by the program's thresholds."""
    if score <= program.pain.safe_max:
        return PainBand.SAFE
    if score <= program.pain.acceptable_max:
        return PainBand.ACCEPTABLE
    return PainBand.TOO_MUCH


def needs_red_flag_check(program: Program, score: int) -> bool:
    """Whether this score is high enough to offer the red-flag questions."""
    return score > program.pain.red_flag_prompt_above


def is_severe(program: Program, score: int) -> bool:
    """Pain during a session this strong: stop for today (see content.progression)."""
    return score >= program.pain.severe_pain_from


def sore_days_in_a_row(program: Program, day_scores: dict[date, int], day: date) -> bool:
    """Day scores above the acceptable band on two days in a row, the later one yesterday or
    today: the next session deserves a gentler dose."""
    limit = program.pain.acceptable_max
    for later in (day, day - timedelta(days=1)):
        earlier = later - timedelta(days=1)
        if day_scores.get(later, -1) > limit and day_scores.get(earlier, -1) > limit:
            return True
    return False
