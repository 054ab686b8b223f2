"""Language understanding: what people type in reply, in English, Russian and Spanish, read by
one engine whose words are data (content/data/words.toml, the catalogue's exercise names,
Babel's weekdays), and exercise names as typed (matcher). No Telegram and no storage here:
handlers ask, this package answers."""

from content.understanding.clock import is_bare_midnight, parse_days, parse_time
from content.understanding.lexicon import lexicon
from content.understanding.reading import (
    MAX_PAIN,
    Intent,
    Mention,
    Reply,
    parse_reply,
    reads_as_words,
)
from content.understanding.words import WordsError, check_words

__all__ = [
    "MAX_PAIN",
    "Intent",
    "Mention",
    "Reply",
    "WordsError",
    "check_words",
    "is_bare_midnight",
    "parse_days",
    "parse_reply",
    "parse_time",
    "reads_as_words",
    "warm_up",
]


def warm_up() -> None:
    """Build every language's lexicon now (start-up), not on someone's first message."""
    from content.i18n import LANGUAGES

    check_words()
    for language in LANGUAGES:
        lexicon(language)
        parse_reply("done, pain 3", language)
