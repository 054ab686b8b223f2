"""The catalogue, safety texts and barrier tips in another language: one file per language
(content/data/ru.toml, es.toml) that a translator edits next to the English files, laid over the
English data before it is validated.

Only words are translated; ids, tiers, numbers and rules come from the English files, so a
translation can never change the program. Every text of the English files must have its
translation: a missing one is a start-up error naming the file, the field and the language.
Lists of tables are keyed by their id (an exercise's slug, a flag's or barrier's key); other
lists (steps, cues, levels) must have as many entries as the English ones. An exercise's
`aliases` are added to the English ones, so people can type a name in either language.
"""

from __future__ import annotations

from typing import Any

# Fields that are ids or codes, never words.
UNTRANSLATED = frozenset({"slug", "area", "key", "tier", "per_side", "harder_by"})
# Lists of tables, and the field that names each table in a translation file.
KEYED = {"exercise": "slug", "flags": "key", "barrier": "key"}
# Lists in a translation file that add to the English ones rather than replace them.
ADDED = frozenset({"aliases"})


class MissingTranslation(ValueError):
    """A text without its translation; the message is the field's path."""


def has_words(value: Any) -> bool:
    """Whether the value holds translatable text (strings outside id fields), however nested."""
    if isinstance(value, str):
        return True
    if isinstance(value, dict):
        return any(key not in UNTRANSLATED and has_words(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_words(item) for item in value)
    return False


def translate(english: Any, overlay: Any, where: str = "") -> Any:
    """The English data with every text replaced by the overlay's; raises MissingTranslation
    naming the first field that has none."""
    if isinstance(english, str):
        if not isinstance(overlay, str) or not overlay.strip():
            raise MissingTranslation(where or "(top level)")
        return overlay
    if isinstance(english, dict):
        given = overlay if isinstance(overlay, dict) else {}
        translated = {}
        for name, value in english.items():
            path = f"{where}.{name}" if where else name
            if name in UNTRANSLATED or not has_words(value):
                translated[name] = value
            elif name in ADDED:
                extra = given.get(name, [])
                translated[name] = [*value, *(item for item in extra if isinstance(item, str))]
            elif name in KEYED:
                translated[name] = _keyed(value, given.get(name), KEYED[name], path)
            elif name not in given:
                raise MissingTranslation(path)
            else:
                translated[name] = translate(value, given[name], path)
        return translated
    if isinstance(english, list):
        if not isinstance(overlay, list) or len(overlay) != len(english):
            count = len(overlay) if isinstance(overlay, list) else 0
            raise MissingTranslation(f"{where} (needs {len(english)} entries, has {count})")
        return [
            translate(item, other, f"{where}[{index}]")
            for index, (item, other) in enumerate(zip(english, overlay, strict=True))
        ]
    return english


def _keyed(english: list[Any], overlay: Any, id_field: str, where: str) -> list[Any]:
    """A list of tables translated by id: the overlay is a table of tables named by the id."""
    given = overlay if isinstance(overlay, dict) else {}
    translated = []
    for item in english:
        if not isinstance(item, dict) or id_field not in item:
            translated.append(item)
            continue
        name = str(item[id_field])
        translated.append(translate(item, given.get(name, {}), f"{where}.{name}"))
    return translated
