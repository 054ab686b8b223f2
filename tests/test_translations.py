"""Translation files laid over the English catalogue: every text translated, ids and rules
untouched, a missing translation named by file, field and language."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from content.catalogue import DATA_DIR, ContentError, load_catalogue
from content.translations import UNTRANSLATED, has_words


def pseudo(value: Any) -> Any:
    """A 'translation' that upper-cases every text (so the emergency line stays inside the
    disclaimer), keyed the way translation files are."""
    if isinstance(value, str):
        return value.upper()
    if isinstance(value, list):
        return [pseudo(item) for item in value]
    if isinstance(value, dict):
        return {
            name: pseudo(item)
            for name, item in value.items()
            if name not in UNTRANSLATED and has_words(item)
        }
    return value


def toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def write_translation(folder: Path, language: str, drop: str | None = None) -> None:
    english = {
        name: tomllib.loads((DATA_DIR / f"{name}.toml").read_text())
        for name in ("exercises", "safety", "barriers")
    }
    lines = []
    for exercise in english["exercises"]["exercise"]:
        lines.append(f"[exercise.{exercise['slug']}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in pseudo(exercise).items() if k != drop]
    lines.append("[safety]")
    safety = pseudo(english["safety"])
    safety["flags"] = {flag["key"]: pseudo(flag) for flag in english["safety"]["flags"]}
    lines += [f"{k} = {toml_value(v)}" for k, v in safety.items() if k != drop]
    for barrier in english["barriers"]["barrier"]:
        lines.append(f"[barrier.{barrier['key']}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in pseudo(barrier).items()]
    (folder / f"{language}.toml").write_text("\n".join(lines) + "\n")


@pytest.fixture
def data_copy(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_every_text_is_replaced_and_the_program_is_untouched(data_copy):
    write_translation(data_copy, "xx")
    english = load_catalogue(data_copy)
    other = load_catalogue(data_copy, "xx")
    for mine, theirs in zip(english.exercises, other.exercises, strict=True):
        assert theirs.slug == mine.slug and theirs.dose.sets == mine.dose.sets
        assert theirs.name == mine.name.upper()
        assert theirs.steps == [step.upper() for step in mine.steps]
        assert theirs.levels[0].how == mine.levels[0].how.upper()
        assert set(mine.aliases) <= set(theirs.aliases)  # English names still match
    assert other.program == english.program
    assert [flag.key for flag in other.safety.flags] == [flag.key for flag in english.safety.flags]
    assert other.safety.flags[0].text == english.safety.flags[0].text.upper()
    assert other.barriers["time"].tip == english.barriers["time"].tip.upper()


@pytest.mark.parametrize("dropped", ["purpose", "none_button"])
def test_a_missing_translation_names_file_field_and_language(data_copy, dropped):
    write_translation(data_copy, "xx", drop=dropped)
    with pytest.raises(ContentError) as error:
        load_catalogue(data_copy, "xx")
    message = str(error.value)
    assert "xx.toml" in message and dropped in message and "no xx translation" in message


def test_a_list_of_the_wrong_length_is_refused(data_copy):
    write_translation(data_copy, "xx")
    path = data_copy / "xx.toml"
    text = path.read_text()
    first_steps = next(line for line in text.splitlines() if line.startswith("steps = "))
    path.write_text(text.replace(first_steps, 'steps = ["only one"]', 1))
    with pytest.raises(ContentError, match=r"exercise\.balance\.steps \(needs 3 entries, has 1\)"):
        load_catalogue(data_copy, "xx")


SHIPPED = sorted(path.stem for path in DATA_DIR.glob("??.toml"))


@pytest.mark.parametrize("language", SHIPPED)
def test_a_shipped_translation_loads_with_red_flag_buttons_that_fit_a_phone(language):
    english, other = load_catalogue(), load_catalogue(language=language)
    assert [e.slug for e in other.exercises] == [e.slug for e in english.exercises]
    assert [flag.key for flag in other.safety.flags] == [flag.key for flag in english.safety.flags]
    for button in [flag.button for flag in other.safety.flags] + [other.safety.none_button]:
        assert len(button) <= 32, button


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ("joint replacement", "last 3")),
        ("ru", ("замена сустава", "3 мес")),
        ("es", ("prótesis", "3 meses")),
    ],
)
def test_the_surgery_button_keeps_the_joint_replacement_and_the_three_months(language, words):
    """The button is all a person reads before tapping: it names both kinds of surgery the flag
    means and its time window, like the flag's full text does."""
    flag = load_catalogue(language=language).safety.flag("recent_surgery")
    assert flag is not None
    for word in words:
        assert word in flag.button.lower(), (flag.button, word)
