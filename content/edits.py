"""A clinician's edits of one patient's program, as pure rules: what each button does to an
exercise (a level up or down within the exercise's levels, opened at its starting level, or
locked), when it is refused and why, and how the patient's notice carries the change. The
automatic rules respect an edit through Standing.clinician_held (content.progression)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum

from content.catalogue import Catalogue
from content.progression import Decision, Step, Why

# A notice's detail: "slug:from:to" (from 0: opened; to 0: locked).
_DETAIL = re.compile(r"([a-z][a-z0-9_]{1,31}):(\d{1,2}):(\d{1,2})", re.ASCII)


class Edit(StrEnum):
    """What a clinician's button does to one exercise."""

    UP = "up"
    DOWN = "down"
    OPEN = "open"
    LOCK = "lock"


class Refusal(Enum):
    """Why an edit changed nothing."""

    TOP = "top"  # up, at the exercise's hardest level
    BOTTOM = "bottom"  # down, at its easiest level
    LAST = "last"  # lock the only exercise left: pause the program instead
    CHANGED = "changed"  # the exercise moved since the button was shown
    UNKNOWN = "unknown"  # no such exercise in the program


@dataclass(frozen=True)
class Asked:
    """An edit as the clinician's button asks it: the exercise, what to do, and the level the
    button was shown at (0: locked), so a stale button changes nothing."""

    exercise: str
    edit: Edit
    shown: int


def edit_move(catalogue: Catalogue, levels: Mapping[str, int], asked: Asked) -> Decision | Refusal:
    """The move the edit makes from the patient's levels now, or why it makes none."""
    exercise = catalogue.get(asked.exercise)
    if exercise is None:
        return Refusal.UNKNOWN
    level = levels.get(exercise.slug, 0)
    if level != asked.shown or (asked.edit is Edit.OPEN) != (level == 0):
        return Refusal.CHANGED
    if asked.edit is Edit.OPEN:
        return Decision(exercise.slug, Step.UNLOCK, Why.CLINICIAN, 0, exercise.start_level)
    if asked.edit is Edit.LOCK:
        if len(levels) == 1:
            return Refusal.LAST
        return Decision(exercise.slug, Step.DOWN, Why.CLINICIAN, level, 0)
    if asked.edit is Edit.UP:
        if level >= len(exercise.levels):
            return Refusal.TOP
        return Decision(exercise.slug, Step.UP, Why.CLINICIAN, level, level + 1)
    if level <= 1:
        return Refusal.BOTTOM
    return Decision(exercise.slug, Step.DOWN, Why.CLINICIAN, level, level - 1)


@dataclass(frozen=True)
class ProgramChange:
    """What the patient is told changed: the exercise, its level before (0: it opened) and
    after (0: it was locked)."""

    exercise: str
    before: int
    after: int

    @property
    def detail(self) -> str:
        """The notice's detail: "slug:before:after"."""
        return f"{self.exercise}:{self.before}:{self.after}"

    @classmethod
    def of(cls, move: Decision) -> ProgramChange:
        """The change a clinician's move made."""
        return cls(move.exercise, move.level, move.new_level)

    @classmethod
    def read(cls, detail: str) -> ProgramChange | None:
        """The change a detail carries; None when it does not read back."""
        found = _DETAIL.fullmatch(detail)
        return None if found is None else cls(found[1], int(found[2]), int(found[3]))
