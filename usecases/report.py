"""What /report tells the physiotherapist, as numbers and dates: read in one transaction, with
the adherence numbers from content.adherence (the functions /progress uses), the pain scores
and effort answers as /progress reads them (a corrected score counts as corrected), and the
red-flag answers and clinician clearances of the period."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from content.adherence import ProgressSummary, WeekTally, summarize, tally_week, week_start
from content.catalogue import NONE_OF_THESE, Catalogue, Moment, RedFlag
from content.progression import Effort
from scheduler.slots import local_day, slot_instant
from storage import reports, training
from storage.models import User
from storage.training import SessionSummary
from usecases import psfs
from usecases.holds import (
    HeldPeriods,
    HoldRecord,
    KneeEventDay,
    held_periods,
    hold_records,
    knee_events,
)

DEFAULT_WEEKS, MAX_WEEKS = 6, 26
FORTNIGHT = timedelta(days=14)
PAIN_KINDS = ("during", "morning", "day")


@dataclass(frozen=True)
class LevelNow:
    """An exercise's level now, and the day it last changed (None: never, or not open)."""

    exercise: str
    level: int | None  # None: not open yet
    changed_on: date | None


@dataclass(frozen=True)
class Change:
    """A level change in the period, with the reason as stored and the clinician who made it."""

    day: date
    exercise: str
    from_level: int | None  # None: the exercise opened
    to_level: int  # 0: an opening undone, the exercise locked again
    reason: str
    clinician: str | None = None  # who made the change from their chat (None: the rules)


@dataclass(frozen=True)
class FlagAnswer:
    """A red flag the person tapped on the screen."""

    day: date
    key: str
    flag: RedFlag | None  # its words and tier in safety.toml; None if no longer there
    before_start: bool  # tapped at /start, before the program began


@dataclass(frozen=True)
class ClearanceDay:
    """A day the person said a clinician had checked them."""

    day: date
    held_since: date | None  # the day the hold it ended began; None: it answered the advice


@dataclass(frozen=True)
class Fortnight:
    """Scores and efforts of a two-week stretch, for the report's table."""

    first: date
    last: date
    scores: dict[str, tuple[int, ...]]  # by pain kind
    efforts: tuple[Effort, ...] = ()  # the effort answers of its sessions

    def median(self, kind: str) -> float | None:
        """The median score of that kind in the fortnight, or None without any."""
        scores = self.scores.get(kind, ())
        return statistics.median(scores) if scores else None

    def worst(self, kind: str) -> int | None:
        """The highest score of that kind in the fortnight, or None without any."""
        scores = self.scores.get(kind, ())
        return max(scores) if scores else None

    def effort_count(self, effort: Effort) -> int:
        """How many sessions of the fortnight got this effort answer."""
        return self.efforts.count(effort)


@dataclass(frozen=True)
class ReportData:
    """Every fact the /report PDF states, gathered from the database, before any wording."""

    first_name: str
    joined: date
    first_day: date  # the Monday of the period's first week
    today: date
    weekdays: tuple[int, ...]
    reminder_time: time
    weeks: tuple[WeekTally, ...]  # oldest first
    summary: ProgressSummary  # streak and sessions done in all, as /progress says them
    skipped: tuple[date, ...]
    barriers: tuple[tuple[date, str], ...]  # (week start, barrier key)
    pain: dict[str, tuple[tuple[date, int], ...]]  # by kind: (day, score), oldest first
    fortnights: tuple[Fortnight, ...]
    levels: tuple[LevelNow, ...]  # in program order
    changes: tuple[Change, ...]
    on_hold_since: date | None
    efforts: tuple[tuple[date, Effort], ...] = ()  # (session day, answer), oldest first
    flags: tuple[FlagAnswer, ...] = ()  # oldest first
    all_clear: tuple[date, ...] = ()  # days the screen was answered "None of these"
    clearances: tuple[ClearanceDay, ...] = ()  # oldest first
    holds: tuple[HoldRecord, ...] = ()  # open in the period, oldest first
    knee_events: tuple[KneeEventDay, ...] = ()  # oldest first
    held: HeldPeriods = field(default_factory=HeldPeriods)  # paused, held: in the period
    activities: psfs.ScaleSummary | None = None  # the functional scale, first and latest round

    @property
    def period_start(self) -> date:
        """The first day the report covers: its first Monday, or the day the person joined."""
        return max(self.first_day, self.joined)

    @property
    def done_in_period(self) -> int:
        """Sessions done in the weeks shown (extra ones not counted)."""
        return sum(week.done for week in self.weeks)

    @property
    def planned_in_period(self) -> int:
        """Sessions planned in the weeks shown."""
        return sum(week.planned for week in self.weeks)

    def effort_count(self, effort: Effort) -> int:
        """How many sessions of the period got this effort answer."""
        return Counter(answer for _, answer in self.efforts)[effort]


