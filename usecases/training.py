"""Training: today's session and the person's levels, logging a session as done or skipped,
easing back in after a break, and the pushes a session or a new schedule plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from content.adherence import week_start
from content.catalogue import Catalogue
from content.program import PlannedExercise, starting_levels
from content.states import PushKind, SessionEntry, SessionStatus
from scheduler.planner import morning_check, weekly_on_return
from scheduler.slots import local_day, next_daily_slot, slot_instant
from storage import outbox, training
from storage.models import SessionLog as Session  # a logged session, passed along whole
from storage.models import User
from storage.outbox import NewPush
from storage.training import EasedBack  # front doors announce it: named here for them


@dataclass(frozen=True)
class Logged:
    """The outcome of logging a session: the plan, what is stored now, and whether it changed."""

    plan: list[PlannedExercise]
    status: SessionStatus  # what is stored now (a done session stays done)
    changed: bool
    session: Session  # the logged session, for a score given in the same message


async def log_session(
    db: AsyncSession, catalogue: Catalogue, user: User, entry: SessionEntry, now: datetime
) -> Logged:
    """Log the day's session with today's plan; a skipped one can still be done later."""
    plan = await training.current_plan(catalogue, user, now)
    log, changed = await training.log_session(db, user.id, entry, plan, now)
    return Logged(plan, log.status, changed, log)


async def todays_plan(catalogue: Catalogue, user: User, now: datetime) -> list[PlannedExercise]:
    """The person's exercises at their levels, in program order (the starter set at first)."""
    return await training.current_plan(catalogue, user, now)


async def levels(user: User) -> dict[str, int]:
    """Each open exercise's level."""
    return await training.levels_of(user)


async def at_easiest(user: User) -> bool:
    """Every open exercise is at its easiest level: no easier version to point to."""
    return all(level <= 1 for level in (await training.levels_of(user)).values())


async def start_program(catalogue: Catalogue, user: User, now: datetime) -> None:
    """Setup is done: the starter exercises open at their starting levels."""
    await training.ensure_levels(user, starting_levels(catalogue), now)


@dataclass(frozen=True)
class DayLog:
    """How a day's session stands: not logged (None), done or skipped, and whether severe
    pain stopped it (then nothing praises it)."""

    status: SessionStatus | None
    stopped: bool = False


async def day_log(db: AsyncSession, user: User, day: date) -> DayLog:
    """How the day's session stands, for /today."""
    status, stopped = await training.day_standing(db, user.id, day)
    return DayLog(status, stopped and status is SessionStatus.DONE)


async def logged_on(db: AsyncSession, user: User, day: date) -> SessionStatus | None:
    """Whether (and how) a session is logged that day."""
    return await training.session_status(db, user.id, day)


async def ease_back_in(
    db: AsyncSession, catalogue: Catalogue, user: User, now: datetime
) -> EasedBack | None:
    """Back after a break of return_gap_days without a session: levels one lower, once per
    break; what it moved, for the reply to announce (None: no break, or eased already)."""
    return await training.ease_back_in(db, catalogue.program.progression, user, now)


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
    for push in await outbox.pending_of_kind(db, user.id, PushKind.MORNING_QUESTION):
        due = slot_instant(push.local_date, user.morning_time, user.timezone)
        moved[push.id] = max(due, now)
    await outbox.reschedule_pending(db, user.id, moved)


async def restart_pushes(
    db: AsyncSession, user: User, now: datetime, weekly_after: timedelta
) -> None:
    """Pushes start again (a hold cleared, a pause ended, a new schedule): from the next slot,
    nothing passed is caught up, except that today's weekly check-in still comes at its time
    when today's slot has just passed and the week had training."""
    user.next_slot_at = next_daily_slot(now, user.reminder_time, user.timezone)[1]
    today = local_day(now, user.timezone)
    slot_today = slot_instant(today, user.reminder_time, user.timezone)
    if slot_today > now:
        return
    active = await outbox.active_in_week(db, user.id, week_start(today))
    weekly = weekly_on_return(user.weekdays, today, slot_today, weekly_after, now, active)
    if weekly is not None:
        await outbox.insert_pushes(db, [NewPush(user.id, weekly.kind, today, weekly.due_at)])
