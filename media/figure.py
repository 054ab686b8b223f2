"""Where every joint of the figure is at any moment of an animation: key poses from
content/poses.py blended over time, then solved into 3D points. No drawing here.

Lengths are fractions of the person's height, from standard body proportions. Axes: x forward,
y up, z to the person's left; the floor is y = 0 and the feet start either side of x = z = 0.
Planted feet are given as floor positions and the knees are solved to reach them, bending
forward: a knee cannot bend backwards and a planted foot cannot float, whatever the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from content.poses import SEATS, Animation, Arm, Leg, Pose, Prop, Side

HIP_HEIGHT = 0.530  # hip joints above the floor, standing with straight legs
THIGH, SHIN, ANKLE = 0.245, 0.246, 0.039
UPPER_ARM, FOREARM = 0.186, 0.146
HAND_CENTRE, HAND_RADIUS = 0.035, 0.017  # the hand: a disc this far past the wrist
HIP_HALF, SHOULDER_HALF, SHOULDERS_UP = 0.052, 0.105, 0.288
HEAD_RADIUS, HEAD_UP = 0.062, 0.112  # head centre above the middle of the shoulders
TORSO_ROUNDING = 0.02
HEEL_BACK, TOE_FORWARD, SOLE_DOWN, FOOT_RADIUS = 0.03, 0.095, 0.023, 0.016
FOOT_HALF_WIDTH = 0.022
FREE_FOOT_POINT = 20.0  # degrees a lifted foot is pointed
SIDES: tuple[Side, Side] = ("left", "right")
# The outline of pelvis and chest in the body's frame (forward, up), pelvis at the origin. The
# third number of a pelvis point is how much of the trunk's lean it follows: the seat of the
# pelvis follows little, so a person leaning forward on a chair still sits on their buttocks.
PELVIS_OUTLINE = ((0.065, -0.02, 0.35), (-0.075, -0.035, 0.35), (0.06, 0.07, 1), (-0.06, 0.07, 1))
CHEST_OUTLINE = ((0.08, 0.20), (-0.06, 0.20), (0.05, 0.285), (-0.05, 0.285))
PELVIS_HALF, CHEST_HALF = 0.082, 0.1
# A prop's height unless poses.toml gives one: the seat or counter top, or a hand on a wall.
PROP_HEIGHTS = {"chair": 0.27, "bench": 0.26, "bed": 0.33, "counter": 0.53, "wall": 0.85}


@dataclass(frozen=True, slots=True)
class Vec:
    """A point or direction in the person's own axes; lengths are shares of body height."""

    x: float  # forward
    y: float  # up
    z: float  # to the person's left

    def __add__(self, other: Vec) -> Vec:
        return Vec(self.x + other.x, self.y + other.y, self.z + other.z)

    def __sub__(self, other: Vec) -> Vec:
        return Vec(self.x - other.x, self.y - other.y, self.z - other.z)

    def __mul__(self, factor: float) -> Vec:
        return Vec(self.x * factor, self.y * factor, self.z * factor)

    def dot(self, other: Vec) -> float:
        """The dot product."""
        return self.x * other.x + self.y * other.y + self.z * other.z

    def length(self) -> float:
        """The Euclidean length."""
        return math.sqrt(self.dot(self))

    def unit(self) -> Vec:
        """This direction at length 1; straight down for a zero vector."""
        size = self.length()
        return self * (1 / size) if size > 1e-9 else Vec(0, -1, 0)


ORIGIN, FORWARD, UP, LEFT = Vec(0, 0, 0), Vec(1, 0, 0), Vec(0, 1, 0), Vec(0, 0, 1)


def blend(items: list[tuple[float, Vec]]) -> Vec:
    """The weighted sum of the vectors (weights need not add up to 1)."""
    total = ORIGIN
    for weight, vec in items:
        total = total + vec * weight
    return total


@dataclass(frozen=True, slots=True)
class Frame:
    """Three axes of a body part: its forward, up and left."""

    forward: Vec
    up: Vec
    left: Vec

    def at(self, forward: float, up: float, left: float) -> Vec:
        """The point at these distances along the frame's forward, up and left axes."""
        return self.forward * forward + self.up * up + self.left * left

    def lean(self, degrees: float) -> Frame:
        """Tip forward, hinging at the hips."""
        c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
        return Frame(self.forward * c - self.up * s, self.up * c + self.forward * s, self.left)

    def roll(self, degrees: float) -> Frame:
        """Tip to the person's left (negative: to the right)."""
        c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
        return Frame(self.forward, self.up * c + self.left * s, self.left * c - self.up * s)


