"""One language's vocabulary, ready to match a message against: every phrase of words.toml,
the number words, the clock words, the weekday and month names (Babel) and the exercise names
(the catalogue), each as a path of word keys in a trie, so a phrase is found in whatever
inflection it was typed; a word not found is tried once more as a typo of a vocabulary word.

Built once per language and kept (a few hundred kilobytes each)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from babel import Locale
from rapidfuzz import process
from rapidfuzz.distance import OSA

from content.catalogue import load_catalogue
from content.i18n import DEFAULT_LANGUAGE, weekday_names
from content.understanding.forms import forms, raw_words, stemmer
from content.understanding.text import Kind, Token, fold, tokenize
from content.understanding.words import CONCEPTS, TIME_LISTS, TIME_TABLES, reading, words

Tag = tuple[str, int]  # an idea a phrase names, and its number (a score, a weekday, minutes)
# Words that never name an exercise on their own, so an exercise's name is found without them.
_GLUE = frozenset({"filler", "joins", "or", "but", "not"})
_DAY_LOCALES = {"es": "es_ES"}
_LETTER_RUNS = re.compile(r"(\w)\1{2,}")


class _Node:
    """A trie node: the next word keys, and what a phrase ending here means."""

    __slots__ = ("next", "tags")

    def __init__(self) -> None:
        self.next: dict[str, _Node] = {}
        self.tags: frozenset[Tag] = frozenset()


@dataclass(frozen=True)
class Alias:
    """One name of an exercise, as the set of its word keys that carry meaning."""

    slug: str
    keys: frozenset[str]


def max_typos(word: str) -> int:
    """How many edits a typed word may be off a vocabulary word (words.toml [reading]); a word
    one letter shorter than one_typo_from may only have two neighbours swapped ('pian')."""
    settings = reading()
    if len(word) >= settings.two_typos_from:
        return 2
    return 1 if len(word) >= settings.one_typo_from - 1 else 0


class Lexicon:
    """The words of one language, matched by key."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._stem = stemmer(language)
        self._forms = forms(language)
        found = words(language)
        everything = [*found.phrases.values(), *found.times.lists.values()]
        self._pinned = frozenset(
            fold(phrase[1:]) for phrases in everything for phrase in phrases if phrase[0] == "="
        )
        self._root = _Node()
        self._symbols: set[str] = set()  # every key of every phrase
        self._spellings: dict[int, list[str]] = defaultdict(list)
        self._spelled: set[str] = set()
        self.name_words: set[str] = set()
        for concept in CONCEPTS:
            self._add_all(found.phrases[concept], (concept, 0))
        for word, number in found.numbers.items():
            self._add(word, ("number", number))
        for name in TIME_LISTS:
            self._add_all(found.times.lists[name], ("time_" + name, 0))
        for name in TIME_TABLES:
            for phrase, value in found.times.tables[name].items():
                self._add(phrase, ("time_" + name, value))
        for phrase, at in found.times.named.items():
            self._add(phrase, ("time_named", at.hour * 60 + at.minute))
        for day, names in enumerate(weekday_names(language)):
            for name in names:
                short = len(fold(name).strip(".")) <= 2 and name.isascii()
                self._add(name.strip("."), ("weekday_short" if short else "weekday", day))
        months = Locale.parse(_DAY_LOCALES.get(language, language)).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                self._add_all(
                    (str(n).strip(".") for n in months[context][width].values()), ("units", 0)
                )
        glue = {key for key, node in self._root.next.items() if {c for c, _ in node.tags} & _GLUE}
        self.aliases = tuple(self._aliases(glue))
        by_key: dict[str, list[int]] = defaultdict(list)
        for index, alias in enumerate(self.aliases):
            for key in alias.keys:
                by_key[key].append(index)
        self.exercise_keys = {key: tuple(indexes) for key, indexes in by_key.items()}
        self._spellings = {size: sorted(set(found)) for size, found in self._spellings.items()}

    def _aliases(self, glue: set[str]) -> Iterable[Alias]:
        """Every name of every exercise in this language (the English ones in English)."""
        english = load_catalogue()
        catalogue = load_catalogue(language=self.language)
        for exercise in catalogue.exercises:
            original = english.get(exercise.slug)
            assert original is not None, "every catalogue has the English exercises"
            theirs = {original.name, *original.aliases, original.slug.replace("_", " ")}
            if self.language == DEFAULT_LANGUAGE:
                names = theirs
            else:
                names = {exercise.name, *exercise.aliases} - theirs
            for name in sorted(names):
                tokens = tokenize(name)
                for token in tokens:
                    if token.kind is Kind.WORD:
                        self._remember_name(token.text)
                keys = frozenset(self.symbols(tokens)) - glue
                keys = frozenset(key for key in keys if key[0].isalnum())
                if keys:
                    yield Alias(exercise.slug, keys)

    def _add_all(self, phrases: Iterable[str], tag: Tag) -> None:
        for phrase in phrases:
            self._add(phrase, tag)

    def _add(self, phrase: str, tag: Tag) -> None:
        tokens = tokenize(phrase.removeprefix("="))
        if not tokens:
            return
        node = self._root
        for token, symbol in zip(tokens, self.symbols(tokens), strict=True):
            if token.kind is Kind.WORD:
                self._remember(token.text)
            node = node.next.setdefault(symbol, _Node())
            self._symbols.add(symbol)
        node.tags |= {tag}

    def _remember_name(self, word: str) -> None:
        """A word of an exercise's name: short typos of these are forgiven too ("bumb")."""
        self._remember(word)
        self.name_words.add(word)

    def _remember(self, word: str) -> None:
        """A vocabulary word a typo may be corrected to."""
        if word not in self._spelled and max_typos(word):
            self._spelled.add(word)
            self._spellings[len(word)].append(word)

    def key(self, word: str) -> str:
        """What a folded word is matched by: its form exactly if the data pins it ("=сделаю"),
        else its lemma's stem."""
        if word in self._pinned:
            return "=" + word
        return self._forms.get(word) or self._stem(word)

    def symbols(self, tokens: Sequence[Token]) -> list[str]:
        """Each token's key (a word) or symbol (a number or a mark)."""
        return [self.key(t.text) if t.kind is Kind.WORD else t.symbol for t in tokens]

    def knows(self, symbol: str) -> bool:
        """Whether a word key is part of a phrase or of an exercise's name."""
        return symbol in self._symbols or symbol in self.exercise_keys

    def longest(self, symbols: Sequence[str], start: int) -> tuple[int, frozenset[Tag]]:
        """The longest phrase starting at start: its length in tokens and what it means."""
        node, length, tags = self._root, 0, frozenset[Tag]()
        for index in range(start, len(symbols)):
            found = node.next.get(symbols[index])
            if found is None:
                break
            node = found
            if node.tags:
                length, tags = index - start + 1, node.tags
        return length, tags

    def correct(self, word: str) -> str | None:
        """The vocabulary word a typo means, when exactly one is that close."""
        return _correct(self, word)

    def candidates(self, word: str) -> list[str]:
        """Vocabulary words as long as word give or take its typo allowance, same first letter."""
        allowed = max_typos(word)
        return [
            spelled
            for size in range(len(word) - allowed, len(word) + allowed + 1)
            for spelled in self._spellings.get(size, ())
            if spelled[0] == word[0]
        ]


