"""Every query the handlers need, so SQL lives in one place and handlers stay thin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    ExerciseLevel,
    LevelChange,
    PainCheckin,
    Push,
    SessionExercise,
    SessionLog,
    User,
    WeeklyReview,
)
from content.catalogue import Catalogue, Program
from content.program import PlannedExercise, session_plan, starting_levels
from content.progression import Progression, Review, SessionRecord, Step
from scheduler.slots import local_day

# Enough done sessions to judge the latest ones against a few earlier mornings.
PROGRESSION_LOOKBACK = 30


async def get_or_create_user(
    session: AsyncSession,
    user_id: int,
    chat_id: int,
    first_name: str,
    program: Program,
    now: datetime,
) -> User:
    user = await session.get(User, user_id)
    if user is None:
        user = User(
            id=user_id,
            chat_id=chat_id,
            first_name=first_name[:64],
            timezone="UTC",
            training_days=",".join(str(day) for day in program.default_weekdays),
            reminder_time=program.default_reminder_time,
            onboarding_step="disclaimer",
            paused=False,
            reachable=True,
            created_at=now,
        )
        session.add(user)
        await session.flush()
    else:
        user.chat_id = chat_id
        user.reachable = True
    return user


async def levels_of(session: AsyncSession, user_id: int) -> dict[str, int]:
    rows = await session.scalars(select(ExerciseLevel).where(ExerciseLevel.user_id == user_id))
    return {row.exercise: row.level for row in rows}


async def ensure_levels(
    session: AsyncSession, user_id: int, levels: dict[str, int], now: datetime
) -> dict[str, int]:
    """Add the given levels for exercises the user has no level for yet; keep existing ones."""
    current = await levels_of(session, user_id)
    for slug, level in levels.items():
        if slug not in current:
            session.add(ExerciseLevel(user_id=user_id, exercise=slug, level=level, changed_at=now))
            current[slug] = level
    return current


async def session_on(session: AsyncSession, user_id: int, day: date) -> SessionLog | None:
    return await session.scalar(
        select(SessionLog).where(SessionLog.user_id == user_id, SessionLog.local_date == day)
    )


async def log_session(
    session: AsyncSession,
    user_id: int,
    day: date,
    status: str,
    plan: list[PlannedExercise],
    now: datetime,
) -> tuple[SessionLog, bool]:
    """Record the day's session as done or skipped; returns (log, changed).

    A done session stays done; a skipped one can still be done later the same day.
    """
    log = await session_on(session, user_id, day)
    if log is not None and (log.status == status or log.status == "done"):
        return log, False
    if log is None:
        log = SessionLog(user_id=user_id, local_date=day, status=status, logged_at=now)
        session.add(log)
    log.status, log.logged_at = status, now
    earlier = {row.exercise: row for row in log.exercises}
    for item in plan:
        row = earlier.pop(item.exercise.slug, None)
        if row is None:
            row = SessionExercise(exercise=item.exercise.slug)
            log.exercises.append(row)
        row.level, row.done = item.level_number, status == "done"
    for row in earlier.values():
        log.exercises.remove(row)
    await session.flush()
    return log, True


async def record_pain(
    session: AsyncSession,
    user_id: int,
    session_log: SessionLog,
    kind: str,
    score: int,
    now: datetime,
) -> bool:
    """Store the score for that session and kind; returns True if it replaced an earlier one."""
    checkin = await session.scalar(
        select(PainCheckin).where(
            PainCheckin.session_id == session_log.id, PainCheckin.kind == kind
        )
    )
    if checkin is None:
        session.add(
            PainCheckin(
                user_id=user_id, session_id=session_log.id, kind=kind, score=score, recorded_at=now
            )
        )
        return False
    checkin.score, checkin.recorded_at = score, now
    return True


async def current_plan(
    session: AsyncSession, catalogue: Catalogue, user_id: int, now: datetime
) -> list[PlannedExercise]:
    """The user's session at their levels; a user without levels gets the starter set."""
    levels = await levels_of(session, user_id)
    if not levels:
        levels = await ensure_levels(session, user_id, starting_levels(catalogue), now)
    return session_plan(catalogue, levels)


@dataclass(frozen=True)
class SessionSummary:
    """A session with its two pain scores, as /history, /progress and the chart read it."""

    day: date
    status: str
    during: int | None
    morning: int | None


async def sessions_with_pain(
    session: AsyncSession, user_id: int, *, done_only: bool = False, limit: int | None = None
) -> list[SessionSummary]:
    """The user's sessions, newest first, each with its during and next-morning score."""
    query = select(SessionLog.id, SessionLog.local_date, SessionLog.status).where(
        SessionLog.user_id == user_id
    )
    if done_only:
        query = query.where(SessionLog.status == "done")
    rows = (await session.execute(query.order_by(SessionLog.local_date.desc()).limit(limit))).all()
    scores = await _scores(session, user_id, [row.id for row in rows])
    return [
        SessionSummary(
            row.local_date,
            row.status,
            scores.get((row.id, "during")),
            scores.get((row.id, "next_morning")),
        )
        for row in rows
    ]


