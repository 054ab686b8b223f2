"""Training sessions, pain scores, effort and exercise levels, and what each session's review
did: what the conversations read and write.

Pain scores are never overwritten: a correction is a new row that supersedes the old one, and
everything that reads a score reads the current row (superseded_at NULL)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload, selectinload

from content.catalogue import Catalogue, ProgressionRules
from content.program import PlannedExercise, session_plan, starting_levels
from content.progression import (
    ClinicianReason,
    Decision,
    Effort,
    SessionRecord,
    Standing,
    Step,
    Voice,
    Why,
    morning_session,
    return_steps,
)
from content.states import PainKind, SessionEntry, SessionStatus
from storage.holds import latest_end_query
from storage.models import (
    ExerciseLevel,
    LevelChange,
    PainCheckin,
    SessionExercise,
    SessionLog,
    SessionReview,
    User,
    WeeklyReview,
)
from storage.safety import latest_clearance_query

# Enough done sessions to judge the latest ones against a few earlier mornings.
PROGRESSION_LOOKBACK = 30


# The statements every update's reply reads, built once: building a statement and its cache
# key on every call cost more CPU than running it (BENCHMARKS.md, update handling).
_ON_DAY = (SessionLog.user_id == bindparam("user_id"), SessionLog.local_date == bindparam("day"))
# With its review (one to one): a score's review reads it, at no extra statement.
_SESSION_ON = select(SessionLog).where(*_ON_DAY).options(joinedload(SessionLog.review))
_SESSION_STATUS = select(SessionLog.status).where(*_ON_DAY)
_SUPERSEDE = (
    update(PainCheckin)
    .where(
        PainCheckin.session_id == bindparam("of_session"),
        PainCheckin.kind == bindparam("of_kind"),
        PainCheckin.superseded_at.is_(None),
    )
    .values(superseded_at=bindparam("now"))
    .returning(PainCheckin.id, PainCheckin.score)
    .execution_options(synchronize_session=False)  # no score of the session is loaded whole
)
_SUPERSEDED_BY = (
    update(PainCheckin)
    .where(PainCheckin.id == bindparam("earlier"))
    .values(superseded_by=bindparam("by"))
    .execution_options(synchronize_session=False)
)
_DAY_STANDING = (
    select(SessionLog.status, SessionReview.voice)
    .outerjoin(SessionReview, SessionReview.session_id == SessionLog.id)
    .where(*_ON_DAY)
)
_DAY_SCORES = (
    select(PainCheckin.recorded_at, PainCheckin.score)
    .where(
        PainCheckin.user_id == bindparam("user_id"),
        PainCheckin.kind == PainKind.DAY,
        PainCheckin.recorded_at >= bindparam("since"),
    )
    .order_by(PainCheckin.recorded_at, PainCheckin.id)
)


async def _level_rows(user: User) -> dict[str, ExerciseLevel]:
    """The person's level rows by exercise: loaded once per transaction through the person's
    collection, which the ORM keeps current as rows are added and removed."""
    return {row.exercise: row for row in await user.awaitable_attrs.exercise_levels}


async def levels_of(user: User) -> dict[str, int]:
    """The person's level per exercise slug; exercises not yet unlocked are absent."""
    return {slug: row.level for slug, row in (await _level_rows(user)).items()}


async def ensure_levels(user: User, levels: dict[str, int], now: datetime) -> dict[str, int]:
    """Add the given levels for exercises the user has no level for yet; keep existing ones."""
    rows = await _level_rows(user)
    for slug, level in levels.items():
        if slug not in rows:
            rows[slug] = ExerciseLevel(exercise=slug, level=level, changed_at=now)
            user.exercise_levels.append(rows[slug])
    return {slug: row.level for slug, row in rows.items()}


async def session_on(db: AsyncSession, user_id: int, day: date) -> SessionLog | None:
    """The person's session logged for the local date `day`, or None."""
    return await db.scalar(_SESSION_ON, {"user_id": user_id, "day": day})


async def session_status(db: AsyncSession, user_id: int, day: date) -> SessionStatus | None:
    """How the day's session is logged (None: not at all), without loading its exercises."""
    return await db.scalar(_SESSION_STATUS, {"user_id": user_id, "day": day})


