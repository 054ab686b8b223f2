"""Which pushes a user gets at one of their daily slots: pure rules, no database, no Telegram.

Every push of a day is keyed (user, local date, kind), so planning the same slot twice, on
one replica or two, yields the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from content.progression import ClinicianReason, Scores
from content.states import HoldKind, PushKind, SessionStatus
from scheduler.calendar import is_training_day
from scheduler.slots import last_training_day_of_week, local_day, slot_instant
from storage.holds import NewHold
from storage.models import User
from storage.outbox import NO_SESSION, DayRecords, NewPush


@dataclass(frozen=True)
class DayFacts:
    """What the planner needs to know about a user on the slot's local date."""

    day: date
    weekdays: tuple[int, ...]
    yesterday: SessionStatus | None  # the session the day before, if one was logged
    yesterday_morning_logged: bool  # the morning check for yesterday's session is answered
    today: SessionStatus | None  # today's session so far
    yesterday_reminded: bool = False  # a training-day reminder for yesterday was delivered

    @classmethod
    def of(
        cls, user_id: int, weekdays: tuple[int, ...], day: date, records: DayRecords
    ) -> DayFacts:
        """The facts for one person and local day, from the stored day records."""
        yesterday = records.get((user_id, day - timedelta(days=1)), NO_SESSION)
        today = records.get((user_id, day), NO_SESSION)
        return cls(
            day,
            weekdays,
            yesterday.status,
            yesterday.morning_logged,
            today.status,
            yesterday.reminded,
        )

    @property
    def yesterday_missed(self) -> bool:
        """Yesterday's training-day reminder reached the person and nothing was logged that
        day. A day before sign-up, a day that was not a training day then, a slot passed over
        by /resume or a pause got no reminder, so they are never "missed"; a skip was a
        choice, not a miss."""
        return self.yesterday_reminded and self.yesterday is None

    @property
    def training_day(self) -> bool:
        """Whether the slot's local date is one of the user's training days."""
        return is_training_day(self.weekdays, self.day)


@dataclass(frozen=True)
class PlannedPush:
    """A push the planner wants at the slot: its kind and the instant (UTC) it falls due."""

    kind: PushKind
    due_at: datetime


def pushes_for_slot(facts: DayFacts, slot: datetime, weekly_after: timedelta) -> list[PlannedPush]:
    """The pushes of one daily slot. A missed day is nudged once, on the following day: as its
    own message on a rest day, folded into the reminder on a training day. (The morning check
    is planned when a session is logged: see morning_check.)"""
    planned = []
    if facts.training_day and facts.today is None:
        planned.append(PlannedPush(PushKind.REMINDER, slot))
    if facts.yesterday_missed and not facts.training_day:
        planned.append(PlannedPush(PushKind.NUDGE, slot))
    if facts.training_day and last_training_day_of_week(facts.weekdays, facts.day):
        planned.append(PlannedPush(PushKind.WEEKLY, slot + weekly_after))
    return planned


def hold_followup(user: User, now: datetime, after_days: int) -> NewPush | None:
    """A hold beginning now: its one follow-up, `after_days` after the local day it began, at
    the reminder time; none before setup is done (no time zone or reminder time yet)."""
    if not user.onboarded:
        return None
    day = local_day(now, user.timezone) + timedelta(days=after_days)
    due = slot_instant(day, user.reminder_time, user.timezone)
    return NewPush(user.id, PushKind.FOLLOWUP, day, due)


def review_hold(
    user: User, reason: ClinicianReason, evidence: Sequence[Scores], now: datetime, after_days: int
) -> NewHold:
    """A clinician-review hold beginning now, with the sessions behind it and its follow-up."""
    followup = hold_followup(user, now, after_days)
    return NewHold(HoldKind.REVIEW, reason.value, evidence, followup)


def morning_check(session_day: date, at: time, timezone: str, now: datetime) -> PlannedPush | None:
    """The next-morning pain check after a session done on session_day, at the person's
    morning time; None when that morning has already passed (a session logged late)."""
    due = slot_instant(session_day + timedelta(days=1), at, timezone)
    return PlannedPush(PushKind.MORNING_QUESTION, due) if due > now else None


def weekly_on_return(
    weekdays: tuple[int, ...],
    today: date,
    slot_today: datetime,
    weekly_after: timedelta,
    now: datetime,
    active_this_week: bool,
) -> PlannedPush | None:
    """Someone whose pushes start again (a hold cleared, a pause ended, a new schedule) just
    after today's slot: today's weekly check-in still comes at its time, when today is the last
    training day of the week and the week had training while they were active."""
    due = slot_today + weekly_after
    if not active_this_week or due <= now or not is_training_day(weekdays, today):
        return None
    if not last_training_day_of_week(weekdays, today):
        return None
    return PlannedPush(PushKind.WEEKLY, due)
