"""When the program was not running, for the charts of /progress and /report: the periods the
person paused it, and the periods it was held (a red flag, or the advice to have the knee
reviewed) until it ended, or still is. The one place both read it from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.slots import local_day
from storage import holds, people
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
    """Pauses and holds (red flags, clinician reviews); an open one runs to today."""
    zone = user.timezone

    def days(first: datetime, last: datetime | None) -> Period:
        return local_day(first, zone), local_day(last, zone) if last else today

    return HeldPeriods(
        tuple(
            days(pause.started_at, pause.ended_at) for pause in await people.pauses_of(db, user.id)
        ),
        tuple(days(hold.started_at, hold.ended_at) for hold in await holds.holds_of(db, user.id)),
    )
