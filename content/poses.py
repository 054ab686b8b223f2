"""Key poses of a simple figure for every exercise level, loaded from poses.toml at start-up.

The movement is data so a physiotherapist can adjust it; handlers/media draws it. The file is
checked against the catalogue too: an exercise level without an animation stops the bot, the same
as any other content mistake, instead of leaving a person with a missing picture.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from content.catalogue import (
    DATA_DIR,
    ContentError,
    Slug,
    _parse,
    _read_toml,
    _Strict,
    load_catalogue,
)

Side = Literal["left", "right"]
Length = Annotated[float, Field(ge=-1.0, le=1.0)]
Duration = Annotated[float, Field(ge=0.0, le=4.0)]
PropKind = Literal["wall", "chair", "bench", "bed", "counter"]
SEATS: frozenset[str] = frozenset({"chair", "bench", "bed"})
MAX_LOOP_SECONDS = 6.0


class Pelvis(_Strict):
    """Where the hips are relative to standing tall; lengths are shares of body height,
    `tilt` in degrees (+ drops the right hip). `drop="seat"` lowers onto the seat."""

    drop: Annotated[float, Field(ge=-0.05, le=0.45)] | Literal["seat"] = 0.0
    forward: Annotated[float, Field(ge=-0.4, le=0.4)] = 0.0
    side: Annotated[float, Field(ge=-0.2, le=0.2)] = 0.0
    tilt: Annotated[float, Field(ge=-25, le=25)] = 0.0


class Trunk(_Strict):
    """The trunk's lean forward from upright and sideways (+ to the left), in degrees."""

    lean: Annotated[float, Field(ge=-20, le=100)] = 0.0
    side: Annotated[float, Field(ge=-30, le=30)] = 0.0


class Leg(_Strict):
    """Either where the foot is (the knee then bends forward to reach it) or the joint angles."""

    foot: tuple[Length, Length] | None = None
    lift: Annotated[float, Field(ge=0, le=0.5)] = 0.0
    heel: Annotated[float, Field(ge=0, le=80)] = 0.0
    turn_out: Annotated[float, Field(ge=-15, le=60)] = 0.0
    hip: Annotated[float, Field(ge=-45, le=130)] | None = None
    knee: Annotated[float, Field(ge=0, le=150)] | None = None
    abduct: Annotated[float, Field(ge=-30, le=80)] = 0.0

    @model_validator(mode="after")
    def _one_way(self) -> Leg:
        angles = self.hip is not None or self.knee is not None
        if angles == (self.foot is not None):
            raise ValueError("give either foot = [forward, side] or hip and knee angles")
        if angles and (self.hip is None or self.knee is None):
            raise ValueError("give both hip and knee")
        if angles and (self.lift or self.heel):
            raise ValueError("lift and heel go with foot, not with hip and knee angles")
        return self

    @property
    def planted(self) -> bool:
        """Whether the foot stands on the floor (it is placed and not lifted)."""
        return self.foot is not None and self.lift == 0


