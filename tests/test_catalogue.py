"""The content loader: the shipped files are valid, and a broken file names file, field, reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from content.catalogue import DATA_DIR, ContentError, load_catalogue
from content.program import (
    PainBand,
    needs_red_flag_check,
    pain_band,
    session_minutes,
    session_plan,
    starting_levels,
)


def test_shipped_catalogue_has_seven_exercises_in_area_order():
    catalogue = load_catalogue()
    assert [exercise.slug for exercise in catalogue.exercises] == [
        "balance",
        "single_leg_rdl",
        "hip_bump",
        "hip_circles",
        "squat_to_surface",
        "sumo_squat",
        "reverse_lunge",
    ]
    areas = [exercise.area for exercise in catalogue.exercises]
    assert areas == sorted(areas, key=catalogue.program.area_order.index)


@pytest.mark.parametrize(
    ("slug", "dose"),
    [
        ("balance", "1–2 rounds per foot, 3–4×/week"),
        ("single_leg_rdl", "8–10 reps per leg, 3×/week"),
        ("hip_bump", "2–3 sets × 10 reps per leg, 3×/week"),
        ("hip_circles", "5 circles each way per leg, 3×/week"),
        ("squat_to_surface", "8–12 reps, add weight as your knee allows, 3×/week"),
        ("sumo_squat", "8–12 reps, increase the weight over time, 3×/week"),
        ("reverse_lunge", "2–3 sets × 8–12 reps per leg, 3×/week"),
    ],
)
def test_doses_match_the_seed(slug, dose):
    assert load_catalogue().get(slug).dose.describe() == dose


def test_new_user_session_is_small_and_ordered():
    catalogue = load_catalogue()
    plan = session_plan(catalogue, starting_levels(catalogue))
    assert 3 <= len(plan) <= 4
    assert [item.exercise.slug for item in plan] == ["balance", "hip_bump", "squat_to_surface"]
    assert session_minutes(plan) <= catalogue.program.session_minutes_max
    assert plan[0].level.label == "Free standing"


def test_hip_circles_open_after_hip_bump_and_lunge_last():
    program = load_catalogue().program
    rules = {rule.exercise: rule.after for rule in program.unlock}
    assert rules["hip_circles"] == ["hip_bump"]
    assert set(rules["reverse_lunge"]) == {"single_leg_rdl", "hip_circles", "sumo_squat"}


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, PainBand.SAFE),
        (2, PainBand.SAFE),
        (3, PainBand.ACCEPTABLE),
        (5, PainBand.ACCEPTABLE),
        (6, PainBand.TOO_MUCH),
        (10, PainBand.TOO_MUCH),
    ],
)
def test_pain_bands_follow_the_pain_monitoring_model(score, band):
    assert pain_band(load_catalogue().program, score) is band


def test_red_flag_prompt_above_seven():
    program = load_catalogue().program
    assert not needs_red_flag_check(program, 7)
    assert needs_red_flag_check(program, 8)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("exercises.toml", "reps = [8, 10]", "reps = [10, 8]", "exercise[1].dose.reps"),
        ("exercises.toml", 'slug = "hip_bump"', 'slug = "Hip Bump!"', "exercise[2].slug"),
        ("exercises.toml", "start_level = 2\n", "start_level = 9\n", "start_level 9"),
        ("exercises.toml", 'area = "lunges"', 'area = "arms"', "'arms' is not in area_order"),
        ("exercises.toml", 'slug = "sumo_squat"', 'slug = "hip_bump"', "used twice: hip_bump"),
        ("exercises.toml", 'per_side = "leg"', 'per_side = "arm"', "exercise[1].dose.per_side"),
        ("exercises.toml", "minutes = 2", "minutes = 0", "exercise[0].minutes"),
        ("exercises.toml", "\n[[exercise]]\nslug", "\n[[exercise]\nslug", "not valid TOML"),
        ("program.toml", 'starter = ["balance",', 'starter = ["balanse",', "unknown exercise"),
        ("program.toml", 'after = ["hip_bump"]', 'after = ["reverse_lunge"]', "circular rules"),
        ("program.toml", "safe_max = 2", "safe_max = 6", "safe_max < acceptable_max"),
        (
            "program.toml",
            'default_reminder_time = "18:00"',
            'default_reminder_time = "25:00"',
            "default_reminder_time",
        ),
        (
            "program.toml",
            "session_minutes_max = 20",
            "session_minutes_max = 10",
            "full session takes 20 minutes",
        ),
        ("safety.toml", "red_flags = [", "red_flagz = [", "red_flags: Field required"),
    ],
)
def test_broken_files_name_file_field_and_reason(data_copy, file, old, new, message):
    _edit(data_copy / file, old, new)
    with pytest.raises(ContentError) as caught:
        load_catalogue(data_copy)
    assert str(data_copy / file) in str(caught.value)
    assert message in str(caught.value)


def test_missing_file(data_copy):
    (data_copy / "safety.toml").unlink()
    with pytest.raises(ContentError, match=r"safety\.toml: cannot read"):
        load_catalogue(data_copy)
