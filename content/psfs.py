"""The Patient-Specific Functional Scale as pure rules: what a round's mean is and when a change
between two rounds is meaningful. The person's own activities make it theirs; the mean makes
rounds comparable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from content.catalogue import PsfsRules


def mean(scores: Sequence[int]) -> float:
    """The round's score: the mean of its activities' ratings, to one decimal."""
    if not scores:
        raise ValueError("a round without ratings has no mean")
    return round(sum(scores) / len(scores), 1)


@dataclass(frozen=True)
class Change:
    """How a round's mean moved from the round before."""

    delta: float
    meaningful: bool  # at least the minimal clinically important difference, either way


def change(rules: PsfsRules, before: float, after: float) -> Change:
    """The change of the mean between two rounds."""
    delta = round(after - before, 1)
    return Change(delta, abs(delta) >= rules.meaningful_change)


def due(rules: PsfsRules, joined: date, last_round: date | None, today: date) -> bool:
    """Whether the weekly check-in offers a round: a first one a while after joining, then
    again every few weeks."""
    if last_round is None:
        return today >= joined + timedelta(days=rules.first_after_days)
    return today >= last_round + timedelta(days=rules.repeat_every_days)


def activity_name(rules: PsfsRules, typed: str) -> str | None:
    """An activity as the person typed it, tidied (spaces, one line, no control characters:
    PostgreSQL refuses a NUL in text); None when it is empty or too long to show in a list."""
    name = " ".join("".join(ch if ch.isprintable() else " " for ch in typed).split())
    if not name or len(name) > rules.activity_max_chars:
        return None
    return name


SCALE_MAX = 10  # the scale's top: as well as before the knee trouble


def rating(typed: str) -> int | None:
    """A rating typed as a whole number on the scale ("7", "7/10"); None otherwise."""
    text = typed.strip().removesuffix(f"/{SCALE_MAX}").strip()
    if not text.isdigit():
        return None
    value = int(text)
    return value if value <= SCALE_MAX else None
