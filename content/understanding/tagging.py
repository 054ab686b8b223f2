"""The first pass over a message: its tokens grouped into items, each the longest phrase of the
vocabulary found there (with what it means), a number, an exercise mention, a mark, or an
unknown word; and where its sentences and clauses begin. One algorithm for every language:
the person's language and English are read side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from content.i18n import DEFAULT_LANGUAGE
from content.understanding.lexicon import Lexicon, Tag, lexicon
from content.understanding.text import Kind, Token, tokenize

# Ideas that do not stop a word from being part of an exercise's name ("one leg stand").
_WEAK = frozenset({"filler", "number", "units"})
# Ideas of words that glue others together: "at", "of", "на", "de".
_GLUE = frozenset({"filler", "of", "or"})


@dataclass
class Item:
    """A run of tokens that means one thing."""

    tokens: Sequence[Token]
    tags: frozenset[Tag] = frozenset()
    exercise_keys: dict[str, frozenset[str]] = field(default_factory=dict)  # language → keys
    mention: frozenset[str] = frozenset()  # an exercise mention: the slugs it may mean
    sentence: int = 0
    clause: int = 0

    @property
    def first(self) -> Token:
        """The item's first token."""
        return self.tokens[0]

    concepts: frozenset[str] = field(init=False)  # the ideas it names, without their numbers

    def __post_init__(self) -> None:
        self.concepts = frozenset(concept for concept, _value in self.tags)

    def has(self, *concepts: str) -> bool:
        """Whether it names any of these ideas."""
        return not self.concepts.isdisjoint(concepts)

    def value(self, concept: str) -> int | None:
        """The number that comes with an idea it names ("number" → 3)."""
        return next((value for name, value in self.tags if name == concept), None)

    @property
    def is_number(self) -> bool:
        """Digits, or a number word."""
        return self.first.kind is Kind.NUMBER or self.has("number")

    @property
    def filler(self) -> bool:
        """Words that change nothing ("my", "the", "at", "на"), or a mark that is not a comma,
        a colon or a sign."""
        if self.mention:
            return False
        if self.first.kind is Kind.MARK and not self.tags:
            return self.first.text not in ",:/-+" and not self.first.text.isalnum()
        return "filler" in self.concepts and all(
            concept in _GLUE or concept.startswith("time_") for concept in self.concepts
        )

    @property
    def unknown(self) -> bool:
        """A word the vocabulary does not know."""
        return self.first.kind is Kind.WORD and not self.tags and not self.mention

    @property
    def breaks_clause(self) -> bool:
        """Ends a clause: a full stop, a comma or a 'but'."""
        return self.first.kind is Kind.BREAK or self.first.text == "," or self.has("but")


def lexicons(language: str) -> tuple[Lexicon, ...]:
    """The person's language first, then English (understood in every language)."""
    return tuple(lexicon(code) for code in dict.fromkeys((language, DEFAULT_LANGUAGE)))


def tag(text: str, language: str, *, typos: bool = True) -> list[Item]:
    """The message's items, in order, sentences and clauses numbered."""
    tokens = tokenize(text)
    found = lexicons(language)
    symbols = [lex.symbols(tokens) for lex in found]
    if typos:
        _correct_typos(tokens, found, symbols)
    items: list[Item] = []
    index = 0
    while index < len(tokens):
        length, tags = 0, frozenset[Tag]()
        for lex, table in zip(found, symbols, strict=True):  # the person's language first
            size, meaning = lex.longest(table, index)
            if size > length:  # English only where it reads a longer phrase
                length, tags = size, meaning
        length = max(length, 1)
        span = range(index, index + length)
        keys = {
            lex.language: frozenset(table[at] for at in span if table[at] in lex.exercise_keys)
            for lex, table in zip(found, symbols, strict=True)
        }
        items.append(
            Item(tokens[index : index + length], tags, {k: v for k, v in keys.items() if v})
        )
        index += length
    items = _mentions(items, found)
    _number(items)
    return items


def _correct_typos(
    tokens: Sequence[Token], found: Sequence[Lexicon], symbols: list[list[str]]
) -> None:
    """A word no lexicon knows is read as the vocabulary word it is a typo of, if one is."""
    for index, token in enumerate(tokens):
        if token.kind is not Kind.WORD:
            continue
        if any(lex.knows(table[index]) for lex, table in zip(found, symbols, strict=True)):
            continue
        for lex, table in zip(found, symbols, strict=True):
            corrected = lex.correct(token.text)
            if corrected is not None:
                table[index] = lex.key(corrected)


def _number(items: list[Item]) -> None:
    sentence = clause = 0
    for item in items:
        item.sentence, item.clause = sentence, clause
        if item.breaks_clause:
            clause += 1
            if item.first.kind is Kind.BREAK:
                sentence += 1


def _mentions(items: list[Item], found: Sequence[Lexicon]) -> list[Item]:
    """Runs of words from exercise names become mentions, each the exercises it may mean."""
    for lex in found:
        items = _language_mentions(items, lex)
    return items


def _capable(item: Item, language: str) -> bool:
    return language in item.exercise_keys and item.concepts <= _WEAK and not item.mention


def _glue(item: Item) -> bool:
    """Words between the words of one exercise name: "squat to a surface", "приседание на стул",
    "elevación de cadera"."""
    return item.first.kind is Kind.WORD and item.filler


def _language_mentions(items: list[Item], lex: Lexicon) -> list[Item]:
    result: list[Item] = []
    index = 0
    while index < len(items):
        if not _capable(items[index], lex.language):
            result.append(items[index])
            index += 1
            continue
        end = index + 1  # the run: capable items with filler between them
        last = index
        while end < len(items) and (_capable(items[end], lex.language) or _glue(items[end])):
            if _capable(items[end], lex.language):
                last = end
            end += 1
        result += _segment(items[index : last + 1], lex)
        index = last + 1
    return result


def _segment(run: list[Item], lex: Lexicon) -> list[Item]:
    """The longest names from the left; a word that names nothing alone ("leg") stays a word."""
    result: list[Item] = []
    start = 0
    while start < len(run):
        for stop in range(len(run), start, -1):
            part = run[start:stop]
            if not _capable(part[-1], lex.language):
                continue
            keys = frozenset().union(*(item.exercise_keys.get(lex.language, ()) for item in part))
            slugs = _candidates(lex, keys)
            if slugs and not all(
                item.concepts & {"number", "units"} for item in part if item.exercise_keys
            ):
                tokens = [token for item in part for token in item.tokens]
                result.append(Item(tokens, mention=slugs))
                start = stop
                break
        else:
            result.append(run[start])
            start += 1
    return result


def _candidates(lex: Lexicon, keys: frozenset[str]) -> frozenset[str]:
    """The exercises one of whose names has all these keys, and at least half of its keys are
    these; an exact name, if there is one, wins."""
    if not keys:
        return frozenset()
    indexes = set.intersection(*(set(lex.exercise_keys.get(key, ())) for key in keys))
    aliases = [lex.aliases[index] for index in indexes]
    exact = frozenset(alias.slug for alias in aliases if alias.keys == keys)
    return exact or frozenset(alias.slug for alias in aliases if 2 * len(keys) >= len(alias.keys))
