"""How much work reading one file may take.

Bounds on the input (``max_bytes``, checked with ``stat`` before reading) are
not enough: a 65 KB PDF can hold a content stream that takes pdfminer minutes,
a 7 MB .docx 32 million paragraphs. So every reader has a budget too:

* ``parse_seconds`` and ``parse_memory``: a .pdf or .docx is parsed in a
  separate process (:mod:`corpus.formats.bounded`) that is stopped when it
  takes longer, or allocates more, than this;
* ``max_chars``: a document may hold at most this many characters of text
  (a long annual report has ~300,000); checking costs time and report size
  in proportion to the text, about 25 s and 17 MB of HTML a million
  characters of pasted text;
* fixed caps the format readers check on their way (paragraphs of a .docx,
  the inflated size of one PDF stream), so the usual bombs are refused in
  milliseconds rather than at the budget.

A file over any of them is skipped with a reason saying which. The command
line sets the process-wide limits from the configuration (:func:`use_limits`);
a library caller may pass its own.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A .docx may have at most this many paragraphs (a 500-page report has ~20,000).
DOCX_MAX_PARAGRAPHS = 200_000
#: ... and a body (word/document.xml) of at most this many bytes, inflated (such a report has ~10 MB).
DOCX_MAX_BODY = 64 * 1024 * 1024
#: One compressed stream of a .pdf (page content, font, object stream) may inflate to at most this.
PDF_MAX_STREAM = 32 * 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """The budget of reading one file."""

    parse_seconds: float = 60.0  # wall-clock time to parse one .pdf or .docx
    parse_memory: int = 1024  # MiB the parsing process may allocate
    max_chars: int = 1_000_000  # characters of text in one document

    def __post_init__(self) -> None:
        if not self.parse_seconds > 0:
            raise ValueError("parse_seconds must be positive")
        if self.parse_memory < 1 or self.max_chars < 1:
            raise ValueError("parse_memory and max_chars must be positive")


_current = ReadLimits()


def current_limits() -> ReadLimits:
    """The limits in force in this process."""
    return _current


def use_limits(limits: ReadLimits) -> None:
    """Set the limits in force in this process (the command line does, from its settings)."""
    global _current
    _current = limits


def too_many_chars(chars: int, limit: int) -> str:
    """The reason for a document over ``max_chars``."""
    return (
        f"too much text: more than {limit:,} characters (a limit on one document; "
        "raise max_chars / CHACHONG_MAX_CHARS to read it)"
    )
