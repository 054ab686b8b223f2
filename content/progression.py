"""Pain-guided progression: judge one done session by its pain scores and decide, for each
exercise, whether it moves up a level, holds or moves down, which locked exercise opens, and
what the person must be told (carry on, stop for today, or see a clinician).

Pure rules with no database or Telegram types; every threshold comes from program.toml, so the
table-driven tests and a physiotherapist editing the file see the same numbers.

The rules (PRODUCT.md "Program rules"):
- Down-steps never wait. Pain during a session above the acceptable band, or a next morning
  clearly worse than usual, moves every exercise of that session above its lowest level down one
  level at once. Only up-steps and openings wait `days_between_steps`.
- Severe pain (during >= `severe_pain_from`): stop for today, down as above, red-flag screen, and
  see a clinician at once if the session's exercises were all at their lowest level or another
  severe score came within `severe_window_days`.
- A session is judged on its own scores, so a next-morning score that arrives after a later
  session was logged still judges (and regresses) the session before that morning.
- "Usual" has a ceiling: a morning above the acceptable band is never usual, and while the usual
  morning is above it nothing moves up or opens.
- One change at a time: at most `increases_per_review` increases (up-steps or openings) per
  review, the exercise longest at its level first; "hard" effort holds every up-step.
- `regressions_before_clinician` regression signals in a row (counted from the end of the
  latest hold), a second severe score, severe pain at the easiest levels, or a score of
  `clinician_at` mean see a clinician (the caller holds the program for a review).
- The sessions that earn a step are `up_step_days_apart` days apart, and none before a gap of
  `return_gap_days` without a session counts; a flare (a day score above the acceptable band
  within `flare_hours`) holds every increase of the review.
- After such a gap every exercise above its easiest level starts one lower (`return_steps`).
- A corrected score re-runs that session's review from the levels before it (`revise`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import Enum, StrEnum
from statistics import median

from content.catalogue import Catalogue, PainThresholds, ProgressionRules
from content.states import PainKind

# An exercise with no known day at its level has been there "for ever".
LONG_AGO = date.min


class Effort(StrEnum):
    """The optional one-tap rating after the pain score (stored by its value)."""

    EASY = "easy"
    JUST_RIGHT = "just_right"
    HARD = "hard"


@dataclass(frozen=True)
class Scores:
    """The real scores of one session, for an announcement to quote."""

    day: date
    during: int | None
    morning: int | None


@dataclass(frozen=True)
class SessionRecord:
    """One done session: the level each exercise was done at, its pain scores and effort.

    morning is the score of the morning after this session, wherever it was entered from
    (see `morning_session`). The latest correction of each score is the one passed here.
    """

    day: date
    levels: Mapping[str, int]
    during: int | None = None
    morning: int | None = None
    effort: Effort | None = None

    @property
    def scores(self) -> Scores:
        """The session's scores, for an announcement to quote."""
        return Scores(self.day, self.during, self.morning)

    @property
    def scored(self) -> bool:
        """Whether at least one pain score (during or next morning) is in."""
        return self.during is not None or self.morning is not None


class Signal(Enum):
    """What one session says about the exercises in it."""

    SAFE = "safe"  # pain during in the safe zone and a next morning no worse than usual
    HOLD = "hold"  # acceptable pain, a high morning, a morning a little worse, or "hard" effort
    DOWN = "down"  # too much pain during, or a next morning clearly worse than usual
    UNKNOWN = "unknown"  # a score is still missing


class Step(Enum):
    """What a decision does to an exercise's level."""

    UP = "up"
    HOLD = "hold"
    DOWN = "down"
    UNLOCK = "unlock"
    UNDO = "undo"  # a correction took away the reason for an earlier move: it is reversed


