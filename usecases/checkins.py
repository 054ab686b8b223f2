"""Record a pain score or an effort answer for a session and re-judge the exercise levels.

A score is reviewed against its own session (a late morning score judges the session before
that morning, not the latest one). A corrected score, or a changed effort answer, re-runs that
session's review from the state before its first review (content.progression.revise): moves
the new answer no longer supports are undone, moves it now calls for are made.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from content.catalogue import Catalogue
from content.progression import (
    ClinicianReason,
    Decision,
    Effort,
    Moment,
    Progression,
    Review,
    Standing,
    Step,
    Track,
    Voice,
)
from content.states import HoldEnd, HoldKind, PainKind, SessionStatus
from scheduler.slots import local_day
from storage import holds, training
from storage.models import SessionLog, User
from storage.training import ProgressionInputs, StoredReview
from usecases import safety
from usecases.training import Session, restart_pushes


class Then(Enum):
    """What follows the reply to a score, in this order when several apply."""

    REVIEW_ADVICE = "review_advice"  # see a clinician: the review hold this score started
    HOLD_NOTICE = "hold_notice"  # the program was held already: say so again
    RED_FLAG_SCREEN = "red_flag_screen"  # severe pain or a morning above 7
    EFFORT_QUESTION = "effort_question"  # the optional "How hard was it?"


@dataclass(frozen=True)
class ScoreOutcome:
    """What a pain score did and what the reply must say, for the conversation to render in
    its words: one stance (carry on, stop for today, or see a clinician), never cheering next
    to a stop, a step down or a clinician."""

    kind: PainKind
    score: int
    corrected: int | None  # the score this one corrects (kept, superseded), if any
    review: Review  # the verdict on that session; its voice is the reply's one stance
    # Applied and stored now: the review's moves, or for a correction what it undid (UNDO)
    # and what it now calls for.
    changes: tuple[Decision, ...]
    ask_effort: bool  # offer the optional "How hard was it?" question
    held: bool = False  # the review called for a clinician and the program is held now
    lifted: bool = False  # a correction took away the reason for the review hold
    at_easiest: bool = False  # the session's exercises are all at their easiest level now
    on_hold: bool = False  # the program is held (by this score or before it)

    @property
    def carries_on(self) -> bool:
        """The reply carries on: it says what the score means, nothing stops or holds."""
        return self.review.voice is Voice.CARRY_ON and not self.on_hold

    @property
    def moved_down(self) -> bool:
        """An exercise went down a level."""
        return any(change.step is Step.DOWN for change in self.changes)

    @property
    def praises(self) -> bool:
        """A session logged in the same message may be praised: it carries on, was not
        severe, and moved nothing down."""
        return self.carries_on and not self.review.severe and not self.moved_down

    @property
    def then(self) -> tuple[Then, ...]:
        """What follows the reply."""
        follow: list[Then] = []
        if self.held:
            follow.append(Then.REVIEW_ADVICE)
        elif self.on_hold:
            follow.append(Then.HOLD_NOTICE)
        if self.review.red_flag_screen:
            follow.append(Then.RED_FLAG_SCREEN)
        if self.ask_effort:
            follow.append(Then.EFFORT_QUESTION)
        return tuple(follow)

    @property
    def session_day(self) -> date:
        """The day of the session the score was about."""
        assert self.review.session is not None, "a recorded score always has its session"
        return self.review.session.day


@dataclass(frozen=True)
class EffortOutcome:
    """What an effort answer did: the answer and the level changes it caused."""

    effort: Effort
    changes: tuple[Decision, ...]  # what the answer changed in the session's review


@dataclass(frozen=True)
class SessionScore:
    """A pain score given for a session: during it or the next morning, for the session of
    `day`."""

    kind: PainKind
    day: date
    score: int


async def record_score(
    db: AsyncSession,
    catalogue: Catalogue,
    user: User,
    given: SessionScore,
    now: datetime,
    session: Session | None = None,
) -> ScoreOutcome | None:
    """Store the score against that day's done session and review that session; None when
    there is no such session. session: that day's session, when the caller just logged it."""
    session_log = session or await _done_session(db, user, given.day)
    if session_log is None or session_log.status != SessionStatus.DONE:
        return None
    corrected = await training.record_pain(db, user.id, session_log, given.kind, given.score, now)
    news = News(given.kind, changed=corrected is not None)
    review, changes = await review_session(db, catalogue, user, session_log, now, news)
    held = review.clinician is not None and await safety.start_review(
        db, catalogue, user, review.clinician, review.clinician_evidence, now
    )
    lifted = corrected is not None and review.clinician is None
    lifted = lifted and await _lift_review(db, catalogue, user, session_log.local_date, now)
    ask_effort = (
        given.kind is PainKind.DURING
        and corrected is None
        and review.voice is Voice.CARRY_ON
        and not review.severe
        and not user.on_hold
    )
    levels = await training.levels_of(user)
    at_easiest = all(levels.get(slug, 1) <= 1 for slug in review.exercises)
    return ScoreOutcome(
        given.kind,
        given.score,
        corrected,
        review,
        changes,
        ask_effort,
        held,
        lifted,
        at_easiest,
        user.on_hold,
    )


