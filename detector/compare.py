"""Compare one document with a corpus: candidates, alignment, classification, scores.

The detector does no I/O: it reads the corpus through a
:class:`~index.view.CorpusView` and returns a typed
:class:`~detector.model.DocumentResult`. Whether a passage is copying or
stock phrasing (套话) is :mod:`detector.stock`'s decision; who copied whom
is decided here from the dates; the scores are :mod:`detector.scoring`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from corpus.document import DocMeta, Document
from corpus.errors import ConfigError
from corpus.normalize import Normalized, normalize
from detector.align import AlignParams, Passage, align, similarity
from detector.model import DocumentResult, Match
from detector.scoring import summarize, through_sentence_end
from detector.stock import GramCounts, StockModel, StockParams
from index.corpus import Corpus, QueryKeys
from index.fingerprint import Fingerprints, all_grams, fingerprint
from index.view import CorpusView, ViewCandidate, as_view

# Bump when what a check reports for the same inputs changes (classification,
# scoring): cached gate verdicts (gate --changed-only) are then rechecked.
RULES_VERSION = 3

Normalizer = Callable[[Document], Normalized]


@dataclass(frozen=True)
class DetectorParams:
    """Every setting of the comparison."""

    align: AlignParams = field(default_factory=AlignParams)
    stock: StockParams = field(default_factory=StockParams)
    max_candidates: int = 25
    max_key_docs: int | None = None  # a band key or gram more documents hold proposes no candidates (None: all do)

    def __post_init__(self) -> None:
        if self.max_key_docs is not None and self.max_key_docs < 1:
            raise ConfigError(f"--max-key-docs must be a positive number, not {self.max_key_docs}")


def normalize_document(document: Document) -> Normalized:
    return normalize(document.text)


def compare_document(
    document: Document,
    corpus: CorpusView | Corpus | Sequence[Corpus],
    params: DetectorParams = DetectorParams(),
    *,
    normalizer: Normalizer = normalize_document,
    fingerprints: Fingerprints | QueryKeys | None = None,
) -> DocumentResult:
    """Compare ``document`` with every other document of ``corpus`` (a view,
    or stores that make one, in priority order).

    ``normalizer`` may serve normalized texts from a cache (an audit
    normalizes each document once, not once per pair), and ``fingerprints``
    the document's own (or only their query keys), when a bulk pass
    already computed them.
    """
    view = as_view(corpus)
    normalized = normalizer(document)
    fp = fingerprints if fingerprints is not None else fingerprint(normalized, view.params)
    model, busy = stock_model(document, normalized, view, params.stock)
    matches: list[Match] = []
    sources: dict[str, Document] = {}
    for pair in aligned_pairs(Submission(document, normalized, fp, model, busy), view, params, normalizer):
        sources[pair.source.path] = pair.source
        matches += pair.matches
    matches.sort(key=lambda m: (m.start, m.end, m.source))
    return summarize(document, normalized, matches, sources, model.decoded_stock(normalized))


@dataclass(frozen=True)
class Submission:
    """What a comparison knows of the document compared before it looks at any source."""

    document: Document
    normalized: Normalized
    fingerprints: Fingerprints | QueryKeys  # or only the keys a query looks up
    model: StockModel
    busy: np.ndarray  # gram hashes that propose no candidates (:func:`stock_model`)


@dataclass(frozen=True)
class AlignedPair:
    """One candidate of a submission, its document and the matches their alignment gave."""

    candidate: ViewCandidate
    source: Document
    matches: list[Match]


def aligned_pairs(
    submission: Submission, view: CorpusView, params: DetectorParams, normalizer: Normalizer = normalize_document
) -> Iterator[AlignedPair]:
    """The submission's candidates in the view's order (best first), each
    with the matches of its pair; a document the view gives twice is aligned once."""
    document, normalized = submission.document, submission.normalized
    seen: set[str] = set()
    for candidate in view.candidates(
        submission.fingerprints,
        document,
        busy=submission.busy,
        limit=params.max_candidates,
        max_holders=params.max_key_docs,
    ):
        source = view.document(candidate)
        if source.path in seen:
            continue
        seen.add(source.path)
        found = _matches(document, normalized, source, normalizer(source), submission.model, params.align)
        yield AlignedPair(candidate, source, found)


def stock_model(
    document: Document, normalized: Normalized, view: CorpusView, params: StockParams
) -> tuple[StockModel, np.ndarray]:
    """The document's stock model, and the gram hashes too common to propose candidates."""
    grams = all_grams(normalized.text, view.params)
    distinct, position = np.unique(grams, return_inverse=True)
    frequencies = view.document_frequencies(distinct, document)
    others = view.sample_count(document)
    at = position.ravel()
    holders = lru_cache(maxsize=None)(lambda j: view.holders(int(distinct[j]), document))
    counts = GramCounts(
        frequencies[at],
        lambda i: holders(int(at[i])),
        others,
        view.params.gram_k,
        lambda positions: view.holder_lists(distinct[at[positions]], document),
    )
    model = StockModel.build(document.text, normalized, counts, params)
    return model, _busy(distinct, frequencies, at, model, params.busy(others), view.params.gram_k)


