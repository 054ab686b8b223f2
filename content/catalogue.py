"""The exercise catalogue, program and safety text, loaded from TOML and validated at start-up.

A physiotherapist edits the data files, not this module; a mistake there must stop the bot with a
message naming the file, the field and the reason, never start it with half a program.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from datetime import time
from enum import Enum, StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from content.i18n import DEFAULT_LANGUAGE, _, ngettext
from content.translations import MissingTranslation, translate

DATA_DIR = Path(__file__).parent / "data"
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,30}$")]
Text = Annotated[str, Field(min_length=1, max_length=600)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ModelT = TypeVar("ModelT", bound=BaseModel)


class ContentError(Exception):
    """A data file in content/ is missing, malformed or inconsistent."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    """An inclusive range of counts, written [min, max] in the data files; shown as "2–3"."""

    low: int = Field(ge=0)
    high: int = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            if len(value) != 2:
                raise ValueError("expected a pair [min, max]")
            return {"low": value[0], "high": value[1]}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low > self.high:
            raise ValueError("min is larger than max")
        return self

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"


class Dose(_Strict):
    """How much of an exercise to do: sets, reps or time in `unit`, and how often a week."""

    sets: Range
    reps: Range | None = None
    unit: Text
    per_side: Literal["", "leg", "foot"]
    times_per_week: Range
    load: str = ""

    def describe(self) -> str:
        """One line such as '2–3 sets × 10 reps per leg, 3×/week', in the current language."""
        if self.reps is None:
            amount = _("{count} {unit}").format(count=self.sets, unit=self.unit)
        elif self.sets.high == 1:
            amount = _("{count} {unit}").format(count=self.reps, unit=self.unit)
        else:
            amount = ngettext(
                "{sets} set × {reps} {unit}", "{sets} sets × {reps} {unit}", self.sets.high
            ).format(sets=self.sets, reps=self.reps, unit=self.unit)
        if self.per_side == "leg":
            amount = _("{amount} per leg").format(amount=amount)
        elif self.per_side == "foot":
            amount = _("{amount} per foot").format(amount=amount)
        load = f", {self.load}" if self.load else ""
        weekly = ngettext("{count}×/week", "{count}×/week", self.times_per_week.high).format(
            count=self.times_per_week
        )
        return f"{amount}{load}, {weekly}"


# What a level makes harder than the level below it.
Change = Literal["less support", "range", "load", "tempo", "challenge", "volume"]


class LevelDose(_Strict):
    """The parts of the exercise's dose a level changes; what it leaves out stays as is."""

    sets: Range | None = None
    reps: Range | None = None
    unit: Text | None = None
    load: Text | None = None


class Level(_Strict):
    """One difficulty level of an exercise: a short label, how it differs, what it makes harder
    than the level below, and its own dose or steps where they differ from the exercise's."""

    label: Annotated[str, Field(min_length=1, max_length=40)]
    how: Text
    harder_by: list[Change] = []
    dose: LevelDose = LevelDose()
    steps: list[Text] | None = Field(default=None, min_length=1, max_length=10)