async def log_session(
    db: AsyncSession,
    user_id: int,
    entry: SessionEntry,
    plan: list[PlannedExercise],
    now: datetime,
) -> tuple[SessionLog, bool]:
    """Record the day's session as done or skipped with that plan; returns (log, changed).

    A done session stays done; a skipped one can still be done later the same day.
    """
    day, status = entry.day, entry.status
    log = await session_on(db, user_id, day)
    if log is not None and (log.status == status or log.status == SessionStatus.DONE):
        return log, False
    if log is None:
        log = SessionLog(
            user_id=user_id, local_date=day, status=status, logged_at=now, exercises=[]
        )
        db.add(log)
    log.status, log.logged_at = status, now
    earlier = {row.exercise: row for row in await log.awaitable_attrs.exercises}
    for item in plan:
        row = earlier.pop(item.exercise.slug, None)
        if row is None:
            row = SessionExercise(exercise=item.exercise.slug)
            log.exercises.append(row)
        row.level = item.level_number
        row.done = status == SessionStatus.DONE and item.exercise.slug not in entry.left_out
    for row in earlier.values():
        log.exercises.remove(row)
    await db.flush()
    return log, True


async def record_pain(
    db: AsyncSession,
    user_id: int,
    session_log: SessionLog,
    kind: PainKind,
    score: int,
    now: datetime,
) -> int | None:
    """Store the score for that session and kind as a new row; an earlier score of the same
    session and kind is kept, marked as superseded by it. Returns the score it corrects."""
    # At most one current row per session and kind at every moment: the earlier one is
    # marked first (and read back in the same statement), then the new one goes in.
    earlier = (
        await db.execute(_SUPERSEDE, {"of_session": session_log.id, "of_kind": kind, "now": now})
    ).first()
    checkin = PainCheckin(
        user_id=user_id, session_id=session_log.id, kind=kind, score=score, recorded_at=now
    )
    db.add(checkin)
    await db.flush()
    if earlier is None:
        return None
    await db.execute(_SUPERSEDED_BY, {"earlier": earlier.id, "by": checkin.id})
    return int(earlier.score)


async def morning_owner(db: AsyncSession, user_id: int, morning: date) -> date | None:
    """The done session a score given on the morning of `morning` belongs to: the one the day
    before, even when that day's own session is already logged."""
    days = await done_days_between(db, user_id, morning - timedelta(days=1), morning)
    return morning_session(days, morning)


async def current_plan(catalogue: Catalogue, user: User, now: datetime) -> list[PlannedExercise]:
    """The user's session at their levels; a user without levels gets the starter set."""
    levels = await levels_of(user)
    if not levels:
        levels = await ensure_levels(user, starting_levels(catalogue), now)
    return session_plan(catalogue, levels)


@dataclass(frozen=True)
class EasedBack:
    """A return after a break: the levels it lowered and the last session before the break."""

    moves: tuple[Decision, ...]
    last_session: date


_LAST_DONE = (
    select(SessionLog.local_date, SessionLog.logged_at)
    .where(SessionLog.user_id == bindparam("user_id"), SessionLog.status == SessionStatus.DONE)
    .order_by(SessionLog.local_date.desc())
    .limit(1)
)


async def ease_back_in(
    db: AsyncSession, rules: ProgressionRules, user: User, now: datetime
) -> EasedBack | None:
    """Back after return_gap_days or more without a session: every exercise above its easiest
    level one lower (content.progression.return_steps), once per break. None when there was
    no such break, or it was eased already."""
    last = (await db.execute(_LAST_DONE, {"user_id": user.id})).first()
    if last is None:
        return None
    last_day, logged_at = last
    if user.returned_at is not None and user.returned_at >= logged_at:
        return None
    today = now.astimezone(ZoneInfo(user.timezone)).date()
    if today - last_day < timedelta(days=rules.return_gap_days):
        return None
    # A break to ease: lock the row and look again, so that a turn and the reminder engine
    # (or two replicas) never ease the same break twice.
    await db.flush()
    await db.refresh(user, with_for_update={"key_share": True})
    if user.returned_at is not None and user.returned_at >= logged_at:
        return None
    user.returned_at = now
    moves = return_steps(rules, await levels_of(user), last_day, today)
    await apply_moves(db, user, moves, now)
    return EasedBack(moves, last_day)


