"""`python -m content.understanding [--check]`: write the forms tables (content/data/forms/)
from pymorphy3, or say whether they are current."""

from __future__ import annotations

import sys

from content.understanding.forms import FORMS_DIR, MORPHOLOGY, build
from content.understanding.lexicon import vocabulary_words


def main(argv: list[str]) -> int:
    """Write the tables (or, with --check, say whether they are current)."""
    stale = []
    for language in MORPHOLOGY:
        path = FORMS_DIR / f"{language}.txt"
        text = build(language, vocabulary_words(language))
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if "--check" not in argv:
            path.write_text(text, encoding="utf-8")
    if "--check" in argv and stale:
        print("out of date:", *stale)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
