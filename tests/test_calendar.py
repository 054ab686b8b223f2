from datetime import UTC, date, datetime

import pytest

from scheduler.calendar import (
    days_to_mask,
    describe_days,
    is_training_day,
    local_now,
    mask_to_days,
    next_training_day,
)
from scheduler.timezones import is_valid_zone, resolve_timezone, timezone_at

WINTER = datetime(2026, 11, 25, 12, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 12, tzinfo=UTC)
MON_WED_FRI = (0, 2, 4)


def test_training_days_use_python_weekdays():
    assert is_training_day(MON_WED_FRI, date(2026, 11, 25))  # Wednesday
    assert not is_training_day(MON_WED_FRI, date(2026, 11, 26))
    assert next_training_day(MON_WED_FRI, date(2026, 11, 27)) == date(2026, 11, 30)
    assert next_training_day((), date(2026, 11, 27)) is None
    assert describe_days(MON_WED_FRI) == "Mon, Wed, Fri"


def test_mask_round_trip():
    for days in [(0, 2, 4), (1, 3), (0, 1, 2, 3, 4, 5, 6), ()]:
        assert mask_to_days(days_to_mask(days)) == days


def test_local_now_crosses_midnight():
    assert local_now(datetime(2026, 11, 25, 23, 30, tzinfo=UTC), "Asia/Tokyo").date() == date(
        2026, 11, 26
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Berlin", ["Europe/Berlin"]),
        ("new york", ["America/New_York"]),
        ("Europe/Paris", ["Europe/Paris"]),
        ("munich", ["Europe/Berlin"]),
        ("mumbai", ["Asia/Kolkata"]),
        # Names outside ASCII, as people type them in the bot's other languages.
        ("München", ["Europe/Berlin"]),
        ("Москва", ["Europe/Moscow"]),
        ("Санкт-Петербург", ["Europe/Moscow"]),
        ("Zürich", ["Europe/Zurich"]),
        ("UTC", ["UTC"]),
        ("gmt+0", ["UTC"]),
        ("Xyzzyville", []),
        ("", []),
        ("+15", []),
        ("x" * 500, []),
    ],
)
def test_resolve_places(text, expected):
    assert resolve_timezone(text, WINTER) == expected


def test_offsets_give_real_zones_with_that_offset_now():
    winter = resolve_timezone("UTC+1", WINTER)
    summer = resolve_timezone("UTC+1", SUMMER)
    # Most people first (GeoNames populations): Lagos, then Berlin, Madrid, Rome, Paris.
    assert "Europe/Berlin" in winter and "Europe/Berlin" not in summer  # CEST is +2
    assert "Europe/London" in summer
    assert resolve_timezone("+5:30", WINTER)[0] == "Asia/Kolkata"
    assert all(is_valid_zone(zone) for zone in winter + summer)
    assert 1 <= len(winter) <= 6


def test_only_real_zone_names_are_valid():
    assert is_valid_zone("Europe/Berlin") and is_valid_zone("UTC")
    assert not is_valid_zone("Etc/GMT-5") and not is_valid_zone("Mars/Base")


@pytest.mark.parametrize(
    ("latitude", "longitude", "expected"),
    [
        (52.52, 13.40, "Europe/Berlin"),
        (40.71, -74.0, "America/New_York"),
        (-33.87, 151.21, "Australia/Sydney"),
        (0.0, -30.0, None),
        (91.0, 0.0, None),
        (0.0, 181.0, None),
    ],
)
def test_time_zone_of_a_map_pin(latitude, longitude, expected):
    assert timezone_at(latitude, longitude) == expected
