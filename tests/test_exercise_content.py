"""The exercise content never invites a fall or an early load, in every language: balance work
has something to grab within reach, weight words appear only at levels that use a weight, no
level adds range and load at once, and a level's dose line is the one that level uses."""

from __future__ import annotations

import re

import pytest

from content.catalogue import Exercise, load_catalogue
from content.poses import load_animations

LANGUAGES = ["en", "ru", "es"]

# Something sturdy to grab, named in the words a person reads at that level.
SUPPORT_WITHIN_REACH = {
    "en": (r"\b(counter|wall)\b", r"\bgrab\b"),
    "ru": (r"столешниц|стен", r"схват"),
    "es": (r"encimera|pared", r"agarrar"),
}
# A held weight or more of it; "no weight" and the person's own weight ("your weight on the
# leg") are not.
WEIGHT_WORDS = {
    "en": r"dumbbell|kettlebell|add(ing)? weight|the weight\b|a weight\b|heav|light weight",
    "ru": r"гантел|гир[яюие]|(?<!без )\bгруз|добавляйте вес|увеличивайте вес|лёгкий вес",
    "es": r"mancuerna|pesa\b|pesas|pesada|añade peso|aumenta el peso|un peso\b|más peso|"
    r"peso ligero",
}
# How many sets belongs in the dose line only, so a level's words never contradict it.
SETS_WORDS = {"en": r"\bsets?\b", "ru": r"подход", "es": r"\bseries?\b"}


def catalogue(language: str):
    return load_catalogue(language=language)


def seen_at(exercise: Exercise, level: int) -> str:
    """Every word the exercise card shows a person at that level."""
    chosen = exercise.level(level)
    return " ".join(
        [
            exercise.purpose,
            *exercise.steps_at(level),
            *exercise.cues,
            *exercise.avoid,
            chosen.label,
            chosen.how,
            exercise.dose_at(level).describe(),
        ]
    )


def levels_of(exercise: Exercise) -> range:
    return range(1, len(exercise.levels) + 1)


@pytest.mark.parametrize("language", LANGUAGES)
def test_free_standing_balance_and_every_rdl_level_have_support_within_reach(language):
    shelf, grab = SUPPORT_WITHIN_REACH[language]
    exercises = catalogue(language)
    balance, rdl = exercises.get("balance"), exercises.get("single_leg_rdl")
    # From the level that lets go of the support, every level is free standing.
    let_go = next(n for n in levels_of(balance) if "less support" in balance.level(n).harder_by)
    free = list(range(let_go, len(balance.levels) + 1))
    for exercise, numbers in ((balance, free), (rdl, list(levels_of(rdl)))):
        for number in numbers:
            words = " ".join([*exercise.steps_at(number), exercise.level(number).how]).lower()
            assert re.search(shelf, words) and re.search(grab, words), (exercise.slug, number)


@pytest.mark.parametrize("language", LANGUAGES)
def test_weight_words_only_at_levels_that_use_a_weight(language):
    words = re.compile(WEIGHT_WORDS[language], re.IGNORECASE)
    weighted = set()
    for exercise in catalogue(language).exercises:
        for number in levels_of(exercise):
            found = words.search(seen_at(exercise, number))
            if exercise.uses_weight(number):
                weighted.add(exercise.slug)
            else:
                assert found is None, (exercise.slug, number, found and found.group())
                assert not exercise.dose_at(number).load, (exercise.slug, number)
    assert weighted == {"single_leg_rdl", "squat_to_surface", "sumo_squat", "reverse_lunge"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_sumo_squat_body_weight_level_holds_no_weight(language):
    sumo = catalogue(language).get("sumo_squat")
    assert not sumo.uses_weight(1) and sumo.uses_weight(2)
    weight = re.compile(WEIGHT_WORDS[language], re.IGNORECASE)
    assert not any(weight.search(step) for step in sumo.steps_at(1))
    assert any(weight.search(step) for step in sumo.steps_at(2))


def test_no_level_adds_range_and_load_at_once():
    for exercise in load_catalogue().exercises:
        assert exercise.levels[0].harder_by == []
        for level in exercise.levels[1:]:
            assert level.harder_by, (exercise.slug, level.label)
            assert not {"range", "load"} <= set(level.harder_by), (exercise.slug, level.label)
    lunge = load_catalogue().get("reverse_lunge")
    assert len({"range", "load"} & set(lunge.level(2).harder_by)) == 1


def test_a_weight_arrives_with_a_load_step_and_the_animation_shows_it():
    """A level uses a weight from the level that declares "load"; its animation holds one
    exactly then, so the figure never shows a weight the words do not."""
    animations = load_animations()
    for exercise in load_catalogue().exercises:
        for number in levels_of(exercise):
            loads = animations.get(exercise.slug, number).loads
            assert bool(loads) == exercise.uses_weight(number), (exercise.slug, number)


@pytest.mark.parametrize("language", LANGUAGES)
def test_only_the_dose_line_counts_sets(language):
    sets = re.compile(SETS_WORDS[language], re.IGNORECASE)
    for exercise in catalogue(language).exercises:
        for level in exercise.levels:
            assert not sets.search(level.how), (exercise.slug, level.label)


def test_hip_bump_level_one_has_its_own_sets_in_the_dose_line():
    """Level 1 does fewer sets; its dose line says so (test_catalogue checks the other levels'
    dose lines)."""
    hip_bump = load_catalogue().get("hip_bump")
    assert hip_bump.dose_at(1).describe() == "1–2 sets × 10 reps per leg, 3×/week"
    assert hip_bump.dose_at(1).sets != hip_bump.dose_at(2).sets
