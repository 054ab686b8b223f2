"""Every query the handlers need, so SQL lives in one place and handlers stay thin."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import ExerciseLevel, PainCheckin, SessionExercise, SessionLog, User
from content.catalogue import Catalogue, Program
from content.program import PlannedExercise, session_plan, starting_levels


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