async def gather_report(
    db: AsyncSession, catalogue: Catalogue, user: User, today: date, weeks: int
) -> ReportData | None:
    """The report over the last `weeks` weeks (this one included, none before the person
    joined); None if the person has logged nothing yet."""
    if not await reports.has_logged_anything(db, user.id):
        return None
    period = _Period.of(user, today, weeks)
    first_day, joined = period.first_day, period.joined
    sessions = await training.sessions_with_pain(db, user.id, done_only=True)
    done_days = [session.day for session in sessions]
    in_period = [session for session in reversed(sessions) if session.day >= first_day]
    efforts = tuple((s.day, s.effort) for s in in_period if s.effort is not None)
    pain = await _pain(db, user, period, in_period)
    flags, all_clear = await _screen_answers(db, catalogue, user, period)
    return ReportData(
        first_name=user.first_name,
        joined=joined,
        first_day=first_day,
        today=today,
        weekdays=user.weekdays,
        reminder_time=user.reminder_time,
        weeks=_weeks(done_days, user.weekdays, period),
        summary=summarize(done_days, user.weekdays, joined, today, catalogue.program.progress),
        skipped=tuple(await reports.skipped_days(db, user.id, first_day, period.end)),
        barriers=tuple(await reports.barriers(db, user.id, first_day)),
        pain=pain,
        fortnights=tuple(fortnights(pain, first_day, today, efforts)),
        levels=await _levels(db, catalogue, user, period),
        changes=await _changes(db, user, period),
        on_hold_since=period.day(user.held_since) if user.held_since else None,
        efforts=efforts,
        flags=flags,
        all_clear=all_clear,
        clearances=await _clearances(db, user, period),
        held=(await held_periods(db, user, today)).since(first_day),
        holds=tuple(await hold_records(db, catalogue.safety, user, period.since)),
        knee_events=tuple(await knee_events(db, user, period.since)),
        activities=await psfs.summary(db, catalogue, user),
    )


@dataclass(frozen=True)
class _Period:
    """The weeks a report covers, in the person's own days: from the Monday of its first week
    (none before the week they joined) to today, and the instant that Monday begins."""

    zone: str
    joined: date
    first_day: date
    today: date
    since: datetime

    @classmethod
    def of(cls, user: User, today: date, weeks: int) -> _Period:
        """The last `weeks` weeks, this one included."""
        joined = local_day(user.created_at, user.timezone)
        first_day = max(week_start(today) - timedelta(weeks=weeks - 1), week_start(joined))
        since = slot_instant(first_day, time(0), user.timezone)
        return cls(user.timezone, joined, first_day, today, since)

    @property
    def end(self) -> date:
        """The day after the period: where half-open ranges stop."""
        return self.today + timedelta(days=1)

    def day(self, instant: datetime) -> date:
        """The person's local day of a stored instant."""
        return local_day(instant, self.zone)


