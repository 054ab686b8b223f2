"""Understands the short free-text messages people send ('done', 'pain 3', 'did hip bump, pain 4',
'pain 4 this morning', '7:30 pm', 'noon') without Telegram types, in English and in the
person's language ('готово, боль 3', 'hecho', 'dolor 3 esta mañana', '7 вечера', 'lunes'); the
other languages' words are data (content/data/words.toml).

Whether a bare number is a pain score depends on the last question; that decision is the
caller's. This module only says what the words mean.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from enum import Enum
from functools import cache

from content.i18n import DEFAULT_LANGUAGE, weekday_names
from content.words import Vocabulary, fold, vocabulary

MAX_PAIN = 10
MAX_LENGTH = 120


def _words(words: tuple[str, ...]) -> str:
    """A regex alternative of words (longest first), a space matching any run of spaces."""
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in words) or r"(?!)"


class Intent(Enum):
    """What a free-text reply means, as far as the bot can tell."""

    DONE = "done"
    SKIP = "skip"
    LATER = "later"
    PAIN = "pain"
    PAIN_OUT_OF_RANGE = "pain_out_of_range"
    KNEE = "knee"  # talk of knee pain without a number: "my knee hurts"
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class When(Enum):
    """Which day a reply's score is about."""

    ANY = "any"  # no day named: the pending question decides
    TODAY = "today"
    MORNING = "morning"  # "this morning": the morning after the last session


@dataclass(frozen=True)
class Reply:
    """A free-text reply understood: its intent, any score, and the exercises it names."""

    intent: Intent
    score: int | None = None
    # True when the text said 'pain' (or 'knee', 'sore') explicitly, so it is a pain score
    # whatever was asked last.
    explicit: bool = False
    when: When = When.ANY
    did: tuple[str, ...] = ()  # exercises named as done ("did hip bump")
    skipped: tuple[str, ...] = ()  # exercises named as left out ("skipped the lunges")
    out_of_range: bool = False  # a score was given but is not a whole number from 0 to 10

    @property
    def morning(self) -> bool:
        """It said 'morning': this morning's score, for the session the day before."""
        return self.when is When.MORNING


_ENGLISH = vocabulary(DEFAULT_LANGUAGE)  # the plain words; sentence patterns follow
NUMBER_WORDS = _ENGLISH.numbers
_NUMBER = r"(?P<score>-?\d{1,3}(?:[.,]\d+)?|" + "|".join(NUMBER_WORDS) + ")"
_DONE = re.compile(
    r"^(?:done|done ✅|✅|✔️|did it|i did it|finished|i finished|complete|completed|all done|"
    r"(?:i )?did (?:my|the|all|today's|todays) (?:session|exercises|workout|routine)|"
    r"(?:i )?did (?:them|it all|everything)|session done|exercises done)$"
)
_DID = re.compile(r"^(?:i )?(?:did|done|finished|completed) (?:the |my |some )?(?P<what>.+)$")
_SKIP = re.compile(rf"^({_words(_ENGLISH.skip)})$")
_SKIPPED = re.compile(
    r"^(?:i )?(?:skipped|skip|left out|missed|didn't do|did not do) (?:the |my )?(?P<what>.+)$"
)
_LATER = re.compile(rf"^({_words(_ENGLISH.later)})$")
_YES = re.compile(rf"^({_words(_ENGLISH.yes)})$")
_NO = re.compile(rf"^({_words(_ENGLISH.no)})$")
_PAIN_WORDS = (
    r"(?:(?:my )?knee(?: pain)?(?: is| was| feels|'s)?(?: sore| painful| hurting| at)?|"
    r"pain(?: is| was| level| score| of)?|hurts?|sore(?:ness)?|score(?: is| of)?)"
)
_WHEN = r"(?P<when>this morning|in the morning|today|now|right now|tonight)?"
_PAIN = re.compile(
    rf"^(?:(?P<word>{_PAIN_WORDS})\s*[:=]?\s*)?{_NUMBER}\s*(?:/\s*10|out of 10)?\s*{_WHEN}$"
)
_PAIN_AFTER = re.compile(  # "4 this morning", "6 today" are scores too once a day is named
    rf"^(?:{_WHEN}\s*)?(?P<word>{_PAIN_WORDS})\s*[:=]?\s*{_NUMBER}\s*(?:/\s*10|out of 10)?$"
)
_MORNING_FIRST = re.compile(  # "morning 6", "this morning: 4/10"
    rf"^(?:this )?morning\s*[:=]?\s*{_NUMBER}\s*(?:/\s*10|out of 10)?$"
)
_KNEE_TALK = re.compile(
    r"^(?:my )?knee(?:s)? (?:hurts?|is (?:sore|painful|bad|hurting|killing me|aching)|"
    r"aches?|feels? (?:bad|sore|awful))(?: today| this morning| a lot| again)?$"
    r"|^(?:i'?m|i am) (?:in pain|sore)(?: today)?$|^(?:it )?hurts(?: today)?$"
)
_DONE_WITH_SCORE = re.compile(rf"^(?:done|did it|finished|all done|✅)\s+{_NUMBER}\s*(?:/\s*10)?$")