@dataclass(frozen=True)
class SessionSummary:
    """A session with its current pain scores and effort, as /history, /progress and the
    chart read it."""

    day: date
    status: SessionStatus
    during: int | None
    morning: int | None
    effort: Effort | None = None
    exercises_done: int = 0  # of the session's exercises, how many were done
    exercises: int = 0  # the exercises the session had

    @property
    def partly_done(self) -> bool:
        """Done, but not every exercise of it ("did hip bump": one of three)."""
        return self.status == SessionStatus.DONE and self.exercises_done < self.exercises


async def sessions_with_pain(
    db: AsyncSession, user_id: int, *, done_only: bool = False, limit: int | None = None
) -> list[SessionSummary]:
    """The user's sessions, newest first, each with its current during and next-morning score."""
    query = select(
        SessionLog.id, SessionLog.local_date, SessionLog.status, SessionLog.effort
    ).where(SessionLog.user_id == user_id)
    if done_only:
        query = query.where(SessionLog.status == SessionStatus.DONE)
    rows = (await db.execute(query.order_by(SessionLog.local_date.desc()).limit(limit))).all()
    ids = [row.id for row in rows]
    scores = await _scores(db, user_id, ids)
    counts = await _exercise_counts(db, ids)
    return [
        SessionSummary(
            row.local_date,
            row.status,
            scores.get((row.id, PainKind.DURING)),
            scores.get((row.id, PainKind.NEXT_MORNING)),
            row.effort,
            *counts.get(row.id, (0, 0)),
        )
        for row in rows
    ]


async def _exercise_counts(db: AsyncSession, session_ids: list[int]) -> dict[int, tuple[int, int]]:
    """session id → (exercises done, exercises) of the given sessions."""
    if not session_ids:
        return {}
    rows = await db.execute(
        select(
            SessionExercise.session_id,
            func.count().filter(SessionExercise.done),
            func.count(),
        )
        .where(SessionExercise.session_id.in_(session_ids))
        .group_by(SessionExercise.session_id)
    )
    return {session_id: (done, every) for session_id, done, every in rows}


async def _scores(
    db: AsyncSession, user_id: int, session_ids: list[int]
) -> dict[tuple[int, PainKind], int]:
    """(session id, kind) → current pain score, for the given sessions."""
    if not session_ids:
        return {}
    checkins = await db.execute(
        select(PainCheckin.session_id, PainCheckin.kind, PainCheckin.score).where(
            PainCheckin.user_id == user_id,
            PainCheckin.session_id.in_(session_ids),
            PainCheckin.superseded_at.is_(None),
        )
    )
    return {(row.session_id, row.kind): row.score for row in checkins}


async def set_effort(db: AsyncSession, session_log: SessionLog, effort: Effort) -> Effort | None:
    """Store the session's effort answer; returns the earlier answer, if any."""
    earlier = session_log.effort
    session_log.effort = effort
    await db.flush()
    return earlier


async def session_history(
    db: AsyncSession, user_id: int, *, upto: date | None = None
) -> list[SessionRecord]:
    """The latest done sessions (up to and including `upto`), oldest first, each with the
    levels it was done at, its current scores and its effort."""
    query = (
        select(SessionLog)
        .options(selectinload(SessionLog.exercises))
        .where(SessionLog.user_id == user_id, SessionLog.status == SessionStatus.DONE)
    )
    if upto is not None:
        query = query.where(SessionLog.local_date <= upto)
    logs = list(
        await db.scalars(query.order_by(SessionLog.local_date.desc()).limit(PROGRESSION_LOOKBACK))
    )
    scores = await _scores(db, user_id, [log.id for log in logs])
    return [
        SessionRecord(
            log.local_date,
            {row.exercise: row.level for row in log.exercises if row.done},
            scores.get((log.id, PainKind.DURING)),
            scores.get((log.id, PainKind.NEXT_MORNING)),
            log.effort,
        )
        for log in reversed(logs)
    ]


