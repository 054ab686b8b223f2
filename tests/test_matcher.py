import pytest

from content.catalogue import load_catalogue
from content.understanding.matcher import ExerciseMatcher, normalize


@pytest.fixture(scope="module")
def matcher() -> ExerciseMatcher:
    return ExerciseMatcher(load_catalogue())


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("hip_bump", "hip_bump"),
        ("Hip bump", "hip_bump"),
        ("hipbump", "hip_bump"),
        ("hip bumb", "hip_bump"),
        ("  HIP-BUMP ", "hip_bump"),
        ("rdl", "single_leg_rdl"),
        ("Single leg RDL", "single_leg_rdl"),
        ("balanse", "balance"),
        ("sumo squatt", "sumo_squat"),
        ("reverse lunges", "reverse_lunge"),
        ("lunge", "reverse_lunge"),
        ("box squat", "squat_to_surface"),
        ("hip circels", "hip_circles"),
    ],
)
def test_finds_the_exercise(matcher, query, slug):
    match = matcher.find(query)
    assert match.exercise is not None and match.exercise.slug == slug


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("squat", {"squat_to_surface", "sumo_squat"}),
        ("hip", {"hip_bump", "hip_circles"}),
    ],
)
def test_ambiguous_names_offer_the_candidates(matcher, query, expected):
    match = matcher.find(query)
    assert match.exercise is None
    assert {exercise.slug for exercise in match.suggestions} == expected


@pytest.mark.parametrize("query", ["xyzzy", "", "🙂", "x" * 5000, "deadlift squat lunge"])
def test_unknown_names_get_at_most_three_suggestions(matcher, query):
    match = matcher.find(query)
    assert match.exercise is None
    assert 1 <= len(match.suggestions) <= 3


def test_normalize():
    assert normalize("Single-Leg RDL!") == "singlelegrdl"


def test_normalize_keeps_every_script_without_case_or_accents():
    assert normalize("Подъём таза") == normalize("ПОДЪЕМ  ТАЗА") == "подъемтаза"
    assert normalize("Elevación de cadera") == "elevaciondecadera"
    assert normalize("hip_bump") == "hipbump"


@pytest.mark.parametrize(
    ("language", "query", "slug"),
    [
        ("ru", "подъем таза стоя у стены", "hip_bump"),
        ("ru", "Румынская тяга", "single_leg_rdl"),
        ("ru", "hip bump", "hip_bump"),  # the English names count in every language
        ("es", "elevacion de cadera en la pared", "hip_bump"),
        ("es", "Sentadilla sumo", "sumo_squat"),
        ("es", "Single-leg RDL", "single_leg_rdl"),
    ],
)
def test_exercise_names_match_in_every_language(language, query, slug):
    english = load_catalogue()
    local = load_catalogue(language=language)
    match = ExerciseMatcher(local, english).find(query)
    assert match.exercise is not None and match.exercise.slug == slug
    assert match.exercise.name == local.get(slug).name  # the person's language's exercise
