"""Training sessions, pain scores and exercise levels: what the conversations read and write."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from content.catalogue import Catalogue
from content.program import PlannedExercise, session_plan, starting_levels
from content.progression import Decision, SessionRecord, Step
from storage.models import (
    ExerciseLevel,
    LevelChange,
    PainCheckin,
    SessionExercise,
    SessionLog,
    User,
    WeeklyReview,
)
from storage.states import PainKind, SessionStatus

# Enough done sessions to judge the latest ones against a few earlier mornings.
PROGRESSION_LOOKBACK = 30


async def levels_of(db: AsyncSession, user_id: int) -> dict[str, int]:
    rows = await db.scalars(select(ExerciseLevel).where(ExerciseLevel.user_id == user_id))
    return {row.exercise: row.level for row in rows}


async def ensure_levels(
    db: AsyncSession, user_id: int, levels: dict[str, int], now: datetime
) -> dict[str, int]:
    """Add the given levels for exercises the user has no level for yet; keep existing ones."""
    current = await levels_of(db, user_id)
    for slug, level in levels.items():
        if slug not in current:
            db.add(ExerciseLevel(user_id=user_id, exercise=slug, level=level, changed_at=now))
            current[slug] = level
    return current


async def session_on(db: AsyncSession, user_id: int, day: date) -> SessionLog | None:
    return await db.scalar(
        select(SessionLog).where(SessionLog.user_id == user_id, SessionLog.local_date == day)
    )


async def log_session(
    db: AsyncSession,
    user_id: int,
    day: date,
    status: SessionStatus,
    plan: list[PlannedExercise],
    now: datetime,
    left_out: frozenset[str] = frozenset(),
) -> tuple[SessionLog, bool]:
    """Record the day's session as done or skipped; returns (log, changed). Exercises in
    left_out were not done in a done session ("skipped the lunges").

    A done session stays done; a skipped one can still be done later the same day.
    """
    log = await session_on(db, user_id, day)
    if log is not None and (log.status == status or log.status == SessionStatus.DONE):
        return log, False
    if log is None:
        log = SessionLog(user_id=user_id, local_date=day, status=status, logged_at=now)
        db.add(log)
    log.status, log.logged_at = status, now
    earlier = {row.exercise: row for row in log.exercises}
    for item in plan:
        row = earlier.pop(item.exercise.slug, None)
        if row is None:
            row = SessionExercise(exercise=item.exercise.slug)
            log.exercises.append(row)
        row.level = item.level_number
        row.done = status == SessionStatus.DONE and item.exercise.slug not in left_out
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
) -> bool:
    """Store the score for that session and kind; returns True if it replaced an earlier one."""
    checkin = await db.scalar(
        select(PainCheckin).where(
            PainCheckin.session_id == session_log.id, PainCheckin.kind == kind
        )
    )
    if checkin is None:
        db.add(
            PainCheckin(
                user_id=user_id, session_id=session_log.id, kind=kind, score=score, recorded_at=now
            )
        )
        return False
    checkin.score, checkin.recorded_at = score, now
    return True


async def current_plan(
    db: AsyncSession, catalogue: Catalogue, user_id: int, now: datetime
) -> list[PlannedExercise]:
    """The user's session at their levels; a user without levels gets the starter set."""
    levels = await levels_of(db, user_id)
    if not levels:
        levels = await ensure_levels(db, user_id, starting_levels(catalogue), now)
    return session_plan(catalogue, levels)


@dataclass(frozen=True)
class SessionSummary:
    """A session with its two pain scores, as /history, /progress and the chart read it."""

    day: date
    status: SessionStatus
    during: int | None
    morning: int | None


async def sessions_with_pain(
    db: AsyncSession, user_id: int, *, done_only: bool = False, limit: int | None = None
) -> list[SessionSummary]:
    """The user's sessions, newest first, each with its during and next-morning score."""
    query = select(SessionLog.id, SessionLog.local_date, SessionLog.status).where(
        SessionLog.user_id == user_id
    )
    if done_only:
        query = query.where(SessionLog.status == SessionStatus.DONE)
    rows = (await db.execute(query.order_by(SessionLog.local_date.desc()).limit(limit))).all()
    scores = await _scores(db, user_id, [row.id for row in rows])
    return [
        SessionSummary(
            row.local_date,
            row.status,
            scores.get((row.id, PainKind.DURING)),
            scores.get((row.id, PainKind.NEXT_MORNING)),
        )
        for row in rows
    ]


