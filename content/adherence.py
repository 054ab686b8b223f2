"""The numbers a user reads about their adherence: sessions done against planned per week, and
the streak of weeks that met the target. Computed here only, for /progress and the weekly
check-in alike, so the two never disagree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from content.catalogue import ProgressReport

WEEK = timedelta(days=7)


def week_start(day: date) -> date:
    """Monday of the week that contains day."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeekTally:
    """Sessions of one week: done counts up to the planned number, any more are extra (a
    session on a rest day beyond the plan), so a week never reads "2 of 1 planned"."""

    week_start: date
    done: int
    planned: int
    extra: int = 0


def planned_in_week(weekdays: tuple[int, ...], monday: date, joined: date) -> int:
    """Training days of that week from the day the user joined (the current schedule is used
    for past weeks too: schedule changes are not kept)."""
    return sum(1 for day in weekdays if monday + timedelta(days=day) >= joined)


def tally_week(
    done_days: Iterable[date], weekdays: tuple[int, ...], joined: date, monday: date
) -> WeekTally:
    """The tally of the week starting on Monday `monday`; only training days from `joined` on
    count as planned."""
    return _Weeks(done_days, weekdays, joined).tally(monday)


class _Weeks:
    def __init__(self, done_days: Iterable[date], weekdays: tuple[int, ...], joined: date) -> None:
        self.per_week = Counter(week_start(day) for day in done_days)
        self.weekdays, self.joined = weekdays, joined

    def tally(self, monday: date) -> WeekTally:
        planned = planned_in_week(self.weekdays, monday, self.joined)
        done = self.per_week[monday]
        return WeekTally(monday, min(done, planned), planned, max(done - planned, 0))


@dataclass(frozen=True)
class ProgressSummary:
    """What /progress shows: this week, the weeks before it, the streak and the total done."""

    this_week: WeekTally
    earlier_weeks: tuple[WeekTally, ...]  # most recent first, none before the user joined
    streak_weeks: int
    sessions_done: int


def summarize(
    done_days: Iterable[date],
    weekdays: tuple[int, ...],
    joined: date,
    today: date,
    report: ProgressReport,
) -> ProgressSummary:
    """done_days: local dates of done sessions (one per day)."""
    weeks = _Weeks(done_days, weekdays, joined)
    first_week, this_monday = week_start(joined), week_start(today)
    earlier: list[WeekTally] = []
    monday = this_monday - WEEK
    while monday >= first_week and len(earlier) < report.weeks_shown:
        earlier.append(weeks.tally(monday))
        monday -= WEEK
    return ProgressSummary(
        this_week=weeks.tally(this_monday),
        earlier_weeks=tuple(earlier),
        streak_weeks=_streak(weeks, this_monday, first_week, report.streak_sessions),
        sessions_done=sum(weeks.per_week.values()),
    )


def _streak(weeks: _Weeks, this_monday: date, first_week: date, target: int) -> int:
    """Weeks in a row, back from now, that met the target (all planned sessions, if fewer were
    planned). The current week adds to the streak once met but cannot break it while it lasts;
    a week with nothing planned (joined late in the week) neither adds nor breaks."""
    streak = 0
    monday = this_monday
    while monday >= first_week:
        week = weeks.tally(monday)
        met = week.planned > 0 and week.done >= min(target, week.planned)
        if met:
            streak += 1
        elif week.planned > 0 and monday != this_monday:
            break
        monday -= WEEK
    return streak
