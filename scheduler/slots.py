"""When a user's pushes fall due, computed with zoneinfo so daylight saving never moves them.

A slot is a local date plus a local wall-clock time. A time that does not exist that day (the
spring-forward gap) moves to the next valid minute; a time that happens twice (fall-back) is
taken once, at its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.calendar import local_now

MAX_GAP_MINUTES = 180


def slot_instant(day: date, at: time, timezone: str) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `timezone`."""
    zone = ZoneInfo(timezone)
    local = datetime.combine(day, at, tzinfo=zone)  # fold=0: the first of a repeated time
    for _ in range(MAX_GAP_MINUTES):
        instant = local.astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
            return instant
        local += timedelta(minutes=1)  # inside a spring-forward gap: try the next minute
    raise ValueError(f"no valid local time near {day} {at} in {timezone}")


def local_day(instant: datetime, timezone: str) -> date:
    """The local calendar date of `instant` in the IANA zone `timezone`."""
    return local_now(instant, timezone).date()


def next_daily_slot(after: datetime, at: time, timezone: str) -> tuple[date, datetime]:
    """The first (local date, instant) at wall-clock `at` strictly after `after`."""
    day = local_day(after, timezone) - timedelta(days=1)
    while True:
        instant = slot_instant(day, at, timezone)
        if instant > after:
            return day, instant
        day += timedelta(days=1)


def next_weekly_slot(after: datetime, weekday: int, at: time, timezone: str) -> datetime:
    """The first instant strictly after `after` at wall-clock `at` on `weekday` (0 = Monday)."""
    day, instant = next_daily_slot(after, at, timezone)
    while day.weekday() != weekday:
        day, instant = next_daily_slot(instant, at, timezone)
    return instant


def last_training_day_of_week(weekdays: tuple[int, ...], day: date) -> bool:
    """Whether `day` is the last of the user's training days in its week (the weekly check-in)."""
    return bool(weekdays) and day.weekday() == max(weekdays)