_CLAUSES = re.compile(r"[,;+]| and | with | but ")


def _clean(text: str) -> str:
    cleaned = re.sub(r"\s+", " ", text.strip().lower()).replace("’", "'")
    return cleaned.strip(" .!?")


def _score(word: str) -> tuple[int | None, bool]:
    """(score, in range) of a number as typed."""
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word], True
    value = float(word.replace(",", "."))
    if not value.is_integer() or not 0 <= value <= MAX_PAIN:
        return None, False
    return int(value), True


def _when(word: str | None) -> When:
    if not word:
        return When.ANY
    return When.MORNING if "morning" in word else When.TODAY


def _pain(clause: str) -> Reply | None:
    if first := _MORNING_FIRST.match(clause):
        score, ok = _score(first.group("score"))
        if not ok:
            return Reply(
                Intent.PAIN_OUT_OF_RANGE, explicit=True, when=When.MORNING, out_of_range=True
            )
        return Reply(Intent.PAIN, score=score, explicit=True, when=When.MORNING)
    match = _PAIN.match(clause) or _PAIN_AFTER.match(clause)
    if match is None:
        return None
    explicit = match.group("word") is not None or match.group("when") is not None
    score, ok = _score(match.group("score"))
    when = _when(match.group("when"))
    if not ok:
        return Reply(Intent.PAIN_OUT_OF_RANGE, explicit=explicit, when=when, out_of_range=True)
    return Reply(Intent.PAIN, score=score, explicit=explicit, when=when)


def _one(clause: str) -> Reply:
    """One clause of a message."""
    if _DONE.match(clause):
        return Reply(Intent.DONE)
    if done := _DONE_WITH_SCORE.match(clause):
        score, ok = _score(done.group("score"))
        return Reply(Intent.DONE, score=score, explicit=True, out_of_range=not ok)
    for pattern, intent in (
        (_SKIP, Intent.SKIP),
        (_LATER, Intent.LATER),
        (_YES, Intent.YES),
        (_NO, Intent.NO),
    ):
        if pattern.match(clause):
            return Reply(intent)
    if (pain := _pain(clause)) is not None:
        return pain
    if _KNEE_TALK.match(clause):
        when = When.MORNING if "morning" in clause else When.TODAY
        return Reply(Intent.KNEE, explicit=True, when=when)
    if skipped := _SKIPPED.match(clause):
        return Reply(Intent.DONE, skipped=(skipped.group("what"),))
    if did := _DID.match(clause):
        return Reply(Intent.DONE, did=(did.group("what"),))
    return Reply(Intent.UNKNOWN)


def parse_reply(text: str, language: str = DEFAULT_LANGUAGE) -> Reply:
    """Classify one message; anything unrecognised is UNKNOWN, never an exception. A message
    of several clauses ("done, pain 3", "skipped the lunges, knee sore 6") is read as one
    report: a session (done, with what was done or left out) and a pain score. English is
    understood in every language; language adds its own words."""
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > MAX_LENGTH:
        return Reply(Intent.UNKNOWN)
    reply = _combine(cleaned, _CLAUSES, _one)
    if reply.intent is Intent.UNKNOWN and language != DEFAULT_LANGUAGE:
        local = _Local.of(language)
        reply = _combine(fold(cleaned).strip(" .!?¡¿"), local.clauses, local.one)
    return reply