@dataclass(frozen=True)
class ProgressionInputs:
    """What the progression rules read about one user: levels, recent done sessions (oldest
    first), the moment each exercise reached its current level (it opened, the program began,
    or its last move), the latest opening (or the program's start), and the latest clearance
    or end of a hold (regressions before it no longer count)."""

    levels: dict[str, int]
    history: list[SessionRecord]
    last_step: dict[str, datetime]
    last_unlock: datetime
    cleared_at: datetime | None


async def progression_inputs(
    db: AsyncSession, user: User, *, upto: date | None = None
) -> ProgressionInputs:
    """The inputs for reviewing the session of `upto` (default: the latest)."""
    rows = list((await _level_rows(user)).values())
    last_opening = (
        select(LevelChange.changed_at)
        .where(LevelChange.user_id == user.id, LevelChange.from_level.is_(None))
        .order_by(LevelChange.id.desc())
        .limit(1)
    )
    # In one statement: the latest opening, the latest clearance, the latest end of a hold.
    opened, cleared, hold_ended = (
        await db.execute(
            select(
                last_opening.scalar_subquery(),
                *_counted_from(user.id),
            )
        )
    ).one()
    return ProgressionInputs(
        levels={row.exercise: row.level for row in rows},
        history=await session_history(db, user.id, upto=upto),
        last_step={row.exercise: row.changed_at for row in rows},
        last_unlock=opened or user.created_at,
        cleared_at=_latest(cleared, hold_ended),
    )


def _counted_from(user_id: int) -> tuple[Any, Any]:
    """The latest clearance and the latest end of a hold, as scalar subqueries."""
    return (
        latest_clearance_query(user_id).scalar_subquery(),
        latest_end_query(user_id).scalar_subquery(),
    )


def _latest(*instants: datetime | None) -> datetime | None:
    return max((at for at in instants if at is not None), default=None)


async def counted_from(db: AsyncSession, user_id: int) -> datetime | None:
    """Since when sessions count towards a clinician review: the latest clearance or end of a
    hold (None: since the start)."""
    cleared, hold_ended = (await db.execute(select(*_counted_from(user_id)))).one()
    return _latest(cleared, hold_ended)


async def logged_by(db: AsyncSession, user_id: int, day: date, instant: datetime) -> bool:
    """A done session of that day was logged by `instant` (e.g. before a clearance)."""
    found = await db.scalar(
        select(SessionLog.id).where(
            SessionLog.user_id == user_id,
            SessionLog.local_date == day,
            SessionLog.status == SessionStatus.DONE,
            SessionLog.logged_at <= instant,
        )
    )
    return found is not None


async def apply_moves(
    db: AsyncSession,
    user: User,
    moves: Iterable[Decision],
    now: datetime,
    clinician_id: int | None = None,
) -> None:
    """Store each level move and its reason: an opening adds the exercise's level row, an
    undone opening or a lock (new level 0) removes it again; every move is logged in
    level_changes, with the clinician who made it (None: the program's rules)."""
    moves = list(moves)
    if not moves:
        return
    rows = await _level_rows(user)
    for move in moves:
        row = rows.pop(move.exercise, None)
        if move.new_level == 0:
            if row is not None:
                user.exercise_levels.remove(row)  # delete-orphan: the row goes
        elif row is None:
            row = ExerciseLevel(exercise=move.exercise, level=move.new_level, changed_at=now)
            user.exercise_levels.append(row)
            rows[move.exercise] = row
        else:
            row.level, row.changed_at = move.new_level, now
            rows[move.exercise] = row
        db.add(
            LevelChange(
                user_id=user.id,
                exercise=move.exercise,
                from_level=None if move.step is Step.UNLOCK else move.level,
                to_level=move.new_level,
                reason=move.why.value,
                changed_at=now,
                clinician_id=clinician_id,
            )
        )
    await db.flush()


