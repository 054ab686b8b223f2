"""What each inline button carries, as a type: one small frozen dataclass per kind of button,
turned into Telegram's callback data ("pain:2026-12-07:3") and read back by one codec. A
button's fields say what it can carry (a date, a score 0–10, one of an enum's values, a slug),
so data that no button of ours could have made (forged, or from an older version) is refused
before any handler or statement sees it."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, time
from enum import StrEnum
from types import NoneType, UnionType
from typing import Annotated, Any, ClassVar, Self, Union, get_args, get_origin, get_type_hints

from content.edits import Edit
from content.i18n import LANGUAGES
from content.progression import Effort
from content.states import GaveWayAnswer

# Telegram's limit on callback_data; anything longer was not made by this bot.
MAX_CALLBACK_BYTES = 64
SEPARATOR = ":"
EMPTY = "-"  # an optional value left out


@dataclass(frozen=True)
class Between:
    """An int field's bounds, both included."""

    low: int
    high: int


@dataclass(frozen=True)
class OneOf:
    """A str field's only possible values."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class Matching:
    """A str field's shape (ASCII, matched whole)."""

    pattern: str


class Callback:
    """The base of every button's data: ACTION names the kind, the dataclass fields (date,
    time, bounded int, StrEnum, matching str, or one of those or None) are its values."""

    ACTION: ClassVar[str]

    def data(self) -> str:
        """The callback data Telegram carries: the action and each field, in order."""
        parts = [self.ACTION]
        for name, (_kind, write, _read) in _codecs(type(self)).items():
            parts.append(write(getattr(self, name)))
        text = SEPARATOR.join(parts)
        assert len(text.encode()) <= MAX_CALLBACK_BYTES, f"{text!r} is too long for Telegram"
        return text

    @classmethod
    def parse(cls, data: str) -> Self | None:
        """The button this data stands for, or None if no such button could carry it."""
        codecs = _codecs(cls)
        parts = data.split(SEPARATOR, len(codecs))
        if parts[0] != cls.ACTION or len(parts) != len(codecs) + 1:
            return None
        values: dict[str, Any] = {}
        for (name, (_kind, _write, read)), text in zip(codecs.items(), parts[1:], strict=True):
            value = read(text)
            if value is _INVALID:
                return None
            values[name] = value
        return cls(**values)


_INVALID = object()
Codec = tuple[type, Any, Any]  # (type, write(value) -> str, read(str) -> value or _INVALID)


_CODECS: dict[type, dict[str, Codec]] = {}


def _codecs(cls: type[Callback]) -> dict[str, Codec]:
    """Each field's codec, by its type; worked out once per kind of button."""
    found = _CODECS.get(cls)
    if found is None:
        hints = get_type_hints(cls, include_extras=True)
        found = _CODECS[cls] = {
            field.name: _codec(hints[field.name])
            for field in fields(cls)  # type: ignore[arg-type]
        }
    return found


def _codec(hint: Any) -> Codec:
    optional = False
    if get_origin(hint) in (UnionType, Union) and NoneType in get_args(hint):
        optional = True
        (hint,) = [arg for arg in get_args(hint) if arg is not NoneType]
    rule: Any = None
    if get_origin(hint) is Annotated:
        hint, rule = get_args(hint)[:2]
    read = _reader(hint, rule)

    def write(value: Any) -> str:
        if value is None:
            return EMPTY
        if isinstance(value, StrEnum):
            return value.value
        if isinstance(value, time):
            return value.strftime("%H:%M")
        return value.isoformat() if isinstance(value, date) else str(value)

    def read_optional(text: str) -> Any:
        return None if optional and text == EMPTY else read(text)

    return hint, write, read_optional


def _reader(hint: Any, rule: Any) -> Any:
    if hint is date:
        return _date
    if hint is time:
        return _time
    if hint is int:
        low, high = (rule.low, rule.high) if isinstance(rule, Between) else (0, 2**31)
        return lambda text: _int(text, low, high)
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        values = {member.value: member for member in hint}
        return lambda text: values.get(text, _INVALID)
    if hint is str and isinstance(rule, OneOf):
        allowed = frozenset(rule.values)
        return lambda text: text if text in allowed else _INVALID
    if hint is str and isinstance(rule, Matching):
        shape = re.compile(rule.pattern, re.ASCII)
        return lambda text: text if shape.fullmatch(text) else _INVALID
    raise TypeError(f"a button cannot carry {hint!r}")


