"""The one place for what characters mean to chachong.

Sentence borders, closing marks and the test for a meaningful character are
used by the structure splitter, the stock model, the scorer and the reports;
each is defined here once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

#: What ends a sentence.
SENTENCE_END_CHARS = "。！？!?；;"
#: A colon ends a lead-in ("主要做法：…"); the stock model treats it as a border too.
LEAD_IN_CHARS = "：:"
#: Every sentence border of the stock model and the scorer.
SENTENCE_BORDER_CHARS = SENTENCE_END_CHARS + LEAD_IN_CHARS
#: Closing quotes that may follow a sentence's end mark.
CLOSING_QUOTES = "”’」』\"'"
#: What may follow the last word of a sentence before (or after) its end mark.
CLOSING_MARKS = CLOSING_QUOTES + "）)"
#: Line breaks.
LINE_BREAK_CHARS = "\n\r"
#: Clause separators inside a sentence.
CLAUSE_MARKS = "，,、"


@lru_cache(maxsize=65536)
def is_meaningful_char(ch: str) -> bool:
    """A letter or a digit (Unicode categories L and N): what originality counts.

    Whitespace, punctuation, symbols and control characters are not.
    """
    return unicodedata.category(ch)[0] in "LN"


class PerCharTable(dict):
    """A :meth:`str.translate` table computed one character at a time, on
    first use, by ``function`` (a character to its replacement, "" to drop
    it): a whole string mapped at C speed, each distinct character once."""

    def __init__(self, function: Callable[[str], str]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, code: int) -> str:
        value = self[code] = self.function(chr(code))
        return value


_MEANINGFUL = PerCharTable(lambda ch: ch if is_meaningful_char(ch) else "")


def meaningful_only(text: str) -> str:
    """``text`` without its non-meaningful characters."""
    return text.translate(_MEANINGFUL)


def is_filler_char(ch: str) -> bool:
    """Punctuation, symbols, whitespace and controls: never worth reporting as an edit."""
    return not is_meaningful_char(ch)
