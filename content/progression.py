"""Pain-guided progression: from a user's done sessions and their pain scores, decide for each
exercise whether it moves up a level, holds or moves down, and which locked exercise opens.

Pure rules with no database or Telegram types; every threshold comes from program.toml, so the
table-driven tests and a physiotherapist editing the file see the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from statistics import median

from content.catalogue import Catalogue, PainThresholds, ProgressionRules


@dataclass(frozen=True)
class SessionRecord:
    """One done session: the level of each exercise in it and the two pain scores, if given."""

    day: date
    levels: Mapping[str, int]
    during: int | None = None
    morning: int | None = None


class Signal(Enum):
    """What one session says about the exercises in it."""

    SAFE = "safe"  # pain during in the safe zone and a next morning no worse than usual
    HOLD = "hold"  # acceptable pain, or a morning a little worse than usual
    DOWN = "down"  # too much pain during, or a next morning clearly worse than usual
    UNKNOWN = "unknown"  # a score is still missing


class Step(Enum):
    UP = "up"
    HOLD = "hold"
    DOWN = "down"
    UNLOCK = "unlock"


class Why(Enum):
    PAIN_FREE = "pain_free"
    TOO_MUCH_PAIN = "too_much_pain"
    WORSE_MORNING = "worse_morning"
    ACCEPTABLE_PAIN = "acceptable_pain"
    WAITING_FOR_SCORES = "waiting_for_scores"
    TOP_LEVEL = "top_level"
    LOWEST_LEVEL = "lowest_level"
    STEPPED_RECENTLY = "stepped_recently"


@dataclass(frozen=True)
class Decision:
    exercise: str
    step: Step
    why: Why
    level: int  # before the decision; 0 for an exercise being opened
    new_level: int


@dataclass(frozen=True)
class Review:
    decisions: tuple[Decision, ...]
    # Exercises whose last sessions were regression signals in a row: see a clinician.
    see_clinician: tuple[str, ...]

    @property
    def moves(self) -> tuple[Decision, ...]:
        """The decisions that change something (up, down or opened), in session order."""
        return tuple(decision for decision in self.decisions if decision.step is not Step.HOLD)


@dataclass(frozen=True)
class _Judged:
    signal: Signal
    why: Why


class Progression:
    """The program's progression rules applied to one user's history."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.rules: ProgressionRules = catalogue.program.progression
        self.pain: PainThresholds = catalogue.program.pain

    def review(
        self,
        levels: Mapping[str, int],
        history: Sequence[SessionRecord],
        last_step: Mapping[str, date],
        last_unlock: date | None,
        today: date,
    ) -> Review:
        """Decide every unlocked exercise and at most one opening.

        history: done sessions, oldest first. last_step: the day each exercise last moved.
        """
        judged = self.judge(history)
        decisions = [
            self._decide(slug, levels[slug], history, judged, last_step.get(slug), today)
            for slug in self.catalogue.session_slugs(levels)
        ]
        opened = self._opening(levels, history, judged, last_unlock, today)
        if opened is not None:
            decisions.append(opened)
        in_a_row = self.rules.regressions_before_clinician
        see_clinician = tuple(
            slug
            for slug in self.catalogue.session_slugs(levels)
            if len(signals := _signals_of(slug, history, judged)) >= in_a_row
            and all(signal is Signal.DOWN for signal in signals[-in_a_row:])
        )
        return Review(tuple(decisions), see_clinician)

    def judge(self, history: Sequence[SessionRecord]) -> list[_Judged]:
        """Each session's signal, with "usual" taken from the mornings before it."""
        judged = []
        mornings: list[int] = []
        for record in history:
            earlier = mornings[-self.rules.usual_morning_window :]
            usual = median(earlier) if earlier else record.during
            judged.append(self._signal(record, usual))
            if record.morning is not None:
                mornings.append(record.morning)
        return judged

    def _signal(self, record: SessionRecord, usual: float | None) -> _Judged:
        if record.during is not None and record.during > self.pain.acceptable_max:
            return _Judged(Signal.DOWN, Why.TOO_MUCH_PAIN)
        if record.morning is None or usual is None:
            return _Judged(Signal.UNKNOWN, Why.WAITING_FOR_SCORES)
        if record.morning - usual > self.rules.morning_worse_by:
            return _Judged(Signal.DOWN, Why.WORSE_MORNING)
        if record.during is None:
            return _Judged(Signal.UNKNOWN, Why.WAITING_FOR_SCORES)
        # A morning in the safe zone is never "worse than usual".
        fine_morning = record.morning <= max(usual, self.pain.safe_max)
        if record.during <= self.pain.safe_max and fine_morning:
            return _Judged(Signal.SAFE, Why.PAIN_FREE)
        return _Judged(Signal.HOLD, Why.ACCEPTABLE_PAIN)

    def _decide(
        self,
        slug: str,
        level: int,
        history: Sequence[SessionRecord],
        judged: Sequence[_Judged],
        stepped_on: date | None,
        today: date,
    ) -> Decision:
        exercise = self.catalogue.get(slug)
        top = len(exercise.levels) if exercise else level
        own = [
            (record.levels[slug], verdict)
            for record, verdict in zip(history, judged, strict=True)
            if slug in record.levels
        ]
        if not own:
            return Decision(slug, Step.HOLD, Why.WAITING_FOR_SCORES, level, level)
        latest = own[-1][1]
        recent_step = stepped_on is not None and today - stepped_on < self._step_gap
        if latest.signal is Signal.DOWN:
            if level <= 1:
                return Decision(slug, Step.HOLD, Why.LOWEST_LEVEL, level, level)
            if recent_step:
                return Decision(slug, Step.HOLD, Why.STEPPED_RECENTLY, level, level)
            return Decision(slug, Step.DOWN, latest.why, level, level - 1)
        at_level = [verdict.signal for done_at, verdict in own if done_at == level]
        if self._pain_free(at_level):
            if level >= top:
                return Decision(slug, Step.HOLD, Why.TOP_LEVEL, level, level)
            if recent_step:
                return Decision(slug, Step.HOLD, Why.STEPPED_RECENTLY, level, level)
            return Decision(slug, Step.UP, Why.PAIN_FREE, level, level + 1)
        why = Why.ACCEPTABLE_PAIN if latest.signal is Signal.HOLD else Why.WAITING_FOR_SCORES
        return Decision(slug, Step.HOLD, why, level, level)

    def _opening(
        self,
        levels: Mapping[str, int],
        history: Sequence[SessionRecord],
        judged: Sequence[_Judged],
        last_unlock: date | None,
        today: date,
    ) -> Decision | None:
        """The first locked exercise, in session order, whose prerequisites are pain-free."""
        if last_unlock is not None and today - last_unlock < self._step_gap:
            return None
        rules = {rule.exercise: rule.after for rule in self.catalogue.program.unlock}
        for exercise in self.catalogue.exercises:
            after = rules.get(exercise.slug)
            if exercise.slug in levels or after is None or not set(after) <= set(levels):
                continue
            if all(self._pain_free(_signals_of(slug, history, judged)) for slug in after):
                start = exercise.start_level
                return Decision(exercise.slug, Step.UNLOCK, Why.PAIN_FREE, 0, start)
        return None

    def _pain_free(self, signals: Sequence[Signal]) -> bool:
        """The last few sessions (pain_free_sessions of them) were all safe."""
        needed = self.rules.pain_free_sessions
        recent = signals[-needed:]
        return len(recent) == needed and all(signal is Signal.SAFE for signal in recent)

    @property
    def _step_gap(self) -> timedelta:
        return timedelta(days=self.rules.days_between_steps)


def _signals_of(
    slug: str, history: Sequence[SessionRecord], judged: Sequence[_Judged]
) -> list[Signal]:
    return [
        verdict.signal
        for record, verdict in zip(history, judged, strict=True)
        if slug in record.levels
    ]
