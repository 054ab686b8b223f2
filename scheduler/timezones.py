"""Turns what a person types (a city, a zone name, a UTC offset) into IANA zone names.

A UTC offset is never stored as such: daylight saving would drift it. It only narrows the
choice to real zones that have that offset now.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from timezonefinder import TimezoneFinder

from content.matcher import normalize

CITIES_FILE = Path(__file__).parent.parent / "content" / "data" / "cities.toml"
_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)
_OFFSET = re.compile(
    r"^(?:utc|gmt)?\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$"
)
MAX_CHOICES = 6


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zone for zone in available_timezones() if zone.startswith(_REGIONS)))


@cache
def _places() -> dict[str, str]:
    """Normalised place name → zone: every zone's city part, then the cities file."""
    places = {normalize(zone.rsplit("/", 1)[-1]): zone for zone in _zones()}
    with CITIES_FILE.open("rb") as handle:
        for city, zone in tomllib.load(handle)["cities"].items():
            places[normalize(city)] = zone
    return places


@cache
def _preferred() -> tuple[str, ...]:
    """Zones to offer first for an offset: the big cities people name most."""
    with CITIES_FILE.open("rb") as handle:
        return tuple(dict.fromkeys(tomllib.load(handle)["cities"].values()))


def is_valid_zone(name: str) -> bool:
    return name == "UTC" or name in _zones()


def resolve_timezone(text: str, now: datetime) -> list[str]:
    """Candidate zone names for the text, best first; empty when nothing fits."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > 64:
        return []
    lowered = cleaned.lower()
    if lowered in {"utc", "gmt", "z", "utc+0", "utc-0", "gmt+0", "+0", "0"}:
        return ["UTC"]
    by_name = {zone.lower(): zone for zone in _zones()}
    if lowered.replace(" ", "_") in by_name:
        return [by_name[lowered.replace(" ", "_")]]
    offset = _OFFSET.match(lowered.replace(" ", ""))
    if offset:
        return _zones_with_offset(offset, now)
    place = _places().get(normalize(cleaned))
    return [place] if place else []


def _zones_with_offset(match: re.Match[str], now: datetime) -> list[str]:
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    if hours > 14 or minutes >= 60:
        return []
    wanted = timedelta(hours=hours, minutes=minutes) * (-1 if match["sign"] == "-" else 1)
    if not wanted:
        return ["UTC"]
    matching = [zone for zone in _zones() if now.astimezone(ZoneInfo(zone)).utcoffset() == wanted]
    preferred = [zone for zone in _preferred() if zone in matching]
    ranked = preferred + [zone for zone in matching if zone not in preferred]
    return ranked[:MAX_CHOICES]


@cache
def _finder() -> TimezoneFinder:
    return TimezoneFinder()


def timezone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone of a map pin, offline; None at sea or for nonsense coordinates."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    zone = _finder().timezone_at(lat=latitude, lng=longitude)
    return zone if zone is not None and is_valid_zone(zone) else None
