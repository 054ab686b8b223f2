"""Exercise animations: the pose file validates against the catalogue, every level renders a
small looping GIF, and the figure stays physically sensible (feet on the floor, knees bending
forward, hands on what they hold, buttocks on the seat)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from content.catalogue import DATA_DIR, ContentError, load_catalogue
from content.poses import SEATS, Animation, load_animations
from media import figure
from media.animation import (
    FRAME_MS,
    WIDTH,
    animation_key,
    render_animation,
    render_contact_sheet,
)

LEVELS = [
    (exercise.slug, number)
    for exercise in load_catalogue().exercises
    for number in range(1, len(exercise.levels) + 1)
]
TOLERANCE = 0.003  # a share of body height: about half a centimetre


def _moments(animation: Animation) -> list[float]:
    """Every frame of the loop, plus the moment each key pose is reached."""
    frames = round(animation.loop_seconds * 1000 / FRAME_MS)
    return sorted({*(index * FRAME_MS / 1000 for index in range(frames)), *_arrivals(animation)})


def _arrivals(animation: Animation) -> list[float]:
    times, elapsed = [], 0.0
    for pose in animation.poses:
        times.append(elapsed)
        elapsed += pose.hold + pose.move
    return times


def _bottom(body: figure.Body) -> float:
    return min(point.y for point in body.hips) - figure.TORSO_ROUNDING


def test_every_exercise_level_has_one_animation():
    animations = load_animations()
    assert sorted((item.exercise, item.level) for item in animations) == sorted(LEVELS)


@pytest.mark.parametrize(("slug", "level"), LEVELS, ids=[f"{s}-{n}" for s, n in LEVELS])
def test_each_level_renders_a_small_looping_gif(slug, level):
    data = render_animation(load_animations().get(slug, level))
    assert len(data) < 300 * 1024
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "GIF"
        assert image.size == (WIDTH, WIDTH)
        assert image.n_frames > 1
        assert image.info["loop"] == 0


@pytest.mark.parametrize(("slug", "level"), LEVELS, ids=[f"{s}-{n}" for s, n in LEVELS])
def test_figure_stays_on_the_floor_with_knees_bending_forward(slug, level):
    animation = load_animations().get(slug, level)
    for seconds in _moments(animation):
        body = figure.pose_body(animation, seconds)
        weights, _, _ = figure.timeline(animation, seconds)
        for side in figure.SIDES:
            leg = body.legs[side]
            sole = min(leg.heel.y, leg.toe.y) - figure.FOOT_RADIUS
            assert sole > -TOLERANCE, (side, seconds)
            feet = {animation.poses[index].leg(side).foot for index in weights}
            planted = all(animation.poses[index].leg(side).planted for index in weights)
            if planted and len(feet) == 1:
                assert sole < TOLERANCE, f"{side} foot floats at {seconds:.2f} s"
            # Seen from the side, the knee is in front of the line from hip to ankle.
            chord, knee = leg.ankle - leg.hip, leg.knee - leg.hip
            assert chord.x * knee.y - chord.y * knee.x > -1e-6, f"{side} knee at {seconds:.2f} s"
            assert body.arms[side].hand.y > 0.02


@pytest.mark.parametrize(("slug", "level"), LEVELS, ids=[f"{s}-{n}" for s, n in LEVELS])
def test_hands_rest_on_what_they_hold(slug, level):
    _assert_hands_on_props(load_animations().get(slug, level))


def _assert_hands_on_props(animation: Animation) -> None:
    for index, arrival in enumerate(_arrivals(animation)):
        body = figure.pose_body(animation, arrival)
        for side in figure.SIDES:
            grip = animation.poses[index].arm(side).grip
            if grip is None:
                continue
            arm = body.arms[side]
            fingertip = arm.hand + (arm.hand - arm.wrist).unit() * figure.HAND_RADIUS
            prop = next(prop for prop in animation.props if prop.kind == grip)
            target = figure.grip_point(prop, side, arm.shoulder)
            assert (fingertip - target).length() < 0.01, (index, side)


@pytest.mark.parametrize(("slug", "level"), LEVELS, ids=[f"{s}-{n}" for s, n in LEVELS])
def test_buttocks_touch_the_seat_and_never_sink_into_it(slug, level):
    animation = load_animations().get(slug, level)
    sitting = [pose.pelvis.drop == "seat" for pose in animation.poses]
    if not any(sitting):
        return
    seat = next(prop for prop in animation.props if prop.kind in SEATS)
    top = seat.height or figure.PROP_HEIGHTS[seat.kind]
    boxes = list(figure.prop_boxes(seat))
    front = max(box.high.x for box in boxes)
    back = min(box.low.x for box in boxes)
    for seconds in _moments(animation):
        body = figure.pose_body(animation, seconds)
        lowest = min(body.hips, key=lambda point: point.y)
        assert _bottom(body) > top - TOLERANCE or not back < lowest.x < front
    for index, arrival in enumerate(_arrivals(animation)):
        if sitting[index]:
            body = figure.pose_body(animation, arrival)
            assert abs(_bottom(body) - top) < TOLERANCE
            assert all(back < point.x < front for point in body.hips if point.y < top + 0.03)


@pytest.mark.parametrize(
    "support",
    [
        '{ kind = "chair", at = [0.32, -0.1] }',
        '{ kind = "wall", at = [0.3, 0.0], height = 0.7 }',
    ],
)
def test_a_chair_or_a_wall_can_replace_the_counter(data_copy, support):
    poses = data_copy / "poses.toml"
    _edit(poses, 'props = [{ kind = "counter", at = [0.4, 0.0] }]', f"props = [{support}]")
    kind = support.split('"')[1]
    _edit(poses, 'right_arm = { grip = "counter" }', f'right_arm = {{ grip = "{kind}" }}')
    animation = load_animations(data_copy).get("balance", 1)
    _assert_hands_on_props(animation)
    assert len(render_animation(animation)) < 300 * 1024


def test_contact_sheet_is_a_png_with_a_row_per_level():
    rows = [(f"level {n}", load_animations().get("hip_bump", n)) for n in (1, 2, 3)]
    with Image.open(io.BytesIO(render_contact_sheet(rows, columns=4))) as sheet:
        assert sheet.format == "PNG"
        assert sheet.width == 4 * WIDTH
        assert sheet.height > 3 * WIDTH


@pytest.fixture
def data_copy(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_key_changes_when_the_pose_data_changes(data_copy):
    before = {(item.exercise, item.level): animation_key(item) for item in load_animations()}
    poses = data_copy / "poses.toml"
    _edit(poses, "pelvis = { side = 0.055, tilt = 14 }", "pelvis = { side = 0.05, tilt = 14 }")
    after = {
        (item.exercise, item.level): animation_key(item) for item in load_animations(data_copy)
    }
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {("hip_bump", 2)}
    assert len(set(before.values())) == len(before)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "left_leg = { hip = 25, knee = 85 }",
            "left_leg = { hip = 25, knee = 185 }",
            "animation[0].poses[0].left_leg.knee: Input should be less than or equal to 150",
        ),
        ('view = "side"', 'view = "top"', "animation[0].view"),
        (
            "right_leg = { foot = [0.0, -0.05] }",
            "right_leg = { foot = [0.0, -0.05], knee = 10 }",
            "animation[0].poses[0].right_leg: Value error, give either foot",
        ),
        (
            'right_arm = { grip = "counter" }',
            'right_arm = { grip = "table" }',
            "animation[0].poses[0].right_arm.grip",
        ),
        (
            'props = [{ kind = "counter", at = [0.4, 0.0] }]',
            "props = []",
            "poses[0].right_arm grips a counter that is not a prop",
        ),
        (
            'exercise = "sumo_squat"\nlevel = 1\nview = "front"\nworking = "both"\n',
            (
                'exercise = "sumo_squat"\nlevel = 1\nview = "front"\nworking = "both"\n'
                'loads = [{ kind = "dumbbell", hand = "both" }]\n'
            ),
            "animation[15].loads: sumo_squat level 1 holds a weight, unlike exercises.toml",
        ),
        (
            'loads = [{ kind = "dumbbell", hand = "right" }]\n',
            "",
            "single_leg_rdl level 3 holds no weight, unlike exercises.toml",
        ),
        ("hold = 0.4\nmove = 1.0", "hold = 0.4\nmove = 5.0", "animation[0].poses[0].move"),
        (
            'exercise = "reverse_lunge"\nlevel = 3',
            'exercise = "reverse_lunge"\nlevel = 4',
            "animation[20]: reverse_lunge level 4 is not in the catalogue",
        ),
        (
            'exercise = "reverse_lunge"\nlevel = 3',
            'exercise = "reverse_lunge"\nlevel = 2',
            "animation[20]: reverse_lunge level 2 appears twice",
        ),
        (
            'exercise = "hip_bump"\nlevel = 3',
            'exercise = "hip_bumps"\nlevel = 3',
            "hip_bumps level 3 is not in the catalogue",
        ),
        ("[[animation]]\nexercise", "[[animation]\nexercise", "not valid TOML"),
    ],
)
def test_broken_pose_file_names_file_field_and_reason(data_copy, old, new, message):
    _edit(data_copy / "poses.toml", old, new)
    with pytest.raises(ContentError) as caught:
        load_animations(data_copy)
    assert str(data_copy / "poses.toml") in str(caught.value)
    assert message in str(caught.value)


def test_a_level_without_animation_stops_start_up(data_copy):
    poses = data_copy / "poses.toml"
    text = poses.read_text()
    poses.write_text(text[: text.rindex("[[animation]]")])
    with pytest.raises(
        ContentError, match=r"poses\.toml: animation: none for reverse_lunge level 3"
    ):
        load_animations(data_copy)
