"""Which pushes a user gets at one of their daily slots: pure rules, no database, no Telegram.

Every push of a day is keyed (user, local date, kind), so planning the same slot twice, on
one replica or two, yields the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from scheduler.calendar import is_training_day
from scheduler.slots import last_training_day_of_week
from storage.outbox import NO_SESSION, DayRecords
from storage.states import PushKind, SessionStatus


@dataclass(frozen=True)
class DayFacts:
    """What the planner needs to know about a user on the slot's local date."""

    day: date
    weekdays: tuple[int, ...]
    yesterday: SessionStatus | None  # the session the day before, if one was logged
    yesterday_morning_logged: bool  # the morning check for yesterday's session is answered
    today: SessionStatus | None  # today's session so far

    @classmethod
    def of(
        cls, user_id: int, weekdays: tuple[int, ...], day: date, records: DayRecords
    ) -> DayFacts:
        """The facts for one person and local day, from the stored day records."""
        yesterday = records.get((user_id, day - timedelta(days=1)), NO_SESSION)
        today = records.get((user_id, day), NO_SESSION)
        return cls(day, weekdays, yesterday.status, yesterday.morning_logged, today.status)

    @property
    def yesterday_missed(self) -> bool:
        """A training day with nothing logged at all; a skip was a choice, not a miss."""
        previous = self.day - timedelta(days=1)
        return is_training_day(self.weekdays, previous) and self.yesterday is None

    @property
    def training_day(self) -> bool:
        return is_training_day(self.weekdays, self.day)


@dataclass(frozen=True)
class PlannedPush:
    kind: PushKind
    due_at: datetime


def pushes_for_slot(facts: DayFacts, slot: datetime, weekly_after: timedelta) -> list[PlannedPush]:
    """The pushes of one daily slot. A missed day is nudged once, on the following day: as its
    own message on a rest day, folded into the reminder on a training day."""
    planned = []
    if facts.yesterday == SessionStatus.DONE and not facts.yesterday_morning_logged:
        planned.append(PlannedPush(PushKind.MORNING, slot))
    if facts.training_day and facts.today is None:
        planned.append(PlannedPush(PushKind.REMINDER, slot))
    if facts.yesterday_missed and not facts.training_day:
        planned.append(PlannedPush(PushKind.NUDGE, slot))
    if facts.training_day and last_training_day_of_week(facts.weekdays, facts.day):
        planned.append(PlannedPush(PushKind.WEEKLY, slot + weekly_after))
    return planned