WORLD = Frame(FORWARD, UP, LEFT)


def _outward(side: Side) -> float:
    return 1.0 if side == "left" else -1.0


@dataclass(frozen=True, slots=True)
class LegPoints:
    """Where the joints of one leg and its foot are, in 3-D, for one frame."""

    hip: Vec
    knee: Vec
    ankle: Vec
    heel: Vec
    toe: Vec
    toe_width: Vec  # half the foot's width at the toes, across the foot


@dataclass(frozen=True, slots=True)
class ArmPoints:
    """Where the joints of one arm and its hand are, in 3-D, for one frame."""

    shoulder: Vec
    elbow: Vec
    wrist: Vec
    hand: Vec  # the middle of the hand, where a weight is held


@dataclass(frozen=True, slots=True)
class Body:
    """The whole figure's points for one frame, ready to project and draw."""

    pelvis: Vec
    trunk_frame: Frame
    neck: Vec
    head: Vec
    torso: tuple[Vec, ...]  # outline points of pelvis and chest; drawn as their rounded hull
    hips: tuple[Vec, ...]  # outline points of the pelvis alone
    legs: dict[Side, LegPoints]
    arms: dict[Side, ArmPoints]


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned block of a prop; shade says which part (frame, leg, cushion)."""

    low: Vec
    high: Vec
    shade: int


def _two_bone(root: Vec, target: Vec, first: float, second: float, pole: Vec) -> tuple[Vec, Vec]:
    """The middle joint and the end of a two-bone limb reaching for target, bending towards pole;
    an unreachable target gets a straight limb pointing at it."""
    span = target - root
    axis = span.unit()
    distance = min(max(span.length(), abs(first - second) + 1e-6), (first + second) * 0.999)
    along = (first * first - second * second + distance * distance) / (2 * distance)
    across = math.sqrt(max(first * first - along * along, 0.0))
    bend = pole - axis * pole.dot(axis)
    if bend.length() < 1e-6:
        bend = FORWARD - axis * FORWARD.dot(axis)
    return root + axis * along + bend.unit() * across, root + axis * distance


def _foot(ankle: Vec, forward: Vec, down: Vec, side: Side) -> tuple[Vec, Vec, Vec]:
    across = Vec(-forward.z, 0, forward.x).unit() * (FOOT_HALF_WIDTH * _outward(side))
    heel = ankle - forward * HEEL_BACK + down * SOLE_DOWN
    return heel, ankle + forward * TOE_FORWARD + down * SOLE_DOWN, across


def _turned(frame: Frame, turn_out: float, side: Side) -> Vec:
    angle = math.radians(turn_out) * _outward(side)
    return frame.forward * math.cos(angle) + frame.left * math.sin(angle)


def _planted_ankle(leg: Leg, side: Side) -> tuple[Vec, Vec, Vec]:
    """Ankle, foot direction (heel to toe) and sole direction of a foot given by position."""
    assert leg.foot is not None
    flat = _turned(WORLD, leg.turn_out, side)
    heel = math.radians(leg.heel)
    forward = flat * math.cos(heel) - UP * math.sin(heel)
    down = UP * -math.cos(heel) + flat * math.sin(heel)
    toe = Vec(leg.foot[0], ANKLE - SOLE_DOWN, leg.foot[1]) + flat * TOE_FORWARD
    return toe - forward * TOE_FORWARD - down * SOLE_DOWN, forward, down


def _free_foot(knee: Vec, ankle: Vec, frame: Frame, leg: Leg, side: Side) -> tuple[Vec, Vec]:
    """A lifted foot hangs relaxed: square to the shin, toes a little pointed."""
    shin = (ankle - knee).unit()
    reference = _turned(frame, leg.turn_out, side)
    square = (reference - shin * reference.dot(shin)).unit()
    c, s = math.cos(math.radians(FREE_FOOT_POINT)), math.sin(math.radians(FREE_FOOT_POINT))
    return square * c + shin * s, shin * c - square * s


@dataclass(frozen=True, slots=True)
class _Limb:
    """One key pose's idea of a limb, to be blended with the others'."""

    middle: Vec
    end: Vec
    forward: Vec = FORWARD  # the way the foot or hand points
    down: Vec = UP * -1  # feet: the way the sole faces


def _leg(leg: Leg, side: Side, hip: Vec, frame: Frame) -> _Limb:
    if leg.foot is not None:
        if leg.planted:
            ankle, forward, down = _planted_ankle(leg, side)
        else:
            ankle = Vec(leg.foot[0], ANKLE + leg.lift, leg.foot[1])
        pole = _turned(WORLD if leg.planted else frame, leg.turn_out, side)
        knee, ankle = _two_bone(hip, ankle, THIGH, SHIN, pole)
        if not leg.planted:
            forward, down = _free_foot(knee, ankle, frame, leg, side)
        return _Limb(knee, ankle, forward, down)
    assert leg.hip is not None and leg.knee is not None
    hip_angle, knee_angle = math.radians(leg.hip), math.radians(leg.hip - leg.knee)
    spread = math.radians(leg.abduct)
    sideways = frame.left * (math.sin(spread) * _outward(side))

    def direction(angle: float) -> Vec:
        along = frame.forward * math.sin(angle) - frame.up * math.cos(angle)
        return along * math.cos(spread) + sideways

    knee = hip + direction(hip_angle) * THIGH
    ankle = knee + direction(knee_angle) * SHIN
    forward, down = _free_foot(knee, ankle, frame, leg, side)
    return _Limb(knee, ankle, forward, down)


def grip_point(prop: Prop, side: Side, shoulder: Vec) -> Vec:
    """Where a hand rests on a prop: the top of a chair back, the front edge of a seat or a
    counter, or the wall at its grip height level with the shoulder."""
    forward, left = prop.at
    top = prop.height or PROP_HEIGHTS[prop.kind]
    if prop.kind == "chair":
        return Vec(forward - 0.12, top + 0.25, left)
    if prop.kind in ("bench", "bed"):
        half = 0.12 if prop.kind == "bench" else 0.3
        return Vec(forward + half - 0.03, top, left + 0.2 * _outward(side))
    if prop.kind == "counter":
        edge = forward - 0.17 if forward > 0 else forward + 0.17
        return Vec(edge, top, shoulder.z)
    if wall_in_front(prop):
        return Vec(forward, top, shoulder.z)
    return Vec(shoulder.x, top, left)


def wall_in_front(prop: Prop) -> bool:
    """A wall ahead of or behind the person (else beside them), by the larger of its offsets."""
    return abs(prop.at[0]) > abs(prop.at[1])


def _arm(arm: Arm, side: Side, shoulder: Vec, body: _Trunk, props: list[Prop]) -> _Limb:
    """Elbow, wrist and the way the hand points, for one key pose's arm."""
    reach = UPPER_ARM + FOREARM
    frame, out = body.trunk, _outward(side)
    back_and_down = frame.forward * -0.6 - UP * 0.8 + frame.left * (0.2 * out)
    if arm.grip is not None:
        prop = next(prop for prop in props if prop.kind == arm.grip)
        point = grip_point(prop, side, shoulder)
        wrist = point + (shoulder - point).unit() * (HAND_CENTRE + HAND_RADIUS)
        elbow, wrist = _two_bone(shoulder, wrist, UPPER_ARM, FOREARM, back_and_down)
        return _Limb(elbow, wrist, (point - wrist).unit())
    if arm.shoulder is not None:
        lift, spread = math.radians(arm.shoulder), math.radians(arm.abduct)
        along = frame.forward * math.sin(lift) - frame.up * math.cos(lift)
        upper = along * math.cos(spread) + frame.left * (math.sin(spread) * out)
        elbow = shoulder + upper * UPPER_ARM
        fold = frame.forward - upper * frame.forward.dot(upper)
        if fold.length() < 1e-6:
            fold = frame.up
        bend = math.radians(arm.elbow)
        forearm = upper * math.cos(bend) + fold.unit() * math.sin(bend)
        return _Limb(elbow, elbow + forearm * FOREARM, forearm)
    middle = body.shoulders
    level = Vec(frame.forward.x, 0, frame.forward.z).unit()
    if arm.posture == "hips":
        wrist = body.pelvis + body.pelvis_frame.at(0.0, 0.05, 0.118 * out)
        pole = frame.left * out - frame.forward * 0.5
    elif arm.posture == "chest":
        wrist = middle + frame.at(0.11, -0.09, -0.06 * out)
        pole = UP * -1 + frame.left * out
    elif arm.posture == "together":
        inward = SHOULDER_HALF - 0.03
        drop = math.sqrt(reach * reach - inward * inward - 0.06 * 0.06) * 0.99
        wrist = shoulder + level * 0.06 - frame.left * (inward * out) - UP * drop
        pole = level * -1
    else:  # hang
        wrist = shoulder - UP * (reach * 0.99) + level * 0.02
        pole = level * -1
    elbow, wrist = _two_bone(shoulder, wrist, UPPER_ARM, FOREARM, pole)
    return _Limb(elbow, wrist, (wrist - elbow).unit())


