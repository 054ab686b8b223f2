"""Today's session: what it holds and logging it as done or skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from content.catalogue import Catalogue
from content.program import PlannedExercise
from scheduler.planner import morning_check
from scheduler.slots import slot_instant
from storage import outbox, training
from storage.models import User
from storage.outbox import NewPush
from storage.states import PushKind, SessionStatus


@dataclass(frozen=True)
class Logged:
    plan: list[PlannedExercise]
    status: SessionStatus  # what is stored now (a done session stays done)
    changed: bool


async def log_session(
    db: AsyncSession,
    catalogue: Catalogue,
    user_id: int,
    day: date,
    status: SessionStatus,
    now: datetime,
    left_out: frozenset[str] = frozenset(),
) -> Logged:
    """Log the day's session with today's plan; a skipped one can still be done later."""
    plan = await training.current_plan(db, catalogue, user_id, now)
    log, changed = await training.log_session(db, user_id, day, status, plan, now, left_out)
    return Logged(plan, log.status, changed)


async def plan_morning_check(db: AsyncSession, user: User, day: date, now: datetime) -> None:
    """After a session done on day: the pain check the next morning, at the person's time."""
    check = morning_check(day, user.morning_time, user.timezone, now)
    if check is not None:
        await outbox.insert_pushes(
            db, [NewPush(user.id, check.kind, day + timedelta(days=1), check.due_at)]
        )


async def move_morning_checks(db: AsyncSession, user: User, now: datetime) -> None:
    """A new morning time or time zone: pending morning checks move to it."""
    moved: dict[int, datetime] = {}
    for push in await outbox.pending_of_kind(db, user.id, PushKind.MORNING):
        due = slot_instant(push.local_date, user.morning_time, user.timezone)
        moved[push.id] = max(due, now)
    await outbox.reschedule_pending(db, user.id, moved)
