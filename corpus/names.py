"""File names made safe to store and to print.

A file name on Linux is bytes: ``os.fsdecode`` turns the bytes that are not
UTF-8 into lone surrogates (U+DC80-U+DCFF), which no UTF-8 writer accepts
(SQLite, JSON, HTML). :func:`safe_path` writes each such byte as the four
characters ``\\xNN``: the path every report and the index hold. A name may
also hold control characters (an ANSI escape clears a terminal, a newline
splits a one-line message) or bidirectional overrides that reorder what is
shown; :func:`printable` escapes those too, for whatever goes to a terminal.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
#: C0 and C1 controls, DEL, zero-width and bidirectional formatting characters,
#: line and paragraph separators, BOM, and lone surrogates.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")


_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode
        return f"\\x{code - 0xDC00:02x}"
    if char in _SHORT:
        return _SHORT[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_path(text: str) -> str:
    """``text`` with every undecodable byte of a file name written as ``\\xNN``.

    Idempotent, and the identity on any path that is valid Unicode.
    """
    return _SURROGATE.sub(_escape, text)


def printable(text: str) -> str:
    """``text`` for one line of a terminal: controls, invisible formatting
    characters and undecodable bytes escaped (``\\x1b``, ``\\n``, ``\\u202e``)."""
    return _UNPRINTABLE.sub(_escape, text)