@lru_cache(maxsize=1024)
def _correct(lexicon: Lexicon, word: str) -> str | None:
    if not word.isalpha():
        return None
    squeezed = _LETTER_RUNS.sub(r"\1", word)  # "болииит", "sooore": letters held down
    if squeezed != word:
        if lexicon.knows(lexicon.key(squeezed)):
            return squeezed
        word = squeezed
    allowed = max_typos(word)
    if not allowed:
        return None
    close = process.extract(
        word, lexicon.candidates(word), scorer=OSA.distance, score_cutoff=allowed, limit=None
    )
    if len(word) < reading().one_typo_from:  # a short word: two neighbours swapped, or a
        close = [  # typo in an exercise's name ("bumb")
            found
            for found in close
            if sorted(found[0]) == sorted(word) or found[0] in lexicon.name_words
        ]
    if not close:
        return None
    best = min(distance for _word, distance, _index in close)
    nearest = [found for found, distance, _index in close if distance == best]
    if len({lexicon.key(found) for found in nearest}) != 1:
        return None  # two different words equally close
    return nearest[0]


@cache
def lexicon(language: str) -> Lexicon:
    """The language's lexicon, built on first use (bot.app builds every one at start-up)."""
    return Lexicon(language)


def vocabulary_words(language: str) -> set[str]:
    """Every word of the language's vocabulary as written, for the forms table: the phrases
    (except pinned forms), number and clock words, weekday and month names, exercise names."""
    found = words(language)
    phrases: list[str] = [
        phrase
        for group in found.phrases.values()
        for phrase in group
        if not phrase.startswith("=")
    ]
    phrases += found.numbers
    phrases += [phrase for name in TIME_LISTS for phrase in found.times.lists[name]]
    phrases += [phrase for name in TIME_TABLES for phrase in found.times.tables[name]]
    phrases += found.times.named
    phrases += [name for names in weekday_names(language) for name in names]
    catalogue = load_catalogue(language=language)
    phrases += [
        name for exercise in catalogue.exercises for name in (exercise.name, *exercise.aliases)
    ]
    return {word for phrase in phrases for word in raw_words(phrase) if not word.isascii()}