class Arm(_Strict):
    """A named posture, the joint angles, or a hand on a prop."""

    posture: Literal["hang", "hips", "chest", "together"] | None = None
    shoulder: Annotated[float, Field(ge=-60, le=180)] | None = None
    abduct: Annotated[float, Field(ge=-30, le=180)] = 0.0
    elbow: Annotated[float, Field(ge=0, le=150)] = 0.0
    grip: PropKind | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: object) -> object:
        return {"posture": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_way(self) -> Arm:
        ways = [self.posture is not None, self.shoulder is not None, self.grip is not None]
        if sum(ways) != 1:
            raise ValueError("give one of: a posture name, shoulder (and elbow) angles, grip")
        return self


class Pose(_Strict):
    """One key pose of the figure, held `hold` seconds, then `move` seconds to the next."""

    hold: Duration = 0.0
    move: Annotated[float, Field(ge=0.1, le=4.0)]
    trace: bool = True
    pelvis: Pelvis = Pelvis()
    trunk: Trunk = Trunk()
    left_leg: Leg
    right_leg: Leg
    left_arm: Arm = Arm(posture="hang")
    right_arm: Arm = Arm(posture="hang")

    def leg(self, side: Side) -> Leg:
        """The leg on that side."""
        return self.left_leg if side == "left" else self.right_leg

    def arm(self, side: Side) -> Arm:
        """The arm on that side."""
        return self.left_arm if side == "left" else self.right_arm


class Prop(_Strict):
    """A wall, chair, bench, bed or counter in the scene, at [forward, side] from the feet."""

    kind: PropKind
    at: tuple[Length, Length] = (0.0, 0.0)
    height: Annotated[float, Field(ge=0.1, le=1.2)] | None = None


class Load(_Strict):
    """A weight held in one hand or both; `size` 1 is light, 1.5 heavier."""

    kind: Literal["dumbbell", "kettlebell"]
    hand: Literal["left", "right", "both"]
    size: Annotated[float, Field(ge=0.5, le=2.5)] = 1.0


INHERITED = ("pelvis", "trunk", "left_leg", "right_leg", "left_arm", "right_arm")


class Animation(_Strict):
    """The looping animation of one exercise level: the view, props, loads and key poses."""

    exercise: Slug
    level: int = Field(ge=1)
    view: Literal["side", "front"]
    working: Literal["left", "right", "both"]
    motion: Literal["ease", "flow"] = "ease"
    trace: Literal["left_foot", "right_foot", "pelvis"] | None = None
    props: list[Prop] = Field(default=[], max_length=4)
    loads: list[Load] = Field(default=[], max_length=2)
    poses: list[Pose] = Field(min_length=2, max_length=16)

    @model_validator(mode="before")
    @classmethod
    def _inherit(cls, value: object) -> object:
        """A pose that leaves out a part keeps it as in the pose before, so an edit is one line."""
        if not isinstance(value, dict) or not isinstance(value.get("poses"), list):
            return value
        poses: list[object] = []
        previous: dict[str, object] = {}
        for pose in value["poses"]:
            if isinstance(pose, dict):
                pose = {key: previous[key] for key in INHERITED if key in previous} | pose
                previous = pose
            poses.append(pose)
        return value | {"poses": poses}

    @model_validator(mode="after")
    def _consistent(self) -> Animation:
        kinds = {prop.kind for prop in self.props}
        for index, pose in enumerate(self.poses):
            for side in ("left", "right"):
                grip = pose.arm(side).grip
                if grip is not None and grip not in kinds:
                    raise ValueError(
                        f"poses[{index}].{side}_arm grips a {grip} that is not a prop"
                    )
            if pose.pelvis.drop == "seat" and not kinds & SEATS:
                raise ValueError(f"poses[{index}].pelvis.drop is 'seat' but no chair/bench/bed")
        if self.loop_seconds > MAX_LOOP_SECONDS:
            raise ValueError(f"the loop takes {self.loop_seconds:.1f} s, over {MAX_LOOP_SECONDS}")
        return self

    @property
    def loop_seconds(self) -> float:
        """How long one loop takes: every pose's hold and move."""
        return sum(pose.hold + pose.move for pose in self.poses)


class _PoseFile(_Strict):
    animation: list[Animation] = Field(min_length=1)


class Animations:
    """Every exercise level's animation, by exercise slug and 1-based level."""

    def __init__(self, animations: list[Animation]) -> None:
        self._by_key = {(item.exercise, item.level): item for item in animations}

    def get(self, exercise: str, level: int) -> Animation:
        """The animation of that exercise level; KeyError if none (start-up checks there is)."""
        return self._by_key[(exercise, level)]

    def __iter__(self) -> Iterator[Animation]:
        return iter(self._by_key.values())


@cache
def load_animations(data_dir: Path = DATA_DIR) -> Animations:
    """Load poses.toml; raises ContentError unless every catalogue exercise level has exactly
    one animation, every animation belongs to one, and each holds a weight exactly when its
    level uses one (so the figure never shows a weight the words do not)."""
    path = data_dir / "poses.toml"
    animations = _parse(_PoseFile, _read_toml(path), path).animation
    catalogue = load_catalogue(data_dir)
    wanted = {
        (exercise.slug, number)
        for exercise in catalogue.exercises
        for number in range(1, len(exercise.levels) + 1)
    }
    seen: set[tuple[str, int]] = set()
    for index, animation in enumerate(animations):
        key = (animation.exercise, animation.level)
        if key not in wanted:
            reason = f"{animation.exercise} level {animation.level} is not in the catalogue"
            raise ContentError(f"{path}: animation[{index}]: {reason}")
        if key in seen:
            reason = f"{animation.exercise} level {animation.level} appears twice"
            raise ContentError(f"{path}: animation[{index}]: {reason}")
        seen.add(key)
        exercise = catalogue.get(animation.exercise)
        if exercise is not None and bool(animation.loads) != exercise.uses_weight(animation.level):
            held = "holds a weight" if animation.loads else "holds no weight"
            reason = f"{animation.exercise} level {animation.level} {held}, unlike exercises.toml"
            raise ContentError(f"{path}: animation[{index}].loads: {reason}")
    missing = sorted(wanted - seen)
    if missing:
        names = ", ".join(f"{slug} level {level}" for slug, level in missing)
        raise ContentError(f"{path}: animation: none for {names}")
    return Animations(animations)
