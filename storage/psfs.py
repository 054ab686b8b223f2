"""The Patient-Specific Functional Scale's rows: the person's activities and their ratings,
a round being the ratings of one local day."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import PsfsActivity, PsfsRating


@dataclass(frozen=True)
class Activity:
    """One of the person's activities."""

    id: int
    position: int
    name: str


@dataclass(frozen=True)
class Round:
    """The ratings of one day, by activity id."""

    day: date
    scores: dict[int, int]


async def activities(db: AsyncSession, user_id: int) -> list[Activity]:
    """The person's activities, in the order they named them."""
    rows = await db.execute(
        select(PsfsActivity.id, PsfsActivity.position, PsfsActivity.name)
        .where(PsfsActivity.user_id == user_id)
        .order_by(PsfsActivity.position)
    )
    return [Activity(*row) for row in rows]


async def add_activity(
    db: AsyncSession, user_id: int, position: int, name: str, now: datetime
) -> None:
    """Another activity, at the next position."""
    db.add(PsfsActivity(user_id=user_id, position=position, name=name, added_at=now))
    await db.flush()


async def rate(
    db: AsyncSession, user_id: int, activity_id: int, day: date, score: int, now: datetime
) -> None:
    """The rating of one activity in the round of that day; a second one that day replaces it."""
    row = await db.scalar(
        select(PsfsRating).where(
            PsfsRating.activity_id == activity_id, PsfsRating.round_day == day
        )
    )
    if row is None:
        db.add(
            PsfsRating(
                user_id=user_id,
                activity_id=activity_id,
                round_day=day,
                score=score,
                recorded_at=now,
            )
        )
    else:
        row.score, row.recorded_at = score, now
    await db.flush()


async def last_round_day(db: AsyncSession, user_id: int) -> date | None:
    """The day of the person's latest rating, if any."""
    return await db.scalar(
        select(func.max(PsfsRating.round_day)).where(PsfsRating.user_id == user_id)
    )


async def rounds(db: AsyncSession, user_id: int) -> list[Round]:
    """Every round of the person's, oldest first."""
    rows = await db.execute(
        select(PsfsRating.round_day, PsfsRating.activity_id, PsfsRating.score)
        .where(PsfsRating.user_id == user_id)
        .order_by(PsfsRating.round_day)
    )
    by_day: dict[date, dict[int, int]] = defaultdict(dict)
    for day, activity_id, score in rows:
        by_day[day][activity_id] = score
    return [Round(day, scores) for day, scores in by_day.items()]
