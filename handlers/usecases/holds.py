"""When the program was not running, for the charts of /progress and /report: the periods the
person paused it, and the periods it was held after a warning sign until a clinician cleared
the person (or still is). The one place both read it from, so a new source of holds is
added here once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.slots import local_day
from storage import people, reports
from storage.models import User

Period = tuple[date, date]  # first and last local day, both included


@dataclass(frozen=True)
class HeldPeriods:
    """The person's paused and held periods, oldest first, as local days."""

    paused: tuple[Period, ...] = ()
    holds: tuple[Period, ...] = ()

    def since(self, first: date) -> HeldPeriods:
        """Only the periods that reach `first` or later."""
        return HeldPeriods(
            tuple(period for period in self.paused if period[1] >= first),
            tuple(period for period in self.holds if period[1] >= first),
        )


async def held_periods(db: AsyncSession, user: User, today: date) -> HeldPeriods:
    """Pauses (an open one runs to today), holds a clearance ended, and the hold open now."""
    zone = user.timezone
    paused = tuple(
        (
            local_day(pause.started_at, zone),
            local_day(pause.ended_at, zone) if pause.ended_at else today,
        )
        for pause in await people.pauses_of(db, user.id)
    )
    holds = [
        (local_day(clearance.held_since, zone), local_day(clearance.cleared_at, zone))
        for clearance in await reports.clearances_since(db, user.id, user.created_at)
        if clearance.held_since is not None
    ]
    if user.red_flag_reported_at is not None:
        holds.append((local_day(user.red_flag_reported_at, zone), today))
    return HeldPeriods(paused, tuple(sorted(holds)))
