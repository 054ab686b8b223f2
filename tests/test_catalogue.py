"""The content loader: the shipped files are valid, and a broken file names file, field, reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from content.catalogue import (
    BUTTON_TEXT_MAX,
    DATA_DIR,
    ContentError,
    Moment,
    Safety,
    Tier,
    load_catalogue,
)
from content.program import (
    PainBand,
    is_severe,
    needs_red_flag_check,
    pain_band,
    session_minutes,
    session_plan,
    starting_levels,
)
from handlers.callbacks import MAX_CALLBACK_BYTES, RedFlag


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
    ("slug", "level", "dose"),
    [
        ("balance", 2, "1–2 rounds of 30 s per foot, 3–4×/week"),
        ("single_leg_rdl", 1, "8–10 reps per leg, 3×/week"),
        ("hip_bump", 2, "2–3 sets × 10 reps per leg, 3×/week"),
        ("hip_circles", 1, "5 circles each way per leg, 3×/week"),
        ("squat_to_surface", 3, "8–12 reps, add weight as your knee allows, 3×/week"),
        ("squat_to_surface", 2, "8–12 reps, 3×/week"),
        ("sumo_squat", 3, "8–12 reps, increase the weight over time, 3×/week"),
        ("sumo_squat", 1, "8–12 reps, 3×/week"),
        ("balance", 3, "1–2 rounds of the alphabet per foot, 3–4×/week"),
        (
            "reverse_lunge",
            3,
            "2–3 sets × 8–12 reps per leg, add weight as your knee allows, 3×/week",
        ),
    ],
)
def test_doses_match_the_seed(slug, level, dose):
    """The seed's dose at the level that does the seed's exercise (with its weight, if any);
    the easier levels' dose lines hold no weight."""
    assert load_catalogue().get(slug).dose_at(level).describe() == dose


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
        (
            "exercises.toml",
            'harder_by = ["range"]\n[[exercise.levels]]\nlabel = "Light touch"',
            'harder_by = ["range", "load"]\n[[exercise.levels]]\nlabel = "Light touch"',
            "exercise[3]: Value error, levels[1].harder_by: range and load in one step",
        ),
        (
            "exercises.toml",
            'harder_by = ["less support"]\n[[exercise.levels]]\nlabel = "Alphabet"',
            '[[exercise.levels]]\nlabel = "Alphabet"',
            "levels[1].harder_by: say what this level makes harder",
        ),
        (
            "exercises.toml",
            'how = "No weight; go only as low as feels comfortable."',
            'how = "No weight."\ndose = { load = "add weight" }',
            "levels[0].dose.load: this level uses no weight",
        ),
        (
            "exercises.toml",
            'per_side = ""\ntimes_per_week = [3, 3]\n[[exercise.levels]]\nlabel = "Body weight"',
            (
                'per_side = ""\ntimes_per_week = [3, 3]\nload = "add weight"\n'
                '[[exercise.levels]]\nlabel = "Body weight"'
            ),
            "dose.load: level 1 uses no weight",
        ),
        (
            "exercises.toml",
            'harder_by = ["tempo"]',
            'harder_by = ["tempo", "speed"]',
            "exercise[2].levels[2].harder_by[1]",
        ),
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
        ("safety.toml", 'none_button = "', 'none_buttom = "', "none_button: Field required"),
        ("safety.toml", 'key = "calf"', 'key = "chest"', "flag key used twice: chest"),
        ("safety.toml", 'key = "calf"', 'key = "none"', "reserved for the screen's own buttons"),
        ("safety.toml", 'tier = "soon"', 'tier = "someday"', "flags[5].tier"),
        ("safety.toml", "[advice.same_day]", "[advice.someday]", "advice.someday.[key]"),
        (
            "safety.toml",
            'call your local emergency number now."""',
            '"""',
            "must contain the emergency line",
        ),
        (
            "safety.toml",
            'button = "Numb or weak leg"',
            f'button = "{"x" * 33}"',
            "flags[7].button",
        ),
        ("safety.toml", 'key = "numbness"', f'key = "{"n" * 32}"', "flags[7].key"),
        ("program.toml", "severe_pain_from = 8", "severe_pain_from = 5", "severe_pain_from"),
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


