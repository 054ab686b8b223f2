"""The person's schedule outside setup: pausing and resuming reminders, snoozing today's
reminder, and the barrier named at the weekly check-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession

from content.catalogue import Catalogue
from content.states import PushKind
from scheduler.slots import local_day
from storage import outbox, people, training
from storage.models import User
from storage.outbox import NewPush
from usecases.training import EasedBack, ease_back_in, restart_pushes


def weekly_after(catalogue: Catalogue) -> timedelta:
    """How long after the last reminder of the week the weekly check-in follows."""
    return timedelta(hours=catalogue.program.reminders.weekly_checkin_after_hours)


async def pause(db: AsyncSession, user: User, now: datetime) -> bool:
    """No reminders until resumed; the pause is kept (chart, export). False: paused already."""
    if user.paused:
        return False
    user.paused = True
    await people.start_pause(db, user.id, now)
    return True


@dataclass(frozen=True)
class Resumed:
    """A pause ended: whether one was on, and the levels eased after a long break."""

    resumed: bool
    eased: EasedBack | None = None


async def resume(db: AsyncSession, catalogue: Catalogue, user: User, now: datetime) -> Resumed:
    """Reminders from the next slot (nothing missed is caught up); back after a long break,
    levels one lower."""
    if not user.paused:
        return Resumed(False)
    user.paused = False
    await people.end_pause(db, user.id, now)
    await restart_pushes(db, user, now, weekly_after(catalogue))
    return Resumed(True, await ease_back_in(db, catalogue, user, now))


class Snooze(Enum):
    """What "snooze" did."""

    SNOOZED = "snoozed"
    LOGGED = "logged"  # today's session is already logged: nothing to remind of
    TOO_LATE = "too_late"  # the reminder would fall on tomorrow
    AGAIN = "again"  # once a day only


async def snooze(
    db: AsyncSession, catalogue: Catalogue, user: User, now: datetime
) -> tuple[Snooze, datetime]:
    """One more reminder later today, once a day; the outcome and when it would come."""
    today = local_day(now, user.timezone)
    due = now + timedelta(minutes=catalogue.program.reminders.snooze_minutes)
    if await training.session_status(db, user.id, today) is not None:
        return Snooze.LOGGED, due
    if local_day(due, user.timezone) != today:
        return Snooze.TOO_LATE, due
    added = await outbox.insert_pushes(db, [NewPush(user.id, PushKind.SNOOZED, today, due)])
    return (Snooze.SNOOZED if added else Snooze.AGAIN), due


async def answer_barrier(
    db: AsyncSession, user: User, week: date, barrier: str, now: datetime
) -> bool:
    """The barrier named at a weekly check-in; False when there is no such check-in."""
    review = await training.weekly_review(db, user.id, week)
    if review is None:
        return False
    review.barrier, review.answered_at = barrier, now
    return True
