"""The words people type in reply, per language, as data (content/data/words.toml): which words
mean which idea ("done", "pain", "this morning", ...), the number words and the words around a
clock time. Checked at start-up; the understanding engine builds its lexicons from them."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from content.i18n import LANGUAGES

WORDS_PATH = Path(__file__).parent.parent / "data" / "words.toml"
# The ideas every language names (see the comment at the top of words.toml).
CONCEPTS = (
    "done",
    "did",
    "skipped",
    "not",
    "except",
    "session",
    "will",
    "skip",
    "later",
    "yes",
    "no",
    "pain",
    "no_pain",
    "unwell",
    "knee",
    "out_of_ten",
    "morning",
    "during",
    "today",
    "other_day",
    "correction",
    "said",
    "gave_way",
    "units",
    "of",
    "or",
    "joins",
    "but",
    "hello",
    "filler",
)
TIME_LISTS = (
    "before",
    "hours",
    "am",
    "pm",
    "night",
    "minutes_past",
    "minutes_to",
    "hour_plus",
    "hour_minus",
)
TIME_TABLES = ("before_hour", "after_hour", "ordinals")
MAX_NUMBER_WORD = 12  # number words go up to twelve, for clock hours


@dataclass(frozen=True)
class TimeWords:
    """How a language says a clock time in words, so "7 вечера", "a las 8 y media" and "half
    past 8" parse."""

    lists: Mapping[str, tuple[str, ...]]  # TIME_LISTS → phrases
    tables: Mapping[str, Mapping[str, int]]  # TIME_TABLES → phrase → minutes (or an hour)
    named: Mapping[str, time]  # "полдень" → 12:00


@dataclass(frozen=True)
class Words:
    """One language's reply words, as written in the data file."""

    language: str
    phrases: Mapping[str, tuple[str, ...]]  # CONCEPTS → phrases
    numbers: Mapping[str, int]
    times: TimeWords


@dataclass(frozen=True)
class Reading:
    """How the engine reads, in every language (the [reading] table of words.toml)."""

    score_window: int
    one_typo_from: int
    two_typos_from: int
    correction_hours: int
    ambiguous_place_share: float
    ambiguous_place_people: int


class WordsError(ValueError):
    """words.toml is missing a language or a list, or has a wrong entry."""


def _phrases(raw: object, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(word, str) and word for word in raw):
        raise WordsError(f"{WORDS_PATH}: {where} must be a list of words")
    return tuple(dict.fromkeys(raw))


def _table(raw: object, where: str, low: int, high: int) -> Mapping[str, int]:
    if not isinstance(raw, dict) or not all(
        isinstance(value, int) and low <= value <= high for value in raw.values()
    ):
        raise WordsError(f"{WORDS_PATH}: {where} must map words to whole numbers {low}–{high}")
    return MappingProxyType(dict(raw))


def _times(raw: object, language: str) -> TimeWords:
    if not isinstance(raw, dict):
        raise WordsError(f"{WORDS_PATH}: no [{language}.times] words")
    named = {}
    for word, value in dict(raw.get("named", {})).items():
        try:
            named[word] = time.fromisoformat(str(value))
        except ValueError:
            raise WordsError(f"{WORDS_PATH}: {language}.times.named.{word} is not HH:MM") from None
    lists = {name: _phrases(raw.get(name), f"{language}.times.{name}") for name in TIME_LISTS}
    tables = {
        name: _table(raw.get(name), f"{language}.times.{name}", -59, 59)
        for name in TIME_TABLES
        if name != "ordinals"
    }
    tables["ordinals"] = _table(raw.get("ordinals"), f"{language}.times.ordinals", 1, 12)
    return TimeWords(MappingProxyType(lists), MappingProxyType(tables), MappingProxyType(named))


@cache
def words(language: str) -> Words:
    """The language's words; raises WordsError naming the file, list and language."""
    with WORDS_PATH.open("rb") as source:
        data = tomllib.load(source)
    raw = data.get(language)
    if not isinstance(raw, dict):
        raise WordsError(f"{WORDS_PATH}: no [{language}] words")
    phrases = {name: _phrases(raw.get(name), f"{language}.{name}") for name in CONCEPTS}
    numbers = _table(raw.get("numbers", {}), f"{language}.numbers", 0, MAX_NUMBER_WORD)
    return Words(language, MappingProxyType(phrases), numbers, _times(raw.get("times"), language))


@cache
def reading() -> Reading:
    """The [reading] settings; raises WordsError naming the file and the setting."""
    with WORDS_PATH.open("rb") as source:
        raw = tomllib.load(source).get("reading")
    if not isinstance(raw, dict):
        raise WordsError(f"{WORDS_PATH}: no [reading] settings")
    whole = {name: _setting(raw, name, int) for name in _WHOLE_SETTINGS}
    share = _setting(raw, "ambiguous_place_share", float)
    if not 0 < share < 1:
        raise WordsError(f"{WORDS_PATH}: reading.ambiguous_place_share must be between 0 and 1")
    return Reading(**whole, ambiguous_place_share=share)


_WHOLE_SETTINGS = (
    "score_window",
    "one_typo_from",
    "two_typos_from",
    "correction_hours",
    "ambiguous_place_people",
)


_Number = TypeVar("_Number", int, float)


def _setting(raw: dict[str, object], name: str, kind: type[_Number]) -> _Number:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
        raise WordsError(f"{WORDS_PATH}: reading.{name} must be a number above 0")
    return value


def check_words() -> None:
    """Every language's words load (called at start-up, next to the catalogue)."""
    reading()
    for language in LANGUAGES:
        words(language)