def _busy(
    distinct: np.ndarray, frequencies: np.ndarray, at: np.ndarray, model: StockModel, threshold: int, gram_k: int
) -> np.ndarray:
    """Grams that propose no candidates: held by ``threshold`` documents or
    more and stock wherever the document has them. A widely held gram of the
    document's own text (a section fifty units pasted) still proposes its
    holders; a formula held by half the corpus does not."""
    if not len(at):
        return distinct
    inside = np.convolve(model.stock.astype(np.int64), np.ones(gram_k, dtype=np.int64), mode="full")
    stock_gram = inside[gram_k - 1 : gram_k - 1 + len(at)] == gram_k  # every character of the gram is stock
    own = np.zeros(len(distinct), dtype=bool)
    np.logical_or.at(own, at, ~stock_gram)
    return distinct[(frequencies >= threshold) & ~own]


def _matches(
    document: Document,
    normalized: Normalized,
    source: Document,
    source_stream: Normalized,
    model: StockModel,
    params: AlignParams,
) -> list[Match]:
    later = is_later(source, document)
    found = []
    for passage in align(normalized.text, source_stream.text, params):
        for piece, kind in model.classify(passage, normalized.text, source_stream.text, params):
            found.append(_to_match(document.text, normalized, source, source_stream, piece, kind, later))
    return found


def is_later(source: Document, document: Document) -> bool:
    """Whether ``source`` is dated after ``document``: then it took the shared
    text from ``document``, which keeps its originality. A 范文 (a reference)
    is always a source; undated documents, or dated alike, are undirected."""
    if source.is_fanwen:
        return False
    order = date_order(source.meta, document.meta)
    return order is not None and order > 0


def date_order(a: DocMeta, b: DocMeta) -> int | None:
    """-1, 0 or 1 as ``a`` is dated before, alike or after ``b``; None when
    either has no date. Submission dates are compared where both have one,
    else years (a submission date's year counts as the year)."""
    if a.submitted and b.submitted:
        return (a.submitted > b.submitted) - (a.submitted < b.submitted)
    ya = a.year or (int(a.submitted[:4]) if a.submitted and a.submitted[:4].isdigit() else None)
    yb = b.year or (int(b.submitted[:4]) if b.submitted and b.submitted[:4].isdigit() else None)
    if ya is None or yb is None:
        return None
    return (ya > yb) - (ya < yb)


def _to_match(
    text: str, submission: Normalized, source: Document, stream: Normalized, passage: Passage, kind: str, later: bool
) -> Match:
    start, end = submission.to_original(passage.a0, passage.a1)
    source_start, source_end = stream.to_original(passage.b0, passage.b1)
    return Match(
        start=start,
        end=through_sentence_end(text, end),
        source=source.path,
        source_start=source_start,
        source_end=through_sentence_end(source.text, source_end),
        similarity=similarity(submission.text, stream.text, passage),
        kind=kind,
        later=later,
    )
