"""Adherence numbers: sessions done against planned per week, and the streak."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from content.adherence import WeekTally, summarize, tally_week
from content.catalogue import load_catalogue

REPORT = load_catalogue().program.progress
MON_WED_FRI = (0, 2, 4)
JOINED = date(2026, 10, 28)  # a Wednesday


def week_of(monday: date, *weekdays: int) -> list[date]:
    return [monday + timedelta(days=day) for day in weekdays]


MONDAYS = [date(2026, 10, 26) + timedelta(weeks=index) for index in range(8)]


def test_the_first_week_plans_only_days_after_joining():
    tally = tally_week(week_of(MONDAYS[0], 2, 4), MON_WED_FRI, JOINED, MONDAYS[0])
    assert tally == WeekTally(MONDAYS[0], done=2, planned=2)


def test_sessions_outside_the_week_and_rest_day_sessions():
    days = [*week_of(MONDAYS[1], 0, 5), *week_of(MONDAYS[2], 0, 2)]
    assert tally_week(days, MON_WED_FRI, JOINED, MONDAYS[1]) == WeekTally(MONDAYS[1], 2, 3)


def test_summary_this_week_and_earlier_weeks():
    done = [
        *week_of(MONDAYS[0], 2, 4),
        *week_of(MONDAYS[1], 0, 2, 4),
        *week_of(MONDAYS[2], 0),
        *week_of(MONDAYS[3], 0, 2, 4),
        *week_of(MONDAYS[4], 0, 1, 2, 4),
        *week_of(MONDAYS[5], 0),
    ]
    today = MONDAYS[5] + timedelta(days=2)  # Wednesday of week 5
    summary = summarize(done, MON_WED_FRI, JOINED, today, REPORT)
    assert summary.this_week == WeekTally(MONDAYS[5], 1, 3)
    weeks = [
        (week.week_start, week.done, week.planned, week.extra) for week in summary.earlier_weeks
    ]
    assert weeks == [
        (MONDAYS[4], 3, 3, 1),  # four sessions in a week of three: 3 of 3, + 1 extra
        (MONDAYS[3], 3, 3, 0),
        (MONDAYS[2], 1, 3, 0),
        (MONDAYS[1], 3, 3, 0),
    ]  # four earlier weeks, the joining week is beyond them
    assert summary.sessions_done == len(done)
    # Weeks 4 and 3 met the target; week 2 broke it; this week has not finished yet.
    assert summary.streak_weeks == 2


@pytest.mark.parametrize(
    ("done_by_week", "today_weekday", "streak"),
    [
        ([(2, 4), (0, 2, 4), (0, 2, 4), (0, 2, 4)], 6, 4),  # the first week needed 2 of 2
        ([(2,), (0, 2, 4), (0, 2, 4), ()], 0, 2),  # first week short; this week just began
        ([(2,), (0, 2, 4), (0, 2, 4), ()], 6, 2),  # ...and until its last day is over
        ([(2,), (0, 2, 4), (0, 2, 4), (), ()], 0, 0),  # a whole week missed breaks it
        ([(2, 4), (0, 2), (0, 2, 4), (0, 2)], 6, 1),  # a short week breaks it
        ([(2, 4), (0, 2), (0, 2, 4), (0, 2, 4)], 6, 2),
        ([(), (), (), ()], 6, 0),
        ([(2, 4), (0, 2, 4), (0, 2, 4), (0, 5, 6)], 6, 4),  # rest-day sessions count
    ],
)
def test_streak(done_by_week, today_weekday, streak):
    weeks = zip(MONDAYS, done_by_week, strict=False)
    done = [day for monday, days in weeks for day in week_of(monday, *days)]
    today = MONDAYS[len(done_by_week) - 1] + timedelta(days=today_weekday)
    assert summarize(done, MON_WED_FRI, JOINED, today, REPORT).streak_weeks == streak


def test_a_week_with_nothing_planned_neither_adds_nor_breaks():
    joined_saturday = MONDAYS[0] + timedelta(days=5)
    done = [*week_of(MONDAYS[1], 0, 2, 4), *week_of(MONDAYS[2], 0, 2, 4)]
    summary = summarize(done, MON_WED_FRI, joined_saturday, MONDAYS[2] + timedelta(6), REPORT)
    assert summary.streak_weeks == 2
    assert summary.earlier_weeks[-1] == WeekTally(MONDAYS[0], 0, 0)


def test_two_training_days_a_week_can_keep_a_streak():
    done = [*week_of(MONDAYS[1], 1, 3), *week_of(MONDAYS[2], 1, 3)]
    summary = summarize(done, (1, 3), JOINED, MONDAYS[2] + timedelta(days=6), REPORT)
    assert summary.streak_weeks == 2


def test_new_user_has_no_earlier_weeks():
    summary = summarize([], MON_WED_FRI, JOINED, JOINED, REPORT)
    assert summary.earlier_weeks == ()
    assert summary.this_week == WeekTally(MONDAYS[0], 0, 2)
    assert (summary.streak_weeks, summary.sessions_done) == (0, 0)