def _weeks(
    done_days: Sequence[date], weekdays: tuple[int, ...], period: _Period
) -> tuple[WeekTally, ...]:
    """Each week's sessions done against planned, oldest first, as /progress tallies them."""
    tallies = []
    monday, this_monday = period.first_day, week_start(period.today)
    while monday <= this_monday:
        tallies.append(tally_week(done_days, weekdays, period.joined, monday))
        monday += timedelta(weeks=1)
    return tuple(tallies)


async def _pain(
    db: AsyncSession, user: User, period: _Period, sessions: Sequence[SessionSummary]
) -> dict[str, tuple[tuple[date, int], ...]]:
    """The period's scores by kind, oldest first: each session's current during and morning
    scores, and one day score a day (the day's latest), as /progress draws them."""
    day_scores = await training.day_scores(db, user.id, period.zone, period.first_day, period.end)
    return {
        "during": tuple((s.day, s.during) for s in sessions if s.during is not None),
        "morning": tuple((s.day, s.morning) for s in sessions if s.morning is not None),
        "day": tuple(sorted(day_scores.items())),
    }


async def _levels(
    db: AsyncSession, catalogue: Catalogue, user: User, period: _Period
) -> tuple[LevelNow, ...]:
    """Every exercise of the program, in its order, at its level now (or not open yet)."""
    rows = {row.exercise: row for row in await reports.exercise_levels(db, user.id)}
    levels = []
    for exercise in catalogue.exercises:
        row = rows.get(exercise.slug)
        if row is None:
            levels.append(LevelNow(exercise.slug, None, None))
        else:
            levels.append(LevelNow(exercise.slug, row.level, period.day(row.changed_at)))
    return tuple(levels)


async def _changes(db: AsyncSession, user: User, period: _Period) -> tuple[Change, ...]:
    """The level changes of the period, with their stored reasons."""
    return tuple(
        Change(
            period.day(change.changed_at),
            change.exercise,
            change.from_level,
            change.to_level,
            change.reason,
            change.clinician.name if change.clinician else None,
        )
        for change in await reports.level_changes_since(db, user.id, period.since)
    )


async def _screen_answers(
    db: AsyncSession, catalogue: Catalogue, user: User, period: _Period
) -> tuple[tuple[FlagAnswer, ...], tuple[date, ...]]:
    """The red flags tapped in the period, and the days the screen was answered "None of
    these"."""
    answers = await reports.red_flag_answers_since(db, user.id, period.since)
    flags = tuple(
        FlagAnswer(
            period.day(answer.answered_at),
            answer.flag,
            catalogue.safety.flag(answer.flag),
            answer.moment is Moment.START,
        )
        for answer in answers
        if answer.flag != NONE_OF_THESE
    )
    all_clear = tuple(
        period.day(answer.answered_at) for answer in answers if answer.flag == NONE_OF_THESE
    )
    return flags, all_clear


async def _clearances(db: AsyncSession, user: User, period: _Period) -> tuple[ClearanceDay, ...]:
    """The days in the period a clinician checked the person, with the hold each ended."""
    return tuple(
        ClearanceDay(
            period.day(clearance.cleared_at),
            period.day(clearance.held_since) if clearance.held_since else None,
        )
        for clearance in await reports.clearances_since(db, user.id, period.since)
    )


def fortnights(
    pain: dict[str, tuple[tuple[date, int], ...]],
    first_day: date,
    today: date,
    efforts: Sequence[tuple[date, Effort]] = (),
) -> Iterable[Fortnight]:
    """Two-week blocks from first_day to today (the last one may be shorter), each with the
    scores of every kind and the effort answers that fall in it."""
    start = first_day
    while start <= today:
        last = min(start + FORTNIGHT - timedelta(days=1), today)
        yield Fortnight(
            start,
            last,
            {
                kind: tuple(score for day, score in points if start <= day <= last)
                for kind, points in pain.items()
            },
            tuple(answer for day, answer in efforts if start <= day <= last),
        )
        start += FORTNIGHT