async def _scores(
    db: AsyncSession, user_id: int, session_ids: list[int]
) -> dict[tuple[int, PainKind], int]:
    """(session id, kind) → pain score, for the given sessions."""
    if not session_ids:
        return {}
    checkins = await db.execute(
        select(PainCheckin.session_id, PainCheckin.kind, PainCheckin.score).where(
            PainCheckin.user_id == user_id, PainCheckin.session_id.in_(session_ids)
        )
    )
    return {(row.session_id, row.kind): row.score for row in checkins}


@dataclass(frozen=True)
class ProgressionInputs:
    """What the progression rules read about one user: levels, recent done sessions (oldest
    first), and when each exercise last moved and when one last opened."""

    levels: dict[str, int]
    history: list[SessionRecord]
    last_step: dict[str, datetime]
    last_unlock: datetime | None


async def progression_inputs(db: AsyncSession, user: User) -> ProgressionInputs:
    levels = await levels_of(db, user.id)
    logs = list(
        await db.scalars(
            select(SessionLog)
            .where(SessionLog.user_id == user.id, SessionLog.status == SessionStatus.DONE)
            .order_by(SessionLog.local_date.desc())
            .limit(PROGRESSION_LOOKBACK)
        )
    )
    scores = await _scores(db, user.id, [log.id for log in logs])
    history = [
        SessionRecord(
            log.local_date,
            {row.exercise: row.level for row in log.exercises if row.done},
            scores.get((log.id, PainKind.DURING)),
            scores.get((log.id, PainKind.NEXT_MORNING)),
        )
        for log in reversed(logs)
    ]
    last_step: dict[str, datetime] = {}
    last_unlock: datetime | None = None
    for change in await db.scalars(
        select(LevelChange).where(LevelChange.user_id == user.id).order_by(LevelChange.id)
    ):
        if change.from_level is None:
            last_unlock = change.changed_at
        else:
            last_step[change.exercise] = change.changed_at
    return ProgressionInputs(levels, history, last_step, last_unlock)


async def apply_moves(
    db: AsyncSession, user_id: int, moves: Iterable[Decision], now: datetime
) -> None:
    """Store each level move and its reason; an opening adds the exercise's level row."""
    rows = {
        row.exercise: row
        for row in await db.scalars(select(ExerciseLevel).where(ExerciseLevel.user_id == user_id))
    }
    for move in moves:
        if move.step is Step.UNLOCK:
            db.add(
                ExerciseLevel(
                    user_id=user_id, exercise=move.exercise, level=move.new_level, changed_at=now
                )
            )
        else:
            row = rows[move.exercise]
            row.level, row.changed_at = move.new_level, now
        db.add(
            LevelChange(
                user_id=user_id,
                exercise=move.exercise,
                from_level=None if move.step is Step.UNLOCK else move.level,
                to_level=move.new_level,
                reason=move.why.value,
                changed_at=now,
            )
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
    return await db.get(WeeklyReview, (user_id, week_start))


# -- day scores: pain given outside a session ----------------------------------------------------


async def add_day_score(db: AsyncSession, user_id: int, score: int, now: datetime) -> None:
    """Keep a score given outside a session; the latest of a local day is that day's score."""
    db.add(PainCheckin(user_id=user_id, kind=PainKind.DAY, score=score, recorded_at=now))
    await db.flush()


async def day_scores(
    db: AsyncSession, user_id: int, timezone: str, first: date, end: date
) -> dict[date, int]:
    """Local day → that day's latest day score, from first up to, not including, end."""
    zone = ZoneInfo(timezone)
    since = datetime.combine(first - timedelta(days=1), time(), tzinfo=UTC)
    rows = await db.execute(
        select(PainCheckin.recorded_at, PainCheckin.score)
        .where(
            PainCheckin.user_id == user_id,
            PainCheckin.kind == PainKind.DAY,
            PainCheckin.recorded_at >= since,
        )
        .order_by(PainCheckin.recorded_at, PainCheckin.id)
    )
    scores: dict[date, int] = {}
    for recorded_at, score in rows:
        day = recorded_at.astimezone(zone).date()
        if first <= day < end:
            scores[day] = score
    return scores


async def skipped_days(db: AsyncSession, user_id: int) -> list[date]:
    return list(
        await db.scalars(
            select(SessionLog.local_date)
            .where(SessionLog.user_id == user_id, SessionLog.status == SessionStatus.SKIPPED)
            .order_by(SessionLog.local_date)
        )
    )
