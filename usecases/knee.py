"""The knee outside a session: a score for the day, whether the last days were sore, and the
knee giving way (kept with the answer to whether it followed an injury)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from content.catalogue import Catalogue
from content.program import sore_days_in_a_row
from content.states import GaveWayAnswer, KneeEventKind
from storage import safety, training
from storage.models import User


async def add_day_score(db: AsyncSession, user: User, score: int, now: datetime) -> None:
    """Keep a score given outside a session; the latest of a local day is that day's score."""
    await training.add_day_score(db, user.id, score, now)


async def sore_lately(db: AsyncSession, catalogue: Catalogue, user: User, day: date) -> bool:
    """Day scores above the acceptable band two days in a row, up to `day`."""
    scores = await training.day_scores(
        db, user.id, user.timezone, day - timedelta(days=3), day + timedelta(days=1)
    )
    return sore_days_in_a_row(catalogue.program, scores, day)


async def gave_way(db: AsyncSession, user: User, now: datetime) -> int:
    """The knee gave way: kept; the id its answer is stored under."""
    event = await safety.add_knee_event(db, user.id, KneeEventKind.GAVE_WAY, now)
    return event.id


async def answer_gave_way(
    db: AsyncSession, user: User, event_id: int, answer: GaveWayAnswer
) -> bool:
    """Whether it followed an injury; False when the event is not this person's."""
    return await safety.answer_knee_event(db, user.id, event_id, answer)
