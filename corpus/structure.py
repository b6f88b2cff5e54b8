"""Sections, paragraphs and sentences of a decoded text, with offsets.

Chinese summaries number their sections ``一、`` (level 1), ``（一）`` (level 2)
and ``1.``/``1、`` (level 3); ``第一部分``/``第一章`` also open a level-1
section. Reports keep this structure so a page reads like the document, and
the detector reports per-section copied shares.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from corpus.textchars import CLOSING_QUOTES, SENTENCE_END_CHARS

_CN_NUM = "一二三四五六七八九十百零〇"
_HEADING_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"^第[{_CN_NUM}\d]+(?:部分|章|篇|节)")),
    (1, re.compile(rf"^[{_CN_NUM}]+\s*[、.．]")),
    (2, re.compile(rf"^[（(]\s*[{_CN_NUM}]+\s*[）)]")),
    (3, re.compile(r"^[0-9０-９]{1,2}\s*[、.．](?![0-9０-９])")),
    (3, re.compile(r"^[（(]\s*[0-9０-９]{1,2}\s*[）)]")),
)
_SENTENCE_END = re.compile(f"[{SENTENCE_END_CHARS}]+[{CLOSING_QUOTES}]?|\r\n|\n|\r")
_TITLE_MAX = 40  # a heading's title ends at the first sentence end or here


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph(Span):
    heading_level: int = 0  # 0 = body paragraph, else the level it opens


@dataclass(frozen=True)
class Section(Span):
    title: str
    level: int
    index: int


@dataclass(frozen=True)
class Structure:
    text: str = field(repr=False)
    sections: tuple[Section, ...]
    paragraphs: tuple[Paragraph, ...]
    _section_starts: tuple[int, ...] = field(default=(), repr=False)

    @cached_property
    def sentences(self) -> tuple[Span, ...]:
        """The sentences of every paragraph (split when first asked: a comparison needs only the paragraphs)."""
        return tuple(s for p in self.paragraphs for s in split_sentences(self.text, p.start, p.end))

    def section_at(self, offset: int) -> Section | None:
        """The level-1 section (or preamble) containing ``offset``."""
        i = bisect_right(self._section_starts, offset) - 1
        return self.sections[i] if i >= 0 else None


def split_paragraphs(text: str) -> list[Paragraph]:
    """Non-empty lines, stripped of surrounding whitespace, with offsets."""
    paragraphs = []
    for match in re.finditer(r"[^\r\n]+", text):
        start, end = match.start(), match.end()
        line = match.group()
        lead = len(line) - len(line.lstrip())
        trail = len(line) - len(line.rstrip())
        if lead == len(line):
            continue
        start, end = start + lead, end - trail
        paragraphs.append(Paragraph(start, end, heading_level(text[start:end])))
    return paragraphs


def heading_level(line: str) -> int:
    """The heading level a line opens, 0 for a body paragraph."""
    stripped = line.lstrip(" \t\u3000")
    for level, pattern in _HEADING_PATTERNS:
        if pattern.match(stripped):
            return level
    return 0


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of ``text[start:end]`` ending at 。！？；, line breaks."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    pos = start
    for match in _SENTENCE_END.finditer(text, start, end):
        _append_trimmed(text, spans, pos, match.end())
        pos = match.end()
    _append_trimmed(text, spans, pos, end)
    return spans


def _append_trimmed(text: str, spans: list[Span], start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))


def section_title(text: str, paragraph: Paragraph) -> str:
    body = text[paragraph.start : paragraph.end]
    cut = _SENTENCE_END.search(body)
    title = body[: cut.start()] if cut else body
    return title[:_TITLE_MAX].strip()


@lru_cache(maxsize=16)
def analyze(text: str) -> Structure:
    """Split ``text`` into level-1 sections, paragraphs and (when asked) sentences.

    Cached (the structure is immutable): a check asks for it twice, for
    the headings and for the per-section shares.

    Text before the first level-1 heading is a preamble section (level 0);
    a document without headings is one section.
    """
    paragraphs = split_paragraphs(text)
    headings = [p for p in paragraphs if p.heading_level == 1]
    bounds: list[tuple[int, str, int]] = []
    if not headings or headings[0].start > 0 and text[: headings[0].start].strip():
        bounds.append((0, "（前言）" if headings else "（全文）", 0))
    bounds.extend((h.start, section_title(text, h), 1) for h in headings)
    sections = tuple(
        Section(start, bounds[i + 1][0] if i + 1 < len(bounds) else len(text), title, level, i)
        for i, (start, title, level) in enumerate(bounds)
    )
    return Structure(
        text=text,
        sections=sections,
        paragraphs=tuple(paragraphs),
        _section_starts=tuple(s.start for s in sections),
    )
