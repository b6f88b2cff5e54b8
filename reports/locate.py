"""Where a passage is, as a reader finds it: the section and the paragraph
number (CNKI's 段落 locations), and display paths shortened to a common root."""

from __future__ import annotations

import posixpath
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from corpus.names import printable
from corpus.structure import Structure, analyze


@dataclass(frozen=True)
class Location:
    """``paragraph`` counts the text's non-empty lines from 1 (headings too,
    as a word processor numbers them); ``section`` is the level-1 section's
    title, or （前言）/（全文）."""

    section: str
    paragraph: int

    @property
    def label(self) -> str:
        whole = not self.section or self.section == "（全文）"
        return f"第{self.paragraph}段" if whole else f"{self.section} · 第{self.paragraph}段"


@lru_cache(maxsize=1024)
def _structure(text: str) -> tuple[Structure, tuple[int, ...]]:
    """The structure of a text and its paragraph starts, once per text and
    process (a corpus report locates passages in each source many times)."""
    structure = analyze(text)
    return structure, tuple(p.start for p in structure.paragraphs)


def structure_of(text: str) -> Structure:
    """:func:`corpus.structure.analyze`, cached for as many texts as a large report names."""
    return _structure(text)[0]


def locate(text: str, offset: int) -> Location:
    """The section and paragraph holding ``offset`` of ``text`` (the next one in a gap)."""
    structure, starts = _structure(text)
    i = bisect_right(starts, offset) - 1
    if i >= 0 and offset >= structure.paragraphs[i].end and i + 1 < len(starts):
        i += 1
    section = structure.section_at(offset)
    return Location(section.title if section else "", max(i, 0) + 1)


def common_root(paths: list[str]) -> str:
    """The folder every path lies under, with a trailing '/' ('' when none, or
    when some paths are absolute and others relative)."""
    folders = [posixpath.dirname(p) for p in paths if p]
    if not folders or len({f.startswith("/") for f in folders}) > 1:
        return ""
    common = posixpath.commonpath(folders)
    return common.rstrip("/") + "/" if common and common != "/" else ""


def shorten(path: str | None, root: str) -> str:
    """``path`` without the common ``root``, safe to print (see :func:`~corpus.names.printable`)."""
    if not path:
        return ""
    return printable(path[len(root) :] if root and path.startswith(root) else path)
