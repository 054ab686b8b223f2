"""What /report reads beyond /progress: skipped days, the weekly check-ins' barriers, level
changes, each exercise's level with when it last changed, and the red-flag answers and
clinician clearances of the period."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from content.states import SessionStatus
from storage.models import (
    Clearance,
    ExerciseLevel,
    LevelChange,
    PainCheckin,
    RedFlagAnswer,
    SessionLog,
    WeeklyReview,
)


async def has_logged_anything(db: AsyncSession, user_id: int) -> bool:
    """Whether the person has logged any session (done or skipped) or any pain score."""
    sessions = await db.scalar(
        select(func.count()).select_from(SessionLog).where(SessionLog.user_id == user_id)
    )
    scores = await db.scalar(
        select(func.count()).select_from(PainCheckin).where(PainCheckin.user_id == user_id)
    )
    return bool(sessions or scores)


async def skipped_days(db: AsyncSession, user_id: int, first: date, end: date) -> list[date]:
    """Local dates of skipped sessions from first up to, not including, end."""
    return list(
        await db.scalars(
            select(SessionLog.local_date)
            .where(
                SessionLog.user_id == user_id,
                SessionLog.status == SessionStatus.SKIPPED,
                SessionLog.local_date >= first,
                SessionLog.local_date < end,
            )
            .order_by(SessionLog.local_date)
        )
    )


async def barriers(db: AsyncSession, user_id: int, first: date) -> list[tuple[date, str]]:
    """(week start, barrier key) of the weekly check-ins answered with a barrier."""
    rows = await db.execute(
        select(WeeklyReview.week_start, WeeklyReview.barrier)
        .where(
            WeeklyReview.user_id == user_id,
            WeeklyReview.week_start >= first,
            WeeklyReview.barrier.is_not(None),
        )
        .order_by(WeeklyReview.week_start)
    )
    return [(row.week_start, str(row.barrier)) for row in rows]


async def level_changes_since(
    db: AsyncSession, user_id: int, since: datetime
) -> list[LevelChange]:
    """The person's level changes since `since`, in the order they happened."""
    return list(
        await db.scalars(
            select(LevelChange)
            .where(LevelChange.user_id == user_id, LevelChange.changed_at >= since)
            .order_by(LevelChange.changed_at, LevelChange.id)
        )
    )


async def exercise_levels(db: AsyncSession, user_id: int) -> list[ExerciseLevel]:
    """The person's current level of each exercise they have one for."""
    return list(await db.scalars(select(ExerciseLevel).where(ExerciseLevel.user_id == user_id)))


async def red_flag_answers_since(
    db: AsyncSession, user_id: int, since: datetime
) -> list[RedFlagAnswer]:
    """Every answer on the red-flag screen since `since` (flags and "None of these"), oldest
    first."""
    return list(
        await db.scalars(
            select(RedFlagAnswer)
            .where(RedFlagAnswer.user_id == user_id, RedFlagAnswer.answered_at >= since)
            .order_by(RedFlagAnswer.answered_at, RedFlagAnswer.id)
        )
    )


async def clearances_since(db: AsyncSession, user_id: int, since: datetime) -> list[Clearance]:
    """The clinician clearances given since `since`, oldest first."""
    return list(
        await db.scalars(
            select(Clearance)
            .where(Clearance.user_id == user_id, Clearance.cleared_at >= since)
            .order_by(Clearance.cleared_at, Clearance.id)
        )
    )