class Exercise(_Strict):
    """One exercise as the data file describes it: words, dose and its levels (1 = easiest).

    `dose` and `steps` are what the levels share; read a level's with dose_at and steps_at."""

    slug: Slug
    name: Annotated[str, Field(min_length=2, max_length=60)]
    aliases: list[Annotated[str, Field(min_length=2, max_length=60)]] = []
    area: Slug
    minutes: int = Field(ge=1, le=20)
    purpose: Text
    steps: list[Text] = Field(min_length=1, max_length=10)
    cues: list[Text] = Field(min_length=1, max_length=6)
    avoid: list[Text] = Field(min_length=1, max_length=6)
    start_level: int = Field(ge=1)
    dose: Dose
    levels: list[Level] = Field(min_length=2, max_length=6)

    @model_validator(mode="after")
    def _start_level_exists(self) -> Exercise:
        if self.start_level > len(self.levels):
            raise ValueError(f"start_level {self.start_level} but only {len(self.levels)} levels")
        return self

    @model_validator(mode="after")
    def _one_step_at_a_time(self) -> Exercise:
        """Each level says what it makes harder, never range and load at once; a load line
        belongs only to a level that uses a weight, so no one is told to add weight early."""
        if self.levels[0].harder_by:
            raise ValueError("levels[0].harder_by: the easiest level has nothing to compare to")
        if self.dose.load:
            raise ValueError("dose.load: level 1 uses no weight; give the load on the levels")
        for index, level in enumerate(self.levels):
            where = f"levels[{index}]"
            if index and not level.harder_by:
                raise ValueError(f"{where}.harder_by: say what this level makes harder")
            if len(set(level.harder_by)) != len(level.harder_by):
                raise ValueError(f"{where}.harder_by: a change is named twice")
            if {"range", "load"} <= set(level.harder_by):
                raise ValueError(f"{where}.harder_by: range and load in one step; split it")
            if level.dose.load and not self.uses_weight(index + 1):
                reason = "this level uses no weight (no level up to it is harder_by load)"
                raise ValueError(f"{where}.dose.load: {reason}")
        return self

    def level(self, number: int) -> Level:
        """The level by 1-based number, clamped so a stored level outlives an edited file."""
        return self.levels[self._index(number)]

    def uses_weight(self, number: int) -> bool:
        """Whether the level holds a weight: some level up to it added load."""
        return any("load" in level.harder_by for level in self.levels[: self._index(number) + 1])

    def dose_at(self, number: int) -> Dose:
        """The dose of that level: the exercise's, with what the level changes."""
        changes = self.level(number).dose
        update = {
            name: value
            for name in LevelDose.model_fields
            if (value := getattr(changes, name)) is not None
        }
        return self.dose.model_copy(update=update)

    def steps_at(self, number: int) -> list[str]:
        """The steps of that level: its own if it has them, else the exercise's."""
        return self.level(number).steps or self.steps

    def _index(self, number: int) -> int:
        return min(max(number, 1), len(self.levels)) - 1


class Unlock(_Strict):
    """A locked exercise that opens once every exercise in `after` is done without pain."""

    exercise: Slug
    after: list[Slug] = Field(min_length=1)


class PainThresholds(_Strict):
    """The pain-monitoring bands (scores 0–10): safe, acceptable, too much, and severe."""

    safe_max: int = Field(ge=0, le=10)
    acceptable_max: int = Field(ge=0, le=10)
    red_flag_prompt_above: int = Field(ge=0, le=10)
    severe_pain_from: int = Field(ge=1, le=10)
    clinician_at: int = Field(ge=1, le=10)

    @model_validator(mode="after")
    def _ordered(self) -> PainThresholds:
        if not self.safe_max < self.acceptable_max <= self.red_flag_prompt_above:
            raise ValueError("need safe_max < acceptable_max <= red_flag_prompt_above")
        if not self.acceptable_max < self.severe_pain_from <= self.clinician_at:
            raise ValueError("need acceptable_max < severe_pain_from <= clinician_at")
        return self


class ReminderRules(_Strict):
    """When a snoozed reminder comes back and how long after the last reminder of the week the
    weekly check-in follows."""

    snooze_minutes: int = Field(ge=5, le=600)
    weekly_checkin_after_hours: int = Field(ge=0, le=12)
    morning_earliest: time
    morning_latest: time

    @model_validator(mode="after")
    def _morning_is_a_morning(self) -> ReminderRules:
        if not self.morning_earliest < self.morning_latest <= time(12, 0):
            raise ValueError("need morning_earliest < morning_latest <= 12:00")
        return self

    def is_morning(self, at: time) -> bool:
        """Whether a morning-check time lies in the allowed range (both ends included)."""
        return self.morning_earliest <= at <= self.morning_latest


class ProgressionRules(_Strict):
    """The pain-guided progression rules; program.toml explains each number."""

    pain_free_sessions: int = Field(ge=1, le=10)
    morning_worse_by: int = Field(ge=0, le=10)
    usual_morning_window: int = Field(ge=1, le=30)
    days_between_steps: int = Field(ge=0, le=60)
    increases_per_review: int = Field(ge=1, le=7)
    regressions_before_clinician: int = Field(ge=1, le=10)
    severe_window_days: int = Field(ge=1, le=60)
    return_gap_days: int = Field(ge=2, le=120)
    flare_hours: int = Field(ge=0, le=168)
    up_step_days_apart: int = Field(ge=1, le=14)


