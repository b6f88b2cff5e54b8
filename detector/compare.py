"""Compare one document with a corpus: candidates, alignment, classification, scores.

The detector does no I/O: it reads the corpus through the
:class:`~index.corpus.Corpus` interface and returns a typed
:class:`~detector.model.DocumentResult`. Whether a passage is copying or
stock phrasing (套话) is :mod:`detector.stock`'s decision; the scores are
:mod:`detector.scoring`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

from corpus.document import DocMeta, Document
from corpus.normalize import Normalized, normalize
from detector.align import AlignParams, Passage, align, similarity
from detector.model import DocumentResult, Match
from detector.scoring import summarize, through_sentence_end
from detector.stock import (
    Aligned,
    StockModel,
    StockParams,
    classify,
    heading_mask,
    line_starts,
    sentence_starts,
)
from index.corpus import Corpus
from index.fingerprint import Fingerprints, all_grams, fingerprint

# Bump when what a check reports for the same inputs changes (classification,
# scoring): cached gate verdicts (gate --changed-only) are then rechecked.
RULES_VERSION = 2


@dataclass(frozen=True)
class DetectorParams:
    """Every setting of the comparison."""

    align: AlignParams = field(default_factory=AlignParams)
    stock: StockParams = field(default_factory=StockParams)
    max_candidates: int = 25


def compare_document(
    document: Document,
    stores: Corpus | Sequence[Corpus],
    params: DetectorParams = DetectorParams(),
    *,
    exclude_paths: Iterable[str] = (),
    normalizer: Callable[[str, str], Normalized] | None = None,
    fingerprints: Fingerprints | None = None,
) -> DocumentResult:
    """Compare ``document`` with everything in ``stores`` but itself.

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
    normalized = normalizer(document.path, document.text)
    excluded = [excluded_ids(store, document, exclude_paths) for store in stores]
    fps = [
        fingerprints
        if fingerprints is not None and store.params == stores[0].params
        else fingerprint(normalized, store.params)
        for store in stores
    ]
    stock = stock_model(normalized, fps, stores, document, params.stock, excluded)
    aligned: list[Aligned] = []
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
        (
            _to_match(document.text, normalized, a, *classify(normalized, a, stock.model, params.stock, params.align))
            for a in aligned
        ),
        key=lambda m: (m.start, m.end, m.source),
    )
    return summarize(document, normalized, matches, source_meta)


def _coverage_counts(length: int, aligned: list[Aligned]) -> np.ndarray:
    """How many distinct sources cover each submission stream position."""
    per_source: dict[str, np.ndarray] = {}
    for a in aligned:
        mask = per_source.setdefault(a.path, np.zeros(length, dtype=bool))
        mask[a.passage.a0 : a.passage.a1] = True
    counts = np.zeros(length, dtype=np.int32)
    for mask in per_source.values():
        counts += mask
    return counts


@dataclass(frozen=True)
class _StockView:
    model: StockModel
    common: np.ndarray  # sorted gram hashes too frequent to propose candidates


def excluded_ids(store: Corpus, document: Document, other_paths: Iterable[str]) -> set[int]:
    """The submission itself: its path, or the same bytes under the same file
    name (the file indexed under another spelling of its path)."""
    ids = {store.document_id(p) for p in [document.path, *other_paths]}
    name = PurePosixPath(document.path.replace("\\", "/")).name
    for doc_id, path in store.documents_with_hash(document.sha256):
        if PurePosixPath(path).name == name:
            ids.add(doc_id)
    return {i for i in ids if i is not None}


def stock_model(
    normalized: Normalized,
    fps: list[Fingerprints],
    stores: list[Corpus],
    document: Document,
    params: StockParams,
    excluded: list[set[int]],
) -> _StockView:
    """Stock positions of the submission from gram document frequencies."""
    gram_k = stores[0].params.gram_k
    grams = all_grams(normalized.text, stores[0].params)
    queries, at = np.unique(grams, return_inverse=True)
    frequencies = np.zeros(len(queries), dtype=np.int64)
    corpus_size = 0
    for store, fp, skip in zip(stores, fps, excluded):
        counts = store.document_frequencies(queries)
        if skip and store.known_hash(document.path) == document.sha256:
            # the submission itself is indexed: its own grams do not count
            own = counts > 0
            if not store.exact_frequencies:
                own &= np.isin(queries, fp.grams)
            counts[own] -= 1
        frequencies += counts
        corpus_size += store.document_count() - len(skip)
    threshold = params.threshold(corpus_size)
    positions = np.flatnonzero(frequencies[at.ravel()] >= threshold)
    headings = heading_mask(document.text, normalized)
    # a gram in more than 1% of the corpus proposes no candidates: its posting
    # list grows with the corpus, and long shared passages still reach their
    # sources through the LSH windows and their rarer grams
    crowded = max(params.min_docs + 2, int(np.ceil(0.01 * corpus_size)))
    busy = queries[frequencies >= min(threshold, crowded)]
    sentences = sentence_starts(document.text, normalized)
    pieces = sentences | line_starts(document.text, normalized)
    return _StockView(StockModel.build(normalized.text, positions, gram_k, params, headings, sentences, pieces), busy)


def _normalize_uncached(path: str, text: str) -> Normalized:
    return normalize(text)


def _align_with(
    submission: Normalized, source_path: str, source_text: str, source: Normalized, params: AlignParams
) -> list[Aligned]:
    return [
        Aligned(source_path, source, passage, source_text) for passage in align(submission.text, source.text, params)
    ]


def _to_match(text: str, submission: Normalized, aligned: Aligned, passage: Passage, kind: str) -> Match:
    start, end = submission.to_original(passage.a0, passage.a1)
    source_start, source_end = aligned.source.to_original(passage.b0, passage.b1)
    return Match(
        start=start,
        end=through_sentence_end(text, end),
        source=aligned.path,
        source_start=source_start,
        source_end=through_sentence_end(aligned.source_text, source_end),
        similarity=similarity(submission.text, aligned.source.text, passage),
        kind=kind,
    )
