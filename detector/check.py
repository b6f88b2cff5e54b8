"""Check one submission against an index: candidates, alignment, scores.

Definitions (the README repeats them):

* meaningful characters: code points of the decoded text that survive
  normalization (not whitespace, punctuation or symbols; not web chrome or
  pinyin annotations);
* a match covers the half-open decoded-text range ``start:end``; ``kind`` is
  ``copy`` or ``stock`` (shared phrasing many units write, see
  :mod:`detector.stock` and :func:`_classify`);
* ``copied_chars``: meaningful characters inside the union of copy matches;
* ``originality`` = 1 - copied_chars / meaningful_chars (1.0 for a document
  with no meaningful characters);
* ``max_source_share``: the largest share of meaningful characters covered by
  the copy matches of any one source (单篇最大复制比).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

from corpus.metadata import DocMeta
from corpus.normalize import Normalized, normalize
from corpus.readers import DecodedDocument
from corpus.structure import analyze
from detector.align import AlignParams, Passage, align, is_evidence, similarity, trim
from detector.stock import (
    CLOSING_MARKS,
    SENTENCE_END_CHARS,
    StockModel,
    StockParams,
    heading_mask,
    line_starts,
    sentence_starts,
)
from index.fingerprint import Fingerprints, all_grams, fingerprint
from index.memory import MemoryIndex
from index.store import IndexStore

Corpus = IndexStore | MemoryIndex  # anything with the IndexStore query interface

# Bump when what a check reports for the same inputs changes (classification,
# scoring): cached gate verdicts (gate --changed-only) are then rechecked.
RULES_VERSION = 2


@dataclass(frozen=True)
class DetectorParams:
    align: AlignParams = field(default_factory=AlignParams)
    stock: StockParams = field(default_factory=StockParams)
    max_candidates: int = 25


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    source: str
    source_start: int
    source_end: int
    similarity: float
    kind: str  # "copy" | "stock"

    def as_dict(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "source": self.source,
            "source_start": self.source_start,
            "source_end": self.source_end,
            "similarity": round(self.similarity, 4),
            "kind": self.kind,
        }


@dataclass(frozen=True)
class SourceShare:
    source: str
    copied_chars: int
    share: float
    passages: int
    meta: DocMeta = DocMeta()


@dataclass(frozen=True)
class SectionShare:
    title: str
    start: int
    end: int
    meaningful_chars: int
    copied_chars: int

    @property
    def share(self) -> float:
        return self.copied_chars / self.meaningful_chars if self.meaningful_chars else 0.0


@dataclass(frozen=True)
class DocumentResult:
    path: str
    chars: int
    encoding: str
    format: str
    sha256: str
    meta: DocMeta
    meaningful_chars: int
    copied_chars: int
    stock_chars: int
    originality: float
    max_source_share: float
    max_source: str | None
    matches: tuple[Match, ...]
    sources: tuple[SourceShare, ...]
    sections: tuple[SectionShare, ...]
    warnings: tuple[str, ...] = ()


def check_document(
    decoded: DecodedDocument,
    meta: DocMeta,
    stores: Corpus | Sequence[Corpus],
    params: DetectorParams = DetectorParams(),
    *,
    exclude_paths: Iterable[str] = (),
    normalizer: Callable[[str, str], Normalized] | None = None,
    fingerprints: Fingerprints | None = None,
) -> DocumentResult:
    """Compare ``decoded`` with everything in ``stores`` but itself.

    ``normalizer(path, text)`` may serve normalized texts from a cache (an
    audit normalizes each document once, not once per pair), and
    ``fingerprints`` the submission's, when a bulk pass already computed them
    with the stores' parameters.

    Several stores act as one corpus (a persistent index plus the other
    submissions of a folder): candidates come from each, and document
    frequencies for the stock model are summed over all of them.
    """
    stores = list(stores) if isinstance(stores, (list, tuple)) else [stores]
    normalizer = normalizer or _normalize_uncached
    normalized = normalizer(decoded.path, decoded.text)
    excluded = [_excluded_ids(store, decoded, exclude_paths) for store in stores]
    fps = [
        fingerprints
        if fingerprints is not None and store.params == stores[0].params
        else fingerprint(normalized, store.params)
        for store in stores
    ]
    stock = _stock_model(normalized, fps, stores, decoded, params.stock, excluded)
    aligned: list[_Aligned] = []
    source_meta: dict[str, DocMeta] = {}
    for store, fp, skip in zip(stores, fps, excluded):
        for candidate in store.candidates(fp, stock=stock.common, exclude=skip, limit=params.max_candidates):
            source = store.document(candidate.doc_id)
            if source.path in source_meta:
                continue  # the same path in two stores is one source
            source_meta[source.path] = source.meta
            source_stream = normalizer(source.path, source.text)
            aligned.extend(_align_with(normalized, source.path, source.text, source_stream, params.align))
    corpus_size = sum(store.document_count() - len(skip) for store, skip in zip(stores, excluded))
    stock.model.add_shared(_coverage_counts(len(normalized.text), aligned), params.stock.shared_threshold(corpus_size))
    matches = sorted(
        (_to_match(decoded.text, normalized, a, *_classify(normalized, a, stock.model, params)) for a in aligned),
        key=lambda m: (m.start, m.end, m.source),
    )
    return summarize(decoded, meta, normalized, matches, source_meta)


@dataclass(frozen=True)
class _Aligned:
    """One aligned passage before it is classified copy or stock."""

    path: str
    source: Normalized
    passage: Passage
    source_text: str  # the source's decoded text (offsets in matches refer to it)


def _coverage_counts(length: int, aligned: list[_Aligned]) -> np.ndarray:
    """How many distinct sources cover each submission stream position."""
    per_source: dict[str, np.ndarray] = {}
    for a in aligned:
        mask = per_source.setdefault(a.path, np.zeros(length, dtype=bool))
        mask[a.passage.a0 : a.passage.a1] = True
    counts = np.zeros(length, dtype=np.int32)
    for mask in per_source.values():
        counts += mask
    return counts


def _classify(
    submission: Normalized, aligned: _Aligned, stock: StockModel, params: DetectorParams
) -> tuple[Passage, str]:
    """Cut headings and common phrasing off the ends, then decide copy or stock.

    Stock: what is left after the cut is no evidence of copying on its own,
    or the shared runs are common phrasing but for a few characters (a
    closer with its slots and a fragment of the sentence before it), or the
    passage is short and mostly formulas. Copy: a long paragraph of common
    phrasing that units pasted (a boilerplate family), a sentence matched
    from end to end that is not a stock sentence, anything else shared.
    """
    passage = aligned.passage
    if trim(passage, stock.headings, params.align.min_passage) is None:
        return passage, "stock"
    if passage.length >= params.stock.copied_block:
        return passage, "copy"  # a copied block (a whole summary): its opener and closer came with it
    common = stock.neutral_edges()
    neutral = common  # what trimming may cut; a copied sentence's common edges are taken out below
    core = trim(passage, neutral, params.align.min_passage, params.stock.max_len_common)
    if core is not None and (core.a0 > passage.a0 or core.a1 < passage.a1):
        # a copied sentence keeps its common head and tail ("…发放倡议书200余份"): cut at its ends only
        start = stock.sentence_start(core.a0, passage.a0)
        end = stock.sentence_end(core.a1 - 1, passage.a1)
        if start < core.a0 or end > core.a1:
            neutral = neutral.copy()
            neutral[start : core.a0] = False
            neutral[core.a1 : end] = False
            core = trim(passage, neutral, params.align.min_passage, params.stock.max_len_common)
    if core is None:  # common phrasing, or too little else to be evidence
        return passage, "copy" if _is_boilerplate(passage, common, stock, params) else "stock"
    if core is not passage and not is_evidence(submission.text, aligned.source.text, core, params.align):
        return passage, "stock"
    own, matched, whole_sentences = _own_evidence(core, common, stock)
    if own < params.align.min_matched and 2 * own < matched and not _is_boilerplate(core, common, stock, params):
        # the shared runs are mostly common phrasing: a closer every unit
        # writes ("锐意进取、开拓创新…作出新的更大贡献") with a few shared
        # characters of the sentence before it is stock, however long
        return passage, "stock"
    if whole_sentences >= params.align.min_matched:
        return core, "copy"  # a sentence matched from end to end is copied, formulas and all
    return core, "stock" if stock.is_stock(core.a0, core.a1) else "copy"


def _is_boilerplate(passage: Passage, common: np.ndarray, stock: StockModel, params: DetectorParams) -> bool:
    """Whether the common phrasing in a passage is a paragraph units pasted
    (a boilerplate family: a copy) rather than stock phrases.

    More common text than a stock passage is long makes a paragraph, unless
    all but a few characters of it are one stock sentence (a long closer and
    the fragment of the sentence before it). Sentences are cut at line
    breaks too here: a pasted list has no 。.
    """
    content = common & ~stock.headings  # structure lines do not count
    total = int(content[passage.a0 : passage.a1].sum())
    if total <= params.stock.max_len_common:
        return False
    for lo, hi, _ in stock.piece_spans(passage.a0, passage.a1):
        rest = total - int(content[lo:hi].sum())
        if rest < params.align.min_matched and stock.is_stock_sentence(common, lo, hi):
            return False
    return True


def _own_evidence(core: Passage, common: np.ndarray, stock: StockModel) -> tuple[int, int, int]:
    """``(own, matched, whole_sentences)``: characters of a passage that show
    copying beyond common phrasing, characters in exact runs, and how many
    characters are in whole sentences matched from end to end.

    Exact runs outside common phrasing count as own, and so does a whole
    sentence matched from end to end (a copied sentence keeps its common
    phrases), unless it is a stock sentence: that counts for nothing, even
    matched in full (see :meth:`StockModel.is_stock_sentence`).
    """
    covered = np.zeros(core.a1 - core.a0, dtype=bool)
    for run in core.runs:
        covered[run.a0 - core.a0 : run.a1 - core.a0] = True
    own = covered & ~common[core.a0 : core.a1]
    stock_text = common | stock.formulas
    whole_sentences = 0
    for lo, hi, whole in stock.sentence_spans(core.a0, core.a1):
        span = slice(lo - core.a0, hi - core.a0)
        if stock.is_stock_sentence(stock_text, lo, hi):
            own[span] = False
        elif whole and covered[span].all():
            own[span] = True
            whole_sentences += hi - lo
    return int(own.sum()), int(covered.sum()), whole_sentences


@dataclass(frozen=True)
class _Stock:
    model: StockModel
    common: np.ndarray  # sorted gram hashes too frequent to propose candidates


def _excluded_ids(store: Corpus, decoded: DecodedDocument, other_paths: Iterable[str]) -> set[int]:
    """The submission itself: its path, or the same bytes under the same file
    name (the file indexed under another spelling of its path)."""
    ids = {store.document_id(p) for p in [decoded.path, *other_paths]}
    name = PurePosixPath(decoded.path.replace("\\", "/")).name
    for doc_id, path in store.documents_with_hash(decoded.sha256):
        if PurePosixPath(path).name == name:
            ids.add(doc_id)
    return {i for i in ids if i is not None}


def _stock_model(
    normalized: Normalized,
    fps: list[Fingerprints],
    stores: list[Corpus],
    decoded: DecodedDocument,
    params: StockParams,
    excluded: list[set[int]],
) -> _Stock:
    """Stock positions of the submission from gram document frequencies."""
    gram_k = stores[0].params.gram_k
    grams = all_grams(normalized.text, stores[0].params)
    queries, at = np.unique(grams, return_inverse=True)
    frequencies = np.zeros(len(queries), dtype=np.int64)
    corpus_size = 0
    for store, fp, skip in zip(stores, fps, excluded):
        counts = store.document_frequencies(queries)
        if skip and store.known_hash(decoded.path) == decoded.sha256:
            # the submission itself is indexed: its own grams do not count
            own = counts > 0
            if not store.exact_frequencies:
                own &= np.isin(queries, fp.grams)
            counts[own] -= 1
        frequencies += counts
        corpus_size += store.document_count() - len(skip)
    threshold = params.threshold(corpus_size)
    positions = np.flatnonzero(frequencies[at.ravel()] >= threshold)
    headings = heading_mask(decoded.text, normalized)
    # a gram in more than 1% of the corpus proposes no candidates: its posting
    # list grows with the corpus, and long shared passages still reach their
    # sources through the LSH windows and their rarer grams
    crowded = max(params.min_docs + 2, int(np.ceil(0.01 * corpus_size)))
    busy = queries[frequencies >= min(threshold, crowded)]
    sentences = sentence_starts(decoded.text, normalized)
    pieces = sentences | line_starts(decoded.text, normalized)
    return _Stock(StockModel.build(normalized.text, positions, gram_k, params, headings, sentences, pieces), busy)


def _normalize_uncached(path: str, text: str) -> Normalized:
    return normalize(text)


def _align_with(
    submission: Normalized, source_path: str, source_text: str, source: Normalized, params: AlignParams
) -> list[_Aligned]:
    return [
        _Aligned(source_path, source, passage, source_text) for passage in align(submission.text, source.text, params)
    ]


def _to_match(text: str, submission: Normalized, aligned: _Aligned, passage: Passage, kind: str) -> Match:
    start, end = submission.to_original(passage.a0, passage.a1)
    source_start, source_end = aligned.source.to_original(passage.b0, passage.b1)
    return Match(
        start=start,
        end=_through_sentence_end(text, end),
        source=aligned.path,
        source_start=source_start,
        source_end=_through_sentence_end(aligned.source_text, source_end),
        similarity=similarity(submission.text, aligned.source.text, passage),
        kind=kind,
    )


_CLOSERS = CLOSING_MARKS + "%％"  # what may stand between a passage's last character and the 。


def _through_sentence_end(text: str, end: int) -> int:
    """``end`` moved past the sentence-final punctuation right after it (and
    a closing quote, bracket or % before it): a passage that ends a sentence
    reads, and is highlighted, with its 。"""
    stop = end
    while stop < len(text) and text[stop] in _CLOSERS:
        stop += 1
    if stop == len(text) or text[stop] not in SENTENCE_END_CHARS:
        return end
    while stop < len(text) and (text[stop] in SENTENCE_END_CHARS or text[stop] in _CLOSERS):
        stop += 1
    return stop


def summarize(
    decoded: DecodedDocument,
    meta: DocMeta,
    normalized: Normalized,
    matches: list[Match],
    source_meta: dict[str, DocMeta] | None = None,
) -> DocumentResult:
    """Scores of a submission from its matches (definitions in the module doc)."""
    meaningful = normalized.meaningful
    total = int(meaningful.sum())
    copied_mask = coverage(len(decoded.text), (m for m in matches if m.kind == "copy"))
    stock_mask = coverage(len(decoded.text), (m for m in matches if m.kind == "stock"))
    copied = int((copied_mask & meaningful).sum())
    sources = _source_shares(decoded, matches, meaningful, total, source_meta or {})
    top = sources[0] if sources else None
    return DocumentResult(
        path=decoded.path,
        chars=len(decoded.text),
        encoding=decoded.encoding,
        format=decoded.format,
        sha256=decoded.sha256,
        meta=meta,
        meaningful_chars=total,
        copied_chars=copied,
        stock_chars=int((stock_mask & ~copied_mask & meaningful).sum()),
        originality=1.0 - copied / total if total else 1.0,
        max_source_share=top.share if top else 0.0,
        max_source=top.source if top else None,
        matches=tuple(matches),
        sources=tuple(sources),
        sections=_section_shares(decoded.text, meaningful, copied_mask),
        warnings=decoded.warnings,
    )


def coverage(length: int, matches: Iterable[Match]) -> np.ndarray:
    """Which of ``length`` decoded-text positions ``matches`` cover."""
    mask = np.zeros(length, dtype=bool)
    for match in matches:
        mask[match.start : match.end] = True
    return mask


def _source_shares(
    decoded: DecodedDocument, matches: list[Match], meaningful: np.ndarray, total: int, source_meta: dict[str, DocMeta]
) -> list[SourceShare]:
    by_source: dict[str, list[Match]] = {}
    for match in matches:
        if match.kind == "copy":
            by_source.setdefault(match.source, []).append(match)
    shares = []
    for source, found in by_source.items():
        chars = int((coverage(len(decoded.text), found) & meaningful).sum())
        shares.append(
            SourceShare(source, chars, chars / total if total else 0.0, len(found), source_meta.get(source, DocMeta()))
        )
    shares.sort(key=lambda s: (-s.copied_chars, s.source))
    return shares


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