class HoldRules(_Strict):
    """What a hold does besides stopping the program: the one follow-up it sends."""

    followup_after_days: int = Field(ge=1, le=30)


class ProgressReport(_Strict):
    """How much /progress and /history show, and what a week needs to count for the streak."""

    streak_sessions: int = Field(ge=1, le=7)
    weeks_shown: int = Field(ge=1, le=12)
    history_sessions: int = Field(ge=1, le=30)


class PsfsRules(_Strict):
    """The Patient-Specific Functional Scale (ratings 0–10): how many activities, and the change
    of the mean that counts as meaningful (program.toml says why)."""

    activities_max: int = Field(ge=1, le=5)
    activity_max_chars: int = Field(ge=10, le=100)
    meaningful_change: float = Field(gt=0, le=5)
    first_after_days: int = Field(ge=0, le=60)
    repeat_every_days: int = Field(ge=7, le=180)


class CareRules(_Strict):
    """What the care link tells a patient's clinician unasked, and what a clinician's change to
    the program holds back (program.toml says why)."""

    idle_alert_days: int = Field(ge=3, le=60)
    edit_holds_step_up_days: int = Field(ge=0, le=28)


class Barrier(_Strict):
    """A reason for missed sessions offered at the weekly check-in, with its tip."""

    key: Annotated[str, Field(pattern=r"^[a-z]{2,16}$")]
    label: Annotated[str, Field(min_length=2, max_length=30)]
    tip: Text


class Program(_Strict):
    """The program: session order, starter set, default schedule, unlocks and pain rules."""

    area_order: list[Slug] = Field(min_length=1)
    starter: list[Slug] = Field(min_length=3, max_length=4)
    session_minutes_max: int = Field(ge=5, le=60)
    default_training_days: list[Weekday]
    default_reminder_time: time
    min_training_days: int = Field(ge=1, le=7)
    max_training_days: int = Field(ge=1, le=7)
    unlock: list[Unlock] = []
    pain: PainThresholds
    reminders: ReminderRules
    progression: ProgressionRules
    holds: HoldRules
    progress: ProgressReport
    psfs: PsfsRules
    care: CareRules

    @model_validator(mode="after")
    def _days_consistent(self) -> Program:
        count = len(set(self.default_training_days))
        if not self.min_training_days <= count <= self.max_training_days:
            raise ValueError("default_training_days is outside min/max_training_days")
        return self

    @property
    def default_weekdays(self) -> tuple[int, ...]:
        """Default training days as Python weekdays (0 = Monday)."""
        return tuple(sorted(WEEKDAY_NAMES.index(day) for day in self.default_training_days))


# A longer button label gets cut off on a phone, so labels stay short enough to read in one
# line. (A flag's key is short by its pattern, so its button's data fits Telegram's 64 bytes.)
BUTTON_TEXT_MAX = 32
# Keys the red-flag buttons use for themselves, so no flag may take them.
RESERVED_FLAG_KEYS = frozenset({"none", "yes", "no"})
# The answer stored for "None of these".
NONE_OF_THESE = "none"

FlagKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,30}$")]
ButtonText = Annotated[str, Field(min_length=1, max_length=BUTTON_TEXT_MAX)]


class Tier(Enum):
    """How urgent a red flag is, most urgent first."""

    EMERGENCY = "emergency"  # call the local emergency number now
    SAME_DAY = "same_day"  # urgent care or a doctor today
    SOON = "soon"  # a doctor or physiotherapist before going on with the program


# After these a doctor must see the person first: the clearance waits for the next day.
URGENT_TIERS = frozenset({Tier.EMERGENCY, Tier.SAME_DAY})


class Moment(StrEnum):
    """When the red-flag screen is shown: before the program starts, or in the middle of it
    (stored by its value with each answer)."""

    START = "start"
    LATER = "later"