def test_red_flags_have_tiers_in_order_of_urgency():
    safety = load_catalogue().safety
    tiers = {flag.key: flag.tier for flag in safety.flags}
    assert tiers == {
        "chest": Tier.EMERGENCY,
        "hot_knee": Tier.SAME_DAY,
        "calf": Tier.SAME_DAY,
        "no_weight": Tier.SAME_DAY,
        "sudden_swelling": Tier.SAME_DAY,
        "locking": Tier.SOON,
        "night_pain": Tier.SOON,
        "numbness": Tier.SOON,
        "recent_surgery": Tier.SOON,
    }
    # The most urgent flag answered decides the advice.
    assert safety.tier_of(["numbness", "calf"]) is Tier.SAME_DAY
    assert safety.tier_of(["numbness", "chest", "calf"]) is Tier.EMERGENCY
    assert safety.tier_of([]) is None


@pytest.mark.parametrize(
    ("keys", "moment", "words"),
    [
        (["chest"], Moment.START, "emergency number now"),
        (["chest"], Moment.LATER, "emergency number now"),
        (["calf"], Moment.START, "today"),
        (["hot_knee", "locking"], Moment.LATER, "before a physiotherapist"),
        (["locking"], Moment.START, "before starting"),
        (["numbness"], Moment.LATER, "before carrying on"),
    ],
)
def test_each_tier_has_its_own_advice_for_the_moment(keys, moment, words):
    advice = load_catalogue().safety.advice_for(keys, moment)
    assert advice is not None and words in advice


def test_the_knee_giving_way_is_not_a_red_flag():
    safety = load_catalogue().safety
    assert not any("gives way" in flag.text or "give way" in flag.text for flag in safety.flags)
    assert not any("way" in flag.button for flag in safety.flags)


def test_emergency_line_is_in_the_disclaimer_and_on_the_screen():
    safety = load_catalogue().safety
    assert "emergency number" in safety.emergency
    assert safety.emergency in safety.disclaimer
    for moment in Moment:
        screen = safety.screen_text(moment)
        assert safety.emergency in screen
        assert all(flag.text in screen for flag in safety.flags)
    assert "start" in safety.question.at(Moment.START)
    assert "go on" in safety.question.at(Moment.LATER)


def test_disclaimer_says_when_to_get_checked():
    disclaimer = load_catalogue().safety.disclaimer
    for words in ("severe", "getting worse", "injury"):
        assert words in disclaimer


def test_red_flag_buttons_fit_telegram():
    safety = load_catalogue().safety
    for flag in safety.flags:
        assert len(RedFlag(flag.key).data().encode()) <= MAX_CALLBACK_BYTES
        assert len(flag.button) <= BUTTON_TEXT_MAX
    assert len(safety.none_button) <= BUTTON_TEXT_MAX


def test_barrier_tips():
    catalogue = load_catalogue()
    assert "one set of each exercise" in catalogue.barriers["time"].tip
    equipment = catalogue.barriers["equipment"].tip
    assert "water bottles" in equipment
    # The tip names the exercises whose harder levels use a weight.
    weighted = {
        exercise.slug
        for exercise in catalogue.exercises
        for level in exercise.levels
        if any(word in (level.label + level.how).lower() for word in ("weight", "dumbbell"))
        and "no weight" not in level.how.lower()
    }
    assert weighted == {"single_leg_rdl", "squat_to_surface", "sumo_squat", "reverse_lunge"}
    for words in ("squats", "reverse lunge", "single-leg RDL"):
        assert words in equipment


def test_severe_pain_threshold():
    catalogue = load_catalogue()
    assert catalogue.program.pain.severe_pain_from == 8
    assert not is_severe(catalogue.program, 7)
    assert is_severe(catalogue.program, 8)
    assert catalogue.program.progression.severe_window_days == 14


def test_every_tier_needs_advice():
    data = load_catalogue().safety.model_dump()
    del data["advice"][Tier.SAME_DAY]
    with pytest.raises(ValueError, match="no advice for tier same_day"):
        Safety.model_validate(data)