@dataclass(frozen=True, slots=True)
class _Trunk:
    pelvis: Vec
    pelvis_frame: Frame
    trunk: Frame
    shoulders: Vec


def _body_frames(lean: float, tilt: float, side_lean: float) -> tuple[Frame, Frame]:
    hinged = WORLD.lean(lean)
    return hinged.roll(-tilt), hinged.roll(side_lean)


def _pelvis_outline(lean: float, tilt: float) -> list[Vec]:
    """Outline points of the pelvis, from the middle of the hip joints."""
    return [
        WORLD.lean(lean * share).roll(-tilt).at(forward, up, half)
        for forward, up, share in PELVIS_OUTLINE
        for half in (PELVIS_HALF, -PELVIS_HALF)
    ]


def _resolved_drop(pose: Pose, props: list[Prop]) -> float:
    """The pose's hip drop; 'seat' lowers the hips until the buttocks rest on the seat."""
    if pose.pelvis.drop != "seat":
        return pose.pelvis.drop
    seat = next(prop for prop in props if prop.kind in SEATS)
    top = seat.height or PROP_HEIGHTS[seat.kind]
    bottom = min(point.y for point in _pelvis_outline(pose.trunk.lean, pose.pelvis.tilt))
    return HIP_HEIGHT - (top - bottom + TORSO_ROUNDING)


