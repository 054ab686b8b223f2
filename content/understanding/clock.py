"""Clock times and weekdays typed in words: '7:30 pm', 'noon', '7 вечера', 'в половине
девятого', 'a las 8 y media', 'quarter to 8'; 'Mon, Wed, Fri', 'пн, ср, пт',
'lunes, miércoles y viernes'. The words are data (the [LANG.times] tables of words.toml and
Babel's weekday names); the grammar below is the same for every language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from content.i18n import DEFAULT_LANGUAGE
from content.understanding.tagging import Item, tag
from content.understanding.text import Kind

_MAX_TEXT = 200
_DAY_GLUE = frozenset({"joins", "filler"})


def parse_time(text: str, language: str = DEFAULT_LANGUAGE) -> time | None:
    """'7:30', '07:30', '18.00', '6pm', '7:30 pm', '6:15 am', '19', 'noon', '7 вечера',
    'в 7 утра', '7 de la tarde', 'a las 8 y media', 'half past 8' → a time; nonsense → None."""
    items = [
        item
        for item in tag(text[:_MAX_TEXT], language)
        if not (item.filler and not _timely(item)) and item.first.kind is not Kind.BREAK
    ]
    if any(item.unknown or item.mention for item in items):
        return None
    while items and items[0].has("time_before") and not _hour(items[0]) is not None:
        items = items[1:]
    if len(items) == 1 and (named := items[0].value("time_named")) is not None:
        return time(named // 60, named % 60)
    return _clock(items)


def _timely(item: Item) -> bool:
    return any(concept.startswith("time_") for concept in item.concepts)


def _hour(item: Item) -> int | None:
    """An hour as typed: digits (at most two), a number word, or an ordinal ("девятого")."""
    if item.first.kind is Kind.NUMBER:
        return (
            int(item.first.text)
            if item.first.text.isdigit() and len(item.first.text) <= 2
            else None
        )
    ordinal = item.value("time_ordinals")
    return ordinal if ordinal is not None else item.value("number")


def _minutes(item: Item | None) -> int | None:
    if item is None or item.first.kind is not Kind.NUMBER or not item.first.text.isdigit():
        return item.value("number") if item is not None else None
    return int(item.first.text) if len(item.first.text) <= 2 else None


def _clock(items: Sequence[Item]) -> time | None:
    """An hour with its minutes, an offset said before or after it and a half of the day,
    every word of them in that order; None if anything does not fit."""
    before = _offset_before(list(items))
    if before is None or not before[1]:
        return None
    offset, rest = before
    read = _hour_and_minute(rest)
    if read is None:
        return None
    hour, minute, rest = read
    after = _offset_after(rest)
    if after is None:
        return None
    extra, rest = after
    return _time_of_day(hour, minute, offset + extra, rest)


def _offset_before(rest: list[Item]) -> tuple[int, list[Item]] | None:
    """Minutes said before the hour, and what follows them: 'half past', 'в половине',
    '20 to'; 0 without any, None for minutes that are not a number."""
    if rest and (before := rest[0].value("time_before_hour")) is not None:
        return before, rest[1:]
    if len(rest) >= 3 and rest[1].has("time_minutes_past", "time_minutes_to"):
        minutes = _minutes(rest[0])
        if minutes is None:
            return None
        return (minutes if rest[1].has("time_minutes_past") else -minutes), rest[2:]
    return 0, rest


def _hour_and_minute(rest: list[Item]) -> tuple[int, int, list[Item]] | None:
    """The hour and its minutes as typed ('7.30', '7:30', '18h30', '8 30', or an hour alone),
    and what follows them; None if it is not an hour."""
    first, rest = rest[0], rest[1:]
    minute = 0
    if first.first.kind is Kind.NUMBER and "." in first.first.text:
        hour_text, minute_text = first.first.text.split(".")
        if len(minute_text) != 2 or len(hour_text) > 2:
            return None
        hour, minute = int(hour_text), int(minute_text)
    elif (found := _hour(first)) is not None:
        hour = found
    else:
        return None
    separator = rest[0] if rest else None
    if separator and (separator.first.text == ":" or separator.has("time_hours")):
        if len(rest) > 1 and rest[1].first.kind is Kind.NUMBER:
            minutes = _minutes(rest[1])
            if minutes is None:
                return None
            minute, rest = minutes, rest[2:]
    elif rest and rest[0].first.kind is Kind.NUMBER and len(rest[0].first.text) == 2:
        minute, rest = int(rest[0].first.text), rest[1:]
    return hour, minute, rest


def _offset_after(rest: list[Item]) -> tuple[int, list[Item]] | None:
    """Minutes said after the hour ('8 y media', 'семь с половиной', '8 menos 10'), either
    side of an "o'clock" word, and what follows them; 0 without any, None for minutes that are
    not a number."""
    rest = _past_hours_word(rest)
    if rest and (after := rest[0].value("time_after_hour")) is not None:
        return after, _past_hours_word(rest[1:])
    if len(rest) >= 2 and rest[0].has("time_hour_plus", "time_hour_minus"):
        extra = _minutes(rest[1])
        if extra is None:
            return None
        return (extra if rest[0].has("time_hour_plus") else -extra), _past_hours_word(rest[2:])
    return 0, rest


def _past_hours_word(rest: list[Item]) -> list[Item]:
    """What follows an "o'clock" word ('8 часов', '8 en punto'), said or not."""
    while rest and rest[0].has("time_hours"):
        rest = rest[1:]
    return rest


def _time_of_day(hour: int, minute: int, offset: int, rest: list[Item]) -> time | None:
    """The time, on a 12-hour clock when a half of the day ends it ('7 pm', '7 вечера'); None
    if anything else is left or the numbers are no time."""
    half = None
    if rest and rest[0].has("time_am", "time_pm", "time_night"):
        half, rest = rest[0], rest[1:]
    if rest or minute > 59:
        return None
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        evening = half.has("time_pm") or (half.has("time_night") and 6 <= hour < 12)
        hour = hour % 12 + (12 if evening else 0)
    if hour > 23:
        return None
    total = (hour * 60 + minute + offset) % (24 * 60)
    return time(total // 60, total % 60)


def is_bare_midnight(text: str) -> bool:
    """'00:00', '0:00', '0' or '24:00' typed as a time: probably not meant as midnight."""
    return text.strip().lower().replace(" ", "") in {"00:00", "0:00", "0", "00", "0.00", "00.00"}


def parse_days(text: str, language: str = DEFAULT_LANGUAGE) -> tuple[int, ...] | None:
    """Training days typed as weekday names, full or abbreviated, in the person's language or
    in English, in any case, inflection or with a small typo: 'Mon, Wed, Fri', 'пн ср пт',
    'по понедельникам и средам', 'lunes, miércoles y viernes' → (0, 2, 4); None if any word
    is not a day."""
    days: set[int] = set()
    for item in tag(text[:_MAX_TEXT], language):
        day = item.value("weekday")
        day = item.value("weekday_short") if day is None else day
        if day is not None:
            days.add(day)
        elif item.first.kind is Kind.BREAK or item.first.text in ",/+&":
            continue
        elif not item.tags or not all(
            concept in _DAY_GLUE or concept.startswith("time_") for concept in item.concepts
        ):
            return None
    return tuple(sorted(days)) or None