class RedFlag(_Strict):
    """A red-flag symptom: its urgency, its button and the full text on the screen."""

    key: FlagKey
    tier: Tier
    button: ButtonText
    text: Text

    def __str__(self) -> str:
        return self.text


class ByMoment(_Strict):
    """One text in two wordings: at /start ("before starting") and mid-program ("before
    carrying on")."""

    start: Text
    later: Text

    def at(self, moment: Moment) -> str:
        """The wording for the moment the screen is shown."""
        return self.start if moment is Moment.START else self.later


class Safety(_Strict):
    """The disclaimer, the red-flag screen and the advice for each tier of flag."""

    # One line with the local-emergency advice; it must appear word for word in the disclaimer
    # and is shown on the red-flag screen itself.
    emergency: Text
    disclaimer: Text
    question: ByMoment
    none_button: ButtonText
    flags: list[RedFlag] = Field(min_length=1, max_length=12)
    advice: dict[Tier, ByMoment]
    # What a hold says while it lasts, by the most urgent tier tapped.
    hold: dict[Tier, Text]

    @model_validator(mode="after")
    def _consistent(self) -> Safety:
        if self.emergency not in self.disclaimer:
            raise ValueError("the disclaimer must contain the emergency line word for word")
        keys = [flag.key for flag in self.flags]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f"flag key used twice: {', '.join(twice)}")
        reserved = sorted(set(keys) & RESERVED_FLAG_KEYS)
        if reserved:
            raise ValueError(
                f"flag key reserved for the screen's own buttons: {', '.join(reserved)}"
            )
        missing = [tier.value for tier in Tier if tier not in self.advice]
        if missing:
            raise ValueError(f"no advice for tier {', '.join(missing)}")
        missing = [tier.value for tier in Tier if tier not in self.hold]
        if missing:
            raise ValueError(f"no hold text for tier {', '.join(missing)}")
        return self

    def flag(self, key: str) -> RedFlag | None:
        """The flag with this key, or None for an unknown (e.g. since removed) key."""
        return next((flag for flag in self.flags if flag.key == key), None)

    def tier_of(self, keys: Iterable[str]) -> Tier | None:
        """The most urgent tier among the flags answered "yes"; None for none (or unknown keys)."""
        tiers = {flag.tier for key in keys if (flag := self.flag(key)) is not None}
        return next((tier for tier in Tier if tier in tiers), None)

    def advice_for(self, keys: Iterable[str], moment: Moment) -> str | None:
        """The advice of the most urgent flag answered "yes", worded for the moment."""
        tier = self.tier_of(keys)
        return None if tier is None else self.advice[tier].at(moment)

    def screen_text(self, moment: Moment) -> str:
        """The screen: the question, every flag, and the emergency line."""
        flags = "\n".join(f"• {flag.text}" for flag in self.flags)
        return f"{self.question.at(moment)}\n\n{flags}\n\n🚨 {self.emergency}"


class Catalogue:
    """Exercises in session order, plus the program and safety text they belong to."""

    def __init__(
        self, exercises: list[Exercise], program: Program, safety: Safety, barriers: list[Barrier]
    ) -> None:
        area_rank = {area: rank for rank, area in enumerate(program.area_order)}
        # sorted() is stable: within an area the file's order is kept.
        self.exercises: tuple[Exercise, ...] = tuple(
            sorted(exercises, key=lambda exercise: area_rank[exercise.area])
        )
        self.program = program
        self.safety = safety
        self.barriers = {barrier.key: barrier for barrier in barriers}
        self._by_slug = {exercise.slug: exercise for exercise in self.exercises}

    def get(self, slug: str) -> Exercise | None:
        """The exercise with this slug, or None (a stored slug may outlive an edited file)."""
        return self._by_slug.get(slug)

    def in_session_order(self, slugs: Iterable[str]) -> list[Exercise]:
        """The exercises with these slugs in session order; unknown slugs are dropped."""
        wanted = set(slugs)
        return [exercise for exercise in self.exercises if exercise.slug in wanted]

    def session_slugs(self, slugs: Iterable[str]) -> list[str]:
        """These slugs in session order; unknown slugs are dropped."""
        return [exercise.slug for exercise in self.in_session_order(slugs)]


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ContentError(f"{path}: cannot read: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise ContentError(f"{path}: not valid TOML: {error}") from error


def _parse(model: type[ModelT], data: object, path: Path) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]
        ).lstrip(".")
        raise ContentError(f"{path}: {field or '(top level)'}: {first['msg']}") from error


