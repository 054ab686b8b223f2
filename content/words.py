"""The words people type in reply, per language, as data (content/data/words.toml), and the
one way text is folded before it is compared: case, accents and 'ё' do not matter."""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import time
from functools import cache
from pathlib import Path

from content.i18n import LANGUAGES

WORDS_PATH = Path(__file__).parent / "data" / "words.toml"
LISTS = (
    "done",
    "did",
    "skipped",
    "skip",
    "later",
    "yes",
    "no",
    "pain",
    "out_of_ten",
    "knee",
    "morning",
    "today",
    "joins",
)
TIME_LISTS = ("before", "hours", "am", "pm", "night")


def fold(text: str) -> str:
    """text as it is compared: casefolded, 'ё' as 'е', accents and other marks taken off
    ('Miércoles' → 'miercoles', 'ЁЖ' → 'еж'), spaces tidied."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("ё", "е"))
    kept = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(unicodedata.normalize("NFC", kept).split())


@dataclass(frozen=True)
class TimeWords:
    """How a language says a clock time in words, so "7 вечера" and "7 de la tarde" parse."""

    before: tuple[str, ...]  # "в", "a las": said before the hour
    hours: tuple[str, ...]  # "часов", "horas": said after it
    am: tuple[str, ...]
    pm: tuple[str, ...]
    night: tuple[str, ...]  # pm from 6 on, otherwise am ("11 ночи", "2 ночи")
    named: dict[str, time]  # "полдень" → 12:00


@dataclass(frozen=True)
class Vocabulary:
    """One language's reply words, folded."""

    language: str
    done: tuple[str, ...]
    did: tuple[str, ...]
    skipped: tuple[str, ...]
    skip: tuple[str, ...]
    later: tuple[str, ...]
    yes: tuple[str, ...]
    no: tuple[str, ...]
    pain: tuple[str, ...]
    out_of_ten: tuple[str, ...]
    knee: tuple[str, ...]
    morning: tuple[str, ...]
    today: tuple[str, ...]
    joins: tuple[str, ...]
    numbers: dict[str, int]
    times: TimeWords


class WordsError(ValueError):
    """words.toml is missing a language or a list, or has a wrong entry."""


def _words(raw: object, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(word, str) and word for word in raw):
        raise WordsError(f"{WORDS_PATH}: {where} must be a list of words")
    # Longest first, so "сделал все" is tried before "сделал".
    return tuple(sorted({fold(word) for word in raw}, key=len, reverse=True))


@cache
def vocabulary(language: str) -> Vocabulary:
    """The language's words; raises WordsError naming the file, list and language."""
    with WORDS_PATH.open("rb") as source:
        data = tomllib.load(source)
    raw = data.get(language)
    if not isinstance(raw, dict):
        raise WordsError(f"{WORDS_PATH}: no [{language}] words")
    lists = {name: _words(raw.get(name), f"{language}.{name}") for name in LISTS}
    numbers = raw.get("numbers", {})
    if not isinstance(numbers, dict) or not all(
        isinstance(value, int) and 0 <= value <= 10 for value in numbers.values()
    ):
        raise WordsError(f"{WORDS_PATH}: {language}.numbers must map words to 0–10")
    times = raw.get("times")
    if not isinstance(times, dict):
        raise WordsError(f"{WORDS_PATH}: no [{language}.times] words")
    named = {}
    for word, value in dict(times.get("named", {})).items():
        try:
            named[fold(word)] = time.fromisoformat(str(value))
        except ValueError:
            raise WordsError(f"{WORDS_PATH}: {language}.times.named.{word} is not HH:MM") from None
    time_lists = {name: _words(times.get(name), f"{language}.times.{name}") for name in TIME_LISTS}
    return Vocabulary(
        language=language,
        numbers={fold(word): value for word, value in numbers.items()},
        times=TimeWords(**time_lists, named=named),
        **lists,
    )


def check_words() -> None:
    """Every language's words load (called at start-up, next to the catalogue)."""
    for language in LANGUAGES:
        vocabulary(language)