def _combine(cleaned: str, clauses: re.Pattern[str], one: Callable[[str], Reply]) -> Reply:
    pieces = [piece.strip(" .!?¡¿") for piece in clauses.split(cleaned)]
    if len(pieces) == 1:
        return one(cleaned)
    parts = [one(piece) for piece in pieces if piece]
    if any(part.intent is Intent.UNKNOWN for part in parts):
        return one(cleaned)
    done = [part for part in parts if part.intent is Intent.DONE]
    pain = [part for part in parts if part.intent in (Intent.PAIN, Intent.PAIN_OUT_OF_RANGE)]
    if len(pain) > 1 or len(done) + len(pain) != len(parts):
        return Reply(Intent.UNKNOWN)
    score = pain[0] if pain else None
    if not done:
        return score or Reply(Intent.UNKNOWN)
    return Reply(
        Intent.DONE,
        score=score.score if score else None,
        explicit=True,
        when=score.when if score else When.ANY,
        did=tuple(name for part in done for name in part.did),
        skipped=tuple(name for part in done for name in part.skipped),
        out_of_range=bool(score and score.out_of_range),
    )


_TIME = re.compile(
    r"^(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)?$"
)
_NAMED_TIMES = {word.replace(" ", ""): at for word, at in _ENGLISH.times.named.items()}


def parse_time(text: str, language: str = DEFAULT_LANGUAGE) -> time | None:
    """'7:30', '07:30', '18.00', '6pm', '7:30 pm', '6:15 am', '19', 'noon' → a time, and in
    the person's language '7 вечера', 'в 7 утра', '7 de la tarde', 'a las 19:00', 'mediodía';
    nonsense → None."""
    found = _english_time(text)
    if found is None:
        for words in dict.fromkeys((language, DEFAULT_LANGUAGE)):
            found = _local_time(text, vocabulary(words))
            if found is not None:
                break
    return found


def _english_time(text: str) -> time | None:
    cleaned = text.strip().lower().replace(" ", "").replace("o'clock", "")
    if cleaned in _NAMED_TIMES:
        return _NAMED_TIMES[cleaned]
    match = _TIME.match(cleaned)
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"].startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def is_bare_midnight(text: str) -> bool:
    """'00:00', '0:00', '0' or '24:00' typed as a time: probably not meant as midnight."""
    return text.strip().lower().replace(" ", "") in {"00:00", "0:00", "0", "00", "0.00", "00.00"}


# -- other languages ----------------------------------------------------------------------------


def _any(words: tuple[str, ...]) -> str:
    """A regex alternative of folded words, longest first."""
    return "|".join(re.escape(word) for word in words) or r"(?!)"