async def _lift_review(
    db: AsyncSession, catalogue: Catalogue, user: User, day: date, now: datetime
) -> bool:
    """A corrected score of a session behind an open review hold: when the scores as they are
    now no longer call for that review, the hold ends."""
    if not user.on_hold:  # no hold open (users.held_since mirrors them): nothing to read
        return False
    rules = Progression(catalogue)
    for hold in await holds.open_holds(db, user.id):
        behind = sorted(holds.scores_from(item).day for item in hold.evidence)
        if hold.kind is not HoldKind.REVIEW or day not in behind:
            continue
        history = await training.session_history(db, user.id, upto=behind[-1])
        if hold.reason == ClinicianReason.MORNINGS_HIGH.value:
            still = rules.mornings_need_review(history)
        else:
            since = await training.counted_from(db, user.id)
            cleared_on = await _counts_from_day(db, user, since)
            still = rules.clinician_reason(history, behind[-1], cleared_on) is not None
        if still:
            return False
        await holds.end_holds(db, user, HoldEnd.CORRECTED, now, [HoldKind.REVIEW])
        if not user.on_hold:
            weekly = catalogue.program.reminders.weekly_checkin_after_hours
            await restart_pushes(db, user, now, timedelta(hours=weekly))
        return True
    return False


async def _counts_from_day(db: AsyncSession, user: User, since: datetime | None) -> date | None:
    """The first day whose session counts towards "in a row" after a clearance (or a hold's
    end) at `since`: that day itself, unless its session was logged before it."""
    if since is None:
        return None
    day = local_day(since, user.timezone)
    if await training.logged_by(db, user.id, day, since):
        day += timedelta(days=1)
    return day


async def record_morning(
    db: AsyncSession, catalogue: Catalogue, user: User, morning: date, score: int, now: datetime
) -> ScoreOutcome | None:
    """A score given on the morning of `morning` without naming its session: it belongs to the
    session the day before (content.progression.morning_session); None if there was none."""
    owner = await training.morning_owner(db, user.id, morning)
    if owner is None:
        return None
    given = SessionScore(PainKind.NEXT_MORNING, owner, score)
    return await record_score(db, catalogue, user, given, now)


async def record_effort(
    db: AsyncSession, catalogue: Catalogue, user: User, day: date, effort: Effort, now: datetime
) -> EffortOutcome | None:
    """Store the optional effort answer; a changed answer for a session already reviewed
    re-runs its review ("hard" holds its up-steps). None when there is no done session."""
    session_log = await _done_session(db, user, day)
    if session_log is None:
        return None
    earlier = await training.set_effort(db, session_log, effort)
    changes: tuple[Decision, ...] = ()
    if earlier is not effort and await training.stored_review(session_log) is not None:
        news = News(arrived=None, changed=True)
        _, changes = await review_session(db, catalogue, user, session_log, now, news)
    return EffortOutcome(effort, changes)


@dataclass(frozen=True)
class News:
    """What just came in about a session, and so how its review runs: the score that arrived
    (None: an effort answer), and whether it changed an earlier answer (then the session's
    earlier review is revised, not added to)."""

    arrived: PainKind | None
    changed: bool = False


async def review_session(
    db: AsyncSession,
    catalogue: Catalogue,
    user: User,
    session_log: SessionLog,
    now: datetime,
    news: News,
) -> tuple[Review, tuple[Decision, ...]]:
    """Review one session with the progression rules, apply and store what moved, and keep
    the review so that a later correction can re-run it."""
    rules = Progression(catalogue)
    inputs = await training.progression_inputs(db, user, upto=session_log.local_date)
    held_since = now - timedelta(days=catalogue.program.care.edit_holds_step_up_days)
    held = await training.clinician_held(db, user.id, held_since)
    standing = _standing(inputs, user.timezone, held)
    track = Track(inputs.history, await _counts_from_day(db, user, inputs.cleared_at))
    flare = await _flare(db, catalogue, user, now)
    moment = Moment(local_day(now, user.timezone), session_log.local_date, news.arrived, flare)
    stored = await training.stored_review(session_log)
    revised = stored is not None and news.changed
    if stored is not None and revised:
        before = replace(stored.before, clinician_held=held)
        revision = rules.revise(stored.moves, inputs.levels, before, track, moment)
        review, changes, kept = revision.review, revision.changes, revision.review.moves
    else:
        review = rules.review(standing, track, moment)
        changes = review.moves
        kept = (*(stored.moves if stored else ()), *review.moves)
    await training.apply_moves(db, user, changes, now)
    keep = StoredReview(standing, kept, review.voice, review.clinician)
    await training.store_review(db, session_log, keep, now, replace=revised)
    return review, changes


def _standing(inputs: ProgressionInputs, timezone: str, held: frozenset[str]) -> Standing:
    """The stored instants as the person's days (the rules count days, not hours), and the
    exercises a clinician's change holds back."""
    return Standing(
        inputs.levels,
        {slug: local_day(instant, timezone) for slug, instant in inputs.last_step.items()},
        local_day(inputs.last_unlock, timezone),
        held,
    )


async def _flare(db: AsyncSession, catalogue: Catalogue, user: User, now: datetime) -> bool:
    """A day score above the acceptable band within flare_hours: no increase now."""
    program = catalogue.program
    since = now - timedelta(hours=program.progression.flare_hours)
    recent = await training.day_scores_since(db, user.id, since)
    return any(score > program.pain.acceptable_max for score in recent)


async def _done_session(db: AsyncSession, user: User, day: date) -> SessionLog | None:
    session_log = await training.session_on(db, user.id, day)
    if session_log is None or session_log.status != SessionStatus.DONE:
        return None
    return session_log


async def latest_score(
    db: AsyncSession, user: User, since: datetime, kind: PainKind | None
) -> training.LatestScore | None:
    """The person's latest current score since an instant (of one kind, or any): what a
    correction in words ("sorry, it was 3 not 4") corrects."""
    return await training.latest_score(db, user.id, since, kind)
