"""Understands short free-text replies ('done', 'pain 3', '3/10', 'later') without Telegram types.

Whether a bare number is a pain score depends on the last question; that decision is the
caller's. This module only says what the words mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from enum import Enum

MAX_PAIN = 10


class Intent(Enum):
    DONE = "done"
    SKIP = "skip"
    LATER = "later"
    PAIN = "pain"
    PAIN_OUT_OF_RANGE = "pain_out_of_range"
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reply:
    intent: Intent
    score: int | None = None
    # True when the text said 'pain' explicitly, so it is a pain score whatever was asked last.
    explicit: bool = False
    # True when it said 'morning': this morning's score, for the session the day before.
    morning: bool = False


_DONE = re.compile(
    r"^(done|did it|i did it|finished|complete|completed|all done|✅|did my (session|exercises))$"
)
_SKIP = re.compile(r"^(skip|skipped|skip it|skip today|not today|⏭)$")
_LATER = re.compile(r"^(later|not now|remind me later|snooze|after)$")
_YES = re.compile(r"^(yes|y|yeah|yep|ok|okay|sure|i agree|agree|accept)$")
_NO = re.compile(r"^(no|n|nope|none|no\s+none|none of them)$")
_PAIN = re.compile(
    r"^(?:(?P<word>pain|hurts?|score|(?P<morning>(?:this )?morning))"
    r"\s*(?:is|was|of|level|:|=)?\s*)?"
    r"(?P<score>-?\d{1,3}(?:[.,]\d+)?)\s*(?:/\s*10|out of 10)?$"
)


def parse_reply(text: str) -> Reply:
    """Classify one message; anything unrecognised is UNKNOWN, never an exception."""
    cleaned = re.sub(r"\s+", " ", text.strip().lower()).strip(" .!")
    if len(cleaned) > 40:
        return Reply(Intent.UNKNOWN)
    for pattern, intent in (
        (_DONE, Intent.DONE),
        (_SKIP, Intent.SKIP),
        (_LATER, Intent.LATER),
        (_YES, Intent.YES),
        (_NO, Intent.NO),
    ):
        if pattern.match(cleaned):
            return Reply(intent)
    pain = _PAIN.match(cleaned)
    if pain is None:
        return Reply(Intent.UNKNOWN)
    explicit = pain.group("word") is not None
    morning = pain.group("morning") is not None
    value = float(pain.group("score").replace(",", "."))
    if not value.is_integer() or not 0 <= value <= MAX_PAIN:
        return Reply(Intent.PAIN_OUT_OF_RANGE, explicit=explicit, morning=morning)
    return Reply(Intent.PAIN, score=int(value), explicit=explicit, morning=morning)


_TIME = re.compile(r"^(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2}))?\s*(?P<half>am|pm)?$")


def parse_time(text: str) -> time | None:
    """'7:30', '07:30', '18.00', '6pm', '6:15 am', '19' → a time; nonsense → None."""
    match = _TIME.match(text.strip().lower().replace(" ", ""))
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"] == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
