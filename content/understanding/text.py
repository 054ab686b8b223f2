"""How a message is cut into words before it is read. Case, accents, 'ё', the digits of other
scripts ('١٠', '５'), look-alike apostrophes and dashes, and emoji variation selectors do not
matter; everything is compared in the folded form."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

# Invisible characters phones put into emoji and words: variation selectors, joiners.
_INVISIBLE = dict.fromkeys(map(ord, "\ufe0f\ufe0e\u200d\u200b\u200c\u2060\ufeff\u00ad"))
_LOOK_ALIKES = str.maketrans("’‘`´ʼ−–—", "'''''---")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+(?:'[^\W\d_]+)*|\n|\S")
BREAKS = frozenset(".!?;\n…")


def fold(text: str) -> str:
    """text as it is compared: casefolded, 'ё' as 'е', accents and other marks taken off
    ('Miércoles' → 'miercoles', 'ЁЖ' → 'еж'), spaces tidied."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("ё", "е"))
    kept = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(unicodedata.normalize("NFC", kept).split())


class Kind(Enum):
    """What a token is."""

    WORD = "word"
    NUMBER = "number"  # digits, with a decimal part if one was typed ("2.5", "2,5")
    MARK = "mark"  # one character of punctuation, a symbol or an emoji
    BREAK = "break"  # the end of a sentence: . ! ? ; or a new line


@dataclass(frozen=True, slots=True)
class Token:
    """One word, number or mark of a message, folded."""

    text: str
    kind: Kind
    spaced: bool  # a space (or the start of the message) before it

    @property
    def symbol(self) -> str:
        """How a number or a mark is matched against the vocabulary (words have keys)."""
        return "#" + self.text if self.kind is Kind.NUMBER else self.text


def _digits(number: str) -> str:
    """ASCII digits for the digits of any script ('١٠' → '10'); ',' as the decimal point."""
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else "." for char in number)


def tokenize(text: str) -> list[Token]:
    """The message's tokens, in order. Folding keeps new lines, which end a sentence."""
    lines = text.translate(_INVISIBLE).translate(_LOOK_ALIKES).splitlines()
    cleaned = "\n".join(fold(line) for line in lines)
    tokens = []
    end = 0
    for match in _TOKEN.finditer(cleaned):
        piece = match.group()
        spaced = match.start() == 0 or match.start() > end or cleaned[match.start() - 1] == "\n"
        end = match.end()
        if piece[0].isdecimal():
            tokens.append(Token(_digits(piece), Kind.NUMBER, spaced))
        elif piece[0].isalpha():
            tokens.append(Token(piece, Kind.WORD, spaced))
        elif piece in BREAKS:
            tokens.append(Token(piece, Kind.BREAK, spaced))
        elif not piece.isspace():
            tokens.append(Token(piece, Kind.MARK, spaced))
    return tokens
