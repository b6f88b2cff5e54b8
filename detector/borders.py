"""Where sentences and structure lines are, on a document's normalized stream.

Structure (headings ``一、`` ``（一）`` ``1.``, the title, the 落款 and its
date) is never evidence of copying: copying ``二、存在的问题`` or a date line
proves nothing. Sentence borders are where a passage may be cut.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from corpus.normalize import Normalized, codepoints
from corpus.structure import Paragraph, analyze
from corpus.textchars import CLOSING_MARKS, LINE_BREAK_CHARS, SENTENCE_BORDER_CHARS

_TITLE_MAX = 40
_SENTENCE_END = re.compile(f"[{SENTENCE_BORDER_CHARS}]")


def structure_mask(text: str, normalized: Normalized) -> np.ndarray:
    """Stream positions inside headings (一、 （一） 1. …) and other short
    unpunctuated lines: the title, the signature (落款) and its date.

    Structure, not content: copying ``二、存在的问题`` or a date line proves nothing.
    """
    mask = np.zeros(len(normalized.text), dtype=bool)
    for paragraph in _structure_lines(text):
        body = text[paragraph.start : paragraph.end]
        end = paragraph.end
        if paragraph.heading_level:
            cut = _SENTENCE_END.search(body)  # 1.强化督查考核。围绕…: only the title part
            end = paragraph.start + cut.start() if cut else paragraph.end
        lo, hi = normalized.to_stream(paragraph.start, end)
        mask[lo:hi] = True
    return mask


@lru_cache(maxsize=8)
def _structure_lines(text: str) -> tuple[Paragraph, ...]:
    """Headings, and short lines without a sentence end or a comma (title, 落款, date).

    A short line counts only after a line that ended a sentence (or another
    structure line): a line broken mid-sentence, as text pasted from a PDF
    is, leaves short fragments that are body text. Cached: the stock model
    asks for a document's lines twice (its structure, its sentence starts).
    """
    lines: list[Paragraph] = []
    after_end = True  # the start of the document ends nothing open
    for paragraph in analyze(text).paragraphs:
        body = text[paragraph.start : paragraph.end]
        is_label = after_end and len(body) <= _TITLE_MAX and not _SENTENCE_END.search(body) and not _CLAUSE.search(body)
        if paragraph.heading_level or is_label:
            lines.append(paragraph)
            after_end = True
        else:
            after_end = body.rstrip(CLOSING_MARKS)[-1:] in SENTENCE_BORDER_CHARS
    return tuple(lines)


_CLAUSE = re.compile(r"[，,]")  # a title, a signature or a date has no clauses


def sentence_starts(text: str, normalized: Normalized) -> np.ndarray:
    """True at stream positions that begin a sentence: sentence-ending
    punctuation (。！？；：) or the line break around a heading or a short
    label line lies in the decoded text between the previous stream
    character and this one.

    Other line breaks are not borders: text pasted from a PDF or a web page
    breaks lines mid-sentence.
    """
    ends = np.isin(codepoints(text), _SENTENCE_BREAKS)
    for line in _structure_lines(text):  # the whitespace just outside the line
        if line.start > 0:
            ends[line.start - 1] = True
        if line.end < len(text):
            ends[line.end] = True
    return _starts_after(ends, normalized)


def line_starts(text: str, normalized: Normalized) -> np.ndarray:
    """True at stream positions that begin a line (any line break before them)."""
    return _starts_after(np.isin(codepoints(text), _LINE_BREAKS), normalized)


def _starts_after(ends: np.ndarray, normalized: Normalized) -> np.ndarray:
    """True at stream positions with a break character of ``ends`` (a mask
    over the decoded text) between the previous stream character and them."""
    n = len(normalized.text)
    starts = np.zeros(n, dtype=bool)
    if n == 0:
        return starts
    seen = np.concatenate([[0], np.cumsum(ends)])  # breaks before each decoded offset
    starts[0] = True
    starts[1:] = seen[normalized.starts[1:]] > seen[normalized.ends[:-1]]
    return starts


_SENTENCE_BREAKS = np.array([ord(c) for c in SENTENCE_BORDER_CHARS], dtype=np.uint32)
_LINE_BREAKS = np.array([ord(c) for c in LINE_BREAK_CHARS], dtype=np.uint32)
