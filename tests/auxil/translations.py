"""What a language's .po file still lacks, for the completeness test and the tests that wait
for a complete translation."""

from __future__ import annotations

from babel.messages.pofile import read_po

from content.i18n import po_path


def incomplete(language: str) -> list[tuple[str, str]]:
    """(problem, message id) for each message that is fuzzy or has an empty translation."""
    with po_path(language).open("rb") as source:
        catalog = read_po(source, locale=language)
    found = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            found.append(("fuzzy", key))
        elif not all(strings):
            found.append(("untranslated", key))
    return found


def translated_ids(language: str) -> set[str]:
    """Every message id the .po file holds, translated or not."""
    with po_path(language).open("rb") as source:
        catalog = read_po(source, locale=language)
    return {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}
