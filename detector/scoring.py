"""Scores of a document from its matches.

Definitions (the README repeats them, with the CNKI names):

* meaningful characters: code points of the decoded text that survive
  normalization (not whitespace, punctuation or symbols; not web chrome or
  pinyin annotations);
* every meaningful character is **copied** (inside a copy match whose source
  is not dated after the document), else **stock** (套话: stock phrasing of the
  stock model, or inside a stock match), else the unit's **own**;
* ``originality`` (原创度) = own / (own + copied): stock is neutral, neither
  original nor copied (1.0 when own + copied is 0);
* ``copy_ratio`` (总文字复制比): meaningful characters inside any match (stock
  too) with a source not dated after the document, over all meaningful
  characters; ``copy_ratio_excluding_own`` (去除本人文献复制比): the same
  without the sources of the document's own unit;
* ``max_source_share`` (单篇最大文字复制比): the largest share of meaningful
  characters covered by the copy matches of one source;
* ``cross_time_chars`` (跨时抄): copied characters whose source is the same
  unit's; ``copied_by``: later documents that took text from this one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from corpus.document import DocMeta, Document
from corpus.normalize import Normalized
from corpus.structure import analyze
from corpus.textchars import CLOSING_MARKS, SENTENCE_BORDER_CHARS
from detector.model import COPY, DocumentResult, Match, SectionShare, SourceShare

_CLOSERS = CLOSING_MARKS + "%％"  # what may stand between a passage's last character and the 。

FANWEN, CROSS_TIME, CROSS_PLACE, UNKNOWN = "范文", "跨时抄", "跨地抄", "未知"


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
    sources: Mapping[str, Document] | None = None,
    stock_mask: np.ndarray | None = None,
) -> DocumentResult:
    """Scores of a document from its matches and the stock model's mask over
    its decoded text (definitions in the module doc)."""
    sources = sources or {}
    length = len(document.text)
    meaningful = normalized.meaningful
    total = int(meaningful.sum())
    counted = [m for m in matches if not m.later]
    copied = coverage(length, (m for m in counted if m.kind == COPY)) & meaningful
    stock = (coverage(length, counted) | _or_empty(stock_mask, length)) & meaningful & ~copied
    shares = _source_shares(document, counted, meaningful, total, sources)
    own_unit = {path for path, source in sources.items() if relation(document, source) == CROSS_TIME}
    paragraphs, suspect = _paragraph_counts(document.text, copied)
    own = total - int(copied.sum()) - int(stock.sum())
    return DocumentResult(
        **DocumentResult.header_of(document),  # type: ignore[arg-type]
        meaningful_chars=total,
        copied_chars=int(copied.sum()),
        stock_chars=int(stock.sum()),
        originality=own / (own + int(copied.sum())) if own + copied.sum() else 1.0,
        max_source_share=shares[0].share if shares else 0.0,
        max_source=shares[0].source if shares else None,
        matches=tuple(matches),
        sources=tuple(shares),
        sections=_section_shares(document.text, meaningful, copied),
        own_chars=own,
        copy_ratio=_share(coverage(length, counted), meaningful, total),
        copy_ratio_excluding_own=_share(
            coverage(length, (m for m in counted if m.source not in own_unit)), meaningful, total
        ),
        cross_time_chars=int(
            (coverage(length, (m for m in counted if m.kind == COPY and m.source in own_unit)) & meaningful).sum()
        ),
        paragraphs=paragraphs,
        suspect_paragraphs=suspect,
        copied_by=tuple(_source_shares(document, [m for m in matches if m.later], meaningful, total, sources)),
    )


def coverage(length: int, matches: Iterable[Match]) -> np.ndarray:
    """Which of ``length`` decoded-text positions ``matches`` cover."""
    mask = np.zeros(length, dtype=bool)
    for match in matches:
        mask[match.start : match.end] = True
    return mask


def relation(document: Document, source: Document) -> str:
    """范文 (a reference, or an indexed page with no date: from the web),
    跨时抄 (the same unit), 跨地抄 (another unit), or 未知 (units unknown)."""
    if source.is_fanwen:
        return FANWEN
    if document.meta.unit and source.meta.unit:
        return CROSS_TIME if document.meta.unit == source.meta.unit else CROSS_PLACE
    return UNKNOWN


def _or_empty(mask: np.ndarray | None, length: int) -> np.ndarray:
    return mask if mask is not None else np.zeros(length, dtype=bool)


def _share(mask: np.ndarray, meaningful: np.ndarray, total: int) -> float:
    return int((mask & meaningful).sum()) / total if total else 0.0


def _paragraph_counts(text: str, copied: np.ndarray) -> tuple[int, int]:
    """(body paragraphs, body paragraphs holding copied text). A numbered
    paragraph with a run-in heading ("1.强化督查考核。局办公室…") is body
    text; only a heading standing alone is left out."""
    body = [p for p in analyze(text).paragraphs if not p.heading_level or _runs_on(text[p.start : p.end])]
    return len(body), sum(1 for p in body if copied[p.start : p.end].any())


def _runs_on(paragraph: str) -> bool:
    """Whether a sentence ends inside the paragraph with more text after it."""
    stripped = paragraph.strip().rstrip(SENTENCE_BORDER_CHARS + CLOSING_MARKS)
    return any(ch in SENTENCE_BORDER_CHARS for ch in stripped)


def _source_shares(
    document: Document,
    matches: list[Match],
    meaningful: np.ndarray,
    total: int,
    sources: Mapping[str, Document],
) -> list[SourceShare]:
    by_source: dict[str, list[Match]] = {}
    for match in matches:
        if match.kind == COPY:
            by_source.setdefault(match.source, []).append(match)
    shares = []
    for path, found in by_source.items():
        chars = int((coverage(len(document.text), found) & meaningful).sum())
        source = sources.get(path)
        meta = source.meta if source is not None else DocMeta()
        kind = relation(document, source) if source is not None else UNKNOWN
        shares.append(SourceShare(path, chars, chars / total if total else 0.0, len(found), meta, kind))
    shares.sort(key=lambda s: (-s.copied_chars, s.source))
    return shares


def _section_shares(text: str, meaningful: np.ndarray, copied: np.ndarray) -> tuple[SectionShare, ...]:
    return tuple(
        SectionShare(
            title=section.title,
            start=section.start,
            end=section.end,
            meaningful_chars=int(meaningful[section.start : section.end].sum()),
            copied_chars=int(copied[section.start : section.end].sum()),
        )
        for section in analyze(text).sections
    )
