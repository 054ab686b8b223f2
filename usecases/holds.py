"""When the program was not running and why, for /progress, /history, /report and their
charts: the periods the person paused it, and the holds (a red flag, or the advice to have the
knee reviewed) with their reasons and how each ended; and what the person told about their knee
besides scores. The one place they all read it from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from content.catalogue import Safety, Tier
from content.progression import ClinicianReason, Scores
from content.states import GaveWayAnswer, HoldEnd, HoldKind, KneeEventKind
from scheduler.slots import local_day
from storage import holds, people
from storage import safety as answers
from storage.models import Hold, User

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


@dataclass(frozen=True)
class HoldRecord:
    """One hold as a person and a clinician read it: when, why, and how it ended."""

    kind: HoldKind
    started: date
    ended: date | None  # None: still open
    ended_by: HoldEnd | None
    review: ClinicianReason | None  # a review hold: why it was advised
    evidence: tuple[Scores, ...]  # a review hold: the sessions behind the advice
    tier: Tier | None  # a red-flag hold: the most urgent warning sign tapped during it


async def hold_records(
    db: AsyncSession, safety: Safety, user: User, since: datetime | None = None
) -> list[HoldRecord]:
    """Every hold (or those still open at or after `since`), oldest first."""
    rows = await holds.holds_of(db, user.id, since)
    taps = await answers.flag_taps_since(db, user.id, rows[0].started_at) if rows else []
    return [hold_record(row, taps, safety, user.timezone) for row in rows]


def hold_record(
    hold: Hold, taps: Iterable[tuple[str, datetime]], safety: Safety, zone: str
) -> HoldRecord:
    """A stored hold in local days, with (a red flag) the most urgent sign tapped during it,
    from the person's taps (flag key, when)."""
    tier = None
    if hold.kind is HoldKind.RED_FLAG:
        ended = hold.ended_at
        tier = safety.tier_of(
            key for key, at in taps if at >= hold.started_at and (ended is None or at <= ended)
        )
    return HoldRecord(
        hold.kind,
        local_day(hold.started_at, zone),
        local_day(hold.ended_at, zone) if hold.ended_at else None,
        hold.ended_by,
        ClinicianReason(hold.reason) if hold.reason else None,
        tuple(holds.scores_from(item) for item in hold.evidence),
        tier,
    )


@dataclass(frozen=True)
class KneeEventDay:
    """Something the person told about their knee, and their answer to its question."""

    day: date
    kind: KneeEventKind
    answer: GaveWayAnswer | None


async def knee_events(
    db: AsyncSession, user: User, since: datetime | None = None
) -> list[KneeEventDay]:
    """The knee events (since an instant), oldest first."""
    return [
        KneeEventDay(local_day(event.recorded_at, user.timezone), event.kind, event.answer)
        for event in await answers.knee_events_of(db, user.id, since)
    ]