_LATER = aliased(LevelChange)
_CLINICIAN_CHANGES = select(
    LevelChange.exercise,
    LevelChange.changed_at,
    LevelChange.to_level,
    LevelChange.id
    == select(func.max(_LATER.id))
    .where(_LATER.user_id == LevelChange.user_id, _LATER.exercise == LevelChange.exercise)
    .scalar_subquery(),
).where(LevelChange.user_id == bindparam("user_id"), LevelChange.clinician_id.is_not(None))


async def clinician_held(db: AsyncSession, user_id: int, since: datetime) -> frozenset[str]:
    """The exercises the automatic rules must not step up or open: changed by a clinician
    since `since`, or locked by one (until a clinician opens them again)."""
    rows = await db.execute(_CLINICIAN_CHANGES, {"user_id": user_id})
    return frozenset(
        exercise
        for exercise, changed_at, to_level, latest in rows
        if changed_at >= since or (latest and to_level == 0)
    )


# --- what each session's review did ------------------------------------------------------


@dataclass(frozen=True)
class StoredReview:
    """A session's review as kept: where the exercises stood before its first review (a
    correction re-runs it from there), the moves it stands by, and its stance."""

    before: Standing
    moves: tuple[Decision, ...]
    voice: Voice
    clinician: ClinicianReason | None


async def stored_review(session_log: SessionLog) -> StoredReview | None:
    """The stored review of this session, or None if it was never reviewed."""
    row = await session_log.awaitable_attrs.review
    if row is None:
        return None
    before = Standing(
        levels=dict(row.levels_before),
        last_step={slug: date.fromisoformat(day) for slug, day in row.steps_before.items()},
        last_unlock=row.last_unlock_before,
    )
    moves = tuple(_decision(move) for move in row.moves)
    return StoredReview(before, moves, Voice(row.voice), _clinician(row.clinician))


async def store_review(
    db: AsyncSession,
    session_log: SessionLog,
    review: StoredReview,
    now: datetime,
    *,
    replace: bool = False,
) -> None:
    """Keep a session's review: the standing before it is written once (by its first review);
    the moves replace the stored ones (the caller passes all the moves it stands by). The
    stance kept is the most serious of the session's reviews (its morning score does not take
    back a stop or a clinician), unless `replace` (a correction re-ran the review)."""
    row = await session_log.awaitable_attrs.review
    voice, clinician = review.voice, review.clinician
    if row is None:
        row = session_log.review = SessionReview(
            user_id=session_log.user_id,
            levels_before=dict(review.before.levels),
            steps_before={slug: day.isoformat() for slug, day in review.before.last_step.items()},
            last_unlock_before=review.before.last_unlock,
        )
    elif not replace and _SERIOUSNESS[Voice(row.voice)] > _SERIOUSNESS[voice]:
        voice, clinician = Voice(row.voice), _clinician(row.clinician)
    row.moves = [_move_data(move) for move in review.moves]
    row.voice = voice.value
    row.clinician = clinician.value if clinician else None
    row.reviewed_at = now
    await db.flush()


async def day_standing(
    db: AsyncSession, user_id: int, day: date
) -> tuple[SessionStatus | None, bool]:
    """How the day's session is logged (None: not at all) and whether it was stopped for
    severe pain (its review's stance), in one statement."""
    row = (await db.execute(_DAY_STANDING, {"user_id": user_id, "day": day})).first()
    if row is None:
        return None, False
    status, voice = row
    return status, voice is not None and Voice(voice) is not Voice.CARRY_ON


_SERIOUSNESS = {Voice.CARRY_ON: 0, Voice.STOP_TODAY: 1, Voice.SEE_CLINICIAN: 2}


def _clinician(value: str | None) -> ClinicianReason | None:
    return ClinicianReason(value) if value else None


def _move_data(move: Decision) -> dict[str, Any]:
    return {
        "exercise": move.exercise,
        "step": move.step.value,
        "why": move.why.value,
        "level": move.level,
        "new_level": move.new_level,
    }


def _decision(data: Mapping[str, Any]) -> Decision:
    return Decision(
        str(data["exercise"]),
        Step(data["step"]),
        Why(data["why"]),
        int(data["level"]),
        int(data["new_level"]),
    )


