"""The translations are complete: the template matches the code, and every language has every
message translated, none fuzzy."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from content.i18n import LANGUAGES, LOCALE_DIR, po_path
from tests.auxil.translations import incomplete, translated_ids

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "media", "usecases", "scheduler", "storage", "content")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def messages_in_code() -> set[str]:
    found = set()
    for package in PACKAGES:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, keywords=KEYWORDS, comment_tags=()
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def template_messages() -> set[str]:
    with (LOCALE_DIR / "messages.pot").open("rb") as source:
        return {
            message.id[0] if isinstance(message.id, tuple) else message.id
            for message in read_po(source)
            if message.id
        }


def test_template_is_extracted_from_the_current_code():
    missing = messages_in_code() - template_messages()
    stale = template_messages() - messages_in_code()
    assert not missing and not stale, (
        "run: pybabel extract -F content/locale/babel.cfg -k N_ -o content/locale/messages.pot "
        "--no-location --omit-header bot handlers media usecases scheduler storage content, then "
        f"pybabel update; missing {sorted(missing)[:5]}, stale {sorted(stale)[:5]}"
    )


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_every_message_is_translated_and_none_is_fuzzy(language):
    problems = [f"{problem}: {key!r}" for problem, key in incomplete(language)]
    problems += [
        f"missing: {key!r}" for key in sorted(template_messages() - translated_ids(language))
    ]
    assert not problems, f"{po_path(language)}: " + "; ".join(problems[:10])
