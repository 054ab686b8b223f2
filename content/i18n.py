"""The bot's words in the person's language: gettext catalogues kept as `.po` files beside this
module (compiled in memory at start-up, so nothing generated is committed), the language of the
update being handled held in a context variable, and dates and times formatted by Babel for
that language rather than by hand-made tables.

Mark a text with `_()` where it is used (or `N_()` where it is defined and translated later);
`pybabel extract` (see README) collects the marks into content/locale/messages.pot.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, time
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import (
    format_date,
    format_interval,
    format_skeleton,
    get_timezone_location,
    match_skeleton,
    tokenize_pattern,
    untokenize_pattern,
)
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
# The languages the bot speaks, English first (the source language of every message).
LANGUAGES = ("en", "ru", "es")

_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def po_path(language: str) -> Path:
    """Where the `.po` catalogue of `language` lives."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The language's catalogue; English (the source) needs none."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    with po_path(language).open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def supported(code: str | None) -> str:
    """The bot's language for a Telegram language_code ("ru", "es-ES", "pt-BR", None)."""
    base = (code or "").replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


@contextmanager
def use_language(language: str | None) -> Iterator[None]:
    """Every `_()` inside the block (and in tasks it starts) speaks language."""
    token = _language.set(supported(language))
    try:
        yield
    finally:
        _language.reset(token)


def current_language() -> str:
    """The language `_()` speaks now (the one of the update being handled)."""
    return _language.get()


def _(message: str) -> str:
    """message in the current language."""
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for count, by the current language's plural rules."""
    return translations(_language.get()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks message for extraction where it is defined; translate it with _() where used."""
    return message


# English dates are written the British way (25 November), as the bot always has.
_DATE_LOCALES = {"en": "en_GB"}


def locale() -> Locale:
    """Babel's locale for dates and numbers in the current language (en is British)."""
    language = _language.get()
    return Locale.parse(_DATE_LOCALES.get(language, language))


def day_name(day: date, *, opening: bool = False) -> str:
    """'Wednesday 25 November', 'среда, 25 ноября', 'miércoles, 25 de noviembre'; opening: it
    opens a line or sentence ('Среда, 25 ноября')."""
    text = format_date(day, _wide_weekday_pattern(locale()), locale=locale())
    return sentence_start(text) if opening else text


def short_day(day: date, *, opening: bool = False) -> str:
    """'Wed 25 Nov', 'ср, 25 нояб.'; opening: it opens a line ('Ср, 25 нояб.')."""
    text = format_skeleton("MMMEd", day, locale=locale())
    return sentence_start(text) if opening else text


@cache
def _wide_weekday_pattern(language: Locale) -> str:
    """The language's pattern for a weekday with its date, the weekday written in full: CLDR
    has one for English only, and Babel's nearest match for Russian and Spanish abbreviates it
    ('пн, 7 декабря'), so the weekday field of that pattern is widened."""
    skeletons = language.datetime_skeletons
    pattern = str(skeletons[match_skeleton("MMMMEEEEd", skeletons) or "MMMMEd"])
    return untokenize_pattern(
        [
            ("field", (value[0], 4)) if kind == "field" and value[0] in "Ec" else (kind, value)
            for kind, value in tokenize_pattern(pattern)
        ]
    )


def sentence_start(text: str) -> str:
    """text with its first letter in capitals, as a sentence or a line starts ('пн' → 'Пн')."""
    for index, char in enumerate(text):
        if char.isalpha():
            return text[:index] + char.upper() + text[index + 1 :]
    return text


def day_month(day: date) -> str:
    """'25 Nov' (for week ranges and chart labels)."""
    return format_skeleton("MMMd", day, locale=locale())


def clock_time(at: time) -> str:
    """A time of day in the current language's 24-hour form (18:00), as reminders are set."""
    return format_skeleton("Hm", at, locale=locale())


def weekday_abbreviations() -> tuple[str, ...]:
    """Monday first: 'Mon' … 'Sun' in the current language."""
    names = locale().days["format"]["abbreviated"]
    return tuple(str(names[day]) for day in range(7))


def weekday_names(language: str) -> tuple[tuple[str, ...], ...]:
    """Monday first: every way language names each weekday (wide, abbreviated and short, as
    written in a date and standing alone): ('Monday', 'Mon', 'Mo'), ('понедельник', 'пн', …)."""
    days = Locale.parse(_DATE_LOCALES.get(language, language)).days
    return tuple(
        tuple(
            dict.fromkeys(
                str(days[context][width][day])
                for context in ("format", "stand-alone")
                for width in ("wide", "abbreviated", "short")
            )
        )
        for day in range(7)
    )


def date_range(first: date, last: date) -> str:
    """'9 Nov – 6 Dec 2026', '9 нояб. — 6 дек. 2026 г.', '9 de noviembre – 6 de diciembre de
    2026': a period as the language writes one."""
    return format_interval(first, last, "yMMMMd", locale=locale())


def language_name(code: str) -> str:
    """A language named in the current language, as written inside a sentence: 'Russian',
    'русский', 'español'."""
    return str(locale().languages.get(code, code))


def zone_name(zone: str) -> str:
    """A time zone by its city in the current language ('Москва' for Europe/Moscow), as
    people know it; the zone's own name where CLDR has no city (UTC)."""
    try:
        return str(get_timezone_location(zone, locale=locale(), return_city=True))
    except LookupError:
        return zone.replace("_", " ")


def full_date(day: date) -> str:
    """'20 December 2026', '20 декабря 2026 г.', '20 de diciembre de 2026'."""
    return format_date(day, format="long", locale=locale())


def decimal(value: float) -> str:
    """A number the way the language writes it: 2.5, 2,5."""
    return format_decimal(value, format="#,##0.#", locale=locale())
