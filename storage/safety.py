"""Red-flag answers, one row per tapped flag (or "None of these"), clinician clearances, and
knee events ("my knee gave way")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from content.catalogue import NONE_OF_THESE, Moment
from content.states import GaveWayAnswer, KneeEventKind
from storage.models import Clearance, KneeEvent, RedFlagAnswer


async def record_answer(
    db: AsyncSession, user_id: int, flag: str, moment: Moment, now: datetime
) -> None:
    """Store one tapped flag (or NONE_OF_THESE) and whether the screen came at the start."""
    db.add(RedFlagAnswer(user_id=user_id, flag=flag, moment=moment, answered_at=now))
    await db.flush()


async def flag_taps_since(
    db: AsyncSession, user_id: int, since: datetime
) -> list[tuple[str, datetime]]:
    """The flags answered "yes" since `since` (the start of a hold) and when, oldest first."""
    rows = await db.execute(
        select(RedFlagAnswer.flag, RedFlagAnswer.answered_at)
        .where(
            RedFlagAnswer.user_id == user_id,
            RedFlagAnswer.answered_at >= since,
            RedFlagAnswer.flag != NONE_OF_THESE,
        )
        .order_by(RedFlagAnswer.answered_at, RedFlagAnswer.id)
    )
    return [(flag, answered_at) for flag, answered_at in rows]


async def record_clearance(
    db: AsyncSession,
    user_id: int,
    held_since: datetime | None,
    now: datetime,
    clinician_id: int | None = None,
) -> None:
    """Store that a clinician has checked the person (clinician_id: the one who cleared them
    from their chat): the end of the hold that began at `held_since`, or (None) an answer to
    the advice to see one without a hold."""
    db.add(
        Clearance(
            user_id=user_id, held_since=held_since, cleared_at=now, clinician_id=clinician_id
        )
    )
    await db.flush()


def latest_clearance_query(user_id: int) -> Select[datetime]:
    """When the user was last cleared, as a query (to combine with others in one statement)."""
    return (
        select(Clearance.cleared_at)
        .where(Clearance.user_id == user_id)
        .order_by(Clearance.cleared_at.desc(), Clearance.id.desc())
        .limit(1)
    )


async def add_knee_event(
    db: AsyncSession, user_id: int, kind: KneeEventKind, now: datetime
) -> KneeEvent:
    """Keep something the person told about their knee; its answer may follow."""
    event = KneeEvent(user_id=user_id, kind=kind, recorded_at=now)
    db.add(event)
    await db.flush()
    return event


async def answer_knee_event(
    db: AsyncSession, user_id: int, event_id: int, answer: GaveWayAnswer
) -> bool:
    """Store the answer to the question an event raised; False if it is not this person's."""
    event = await db.get(KneeEvent, event_id)
    if event is None or event.user_id != user_id:
        return False
    event.answer = answer
    return True


async def knee_events_of(
    db: AsyncSession, user_id: int, since: datetime | None = None
) -> list[KneeEvent]:
    """The knee events the person told about (since an instant), oldest first."""
    query = select(KneeEvent).where(KneeEvent.user_id == user_id)
    if since is not None:
        query = query.where(KneeEvent.recorded_at >= since)
    return list(await db.scalars(query.order_by(KneeEvent.recorded_at, KneeEvent.id)))
