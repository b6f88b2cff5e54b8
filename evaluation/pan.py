"""PAN text-alignment measures (Potthast et al. 2010) and the 13-char baseline.

A *case* is a true plagiarism case ``(suspicious doc, range, source doc,
range)``; a *detection* is the same shape, reported by a detector. Both are
counted in characters of the two documents' decoded texts.

* precision = mean over detections of the share of its characters that lie in
  a case it detects; recall = mean over cases of the share of its characters
  covered by detections of it (macro-averaged, as at PAN);
* granularity = mean number of detections per detected case;
* plagdet = F1 / log2(1 + granularity).

A detection *detects* a case when both name the same document pair and their
ranges overlap on both sides. Stock phrasing is neutral: characters of a
detection that lie in the suspicious document's stock ranges (and the same
share of its source side) are left out of its precision, and detections that
are mostly stock are ignored.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from corpus.normalize import normalize
from detector.align import AlignParams, exact_runs, seed_pairs
from detector.model import COPY, Match


@dataclass(frozen=True)
class Span:
    """A passage pair of document ``doc``: a :class:`~detector.model.Match`
    (``doc[start:end]`` taken from ``source[source_start:source_end]``) and,
    for a true case, its obfuscation label."""

    doc: str
    match: Match
    label: str = ""

    @classmethod
    def of(cls, doc: str, start: int, end: int, source: str, source_start: int, source_end: int, label: str = "") -> Span:
        return cls(doc, Match(start, end, source, source_start, source_end, 1.0, COPY), label)

    @property
    def start(self) -> int:
        return self.match.start

    @property
    def end(self) -> int:
        return self.match.end

    @property
    def source(self) -> str:
        return self.match.source

    @property
    def source_start(self) -> int:
        return self.match.source_start

    @property
    def source_end(self) -> int:
        return self.match.source_end

    def detects(self, case: Span) -> bool:
        return (
            self.doc == case.doc
            and self.source == case.source
            and self.start < case.end
            and case.start < self.end
            and self.source_start < case.source_end
            and case.source_start < self.source_end
        )


def _union_overlap(lo: int, hi: int, ranges: Iterable[tuple[int, int]]) -> int:
    """Characters of ``lo:hi`` covered by the union of ``ranges`` (ranges
    outside ``lo:hi`` cover nothing)."""
    covered, end = 0, lo
    for a, b in sorted((max(a, lo), min(b, hi)) for a, b in ranges):
        if b <= max(a, end):
            continue
        covered += b - max(a, end)
        end = b
    return covered


@dataclass
class Measures:
    precision: float
    recall: float
    granularity: float
    plagdet: float
    cases: int
    detections: int
    recall_by_label: dict[str, float] = field(default_factory=dict)
    cases_by_label: dict[str, int] = field(default_factory=dict)
    source_accuracy: float = 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def pan_measures(
    cases: Sequence[Span], detections: Sequence[Span], stock: dict[str, list[tuple[int, int]]] | None = None
) -> Measures:
    """Macro precision/recall, granularity, plagdet, per-label recall."""
    stock = stock or {}
    by_pair: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for case in cases:
        by_pair[(case.doc, case.source)].append(case)

    detections = [d for d in detections if not _mostly_stock(d, stock.get(d.doc, []))]
    precisions = []
    detected_by: dict[int, int] = defaultdict(int)
    case_index = {id(c): i for i, c in enumerate(cases)}
    accurate = 0
    for det in detections:
        hits = [c for c in by_pair.get((det.doc, det.source), []) if det.detects(c)]
        for case in hits:
            detected_by[case_index[id(case)]] += 1
        accurate += bool(hits)
        precisions.append(_detection_precision(det, hits, stock.get(det.doc, [])))
    recalls = [_case_recall(case, [d for d in detections if d.detects(case)]) for case in cases]

    precision = float(np.mean(precisions)) if precisions else 1.0
    recall = float(np.mean(recalls)) if recalls else 1.0
    granularity = float(np.mean(list(detected_by.values()))) if detected_by else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    by_label: dict[str, list[float]] = defaultdict(list)
    for case, rec in zip(cases, recalls):
        by_label[case.label].append(rec)
    return Measures(
        precision=precision,
        recall=recall,
        granularity=granularity,
        plagdet=f1 / math.log2(1 + granularity),
        cases=len(cases),
        detections=len(detections),
        recall_by_label={k: float(np.mean(v)) for k, v in sorted(by_label.items())},
        cases_by_label={k: len(v) for k, v in sorted(by_label.items())},
        source_accuracy=accurate / len(detections) if detections else 1.0,
    )


def _mostly_stock(det: Span, stock: Sequence[tuple[int, int]]) -> bool:
    """A detection that is mostly stock phrasing is neutral: neither right nor wrong."""
    if not stock or det.end <= det.start:
        return False
    return _mask(det.start, det.end, stock).mean() >= 0.5


def _mask(lo: int, hi: int, ranges: Iterable[tuple[int, int]]) -> np.ndarray:
    """Which characters of ``lo:hi`` lie inside ``ranges``."""
    mask = np.zeros(max(0, hi - lo), dtype=bool)
    for a, b in ranges:
        mask[max(a, lo) - lo : max(0, min(b, hi) - lo)] = True
    return mask


def _detection_precision(det: Span, hits: list[Span], stock: Sequence[tuple[int, int]]) -> float:
    """Share of the detection's characters (both sides) inside cases it detects.

    Characters in the suspicious document's stock ranges are neutral.
    """
    neutral = _mask(det.start, det.end, stock)
    in_case = _mask(det.start, det.end, [(c.start, c.end) for c in hits])
    kept = 1.0 - float(neutral.mean()) if len(neutral) else 1.0
    source_total = (det.source_end - det.source_start) * kept  # the source side of the stock part is neutral too
    total = int((~neutral).sum()) + source_total
    if total <= 0:
        return 1.0
    source = _union_overlap(det.source_start, det.source_end, [(c.source_start, c.source_end) for c in hits])
    return (int((in_case & ~neutral).sum()) + min(source, source_total)) / total


def _case_recall(case: Span, detections: list[Span]) -> float:
    total = (case.end - case.start) + (case.source_end - case.source_start)
    own = _union_overlap(case.start, case.end, [(d.start, d.end) for d in detections])
    source = _union_overlap(case.source_start, case.source_end, [(d.source_start, d.source_end) for d in detections])
    return (own + source) / total if total else 1.0


# -- the 13-character baseline ------------------------------------------------


def baseline_detections(suspicious: dict[str, str], sources: dict[str, str], *, run: int = 13) -> list[Span]:
    """ "13 consecutive identical characters after folding script and dropping
    punctuation count as copied": every maximal run of shared 13-grams between
    a suspicious document and a source is one detection."""
    streams = {path: normalize(text, fold_numbers=False) for path, text in {**sources, **suspicious}.items()}
    detections = []
    for doc in sorted(suspicious):
        a = streams[doc]
        for source in sorted(sources):
            if source == doc:
                continue
            b = streams[source]
            for a0, a1, b0, b1 in _shared_runs(a.text, b.text, run):
                start, end = a.to_original(a0, a1)
                source_start, source_end = b.to_original(b0, b1)
                detections.append(Span.of(doc, start, end, source, source_start, source_end))
    return detections


def merge_runs(runs: list[Span], gap: int = 13) -> list[Span]:
    """The baseline's runs with the same source merged when fewer than
    ``gap`` characters apart on both sides: a changed number inside a copied
    passage no longer splits it in two (the fairest reading of the rule)."""
    by_pair: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for det in runs:
        by_pair[(det.doc, det.source)].append(det)
    merged = []
    for _, found in sorted(by_pair.items()):
        found.sort(key=lambda d: (d.start, d.source_start))
        current = found[0]
        for det in found[1:]:
            if det.start - current.end < gap and 0 <= det.source_start - current.source_end < gap:
                current = Span.of(
                    current.doc,
                    current.start,
                    max(current.end, det.end),
                    current.source,
                    current.source_start,
                    max(current.source_end, det.source_end),
                )
            else:
                merged.append(current)
                current = det
        merged.append(current)
    return merged


def _shared_runs(a: str, b: str, k: int) -> list[tuple[int, int, int, int]]:
    ai, bj = seed_pairs(a, b, AlignParams(seed_k=k, max_seed_repeats=1_000_000))
    return [(r.a0, r.a1, r.b0, r.b1) for r in exact_runs(ai, bj, k)]


# -- document level -------------------------------------------------------------


def copied_share(text: str, ranges: Iterable[tuple[int, int]]) -> float:
    """Share of meaningful characters of ``text`` inside ``ranges``."""
    meaningful = normalize(text).meaningful
    total = int(meaningful.sum())
    if not total:
        return 0.0
    mask = np.zeros(len(text), dtype=bool)
    for lo, hi in ranges:
        mask[lo:hi] = True
    return float((mask & meaningful).sum()) / total