@dataclass(frozen=True)
class _Local:
    """The reply patterns of one language, built from its words (already folded)."""

    words: Vocabulary
    clauses: re.Pattern[str]
    pain: re.Pattern[str]
    pain_after: re.Pattern[str]
    morning_first: re.Pattern[str]
    done_with_score: re.Pattern[str]
    did: re.Pattern[str]
    skipped: re.Pattern[str]
    knee: re.Pattern[str]

    @staticmethod
    @cache
    def of(language: str) -> _Local:
        words = vocabulary(language)
        number = r"(?P<score>-?\d{1,3}(?:[.,]\d+)?|" + _any(tuple(words.numbers)) + ")"
        of_ten = rf"(?:\s*(?:/\s*10|{_any(words.out_of_ten)}))?"
        when = rf"(?P<when>{_any(words.morning + words.today)})?"
        pain = rf"(?P<word>{_any(words.pain)})"
        return _Local(
            words,
            clauses=re.compile(rf"[,;+]| (?:{_any(words.joins)}) "),
            pain=re.compile(rf"^(?:{pain}\s*[:=]?\s*)?{number}{of_ten}\s*{when}$"),
            pain_after=re.compile(rf"^(?:{when}\s*)?{pain}\s*[:=]?\s*{number}{of_ten}$"),
            morning_first=re.compile(rf"^(?:{_any(words.morning)})\s*[:=]?\s*{number}{of_ten}$"),
            done_with_score=re.compile(rf"^(?:{_any(words.done)})\s+{number}{of_ten}$"),
            did=re.compile(rf"^(?:{_any(words.did)}) (?P<what>.+)$"),
            skipped=re.compile(rf"^(?:{_any(words.skipped)}) (?P<what>.+)$"),
            knee=re.compile(rf"^(?:{_any(words.knee)})(?:\s+(?:{_any(words.today)}))?$"),
        )

    def score(self, word: str) -> tuple[int | None, bool]:
        if word in self.words.numbers:
            return self.words.numbers[word], True
        return _score(word)

    def when(self, word: str | None) -> When:
        if not word:
            return When.ANY
        return When.MORNING if word in self.words.morning else When.TODAY

    def one(self, clause: str) -> Reply:
        """One clause of a message, folded."""
        words = self.words
        if clause in words.done:
            return Reply(Intent.DONE)
        if done := self.done_with_score.match(clause):
            score, ok = self.score(done.group("score"))
            return Reply(Intent.DONE, score=score, explicit=True, out_of_range=not ok)
        for listed, intent in (
            (words.skip, Intent.SKIP),
            (words.later, Intent.LATER),
            (words.yes, Intent.YES),
            (words.no, Intent.NO),
        ):
            if clause in listed:
                return Reply(intent)
        if first := self.morning_first.match(clause):
            score, ok = self.score(first.group("score"))
            if not ok:
                return Reply(
                    Intent.PAIN_OUT_OF_RANGE, explicit=True, when=When.MORNING, out_of_range=True
                )
            return Reply(Intent.PAIN, score=score, explicit=True, when=When.MORNING)
        if match := self.pain.match(clause) or self.pain_after.match(clause):
            explicit = match.group("word") is not None or match.group("when") is not None
            score, ok = self.score(match.group("score"))
            when = self.when(match.group("when"))
            if not ok:
                return Reply(
                    Intent.PAIN_OUT_OF_RANGE, explicit=explicit, when=when, out_of_range=True
                )
            return Reply(Intent.PAIN, score=score, explicit=explicit, when=when)
        if self.knee.match(clause):
            return Reply(Intent.KNEE, explicit=True, when=When.TODAY)
        if skipped := self.skipped.match(clause):
            return Reply(Intent.DONE, skipped=(skipped.group("what"),))
        if did := self.did.match(clause):
            return Reply(Intent.DONE, did=(did.group("what"),))
        return Reply(Intent.UNKNOWN)


@cache
def _time_pattern(language: str) -> re.Pattern[str]:
    times = vocabulary(language).times
    return re.compile(
        rf"^(?:(?:{_any(times.before)})\s+)?(?P<hour>\d{{1,2}})(?:\s*[:.h]\s*(?P<minute>\d{{2}}))?"
        rf"(?:\s*(?:{_any(times.hours)}))?"
        rf"(?:\s*(?:(?P<am>{_any(times.am)})|(?P<pm>{_any(times.pm)})|(?P<night>{_any(times.night)})))?$"
    )


def _local_time(text: str, words: Vocabulary) -> time | None:
    """'7 вечера', 'в 19:00', '7 de la tarde', 'a las 7', '7 in the evening'."""
    cleaned = fold(text).strip(" .!?¡¿")
    named = words.times.named.get(cleaned)
    if named is not None:
        return named
    match = _time_pattern(words.language).match(cleaned)
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["am"] or match["pm"] or match["night"]:
        if not 1 <= hour <= 12:
            return None
        evening = bool(match["pm"]) or (bool(match["night"]) and 6 <= hour < 12)
        hour = hour % 12 + (12 if evening else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def parse_days(text: str, language: str = DEFAULT_LANGUAGE) -> tuple[int, ...] | None:
    """Training days typed as weekday names, full or abbreviated, in the person's language or
    in English, without accents or case mattering: 'Mon, Wed, Fri', 'пн ср пт',
    'lunes, miércoles y viernes' → (0, 2, 4); None if any word is not a day."""
    names = _day_names(language)
    joins = "|".join(re.escape(word) for word in (*vocabulary(language).joins, "and", "&"))
    tokens = [
        token.strip(".")
        for token in re.split(rf"[\s,;/+]+|\b(?:{joins})\b", fold(text))
        if token and token.strip(".")
    ]
    if not tokens:
        return None
    days = set()
    for token in tokens:
        if token not in names:
            return None
        days.add(names[token])
    return tuple(sorted(days))


@cache
def _day_names(language: str) -> dict[str, int]:
    """Folded weekday name → 0 (Monday) … 6, from Babel, in English and in language."""
    found: dict[str, int] = {}
    for source in dict.fromkeys((DEFAULT_LANGUAGE, language)):
        for day, names in enumerate(weekday_names(source)):
            for name in names:
                found.setdefault(fold(name).strip("."), day)
    return found