async def done_days_between(db: AsyncSession, user_id: int, first: date, end: date) -> list[date]:
    """Local dates of done sessions from first up to, not including, end."""
    return list(
        await db.scalars(
            select(SessionLog.local_date).where(
                SessionLog.user_id == user_id,
                SessionLog.status == SessionStatus.DONE,
                SessionLog.local_date >= first,
                SessionLog.local_date < end,
            )
        )
    )


async def store_weekly_tally(
    db: AsyncSession, user_id: int, week_start: date, done: int, planned: int
) -> None:
    """Record the week's sessions done vs planned, replacing an earlier tally of that week."""
    review = await db.get(WeeklyReview, (user_id, week_start))
    if review is None:
        db.add(
            WeeklyReview(
                user_id=user_id,
                week_start=week_start,
                sessions_done=done,
                sessions_planned=planned,
            )
        )
    else:
        review.sessions_done, review.sessions_planned = done, planned


async def weekly_review(db: AsyncSession, user_id: int, week_start: date) -> WeeklyReview | None:
    """The weekly check-in row of the week starting `week_start`, or None."""
    return await db.get(WeeklyReview, (user_id, week_start))


# -- day scores: pain given outside a session ----------------------------------------------------


async def add_day_score(db: AsyncSession, user_id: int, score: int, now: datetime) -> None:
    """Keep a score given outside a session; the latest of a local day is that day's score."""
    db.add(PainCheckin(user_id=user_id, kind=PainKind.DAY, score=score, recorded_at=now))
    await db.flush()


async def day_scores_since(db: AsyncSession, user_id: int, since: datetime) -> list[int]:
    """The day scores given since an instant, oldest first (a flare holds increases)."""
    rows = await db.execute(_DAY_SCORES, {"user_id": user_id, "since": since})
    return [score for _, score in rows]


async def day_scores(
    db: AsyncSession, user_id: int, timezone: str, first: date, end: date
) -> dict[date, int]:
    """Local day → that day's latest day score, from first up to, not including, end."""
    zone = ZoneInfo(timezone)
    since = datetime.combine(first - timedelta(days=1), time(), tzinfo=UTC)
    rows = await db.execute(_DAY_SCORES, {"user_id": user_id, "since": since})
    scores: dict[date, int] = {}
    for recorded_at, score in rows:
        day = recorded_at.astimezone(zone).date()
        if first <= day < end:
            scores[day] = score
    return scores


async def skipped_days(db: AsyncSession, user_id: int) -> list[date]:
    """Every local date the person skipped a session, oldest first."""
    return list(
        await db.scalars(
            select(SessionLog.local_date)
            .where(SessionLog.user_id == user_id, SessionLog.status == SessionStatus.SKIPPED)
            .order_by(SessionLog.local_date)
        )
    )


@dataclass(frozen=True)
class LatestScore:
    """A person's most recent pain score: what a correction in words ("I meant 3") corrects."""

    kind: PainKind
    session_day: date | None  # the day of its session; None for a day score
    score: int


async def latest_score(
    db: AsyncSession, user_id: int, since: datetime, kind: PainKind | None = None
) -> LatestScore | None:
    """The person's latest current score recorded since `since` (of that kind, if given)."""
    query = (
        select(PainCheckin.kind, PainCheckin.score, SessionLog.local_date)
        .outerjoin(SessionLog, SessionLog.id == PainCheckin.session_id)
        .where(
            PainCheckin.user_id == user_id,
            PainCheckin.superseded_at.is_(None),
            PainCheckin.recorded_at >= since,
        )
        .order_by(PainCheckin.recorded_at.desc(), PainCheckin.id.desc())
        .limit(1)
    )
    if kind is not None:
        query = query.where(PainCheckin.kind == kind)
    row = (await db.execute(query)).first()
    return None if row is None else LatestScore(row.kind, row.local_date, row.score)


async def level_changes_since(db: AsyncSession, user_id: int, since: datetime) -> int:
    """How many level changes (steps, openings, undone moves) the person had since `since`."""
    count = await db.scalar(
        select(func.count())
        .select_from(LevelChange)
        .where(LevelChange.user_id == user_id, LevelChange.changed_at >= since)
    )
    return count or 0
