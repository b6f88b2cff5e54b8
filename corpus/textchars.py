"""The one place for what characters mean to chachong.

Sentence borders, closing marks and the test for a meaningful character are
used by the structure splitter, the stock model, the scorer and the reports;
each is defined here once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

import numpy as np

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


class CodepointTable:
    """A number per code point, computed by ``function`` (a character to
    its number) on first use of each: a whole array of code points looked
    up at once in numpy, where :meth:`str.translate` with a dict table
    costs a dict lookup per character."""

    UNKNOWN = 0xFFFFFFFF

    def __init__(self, function: Callable[[str], int]) -> None:
        self.function = function
        self._values: np.ndarray | None = None

    def __call__(self, cps: np.ndarray) -> np.ndarray:
        """The numbers of code points ``cps`` (uint32)."""
        if self._values is None:
            self._values = np.full(0x110000, self.UNKNOWN, dtype=np.uint32)
        out = self._values[cps]
        unknown = out == self.UNKNOWN
        if unknown.any():
            for cp in np.unique(cps[unknown]).tolist():
                self._values[cp] = self.function(chr(cp))
            out = self._values[cps]
        return out


_MEANINGFUL = PerCharTable(lambda ch: ch if is_meaningful_char(ch) else "")
_MEANINGFUL_CODES = CodepointTable(lambda ch: int(is_meaningful_char(ch)))


def meaningful_only(text: str) -> str:
    """``text`` without its non-meaningful characters."""
    try:
        cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:  # a lone surrogate: no code point array
        return text.translate(_MEANINGFUL)
    return cps[_MEANINGFUL_CODES(cps) == 1].tobytes().decode("utf-32-le")


def is_filler_char(ch: str) -> bool:
    """Punctuation, symbols, whitespace and controls: never worth reporting as an edit."""
    return not is_meaningful_char(ch)