def _check_references(
    exercises: list[Exercise], program: Program, exercises_path: Path, program_path: Path
) -> None:
    slugs = [exercise.slug for exercise in exercises]
    known = set(slugs)

    def fail(field: str, reason: str, path: Path = program_path) -> None:
        raise ContentError(f"{path}: {field}: {reason}")

    duplicates = {slug for slug in slugs if slugs.count(slug) > 1}
    if duplicates:
        fail("exercise.slug", f"used twice: {', '.join(sorted(duplicates))}", exercises_path)
    for exercise in exercises:
        if exercise.area not in program.area_order:
            reason = f"'{exercise.area}' is not in area_order of {program_path.name}"
            fail(f"exercise {exercise.slug}.area", reason, exercises_path)
    for index, slug in enumerate(program.starter):
        if slug not in known:
            fail(f"starter[{index}]", f"unknown exercise '{slug}'")
    locked = known - set(program.starter)
    unlocks = {rule.exercise: rule.after for rule in program.unlock}
    for index, rule in enumerate(program.unlock):
        if rule.exercise not in locked:
            fail(f"unlock[{index}].exercise", f"'{rule.exercise}' is not a locked exercise")
        for slug in rule.after:
            if slug not in known:
                fail(f"unlock[{index}].after", f"unknown exercise '{slug}'")
    missing = locked - set(unlocks)
    if missing:
        fail("unlock", f"no rule opens {', '.join(sorted(missing))}")
    opened = set(program.starter)
    while True:  # every locked exercise must become reachable, so the rules have no cycle
        newly = {
            slug for slug, after in unlocks.items() if slug not in opened and set(after) <= opened
        }
        if not newly:
            break
        opened |= newly
    if opened != known:
        fail("unlock", f"circular rules never open {', '.join(sorted(known - opened))}")
    total = sum(exercise.minutes for exercise in exercises)
    if total > program.session_minutes_max:
        fail("session_minutes_max", f"the full session takes {total} minutes")


class _ExerciseFile(_Strict):
    exercise: list[Exercise] = Field(min_length=1)


class _BarrierFile(_Strict):
    barrier: list[Barrier] = Field(min_length=1, max_length=8)


@cache
def load_catalogue(data_dir: Path = DATA_DIR, language: str = DEFAULT_LANGUAGE) -> Catalogue:
    """Load and cross-check the data files, in language (its translation file laid over the
    English ones); raises ContentError on the first problem."""
    exercises_path = data_dir / "exercises.toml"
    program_path = data_dir / "program.toml"
    safety_path = data_dir / "safety.toml"
    barriers_path = data_dir / "barriers.toml"
    raw_exercises = _read_toml(exercises_path)
    raw_safety = _read_toml(safety_path)
    raw_barriers = _read_toml(barriers_path)
    if language != DEFAULT_LANGUAGE:
        words = data_dir / f"{language}.toml"
        overlay = _read_toml(words)
        try:
            raw_exercises = translate(raw_exercises, {"exercise": overlay.get("exercise")})
            raw_safety = translate(raw_safety, overlay.get("safety"), "safety")
            raw_barriers = translate(raw_barriers, {"barrier": overlay.get("barrier")})
        except MissingTranslation as missing:
            raise ContentError(f"{words}: {missing}: no {language} translation") from None
        exercises_path = safety_path = barriers_path = words
    exercises = _parse(_ExerciseFile, raw_exercises, exercises_path).exercise
    program = _parse(Program, _read_toml(program_path), program_path)
    safety = _parse(Safety, raw_safety, safety_path)
    barriers = _parse(_BarrierFile, raw_barriers, barriers_path).barrier
    _check_references(exercises, program, exercises_path, program_path)
    return Catalogue(exercises, program, safety, barriers)