class Why(Enum):
    """Why a decision was taken; stored with each level change."""

    # Values are stored with each level change: never rename one.
    PAIN_FREE = "pain_free"  # the last sessions were in the safe zone, mornings no worse
    TOO_MUCH_PAIN = "too_much_pain"  # pain during above the acceptable band
    SEVERE_PAIN = "severe_pain"  # pain during at or above severe_pain_from
    WORSE_MORNING = "worse_morning"  # the next morning clearly worse than usual
    HIGH_MORNING = "high_morning"  # the next morning above the acceptable band: never usual
    ACCEPTABLE_PAIN = "acceptable_pain"  # pain in the acceptable band (or a bit worse morning)
    HARD_EFFORT = "hard_effort"  # "hard" effort holds every up-step from the session
    WAITING_FOR_SCORES = "waiting_for_scores"  # a score of the session is still missing
    MORE_SESSIONS = "more_sessions"  # not yet enough safe sessions in a row at this level
    TOP_LEVEL = "top_level"
    LOWEST_LEVEL = "lowest_level"
    STEPPED_RECENTLY = "stepped_recently"  # at this level for less than days_between_steps
    ONE_AT_A_TIME = "one_at_a_time"  # ready, but another exercise changes in this review
    MORNINGS_HIGH = "mornings_high"  # the usual morning is above the acceptable band
    ALREADY_LOWER = "already_lower"  # it already went down since that session
    NOT_IN_SESSION = "not_in_session"  # the session did not include it
    CORRECTED = "corrected"  # a corrected score no longer supports an earlier move
    FLARE = "flare"  # a day score above the acceptable band lately: no increase now
    RETURNED = "returned"  # back after a break: one level lower to start again
    EASIEST = "easiest"  # the person chose to carry on at the easiest levels, not a review
    # A clinician's change from their chat; as a hold: changed by one lately, no increase yet.
    CLINICIAN = "clinician"


@dataclass(frozen=True)
class Decision:
    """One exercise's verdict in a review: the step, the reason, and the levels around it."""

    exercise: str
    step: Step
    why: Why
    level: int  # before the decision; 0 for an exercise being opened
    new_level: int  # after it; 0 for an opening undone (the exercise is locked again)
    # The sessions behind the decision, oldest first, with their real scores.
    evidence: tuple[Scores, ...] = ()
    # For a morning-based decision: the usual morning it was compared with.
    usual_morning: float | None = None


class Voice(Enum):
    """The one stance of a reply: never "carry on" next to "see a clinician"."""

    CARRY_ON = "carry_on"  # go on with the program (any moves are announced)
    STOP_TODAY = "stop_today"  # severe pain: stop and rest today, answer the red-flag screen
    SEE_CLINICIAN = "see_clinician"  # see a doctor or physiotherapist before carrying on


class ClinicianReason(Enum):
    """Why the person is told to see a clinician."""

    SEVERE_AT_LOWEST = "severe_at_lowest"  # severe pain with every exercise at its lowest level
    SECOND_SEVERE = "second_severe"  # a second severe score within severe_window_days
    REGRESSIONS_IN_A_ROW = "regressions_in_a_row"  # regressions_before_clinician in a row
    WORST_PAIN = "worst_pain"  # a session score of pain.clinician_at (a 10)
    MORNINGS_HIGH = "mornings_high"  # the usual morning stays above the acceptable band


@dataclass(frozen=True)
class Review:
    """The verdict on one session."""

    decisions: tuple[Decision, ...]
    voice: Voice = Voice.CARRY_ON
    session: Scores | None = None  # the session judged
    signal: Signal = Signal.UNKNOWN
    severe: bool = False  # pain during at or above severe_pain_from
    stop_today: bool = False  # severe, and the session is today's: stop and rest
    red_flag_screen: bool = False  # show the red-flag screen
    clinician: ClinicianReason | None = None
    clinician_evidence: tuple[Scores, ...] = ()  # the sessions behind the advice, oldest first
    usual_morning: float | None = None  # median of the latest mornings, up to this session
    mornings_high: bool = False  # usual morning above the acceptable band: suggest a review
    exercises: tuple[str, ...] = ()  # the session's exercises, in session order
    flare_held: bool = False  # a flare held an increase this review would have made
    # What the session's next morning was compared with: the usual morning before it, or
    # (morning_baseline_is_session) the pain during the session when there was no morning yet.
    morning_baseline: float | None = None
    morning_baseline_is_session: bool = False

    @property
    def moves(self) -> tuple[Decision, ...]:
        """The decisions that change something (up, down, opened), in session order."""
        return tuple(decision for decision in self.decisions if decision.step is not Step.HOLD)

    @property
    def see_clinician(self) -> tuple[str, ...]:
        """The session's exercises when the advice is to see a clinician (the old field)."""
        return self.exercises if self.voice is Voice.SEE_CLINICIAN else ()