def _date(text: str) -> Any:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
        return _INVALID
    try:
        return date.fromisoformat(text)
    except ValueError:
        return _INVALID


def _time(text: str) -> Any:
    if not re.fullmatch(r"\d{2}:\d{2}", text, re.ASCII):
        return _INVALID
    hours, minutes = int(text[:2]), int(text[3:])
    return time(hours, minutes) if hours < 24 and minutes < 60 else _INVALID


def _int(text: str, low: int, high: int) -> Any:
    if not re.fullmatch(r"\d{1,10}", text, re.ASCII):
        return _INVALID
    number = int(text)
    return number if low <= number <= high else _INVALID


# -- the buttons ----------------------------------------------------------------------------

Score = Annotated[int, Between(0, 10)]
Slug = Annotated[str, Matching(r"[a-z][a-z0-9_]{1,30}")]


@dataclass(frozen=True)
class Done(Callback):
    """✅ on a session: the day it is about."""

    ACTION: ClassVar[str] = "done"
    day: date


@dataclass(frozen=True)
class Skip(Callback):
    """⏭ on a session: the day it is about."""

    ACTION: ClassVar[str] = "skip"
    day: date


@dataclass(frozen=True)
class Snooze(Callback):
    """⏰ on a reminder: the day it is about."""

    ACTION: ClassVar[str] = "snooze"
    day: date


@dataclass(frozen=True)
class Extra(Callback):
    """ "Yes" to an extra session on a rest day, with the score typed with "done" if any."""

    ACTION: ClassVar[str] = "extra"
    day: date
    score: Score | None = None


@dataclass(frozen=True)
class DuringScore(Callback):
    """A 0–10 button of the pain-during question."""

    ACTION: ClassVar[str] = "pain"
    day: date
    score: Score


@dataclass(frozen=True)
class MorningScore(Callback):
    """A 0–10 button of the next-morning question (about the session of `day`)."""

    ACTION: ClassVar[str] = "morning"
    day: date
    score: Score


@dataclass(frozen=True)
class DayScore(Callback):
    """A 0–10 button of the how-is-your-knee-today question."""

    ACTION: ClassVar[str] = "daypain"
    day: date
    score: Score


@dataclass(frozen=True)
class PsfsScore(Callback):
    """A 0–10 button rating the next activity of the functional-scale round of `day`."""

    ACTION: ClassVar[str] = "psfs"
    day: date
    score: Score


@dataclass(frozen=True)
class EffortAnswer(Callback):
    """The optional effort rating of a session."""

    ACTION: ClassVar[str] = "effort"
    day: date
    effort: Effort


@dataclass(frozen=True)
class HowTo(Callback):
    """📖 an exercise's instructions."""

    ACTION: ClassVar[str] = "how"
    exercise: Slug


@dataclass(frozen=True)
class GaveWay(Callback):
    """The answer about a knee that gave way."""

    ACTION: ClassVar[str] = "gaveway"
    event: Annotated[int, Between(1, 2**62)]
    answer: GaveWayAnswer


@dataclass(frozen=True)
class Barrier(Callback):
    """What got in the way, at a weekly check-in."""

    ACTION: ClassVar[str] = "barrier"
    week: date
    barrier: Annotated[str, Matching(r"[a-z]{2,16}")]


@dataclass(frozen=True)
class DeleteEverything(Callback):
    """/delete's confirmation: when it was asked (a Unix time)."""

    ACTION: ClassVar[str] = "delete"
    asked: Annotated[int, Between(0, 9_999_999_999)]


@dataclass(frozen=True)
class RedFlag(Callback):
    """A warning sign tapped on the screen, or "none"."""

    ACTION: ClassVar[str] = "redflag"
    flag: Annotated[str, Matching(r"[a-z][a-z0-9_]{1,31}")]


@dataclass(frozen=True)
class TimeZone(Callback):
    """A time zone offered for a typed place."""

    ACTION: ClassVar[str] = "tz"
    zone: Annotated[str, Matching(r"[A-Za-z_]+(?:/[A-Za-z0-9_+-]+){0,2}")]


@dataclass(frozen=True)
class Days(Callback):
    """A day toggled on the training-days screen: the days chosen after the toggle."""

    ACTION: ClassVar[str] = "days"
    mask: Annotated[int, Between(0, 127)]


@dataclass(frozen=True)
class SaveDays(Callback):
    """💾 Save days: the days chosen."""

    ACTION: ClassVar[str] = "savedays"
    mask: Annotated[int, Between(0, 127)]