async def _scores(
    session: AsyncSession, user_id: int, session_ids: list[int]
) -> dict[tuple[int, str], int]:
    """(session id, kind) → pain score, for the given sessions."""
    if not session_ids:
        return {}
    checkins = await session.execute(
        select(PainCheckin.session_id, PainCheckin.kind, PainCheckin.score).where(
            PainCheckin.user_id == user_id, PainCheckin.session_id.in_(session_ids)
        )
    )
    return {(row.session_id, row.kind): row.score for row in checkins}


async def review_progress(
    session: AsyncSession, catalogue: Catalogue, user: User, now: datetime
) -> Review:
    """Apply the progression rules to the user's latest sessions and store what moved."""
    level_rows = {
        row.exercise: row
        for row in await session.scalars(
            select(ExerciseLevel).where(ExerciseLevel.user_id == user.id)
        )
    }
    logs = list(
        await session.scalars(
            select(SessionLog)
            .where(SessionLog.user_id == user.id, SessionLog.status == "done")
            .order_by(SessionLog.local_date.desc())
            .limit(PROGRESSION_LOOKBACK)
        )
    )
    scores = await _scores(session, user.id, [log.id for log in logs])
    history = [
        SessionRecord(
            log.local_date,
            {row.exercise: row.level for row in log.exercises if row.done},
            scores.get((log.id, "during")),
            scores.get((log.id, "next_morning")),
        )
        for log in reversed(logs)
    ]
    last_step: dict[str, date] = {}
    last_unlock: date | None = None
    for change in await session.scalars(
        select(LevelChange).where(LevelChange.user_id == user.id).order_by(LevelChange.id)
    ):
        day = local_day(change.changed_at, user.timezone)
        if change.from_level is None:
            last_unlock = day
        else:
            last_step[change.exercise] = day
    today = local_day(now, user.timezone)
    levels = {slug: row.level for slug, row in level_rows.items()}
    review = Progression(catalogue).review(levels, history, last_step, last_unlock, today)
    for move in review.moves:
        if move.step is Step.UNLOCK:
            session.add(
                ExerciseLevel(
                    user_id=user.id, exercise=move.exercise, level=move.new_level, changed_at=now
                )
            )
        else:
            row = level_rows[move.exercise]
            row.level, row.changed_at = move.new_level, now
        session.add(
            LevelChange(
                user_id=user.id,
                exercise=move.exercise,
                from_level=None if move.step is Step.UNLOCK else move.level,
                to_level=move.new_level,
                reason=move.why.value,
                changed_at=now,
            )
        )
    return review


# Every table that holds a user's rows, children first (the order deletion needs).
USER_TABLES: tuple[Any, ...] = (
    Push,
    WeeklyReview,
    LevelChange,
    ExerciseLevel,
    PainCheckin,
    SessionExercise,
    SessionLog,
    User,
)


@dataclass(frozen=True)
class UserRows:
    """Every stored row of one user, for /export."""

    user: User
    sessions: list[SessionLog]
    session_exercises: list[SessionExercise]
    pain: list[PainCheckin]
    levels: list[ExerciseLevel]
    level_changes: list[LevelChange]
    weekly_reviews: list[WeeklyReview]
    pushes: list[Push]


async def rows_of_user(session: AsyncSession, user: User) -> UserRows:
    async def all_of(table: Any, *order: Any) -> list[Any]:
        return list(
            await session.scalars(select(table).where(table.user_id == user.id).order_by(*order))
        )

    sessions = await all_of(SessionLog, SessionLog.local_date)
    return UserRows(
        user=user,
        sessions=sessions,
        session_exercises=[row for log in sessions for row in log.exercises],
        pain=await all_of(PainCheckin, PainCheckin.recorded_at, PainCheckin.id),
        levels=await all_of(ExerciseLevel, ExerciseLevel.exercise),
        level_changes=await all_of(LevelChange, LevelChange.id),
        weekly_reviews=await all_of(WeeklyReview, WeeklyReview.week_start),
        pushes=await all_of(Push, Push.due_at, Push.id),
    )


async def delete_user(session: AsyncSession, user: User) -> None:
    """Erase every row of the user in every table, explicitly rather than by cascade, so the
    result does not depend on the database enforcing foreign keys."""
    session_ids = select(SessionLog.id).where(SessionLog.user_id == user.id)
    for table in USER_TABLES:
        if table is SessionExercise:
            condition = SessionExercise.session_id.in_(session_ids)
        elif table is User:
            condition = User.id == user.id
        else:
            condition = table.user_id == user.id
        await session.execute(delete(table).where(condition))
    session.expunge(user)