@dataclass(frozen=True)
class Revision:
    """A session's review re-run after a corrected score."""

    review: Review  # the fresh review, from the levels before the session's first review
    # What the caller applies now, one per exercise, from the current levels: UNDO for a move
    # the corrected scores no longer support, or a move they now call for. An UNDO of an
    # opening has new_level 0: the exercise is locked again.
    changes: tuple[Decision, ...]

    @property
    def undone(self) -> tuple[Decision, ...]:
        """The changes that reverse an earlier move."""
        return tuple(change for change in self.changes if change.step is Step.UNDO)


@dataclass(frozen=True)
class Standing:
    """Where the exercises stand before a review, as the rules weigh them: each open
    exercise's level, the day it reached that level (its last step, the day it opened, or the
    program's first day for the starter set; missing = long ago), and the day the latest
    exercise opened (or the program's first day if none has). Kept with a session's first
    review, so that a correction re-runs it from there."""

    levels: Mapping[str, int]
    last_step: Mapping[str, date]
    last_unlock: date | None
    # Exercises a clinician changed lately, or locked: the rules neither step them up nor
    # open them (stepping down for pain still works). Not kept with a review: read anew.
    clinician_held: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Track:
    """What is known of the person's done sessions: the sessions, oldest first (later ones
    may follow the session judged), and the day a clinician last cleared them: regressions
    before it no longer count towards "in a row"."""

    sessions: Sequence[SessionRecord]
    cleared_on: date | None = None


@dataclass(frozen=True)
class Moment:
    """When and why a review runs.

    session: the day of the session judged (None: the latest). arrived: the score that
    triggers the review. "Stop for today" and the red-flag screen answer a severe score during
    the session (on its day or the next), the screen also a morning above
    pain.red_flag_prompt_above; None (unknown) = either may have arrived. flare: a day score
    above the acceptable band came within flare_hours, so every increase the review would make
    is held (Review.flare_held says whether one was).
    """

    today: date
    session: date | None = None
    arrived: PainKind | None = None
    flare: bool = False


@dataclass(frozen=True)
class _Judged:
    signal: Signal
    why: Why
    usual: float | None
    # No earlier mornings yet: "usual" is the pain during the session itself.
    usual_is_session: bool = False


@dataclass(frozen=True)
class _Case:
    """The session under review among the others: every session with its signal (each judged
    against the mornings before it), and where the judged one is."""

    history: Sequence[SessionRecord]
    judged: Sequence[_Judged]
    index: int

    @property
    def record(self) -> SessionRecord:
        return self.history[self.index]

    @property
    def verdict(self) -> _Judged:
        return self.judged[self.index]

    def scores(self, indexes: Iterable[int]) -> tuple[Scores, ...]:
        """The real scores of the sessions at these indexes, for a decision's evidence."""
        return tuple(self.history[at].scores for at in indexes)


@dataclass(frozen=True)
class _Stance:
    """The reply's one voice, and whether the session is stopped and the screen shown."""

    voice: Voice
    stop_today: bool
    red_flag_screen: bool


def morning_session(session_days: Iterable[date], morning: date) -> date | None:
    """The session a next-morning score belongs to: the one the day before that morning, even
    when a later session (that same day) is already logged. None if there was none."""
    before = morning - timedelta(days=1)
    return before if before in set(session_days) else None


