"""Scores of a document from its matches.

Definitions (the README repeats them):

* meaningful characters: code points of the decoded text that survive
  normalization (not whitespace, punctuation or symbols; not web chrome or
  pinyin annotations);
* ``copied_chars``: meaningful characters inside the union of copy matches;
* ``originality`` = 1 - copied_chars / meaningful_chars (1.0 for a document
  with no meaningful characters);
* ``max_source_share``: the largest share of meaningful characters covered by
  the copy matches of any one source (单篇最大复制比).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from corpus.document import DocMeta, Document
from corpus.normalize import Normalized
from corpus.structure import analyze
from corpus.textchars import CLOSING_MARKS, SENTENCE_BORDER_CHARS
from detector.model import COPY, STOCK, DocumentResult, Match, SectionShare, SourceShare

_CLOSERS = CLOSING_MARKS + "%％"  # what may stand between a passage's last character and the 。


def through_sentence_end(text: str, end: int) -> int:
    """``end`` moved past the sentence-final punctuation right after it (and
    a closing quote, bracket or % before it): a passage that ends a sentence
    reads, and is highlighted, with its 。"""
    stop = end
    while stop < len(text) and text[stop] in _CLOSERS:
        stop += 1
    if stop == len(text) or text[stop] not in SENTENCE_BORDER_CHARS:
        return end
    while stop < len(text) and (text[stop] in SENTENCE_BORDER_CHARS or text[stop] in _CLOSERS):
        stop += 1
    return stop


def summarize(
    document: Document,
    normalized: Normalized,
    matches: list[Match],
    source_meta: dict[str, DocMeta] | None = None,
) -> DocumentResult:
    """Scores of a submission from its matches (definitions in the module doc)."""
    source_meta = source_meta or {}
    meaningful = normalized.meaningful
    total = int(meaningful.sum())
    counted = [m for m in matches if not m.later]
    copied_mask = coverage(len(document.text), (m for m in counted if m.kind == COPY))
    stock_mask = coverage(len(document.text), (m for m in counted if m.kind == STOCK)) & ~copied_mask
    copied = int((copied_mask & meaningful).sum())
    stock = int((stock_mask & meaningful).sum())
    sources = _source_shares(document, counted, meaningful, total, source_meta)
    top = sources[0] if sources else None
    own_unit = _same_unit(document.meta, source_meta)
    paragraphs, suspect = _paragraph_counts(document.text, copied_mask)
    return DocumentResult(
        **DocumentResult.header_of(document),  # type: ignore[arg-type]
        meaningful_chars=total,
        copied_chars=copied,
        stock_chars=stock,
        originality=1.0 - copied / total if total else 1.0,
        max_source_share=top.share if top else 0.0,
        max_source=top.source if top else None,
        matches=tuple(matches),
        sources=tuple(sources),
        sections=_section_shares(document.text, meaningful, copied_mask),
        own_chars=total - copied - stock,
        copy_ratio=_ratio(coverage(len(document.text), counted), meaningful, total),
        copy_ratio_excluding_own=_ratio(
            coverage(len(document.text), (m for m in counted if m.source not in own_unit)), meaningful, total
        ),
        cross_time_chars=_chars(
            coverage(len(document.text), (m for m in counted if m.kind == COPY and m.source in own_unit)), meaningful
        ),
        paragraphs=paragraphs,
        suspect_paragraphs=suspect,
        copied_by=tuple(_source_shares(document, [m for m in matches if m.later], meaningful, total, source_meta)),
    )


def _chars(mask: np.ndarray, meaningful: np.ndarray) -> int:
    return int((mask & meaningful).sum())


def _ratio(mask: np.ndarray, meaningful: np.ndarray, total: int) -> float:
    return _chars(mask, meaningful) / total if total else 0.0


def _same_unit(meta: DocMeta, source_meta: dict[str, DocMeta]) -> set[str]:
    """The sources written by the document's own unit (本人文献)."""
    if not meta.unit:
        return set()
    return {path for path, m in source_meta.items() if m.unit == meta.unit}


def _paragraph_counts(text: str, copied: np.ndarray) -> tuple[int, int]:
    """(body paragraphs, body paragraphs holding copied text)."""
    body = [p for p in analyze(text).paragraphs if not p.heading_level]
    return len(body), sum(1 for p in body if copied[p.start : p.end].any())


def coverage(length: int, matches: Iterable[Match]) -> np.ndarray:
    """Which of ``length`` decoded-text positions ``matches`` cover."""
    mask = np.zeros(length, dtype=bool)
    for match in matches:
        mask[match.start : match.end] = True
    return mask


def _source_shares(
    document: Document, matches: list[Match], meaningful: np.ndarray, total: int, source_meta: dict[str, DocMeta]
) -> list[SourceShare]:
    by_source: dict[str, list[Match]] = {}
    for match in matches:
        if match.kind == COPY:
            by_source.setdefault(match.source, []).append(match)
    shares = []
    for source, found in by_source.items():
        chars = int((coverage(len(document.text), found) & meaningful).sum())
        meta = source_meta.get(source, DocMeta())
        shares.append(
            SourceShare(
                source, chars, chars / total if total else 0.0, len(found), meta, _relation(document.meta, meta)
            )
        )
    shares.sort(key=lambda s: (-s.copied_chars, s.source))
    return shares


def _relation(own: DocMeta, source: DocMeta) -> str:
    if own.unit and source.unit:
        return "跨时抄" if own.unit == source.unit else "跨地抄"
    return "未知"


def _section_shares(text: str, meaningful: np.ndarray, copied: np.ndarray) -> tuple[SectionShare, ...]:
    return tuple(
        SectionShare(
            title=section.title,
            start=section.start,
            end=section.end,
            meaningful_chars=int(meaningful[section.start : section.end].sum()),
            copied_chars=int((meaningful & copied)[section.start : section.end].sum()),
        )
        for section in analyze(text).sections
    )
