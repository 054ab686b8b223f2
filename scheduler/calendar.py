"""Training-day maths in the user's own time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from content.i18n import _, weekday_abbreviations


def local_now(now: datetime, timezone: str) -> datetime:
    """The instant `now` on the wall clock of the IANA zone `timezone`."""
    return now.astimezone(ZoneInfo(timezone))


def is_training_day(weekdays: tuple[int, ...], day: date) -> bool:
    """Whether `day` is one of `weekdays` (Monday = 0, as date.weekday())."""
    return day.weekday() in weekdays


def next_training_day(weekdays: tuple[int, ...], after: date) -> date | None:
    """The first training day strictly after `after`, or None with no training days."""
    for offset in range(1, 8):
        candidate = after + timedelta(days=offset)
        if candidate.weekday() in weekdays:
            return candidate
    return None


def describe_days(weekdays: tuple[int, ...]) -> str:
    """Weekdays as short labels in week order ("Mon, Wed, Fri" in the current language),
    "no days" when empty."""
    labels = weekday_abbreviations()
    return ", ".join(labels[day] for day in sorted(weekdays)) or _("no days")


def days_to_mask(weekdays: tuple[int, ...]) -> int:
    """Weekdays as the stored bit mask: bit n set for weekday n (Monday = bit 0)."""
    return sum(1 << day for day in set(weekdays))


def mask_to_days(mask: int) -> tuple[int, ...]:
    """The weekdays of a stored bit mask, Monday first; the inverse of `days_to_mask`."""
    return tuple(day for day in range(7) if mask & (1 << day))