class Progression:
    """The program's progression rules applied to one user's history."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.rules: ProgressionRules = catalogue.program.progression
        self.pain: PainThresholds = catalogue.program.pain

    # --- the review of one session --------------------------------------------------------

    def review(self, standing: Standing, track: Track, moment: Moment) -> Review:
        """Judge one session (the latest, or the one on moment.session) and decide every
        unlocked exercise and at most one opening. For a correction, standing is as it was
        before that session's first review."""
        levels = standing.levels
        order = self.catalogue.session_slugs(levels)
        if not track.sessions:
            return Review(
                tuple(_hold(slug, levels[slug], Why.WAITING_FOR_SCORES) for slug in order)
            )
        case = self._case(track.sessions, moment.session)
        record, verdict = case.record, case.verdict
        usual = self.usual_morning(track.sessions[: case.index + 1])
        mornings_high = usual is not None and usual > self.pain.acceptable_max
        decisions, flare_held = self._decisions(standing, case, moment, mornings_high)
        clinician, evidence = self._clinician(case, track.cleared_on)
        stance = self._stance(record, moment, clinician)
        return Review(
            decisions=tuple(decisions),
            voice=stance.voice,
            session=record.scores,
            signal=verdict.signal,
            severe=self._severe(record),
            stop_today=stance.stop_today,
            red_flag_screen=stance.red_flag_screen,
            clinician=clinician,
            clinician_evidence=evidence,
            usual_morning=usual,
            mornings_high=mornings_high,
            exercises=tuple(slug for slug in order if slug in record.levels),
            flare_held=flare_held,
            morning_baseline=verdict.usual,
            morning_baseline_is_session=verdict.usual_is_session,
        )

    def _decisions(
        self, standing: Standing, case: _Case, moment: Moment, mornings_high: bool
    ) -> tuple[list[Decision], bool]:
        """Every exercise's decision, by what the session says, and whether a flare held back
        an increase: down-steps never wait, a safe session earns increases, anything else
        holds."""
        levels, record, verdict = standing.levels, case.record, case.verdict
        order = self.catalogue.session_slugs(levels)
        if verdict.signal is Signal.SAFE:
            decisions = self._ups(standing, case, moment.today, mornings_high)
            if not moment.flare:
                return decisions, False
            flare_held = any(item.step is not Step.HOLD for item in decisions)
            return [_flare_hold(item) for item in decisions if item.level > 0], flare_held
        if verdict.signal is Signal.DOWN:
            return [
                self._down(slug, levels[slug], record, verdict)
                if slug in record.levels
                else _hold(slug, levels[slug], Why.NOT_IN_SESSION)
                for slug in order
            ], False
        return [
            _hold(slug, levels[slug], verdict.why if slug in record.levels else Why.NOT_IN_SESSION)
            for slug in order
        ], False

    def _stance(
        self, record: SessionRecord, moment: Moment, clinician: ClinicianReason | None
    ) -> _Stance:
        """Stop for today and the red-flag screen answer news: a severe score during the
        session that just arrived (not a morning score days later), or a high morning."""
        severe = self._severe(record)
        during_news = moment.arrived in (None, PainKind.DURING)
        morning_news = moment.arrived in (None, PainKind.NEXT_MORNING)
        stop_today = severe and during_news and moment.today - record.day <= timedelta(days=1)
        high_morning = (
            morning_news
            and record.morning is not None
            and record.morning > self.pain.red_flag_prompt_above
        )
        if clinician is not None:
            voice = Voice.SEE_CLINICIAN
        elif stop_today:
            voice = Voice.STOP_TODAY
        else:
            voice = Voice.CARRY_ON
        return _Stance(voice, stop_today, (severe and during_news) or high_morning)

    def revise(
        self,
        previous: Sequence[Decision],
        current: Mapping[str, int],
        standing: Standing,
        track: Track,
        moment: Moment,
    ) -> Revision:
        """Re-run a session's review after a correction of one of its scores.

        previous: the moves that session's earlier review(s) made. current: the levels now.
        standing: as it was before that session's first review. track: with the corrected
        score. A previous move the fresh review does not make is undone, unless the exercise
        has moved on since; a move the fresh review makes that was not made before is applied
        from the current level. One change per exercise.
        """
        fresh = self.review(standing, track, moment)
        changes, after = _undo_unsupported(previous, fresh, current)
        kept = {_key(move) for move in previous}
        for move in fresh.moves:
            if _key(move) in kept or after.get(move.exercise, 0) != move.level:
                continue
            changes[move.exercise] = replace(move, level=current.get(move.exercise, 0))
        rank = {exercise.slug: rank for rank, exercise in enumerate(self.catalogue.exercises)}
        ordered = sorted(changes.values(), key=lambda change: rank.get(change.exercise, 99))
        return Revision(fresh, tuple(ordered))

    def clinician_reason(
        self, history: Sequence[SessionRecord], session: date, cleared_on: date | None = None
    ) -> ClinicianReason | None:
        """Whether the session on `session` calls for a clinician now, with the scores as they
        are (after a correction): the reason, or None."""
        return self._clinician(self._case(history, session), cleared_on)[0]

    # --- the usual morning ---------------------------------------------------------------

    def usual_morning(
        self, history: Sequence[SessionRecord], until: date | None = None
    ) -> float | None:
        """The median of the latest `usual_morning_window` next-morning scores, of sessions up
        to `until` (default: all). None before there are any."""
        mornings = [
            record.morning
            for record in history
            if record.morning is not None and (until is None or record.day <= until)
        ]
        recent = mornings[-self.rules.usual_morning_window :]
        return median(recent) if recent else None

    def mornings_need_review(
        self, history: Sequence[SessionRecord], until: date | None = None
    ) -> bool:
        """The usual morning is above the acceptable band: nothing moves up, and the weekly
        check-in suggests a clinician review."""
        usual = self.usual_morning(history, until)
        return usual is not None and usual > self.pain.acceptable_max

    # --- judging sessions ----------------------------------------------------------------

    def judge(self, history: Sequence[SessionRecord]) -> list[_Judged]:
        """Each session's signal, with "usual" taken from the mornings before it."""
        judged = []
        mornings: list[int] = []
        for record in history:
            earlier = mornings[-self.rules.usual_morning_window :]
            usual = median(earlier) if earlier else record.during
            judged.append(replace(self._signal(record, usual), usual_is_session=not earlier))
            if record.morning is not None:
                mornings.append(record.morning)
        return judged

    def _signal(self, record: SessionRecord, usual: float | None) -> _Judged:
        pain = self.pain
        if record.during is not None and record.during > pain.acceptable_max:
            severe = record.during >= pain.severe_pain_from
            return _Judged(Signal.DOWN, Why.SEVERE_PAIN if severe else Why.TOO_MUCH_PAIN, usual)
        if record.morning is None or usual is None:
            return _Judged(Signal.UNKNOWN, Why.WAITING_FOR_SCORES, usual)
        if record.morning - usual > self.rules.morning_worse_by:
            return _Judged(Signal.DOWN, Why.WORSE_MORNING, usual)
        if record.during is None:
            return _Judged(Signal.UNKNOWN, Why.WAITING_FOR_SCORES, usual)
        if record.morning > pain.acceptable_max:
            return _Judged(Signal.HOLD, Why.HIGH_MORNING, usual)
        # A morning in the safe zone is never "worse than usual".
        fine_morning = record.morning <= max(usual, pain.safe_max)
        if record.during <= pain.safe_max and fine_morning:
            if record.effort is Effort.HARD:
                return _Judged(Signal.HOLD, Why.HARD_EFFORT, usual)
            return _Judged(Signal.SAFE, Why.PAIN_FREE, usual)
        return _Judged(Signal.HOLD, Why.ACCEPTABLE_PAIN, usual)

    # --- decisions -----------------------------------------------------------------------

    def _down(self, slug: str, level: int, record: SessionRecord, verdict: _Judged) -> Decision:
        """One level below the level the session was done at, at once."""
        done_at = record.levels[slug]
        if level < done_at:
            return _hold(slug, level, Why.ALREADY_LOWER)
        if done_at <= 1:
            return _hold(slug, level, Why.LOWEST_LEVEL)
        usual = verdict.usual if verdict.why is Why.WORSE_MORNING else None
        return Decision(slug, Step.DOWN, verdict.why, level, done_at - 1, (record.scores,), usual)

    def _ups(
        self, standing: Standing, case: _Case, today: date, mornings_high: bool
    ) -> list[Decision]:
        """A safe session: hold everything but the increases it earns, one change at a time,
        the exercise longest at its level first (ties in session order)."""
        order = self.catalogue.session_slugs(standing.levels)
        decisions: dict[str, Decision] = {}
        ready: list[tuple[date, int, Decision]] = []
        for rank, slug in enumerate(order):
            decision = self._up(slug, standing, case, today, mornings_high)
            if decision.step is Step.UP:
                ready.append((standing.last_step.get(slug, LONG_AGO), rank, decision))
            else:
                decisions[slug] = decision
        opened = None if mornings_high else self._opening(standing, case, today)
        budget = self.rules.increases_per_review - (opened is not None)
        ready.sort(key=lambda item: (item[0], item[1]))
        for number, (_, _, up) in enumerate(ready):
            decisions[up.exercise] = (
                up if number < budget else _hold(up.exercise, up.level, Why.ONE_AT_A_TIME)
            )
        ordered = [decisions[slug] for slug in order]
        if opened is not None:
            ordered.append(opened)
        return ordered

    def _up(
        self, slug: str, standing: Standing, case: _Case, today: date, mornings_high: bool
    ) -> Decision:
        """One exercise after a safe session: up a level if it has earned it, else a hold that
        says why not."""
        level = standing.levels[slug]
        record = case.record
        if slug not in record.levels:
            return _hold(slug, level, Why.NOT_IN_SESSION)
        done_at = record.levels[slug]
        exercise = self.catalogue.get(slug)
        top = len(exercise.levels) if exercise else level
        run = self._run(slug, case)
        if level < done_at:
            why = Why.ALREADY_LOWER
        elif level > done_at:
            why = Why.STEPPED_RECENTLY
        elif level >= top:
            why = Why.TOP_LEVEL
        elif len(run) < self.rules.pain_free_sessions or any(
            case.history[at].levels[slug] != level for at in run
        ):
            why = Why.MORE_SESSIONS
        elif today - standing.last_step.get(slug, LONG_AGO) < self._step_gap:
            why = Why.STEPPED_RECENTLY
        elif slug in standing.clinician_held:
            why = Why.CLINICIAN
        elif mornings_high:
            why = Why.MORNINGS_HIGH
        else:
            return Decision(slug, Step.UP, Why.PAIN_FREE, level, level + 1, case.scores(run))
        return _hold(slug, level, why)

    def _run(self, slug: str, case: _Case) -> list[int]:
        """The latest sessions with the exercise, up to the judged one, that were safe in a row
        (at most pain_free_sessions of them): their indexes, oldest first. Sessions closer than
        up_step_days_apart to a later one in the run are passed over (they still break it when
        not safe), and none before a gap of return_gap_days without a session counts."""
        history = case.history
        run: list[int] = []
        apart = timedelta(days=self.rules.up_step_days_apart)
        gap = timedelta(days=self.rules.return_gap_days)
        for at in range(case.index, -1, -1):
            if at < case.index and history[at + 1].day - history[at].day >= gap:
                break
            if slug not in history[at].levels or not history[at].scored:
                continue
            if case.judged[at].signal is not Signal.SAFE:
                break
            if run and history[run[0]].day - history[at].day < apart:
                continue
            run.insert(0, at)
            if len(run) == self.rules.pain_free_sessions:
                break
        return run

    def _opening(self, standing: Standing, case: _Case, today: date) -> Decision | None:
        """The first locked exercise, in session order, whose prerequisites are pain-free."""
        levels, last_unlock = standing.levels, standing.last_unlock
        if last_unlock is not None and today - last_unlock < self._step_gap:
            return None
        rules = {rule.exercise: rule.after for rule in self.catalogue.program.unlock}
        needed = self.rules.pain_free_sessions
        for exercise in self.catalogue.exercises:
            after = rules.get(exercise.slug)
            if exercise.slug in levels or exercise.slug in standing.clinician_held:
                continue
            if after is None or not set(after) <= set(levels):
                continue
            runs = [self._run(slug, case) for slug in after]
            if all(len(run) == needed for run in runs):
                evidence = case.scores(sorted(set().union(*runs)))
                start = exercise.start_level
                return Decision(exercise.slug, Step.UNLOCK, Why.PAIN_FREE, 0, start, evidence)
        return None

    def _clinician(
        self, case: _Case, cleared_on: date | None
    ) -> tuple[ClinicianReason | None, tuple[Scores, ...]]:
        """Whether the judged session calls for a clinician, and the sessions behind it."""
        history, index, record = case.history, case.index, case.record
        severe = self._severe(record)
        if severe and record.levels and all(level <= 1 for level in record.levels.values()):
            return ClinicianReason.SEVERE_AT_LOWEST, (record.scores,)
        worst = self.pain.clinician_at
        if any(score is not None and score >= worst for score in (record.during, record.morning)):
            return ClinicianReason.WORST_PAIN, (record.scores,)
        if severe:
            window = timedelta(days=self.rules.severe_window_days)
            for earlier in reversed(history[:index]):
                if record.day - earlier.day > window:
                    break
                if self._severe(earlier):
                    return ClinicianReason.SECOND_SEVERE, (earlier.scores, record.scores)
        in_a_row = self.rules.regressions_before_clinician
        row: list[Scores] = []
        for at in range(index, -1, -1):
            earlier = history[at]
            if cleared_on is not None and earlier.day < cleared_on:
                break
            if not earlier.scored:
                continue  # a session with no score says nothing either way
            if case.judged[at].signal is not Signal.DOWN:
                break
            row.insert(0, earlier.scores)
            if len(row) == in_a_row:
                return ClinicianReason.REGRESSIONS_IN_A_ROW, tuple(row)
        return None, ()

    def _severe(self, record: SessionRecord) -> bool:
        return record.during is not None and record.during >= self.pain.severe_pain_from

    def _case(self, history: Sequence[SessionRecord], session: date | None) -> _Case:
        return _Case(history, self.judge(history), self._index(history, session))

    @staticmethod
    def _index(history: Sequence[SessionRecord], session: date | None) -> int:
        if session is None:
            return len(history) - 1
        for at in range(len(history) - 1, -1, -1):
            if history[at].day == session:
                return at
        raise ValueError(f"no session on {session} in the history")

    @property
    def _step_gap(self) -> timedelta:
        return timedelta(days=self.rules.days_between_steps)


