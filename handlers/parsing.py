"""Understands the short free-text messages people send ('done', 'pain 3', 'did hip bump, pain 4',
'pain 4 this morning', '7:30 pm', 'noon') without Telegram types.

Whether a bare number is a pain score depends on the last question; that decision is the
caller's. This module only says what the words mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from enum import Enum

MAX_PAIN = 10
MAX_LENGTH = 120


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


NUMBER_WORDS = {
    "zero": 0,
    "nil": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_NUMBER = r"(?P<score>-?\d{1,3}(?:[.,]\d+)?|" + "|".join(NUMBER_WORDS) + ")"
_DONE = re.compile(
    r"^(?:done|done ✅|✅|✔️|did it|i did it|finished|i finished|complete|completed|all done|"
    r"(?:i )?did (?:my|the|all|today's|todays) (?:session|exercises|workout|routine)|"
    r"(?:i )?did (?:them|it all|everything)|session done|exercises done)$"
)
_DID = re.compile(r"^(?:i )?(?:did|done|finished|completed) (?:the |my |some )?(?P<what>.+)$")
_SKIP = re.compile(r"^(skip|skipped|skip it|skip today|skipping today|not today|⏭)$")
_SKIPPED = re.compile(
    r"^(?:i )?(?:skipped|skip|left out|missed|didn't do|did not do) (?:the |my )?(?P<what>.+)$"
)
_LATER = re.compile(r"^(later|not now|remind me later|snooze|after)$")
_YES = re.compile(r"^(yes|y|yeah|yep|ok|okay|sure|i agree|agree|accept)$")
_NO = re.compile(r"^(no|n|nope|none|no\s+none|none of them)$")
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


def parse_reply(text: str) -> Reply:
    """Classify one message; anything unrecognised is UNKNOWN, never an exception. A message
    of several clauses ("done, pain 3", "skipped the lunges, knee sore 6") is read as one
    report: a session (done, with what was done or left out) and a pain score."""
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > MAX_LENGTH:
        return Reply(Intent.UNKNOWN)
    pieces = [piece.strip(" .!?") for piece in _CLAUSES.split(cleaned)]
    if len(pieces) == 1:
        return _one(cleaned)
    parts = [_one(piece) for piece in pieces if piece]
    if any(part.intent is Intent.UNKNOWN for part in parts):
        return _one(cleaned)
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
_NAMED_TIMES = {"noon": time(12), "midday": time(12), "midnight": time(0)}


def parse_time(text: str) -> time | None:
    """'7:30', '07:30', '18.00', '6pm', '7:30 pm', '6:15 am', '19', 'noon' → a time;
    nonsense → None."""
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