def timeline(animation: Animation, seconds: float) -> tuple[dict[int, float], int, float]:
    """Which key poses shape the figure at this moment and how much, the pose being left, and
    the progress (0–1) of the move away from it."""
    poses = animation.poses
    t = seconds % animation.loop_seconds
    for index, pose in enumerate(poses):
        if t < pose.hold:
            return {index: 1.0}, index, 0.0
        t -= pose.hold
        if t < pose.move or index == len(poses) - 1:
            x = min(t / pose.move, 1.0)
            count = len(poses)
            if animation.motion == "ease":
                eased = (1 - math.cos(math.pi * x)) / 2
                return _merge([(index, 1 - eased), ((index + 1) % count, eased)]), index, x
            x2, x3 = x * x, x * x * x
            spline = [
                ((index - 1) % count, (-x3 + 2 * x2 - x) / 2),
                (index, (3 * x3 - 5 * x2 + 2) / 2),
                ((index + 1) % count, (-3 * x3 + 4 * x2 + x) / 2),
                ((index + 2) % count, (x3 - x2) / 2),
            ]
            return _merge(spline), index, x
        t -= pose.move
    raise AssertionError("unreachable: the last pose's move ends the loop")


def _merge(pairs: list[tuple[int, float]]) -> dict[int, float]:
    merged: dict[int, float] = {}
    for index, weight in pairs:
        merged[index] = merged.get(index, 0.0) + weight
    return merged


@dataclass(frozen=True, slots=True)
class _Moment:
    """One moment of the loop as timeline() finds it: the key poses that shape the figure and
    their weights, the pose being left, and the progress (0–1) of the move away from it."""

    animation: Animation
    weights: dict[int, float]
    leaving: int
    progress: float

    @property
    def poses(self) -> list[Pose]:
        return self.animation.poses

    def number(self, read: Callable[[Pose], float]) -> float:
        """One of the poses' numbers at this moment: the key poses' values, weighted."""
        return sum(weight * read(self.poses[index]) for index, weight in self.weights.items())


