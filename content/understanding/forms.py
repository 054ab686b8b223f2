"""Word keys: how a word is matched whatever its inflection. Every word is reduced to its
Snowball stem ("squats" → "squat", "sentadillas" → "sentadill"); for Russian, whose verbs and
nouns change more than a stemmer can follow ("болит" / "болеть", "ноет" / "ныть"), a table
maps the other forms of the vocabulary's words to their lemma's stem.

The table (content/data/forms/ru.txt) is written by pymorphy3 here, at build time, not loaded
in the bot: pymorphy3's dictionaries would cost the bot's process far more memory than the
table (BENCHMARKS.md, understanding replies). After editing Russian words or exercise names run

    python -m content.understanding

and commit the table; a test checks that it is current.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import Stemmer

from content.understanding.text import fold

FORMS_DIR = Path(__file__).parent.parent / "data" / "forms"
SNOWBALL = {"en": "english", "ru": "russian", "es": "spanish"}
# Languages whose inflections come from a morphological dictionary as well as the stemmer.
MORPHOLOGY = ("ru",)
# pymorphy3's tags of the forms left out: participles, unless the word itself is one.
_PARTICIPLES = frozenset({"PRTF", "PRTS"})
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@cache
def stemmer(language: str) -> Callable[[str], str]:
    """The language's Snowball stemmer (PyStemmer's C one: small and fast, BENCHMARKS.md)."""
    return Stemmer.Stemmer(SNOWBALL[language]).stemWord


@cache
def forms(language: str) -> dict[str, str]:
    """Folded word form → the key of its lemma, for the forms the stemmer alone would miss."""
    path = FORMS_DIR / f"{language}.txt"
    if language not in MORPHOLOGY or not path.exists():
        return {}
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, *found = line.split()
            table.update(dict.fromkeys(found, key))
    return table


def raw_words(phrase: str) -> list[str]:
    """The words of a phrase as written (not folded: the dictionary wants 'ё' and 'й')."""
    return _WORD.findall(phrase.casefold().removeprefix("="))


def build(language: str, vocabulary: Iterable[str]) -> str:
    """The forms table of the vocabulary's words, as the file stores it: one line per key,
    the key first, then the forms that stem differently."""
    import pymorphy3  # build time only (a development dependency)

    analyser = pymorphy3.MorphAnalyzer(lang=language)
    stem = stemmer(language)
    own: dict[str, str] = {}  # each vocabulary word's own key, which no other lemma overrides
    lexemes = []
    for word in sorted(set(vocabulary)):
        parse = analyser.parse(word)[0]
        key = stem(fold(parse.normal_form))
        own.setdefault(fold(word), key)
        keep_participles = parse.tag.POS in _PARTICIPLES
        lexemes.append(
            (
                key,
                [
                    form.word
                    for form in parse.lexeme
                    if keep_participles or form.tag.POS not in _PARTICIPLES
                ],
            )
        )
    table = dict(own)
    for key, found in lexemes:
        for form in found:
            table.setdefault(fold(form), key)
    by_key: dict[str, set[str]] = {}
    for form, key in table.items():
        if stem(form) != key:
            by_key.setdefault(key, set()).add(form)
    lines = [f"{key} {' '.join(sorted(found))}" for key, found in sorted(by_key.items())]
    header = "# Written by `python -m content.understanding` from pymorphy3; do not edit.\n"
    return header + "\n".join(lines) + "\n"