def return_steps(
    rules: ProgressionRules, levels: Mapping[str, int], last_session: date | None, today: date
) -> tuple[Decision, ...]:
    """Back after return_gap_days or more without a session: every exercise above its easiest
    level one lower (none without an earlier session: the starting levels are gentle already)."""
    if last_session is None or today - last_session < timedelta(days=rules.return_gap_days):
        return ()
    return tuple(
        Decision(slug, Step.DOWN, Why.RETURNED, level, level - 1)
        for slug, level in levels.items()
        if level > 1
    )


def easiest_steps(levels: Mapping[str, int]) -> tuple[Decision, ...]:
    """Carry on at the easiest levels instead of a review: every exercise to level 1."""
    return tuple(
        Decision(slug, Step.DOWN, Why.EASIEST, level, 1)
        for slug, level in levels.items()
        if level > 1
    )


def _hold(slug: str, level: int, why: Why) -> Decision:
    return Decision(slug, Step.HOLD, why, level, level)


def _flare_hold(decision: Decision) -> Decision:
    """An increase a flare holds back; other decisions stand."""
    if decision.step in (Step.UP, Step.UNLOCK):
        return _hold(decision.exercise, decision.level, Why.FLARE)
    return decision


def _key(move: Decision) -> tuple[str, Step, int]:
    return (move.exercise, move.step, move.new_level)


def _undo_unsupported(
    previous: Sequence[Decision], fresh: Review, current: Mapping[str, int]
) -> tuple[dict[str, Decision], dict[str, int]]:
    """An UNDO of each earlier move the fresh review no longer makes (unless the exercise has
    moved on since: a later review decided it), and the levels once they are undone."""
    made = {_key(move) for move in fresh.moves}
    evidence = (fresh.session,) if fresh.session is not None else ()
    after = dict(current)
    undone: dict[str, Decision] = {}
    for move in previous:
        if move.step in (Step.HOLD, Step.UNDO) or _key(move) in made:
            continue
        if after.get(move.exercise) != move.new_level:
            continue
        undone[move.exercise] = Decision(
            move.exercise, Step.UNDO, Why.CORRECTED, move.new_level, move.level, evidence
        )
        if move.step is Step.UNLOCK:
            del after[move.exercise]
        else:
            after[move.exercise] = move.level
    return undone, after