def pose_body(animation: Animation, seconds: float) -> Body:
    """The figure at this moment of the loop."""
    moment = _Moment(animation, *timeline(animation, seconds))
    lean = moment.number(lambda pose: pose.trunk.lean)
    tilt = moment.number(lambda pose: pose.pelvis.tilt)
    side_lean = moment.number(lambda pose: pose.trunk.side)
    pelvis_frame, trunk_frame = _body_frames(lean, tilt, side_lean)
    steps = {side: _step(moment, side) for side in SIDES}
    pelvis = _grounded(moment, _pelvis(moment), pelvis_frame, steps)
    shoulders = pelvis + trunk_frame.up * SHOULDERS_UP
    trunk = _Trunk(pelvis, pelvis_frame, trunk_frame, shoulders)
    legs = {side: _leg_points(moment, side, pelvis, pelvis_frame, steps[side]) for side in SIDES}
    arms = {side: _arm_points(moment, side, trunk) for side in SIDES}
    hips = tuple(pelvis + point for point in _pelvis_outline(lean, tilt))
    torso = hips + tuple(
        pelvis + trunk_frame.at(f, u, half)
        for f, u in CHEST_OUTLINE
        for half in (CHEST_HALF, -CHEST_HALF)
    )
    neck = shoulders + trunk_frame.up * 0.04
    head = shoulders + trunk_frame.at(0.012, HEAD_UP, 0)
    return Body(pelvis, trunk_frame, neck, head, torso, hips, legs, arms)


def _pelvis(moment: _Moment) -> Vec:
    """The middle of the hip joints where the key poses put it, feet not yet considered."""
    props = moment.animation.props
    drop = moment.number(lambda pose: _resolved_drop(pose, props))
    return Vec(
        moment.number(lambda pose: pose.pelvis.forward),
        HIP_HEIGHT - drop,
        moment.number(lambda pose: pose.pelvis.side),
    )


def _step(moment: _Moment, side: Side) -> float:
    """How high this side's foot is lifted on its way to a new spot (eased motion only)."""
    if moment.animation.motion != "ease" or moment.weights.get(moment.leaving, 0) >= 1:
        return 0.0
    poses = moment.poses
    arriving = (moment.leaving + 1) % len(poses)
    before, after = poses[moment.leaving].leg(side), poses[arriving].leg(side)
    return _step_height(before, after, side, moment.progress)


def _grounded(moment: _Moment, pelvis: Vec, frame: Frame, steps: dict[Side, float]) -> Vec:
    """Planted feet stay put: where the hips are too high for a leg to reach, they come down."""
    poses, weights = moment.poses, moment.weights
    for side in SIDES:
        if steps[side] == 0 and all(poses[index].leg(side).planted for index in weights):
            ankle = blend(
                [(w, _planted_ankle(poses[i].leg(side), side)[0]) for i, w in weights.items()]
            )
            hip = pelvis + frame.left * (HIP_HALF * _outward(side))
            pelvis = pelvis - UP * _too_high(hip, ankle)
    return pelvis


def _step_height(before: Leg, after: Leg, side: Side, progress: float) -> float:
    """A planted foot that moves to a new spot is lifted on the way: a step, not a slide."""
    if not (before.planted and after.planted):
        return 0.0
    start, end = _planted_ankle(before, side)[0], _planted_ankle(after, side)[0]
    distance = Vec(end.x - start.x, 0, end.z - start.z).length()
    if distance < 0.01:
        return 0.0
    return min(0.035, 0.25 * distance) * math.sin(math.pi * progress)


def _too_high(hip: Vec, ankle: Vec) -> float:
    reach = (THIGH + SHIN) * 0.998
    span = hip - ankle
    flat = span.x * span.x + span.z * span.z
    if span.length() <= reach or flat >= reach * reach:
        return 0.0
    return span.y - math.sqrt(reach * reach - flat)


