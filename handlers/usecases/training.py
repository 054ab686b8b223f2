"""Today's session: what it holds and logging it as done or skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from content.catalogue import Catalogue
from content.program import PlannedExercise
from storage import training
from storage.states import SessionStatus


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
) -> Logged:
    """Log the day's session with today's plan; a skipped one can still be done later."""
    plan = await training.current_plan(db, catalogue, user_id, now)
    log, changed = await training.log_session(db, user_id, day, status, plan, now)
    return Logged(plan, log.status, changed)