@dataclass(frozen=True)
class ReminderTime(Callback):
    """A reminder-time button."""

    ACTION: ClassVar[str] = "time"
    at: time


@dataclass(frozen=True)
class MorningTime(Callback):
    """A morning-check-time button."""

    ACTION: ClassVar[str] = "mtime"
    at: time


class Setting(StrEnum):
    """Which time to ask again after "No, another time"."""

    REMINDER_TIME = "r"
    MORNING_TIME = "m"


@dataclass(frozen=True)
class Retime(Callback):
    """ "No, another time" after "Did you mean midnight?"."""

    ACTION: ClassVar[str] = "retime"
    setting: Setting


class MenuChoice(StrEnum):
    """What the schedule menu offers to change (or keep)."""

    DAYS = "days"
    REMINDER_TIME = "time"
    MORNING_TIME = "morning"
    ZONE = "zone"
    KEEP = "keep"


@dataclass(frozen=True)
class ScheduleMenu(Callback):
    """One choice of the schedule menu."""

    ACTION: ClassVar[str] = "sched"
    choice: MenuChoice


@dataclass(frozen=True)
class Language(Callback):
    """A language button."""

    ACTION: ClassVar[str] = "lang"
    language: Annotated[str, OneOf(LANGUAGES)]


# An invite code as the bot makes them (URL-safe base64), never longer than it stores.
INVITE_CODE = r"[A-Za-z0-9_-]{8,32}"
InviteCode = Annotated[str, Matching(INVITE_CODE)]


@dataclass(frozen=True)
class Share(Callback):
    """ "Share with <clinician>" under an invite: the code, and the version of the words the
    patient read (stored with the consent)."""

    ACTION: ClassVar[str] = "share"
    code: InviteCode
    version: Annotated[int, Between(1, 999)]


@dataclass(frozen=True)
class NoThanks(Callback):
    """ "No thanks" under an invite."""

    ACTION: ClassVar[str] = "noshare"
    code: InviteCode


@dataclass(frozen=True)
class StopSharing(Callback):
    """ "Stop sharing" on /physio: the clinician it is about, so an old button cannot end a
    newer link."""

    ACTION: ClassVar[str] = "stopshare"
    clinician: Annotated[int, Between(1, 2**31 - 1)]


# 📝 "Rate my activities": a round of the functional scale (under the weekly check-in when one
# is due, and at linking with a clinician).
ROUND_BUTTON = "psfsround"


# A patient is named on a clinician's buttons by their Telegram id (under 2^53).
PatientId = Annotated[int, Between(1, 2**53 - 1)]


@dataclass(frozen=True)
class PatientSummary(Callback):
    """ "Open summary" under an alert or a patient on /patients: the patient's one-page
    report, if the clinician still reaches them."""

    ACTION: ClassVar[str] = "psum"
    patient: PatientId


@dataclass(frozen=True)
class ClearHold(Callback):
    """ "I have seen this patient: clear the hold" under a hold alert."""

    ACTION: ClassVar[str] = "pclear"
    patient: PatientId


@dataclass(frozen=True)
class MessagePhysio(Callback):
    """ "Message my physio" on /physio: the clinician it is for, so an old button cannot write
    to a newer one."""

    ACTION: ClassVar[str] = "msgphysio"
    clinician: Annotated[int, Between(1, 2**31 - 1)]


@dataclass(frozen=True)
class PatientProgram(Callback):
    """ "✏️ Program" beside a patient on /patients: the patient's program, to edit."""

    ACTION: ClassVar[str] = "pprog"
    patient: PatientId


@dataclass(frozen=True)
class ProgramEdit(Callback):
    """An exercise's ⬆️ / ⬇️ / 🔓 / 🔒 on a patient's program: the level it was shown at (0:
    locked), so a stale button changes nothing."""

    ACTION: ClassVar[str] = "pedit"
    patient: PatientId
    exercise: Slug
    edit: Edit
    level: Annotated[int, Between(0, 99)]


class Pausing(StrEnum):
    """⏸ or ▶️ on a patient's program."""

    PAUSE = "pause"
    RESUME = "resume"


@dataclass(frozen=True)
class ProgramPause(Callback):
    """ "⏸ Pause program" or "▶️ Resume program" on a patient's program."""

    ACTION: ClassVar[str] = "ppause"
    patient: PatientId
    pausing: Pausing
