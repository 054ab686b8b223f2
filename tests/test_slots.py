"""Slot maths across time zones and daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from content.adherence import week_start
from scheduler.slots import last_training_day_of_week, next_daily_slot, slot_instant


@pytest.mark.parametrize(
    ("zone", "expected_utc"),
    [
        ("Europe/Berlin", datetime(2026, 11, 25, 6, 30, tzinfo=UTC)),
        ("America/New_York", datetime(2026, 11, 25, 12, 30, tzinfo=UTC)),
        ("Asia/Kolkata", datetime(2026, 11, 25, 2, 0, tzinfo=UTC)),
        ("Australia/Sydney", datetime(2026, 11, 24, 20, 30, tzinfo=UTC)),
    ],
)
def test_same_wall_clock_in_different_zones(zone, expected_utc):
    assert slot_instant(date(2026, 11, 25), time(7, 30), zone) == expected_utc


def test_wall_clock_is_kept_across_dst():
    before = slot_instant(date(2026, 3, 28), time(7, 30), "Europe/Berlin")
    after = slot_instant(date(2026, 3, 29), time(7, 30), "Europe/Berlin")
    assert (before.hour, after.hour) == (6, 5)  # 07:30 CET, then 07:30 CEST


def test_spring_forward_gap_fires_at_next_valid_minute():
    # On 29 March 2026 Berlin jumps from 02:00 to 03:00: 02:30 does not exist.
    instant = slot_instant(date(2026, 3, 29), time(2, 30), "Europe/Berlin")
    assert instant == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    # New York jumps 02:00 → 03:00 on 8 March 2026.
    assert slot_instant(date(2026, 3, 8), time(2, 15), "America/New_York") == datetime(
        2026, 3, 8, 7, 0, tzinfo=UTC
    )


def test_fall_back_repeated_time_fires_once_at_first_occurrence():
    # On 25 October 2026 Berlin repeats 02:00–03:00.
    instant = slot_instant(date(2026, 10, 25), time(2, 30), "Europe/Berlin")
    assert instant == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, the first one
    day, first = next_daily_slot(
        datetime(2026, 10, 24, 23, 0, tzinfo=UTC), time(2, 30), "Europe/Berlin"
    )
    assert (day, first) == (date(2026, 10, 25), instant)
    _, following = next_daily_slot(first, time(2, 30), "Europe/Berlin")
    assert following.date() == date(2026, 10, 26)  # not the repeated 02:30 an hour later


def test_next_daily_slot_is_strictly_after():
    now = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)  # exactly 07:30 in Berlin
    day, instant = next_daily_slot(now, time(7, 30), "Europe/Berlin")
    assert day == date(2026, 11, 26) and instant == datetime(2026, 11, 26, 6, 30, tzinfo=UTC)
    day, _ = next_daily_slot(now.replace(minute=29), time(7, 30), "Europe/Berlin")
    assert day == date(2026, 11, 25)


def test_week_helpers():
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)
    assert last_training_day_of_week((0, 2, 4), date(2026, 11, 27))
    assert not last_training_day_of_week((0, 2, 4), date(2026, 11, 25))
    assert not last_training_day_of_week((), date(2026, 11, 25))