def _leg_points(moment: _Moment, side: Side, pelvis: Vec, frame: Frame, step: float) -> LegPoints:
    hip = pelvis + frame.left * (HIP_HALF * _outward(side))
    limbs = [
        (weight, _leg(moment.poses[index].leg(side), side, hip, frame))
        for index, weight in moment.weights.items()
    ]
    knee = blend([(w, limb.middle) for w, limb in limbs])
    ankle = blend([(w, limb.end) for w, limb in limbs]) + UP * step
    forward = blend([(w, limb.forward) for w, limb in limbs]).unit()
    down = blend([(w, limb.down) for w, limb in limbs]).unit()
    knee, ankle = _two_bone(hip, ankle, THIGH, SHIN, knee - hip)
    heel, toe, width = _foot(ankle, forward, down, side)
    return LegPoints(hip, knee, ankle, heel, toe, width)


def _arm_points(moment: _Moment, side: Side, trunk: _Trunk) -> ArmPoints:
    shoulder = trunk.shoulders + trunk.trunk.left * (SHOULDER_HALF * _outward(side))
    props = moment.animation.props
    limbs = [
        (weight, _arm(moment.poses[index].arm(side), side, shoulder, trunk, props))
        for index, weight in moment.weights.items()
    ]
    elbow = blend([(w, limb.middle) for w, limb in limbs])
    wrist = blend([(w, limb.end) for w, limb in limbs])
    pointing = blend([(w, limb.forward) for w, limb in limbs]).unit()
    elbow, wrist = _two_bone(shoulder, wrist, UPPER_ARM, FOREARM, elbow - shoulder)
    hand = wrist + pointing * HAND_CENTRE
    return ArmPoints(shoulder, elbow, wrist, hand)


def prop_boxes(prop: Prop) -> Iterator[Box]:
    """A prop as blocks: shade 0 the main body, 1 legs and posts, 2 a cushion or top."""
    x, z = prop.at
    top = prop.height or PROP_HEIGHTS[prop.kind]
    if prop.kind == "chair":
        yield Box(Vec(x - 0.13, top - 0.035, z - 0.13), Vec(x + 0.13, top, z + 0.13), 0)
        for dx in (-0.115, 0.115):
            for dz in (-0.115, 0.115):
                yield Box(
                    Vec(x + dx - 0.013, 0, z + dz - 0.013),
                    Vec(x + dx + 0.013, top, z + dz + 0.013),
                    1,
                )
        yield Box(Vec(x - 0.13, top, z - 0.13), Vec(x - 0.1, top + 0.25, z + 0.13), 1)
        yield Box(Vec(x - 0.135, top + 0.13, z - 0.13), Vec(x - 0.095, top + 0.25, z + 0.13), 0)
    elif prop.kind == "bench":
        yield Box(Vec(x - 0.12, top - 0.045, z - 0.35), Vec(x + 0.12, top, z + 0.35), 0)
        for dz in (-0.3, 0.3):
            yield Box(Vec(x - 0.09, 0, z + dz - 0.02), Vec(x + 0.09, top, z + dz + 0.02), 1)
    elif prop.kind == "bed":
        yield Box(Vec(x - 0.3, 0.06, z - 0.45), Vec(x + 0.3, top - 0.09, z + 0.45), 0)
        yield Box(Vec(x - 0.3, top - 0.1, z - 0.45), Vec(x + 0.3, top, z + 0.45), 2)
        for dx in (-0.27, 0.27):
            yield Box(Vec(x + dx - 0.02, 0, z - 0.42), Vec(x + dx + 0.02, 0.07, z + 0.42), 1)
    elif prop.kind == "counter":
        yield Box(Vec(x - 0.16, 0, z - 0.5), Vec(x + 0.16, top - 0.03, z + 0.5), 0)
        yield Box(Vec(x - 0.18, top - 0.03, z - 0.52), Vec(x + 0.18, top, z + 0.52), 2)
    elif wall_in_front(prop):
        away = 0.06 if x > 0 else -0.06
        yield Box(Vec(min(x, x + away), 0, -1.5), Vec(max(x, x + away), 1.4, 1.5), 0)
    else:
        away = 0.06 if z > 0 else -0.06
        yield Box(Vec(-1.5, 0, min(z, z + away)), Vec(1.5, 1.4, max(z, z + away)), 0)
