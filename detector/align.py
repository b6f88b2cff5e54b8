"""Seed, extend, merge: align two normalized streams into passage pairs.

Seeds are exact k-gram matches between the two fingerprint streams (numbers
and placeholders already folded to one wildcard, so swapped figures still
seed). Seeds on one diagonal that touch are joined into exact runs; runs are
then merged into passages across small gaps on both sides, so an edited
paragraph (a swapped unit name, a changed word, a dropped sentence, sentences
reordered) comes out as one passage, not ten (Sanchez-Perez et al. 2014).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

import numpy as np
from rapidfuzz.distance import Indel

from corpus.normalize import codepoints
from index.hashing import rolling_hash64


@dataclass(frozen=True)
class AlignParams:
    seed_k: int = 5  # exact k-gram seeds on the stream
    max_seed_repeats: int = 6  # a k-gram that often in the source is not a seed
    gap_a: int = 18  # stream chars a passage may skip in the submission
    gap_b: int = 48  # ... and in the source (a dropped sentence)
    min_run: int = 6  # shortest exact run that counts as evidence
    min_passage: int = 15  # shortest passage reported, on both sides (stream chars)
    min_matched: int = 20  # submission chars inside exact runs
    min_longest_run: int = 12  # a passage needs one exact run this long
    min_density: float = 0.45  # matched chars / passage length
    min_similarity: float = 0.5
    short_passage: int = 50  # below this length a passage must be more similar ...
    min_short_similarity: float = 0.6  # ... than this
    max_length_ratio: float = 2.5  # longer side / shorter side
    join_gap: int = 10  # neighbouring passages this close may be one reordered passage
    join_piece: int = 25  # pieces this long may be joined from anywhere near in the source


@dataclass(frozen=True)
class Run:
    a0: int
    a1: int
    b0: int
    b1: int


@dataclass
class Passage:
    a0: int
    a1: int
    b0: int
    b1: int
    runs: list[Run]

    @property
    def matched(self) -> int:
        """Submission chars covered by exact runs (the union, not the sum)."""
        return _union_length([(r.a0, r.a1) for r in self.runs])

    @property
    def length(self) -> int:
        return self.a1 - self.a0


def _union_length(ranges: list[tuple[int, int]]) -> int:
    total, end = 0, -1
    for lo, hi in sorted(ranges):
        if hi <= end:
            continue
        total += hi - max(lo, end)
        end = hi
    return total


@lru_cache(maxsize=4096)
def _kgram_index(text: str, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hashes by position, positions in hash order, hashes sorted) of a stream.

    Cached: in an audit every document is a submission once and a source for
    many pairs, and the sort is the costly part of seeding.
    """
    hashes = rolling_hash64(codepoints(text), k)
    order = np.argsort(hashes, kind="stable")
    return hashes, order, hashes[order]


def seed_pairs(a: str, b: str, params: AlignParams) -> tuple[np.ndarray, np.ndarray]:
    """All (i, j) with a[i:i+k] == b[j:j+k], skipping over-repeated k-grams.

    Both sides are looked up in hash order (sorted queries into a sorted
    array run several times faster than scattered ones).
    """
    k = params.seed_k
    _, order_a, sorted_a = _kgram_index(a, k)
    _, order_b, sorted_b = _kgram_index(b, k)
    if len(sorted_a) == 0 or len(sorted_b) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo = np.searchsorted(sorted_b, sorted_a, side="left")
    hi = np.searchsorted(sorted_b, sorted_a, side="right")
    counts = hi - lo
    counts[counts > params.max_seed_repeats] = 0
    ai = np.repeat(order_a, counts).astype(np.int64)
    starts = np.repeat(lo, counts)
    offsets = np.arange(len(ai), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    bj = order_b[starts + offsets].astype(np.int64)
    return ai, bj


def exact_runs(
    ai: np.ndarray, bj: np.ndarray, k: int, min_length: int = 0, anchor_length: int = 0, reach: int = 0
) -> list[Run]:
    """Join seeds on the same diagonal whose k-grams touch into runs of at
    least ``min_length`` characters; with ``anchor_length``, keep only runs
    within ``reach`` of a run at least that long (see :func:`align`)."""
    if len(ai) == 0:
        return []
    diag = ai - bj
    order = np.lexsort((ai, diag))
    ai, bj, diag = ai[order], bj[order], diag[order]
    breaks = np.flatnonzero((diag[1:] != diag[:-1]) | (ai[1:] > ai[:-1] + k)) + 1
    firsts = np.r_[0, breaks]
    lasts = np.r_[breaks - 1, len(ai) - 1]
    long_enough = ai[lasts] + k - ai[firsts] >= min_length
    firsts, lasts = firsts[long_enough], lasts[long_enough]
    return _to_runs(ai[firsts], ai[lasts] + k, bj[firsts], bj[lasts] + k, anchor_length, reach)


def _to_runs(
    a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray, anchor_length: int, reach: int
) -> list[Run]:
    if anchor_length and len(a0):
        keep = _near_anchor(a0, a1, anchor_length, reach)
        a0, a1, b0, b1 = a0[keep], a1[keep], b0[keep], b1[keep]
    return [Run(*r) for r in zip(a0.tolist(), a1.tolist(), b0.tolist(), b1.tolist())]


def _compiled_runs(a: str, b: str, params: AlignParams, reach: int) -> list[Run]:
    """:func:`seed_pairs` + :func:`exact_runs` in one compiled pass, same runs in the same order."""
    return [Run(*r) for r in _compiled_run_array(a, b, params, reach).tolist()]


def _compiled_run_array(a: str, b: str, params: AlignParams, reach: int) -> np.ndarray:
    k = params.seed_k
    keys, ids, bloom, group_starts, order_a = _seed_table(a, k)
    if len(order_a) == 0 or len(b) < k:
        return np.zeros((0, 4), dtype=np.int64)
    return _COMPILED.runs_against(
        keys,
        ids,
        bloom,
        group_starts,
        order_a,
        len(order_a),
        codepoints(b),
        k,
        params.max_seed_repeats,
        params.min_run,
        params.min_longest_run,
        reach,
    )


def _compiled_align(a: str, b: str, params: AlignParams, reach: int) -> list[Passage]:
    """:func:`align` with the runs merged, joined and screened in compiled
    code: the same passages. Only passages whose evidence hangs on their
    edit similarity are measured here, and only the kept ones become objects."""
    runs = _compiled_run_array(a, b, params, reach)
    evidence = (
        params.min_matched,
        params.min_density,
        params.max_length_ratio,
        params.short_passage,
        params.min_short_similarity,
        params.min_similarity,
    )
    bounds, status, ptr, members = _COMPILED.evidence_passages(
        runs,
        params.gap_a,
        params.gap_b,
        params.min_passage,
        params.join_gap,
        params.join_piece,
        params.min_longest_run,
        evidence,
    )
    rows, kept = runs.tolist(), []
    for p in np.flatnonzero(status).tolist():
        a0, a1, b0, b1 = bounds[p].tolist()
        passage = Passage(a0, a1, b0, b1, [Run(*rows[m]) for m in members[ptr[p] : ptr[p + 1]].tolist()])
        needed = params.min_short_similarity if a1 - a0 < params.short_passage else params.min_similarity
        if status[p] == 1 or similarity(a, b, passage) >= needed:
            kept.append(passage)
    return _drop_overlaps(kept, len(a), params.min_passage)


@lru_cache(maxsize=8)
def _seed_table(a: str, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The submission's k-gram hash table, built once for all its candidate sources."""
    _, order_a, sorted_a = _kgram_index(a, k)
    keys, ids, starts, bloom = _COMPILED.seed_table(sorted_a)
    return keys, ids, bloom, starts, order_a


_COMPILED = None  # detector.kernels once use_compiled() is called


def use_compiled(on: bool = True) -> bool:
    """Seed through the compiled kernels (numba) from now on in this process.

    Bulk runs (an audit) turn it on before forking workers, so the kernels
    are loaded once; a one-file check stays on numpy and never imports
    numba. Returns whether the kernels are in use.
    """
    global _COMPILED
    _COMPILED = None
    if on:
        try:
            from detector import kernels
        except ImportError:  # numba missing: the numpy path gives the same runs
            return False
        keys, ids, starts, bloom = kernels.seed_table(np.arange(8, dtype=np.uint64))
        runs = kernels.runs_against(keys, ids, bloom, starts, np.arange(8), 8, np.zeros(12, np.uint32), 5, 6, 6, 12, 50)
        kernels.evidence_passages(runs, 18, 48, 15, 10, 25, 12, (20, 0.45, 2.5, 50, 0.6, 0.5))
        one = np.ones(1, dtype=np.int64)
        kernels.stock_grams(one, 0 * one, one, np.zeros(2, np.int64), one, 5, 1, 15, 0.5, 40)
        _COMPILED = kernels
    return _COMPILED is not None


def compiled_kernels() -> ModuleType | None:
    """:mod:`detector.kernels` when :func:`use_compiled` turned them on, else None."""
    return _COMPILED


def merge_runs(runs: list[Run], params: AlignParams) -> list[Passage]:
    """Greedy merge of runs (in submission order) across small gaps.

    A run joins the open passage whose source range it lies near (before or
    after: reordered sentences stay one passage) and that ends within
    ``gap_a`` of it in the submission.
    """
    passages: list[Passage] = []
    active: list[Passage] = []  # passages a later run can still reach
    for run in sorted(runs, key=lambda r: (r.a0, r.b0)):
        active = [p for p in active if run.a0 <= p.a1 + params.gap_a]
        target = None
        best = params.gap_b + 1
        for passage in active:
            distance = _source_distance(passage, run)
            if distance < best:
                target, best = passage, distance
        if target is not None and _repeats_matched_text(target, run):
            continue
        if target is None:
            target = Passage(run.a0, run.a1, run.b0, run.b1, [run])
            passages.append(target)
            active.append(target)
            continue
        target.a1 = max(target.a1, run.a1)
        target.b0 = min(target.b0, run.b0)
        target.b1 = max(target.b1, run.b1)
        target.runs.append(run)
    return passages


def _repeats_matched_text(passage: Passage, run: Run) -> bool:
    """A run of submission text that one of the passage's runs already
    matched, found again elsewhere in the source (a phrase the source
    repeats): it adds nothing and must not stretch the source side."""
    if passage.b0 <= run.b0 and run.b1 <= passage.b1:
        return False
    return any(r.a0 <= run.a0 and run.a1 <= r.a1 for r in passage.runs)


def join_reordered(passages: list[Passage], params: AlignParams) -> list[Passage]:
    """Join passages that touch in the submission and come from one stretch
    of the source in another order (reordered sentences, rotated clauses).

    Two neighbours are one passage when their source ranges, taken together,
    are not much longer than the two of them side by side.
    """
    small = [p for p in passages if p.length < params.min_passage]  # stray runs: never bridges
    joined: list[Passage] = []
    for passage in sorted((p for p in passages if p.length >= params.min_passage), key=lambda p: p.a0):
        target = next((j for j in reversed(joined) if _joinable(j, passage, params)), None)
        if target is None:
            joined.append(passage)
            continue
        target.a1 = max(target.a1, passage.a1)
        target.b0 = min(target.b0, passage.b0)
        target.b1 = max(target.b1, passage.b1)
        target.runs = target.runs + passage.runs
    return joined + small


def _source_extent(passage: Passage, params: AlignParams) -> Passage:
    """The source range of a passage from its long runs only.

    A short run merged in at an edge often matched a stock phrase somewhere
    else in the source; it must not stretch the source side (the submission
    side keeps all runs).
    """
    long_runs = [r for r in passage.runs if r.a1 - r.a0 >= params.min_longest_run]
    if not long_runs or len(long_runs) == len(passage.runs):
        return passage
    b0, b1 = min(r.b0 for r in long_runs), max(r.b1 for r in long_runs)
    inside = [r for r in passage.runs if r.b0 >= b0 - params.gap_b and r.b1 <= b1 + params.gap_b]
    return Passage(
        min(r.a0 for r in inside),
        max(r.a1 for r in inside),
        min(r.b0 for r in inside),
        max(r.b1 for r in inside),
        inside,
    )


def _joinable(first: Passage, second: Passage, params: AlignParams) -> bool:
    """Neighbours in the submission that are neighbours in the source, or two
    sentence-sized pieces of one stretch of the source in another order."""
    if second.a0 - first.a1 > params.join_gap:
        return False
    gap_b = max(first.b0, second.b0) - min(first.b1, second.b1)
    if gap_b <= params.join_gap:
        return True
    span = max(first.b1, second.b1) - min(first.b0, second.b0)
    sides = (first.b1 - first.b0) + (second.b1 - second.b0)
    sentence_sized = min(first.length, second.length) >= params.join_piece
    return sentence_sized and span <= 1.5 * sides + params.gap_b


def _source_distance(passage: Passage, run: Run) -> int:
    if run.b0 > passage.b1:
        return run.b0 - passage.b1
    if run.b1 < passage.b0:
        return passage.b0 - run.b1
    return 0


def _near_anchor(a0: np.ndarray, a1: np.ndarray, anchor_length: int, reach: int) -> np.ndarray:
    """Which runs lie within ``reach`` of an anchor (a run of ``anchor_length``).

    Every passage needs one anchor; short runs farther than ``reach`` from
    any anchor cannot join one, and formulaic prose is full of them, so they
    go before the merge."""
    anchor = a1 - a0 >= anchor_length
    if not anchor.any():
        return anchor
    lo = np.sort(a0[anchor] - reach)
    hi = np.sort(a1[anchor] + reach)
    # a run is near an anchor when some anchor interval [lo, hi) overlaps it:
    # count intervals starting before the run ends minus those ending before it starts
    overlapping = np.searchsorted(lo, a1, side="left") - np.searchsorted(hi, a0, side="right")
    return overlapping > 0


def align(a: str, b: str, params: AlignParams = AlignParams()) -> list[Passage]:
    """Passages of ``a`` (submission stream) copied from ``b`` (source stream)."""
    reach = 3 * params.gap_a + params.min_passage
    if _COMPILED is not None:
        return _compiled_align(a, b, params, reach)
    ai, bj = seed_pairs(a, b, params)
    runs = exact_runs(ai, bj, params.seed_k, params.min_run, params.min_longest_run, reach)
    passages = [_source_extent(p, params) for p in join_reordered(merge_runs(runs, params), params)]
    kept = [p for p in passages if is_evidence(a, b, p, params)]
    return _drop_overlaps(kept, len(a), params.min_passage)


def is_evidence(a: str, b: str, passage: Passage, params: AlignParams) -> bool:
    """Whether an aligned passage is worth reporting: Long enough on both sides, dense enough in exact runs, similar enough."""
    if min(passage.length, passage.b1 - passage.b0) < params.min_passage:
        return False
    matched = passage.matched
    if matched < params.min_matched or matched / passage.length < params.min_density:
        return False
    if max(r.a1 - r.a0 for r in passage.runs) < params.min_longest_run:
        return False
    length_b = passage.b1 - passage.b0
    if max(passage.length, length_b) > params.max_length_ratio * min(passage.length, length_b):
        return False
    needed = params.min_short_similarity if passage.length < params.short_passage else params.min_similarity
    # reordered text has a low edit similarity but is covered by exact runs
    coverage = matched / max(passage.length, length_b)
    return max(coverage, similarity(a, b, passage)) >= needed


def trim(passage: Passage, neutral: np.ndarray, min_length: int, max_cut: int | None = None) -> Passage | None:
    """Cut neutral positions (headings, common phrasing) off both ends of a passage.

    An end is cut only when its neutral stretch is at most ``max_cut`` long
    (stock phrases are short; a long common stretch is a widely copied
    paragraph and stays). Runs are clipped along their diagonals so the
    source side shrinks with the submission side. None when less than
    ``min_length`` remains.
    """
    a0, a1 = passage.a0, passage.a1
    a0 = _first_kept(neutral, a0, a1)
    if max_cut is not None and a0 - passage.a0 > max_cut and a0 < a1:
        a0 = passage.a0
    a1 = _end_of_kept(neutral, a0, a1)
    if max_cut is not None and passage.a1 - a1 > max_cut and a1 > a0:
        a1 = passage.a1
    if a1 - a0 < min_length:
        return None
    if (a0, a1) == (passage.a0, passage.a1):
        return passage
    runs = []
    for run in passage.runs:
        lo, hi = max(run.a0, a0), min(run.a1, a1)
        if hi > lo:
            runs.append(Run(lo, hi, run.b0 + (lo - run.a0), run.b1 - (run.a1 - hi)))
    if not runs:
        return None
    a0, a1 = min(r.a0 for r in runs), max(r.a1 for r in runs)
    b0, b1 = min(r.b0 for r in runs), max(r.b1 for r in runs)
    if min(a1 - a0, b1 - b0) < min_length:
        return None
    return Passage(a0, a1, b0, b1, runs)


def _first_kept(neutral: np.ndarray, lo: int, hi: int) -> int:
    """The first position of ``lo:hi`` that is not neutral (``hi`` when all are)."""
    if lo >= hi or not neutral[lo]:
        return lo
    stretch = neutral[lo:hi]
    first = int(stretch.argmin())  # the first False, or 0 when there is none
    return hi if stretch[first] else lo + first


def _end_of_kept(neutral: np.ndarray, lo: int, hi: int) -> int:
    """One past the last position of ``lo:hi`` that is not neutral (``lo`` when all are)."""
    if hi <= lo or not neutral[hi - 1]:
        return hi
    stretch = neutral[lo:hi][::-1]
    last = int(stretch.argmin())
    return lo if stretch[last] else hi - last


def similarity(a: str, b: str, passage: Passage) -> float:
    """Normalized Indel similarity of the two stream spans (1.0 = identical)."""
    return float(Indel.normalized_similarity(a[passage.a0 : passage.a1], b[passage.b0 : passage.b1]))


def _drop_overlaps(passages: list[Passage], length: int, min_length: int) -> list[Passage]:
    """One passage per stretch of submission text.

    A repeated phrase in the source can give a second, weaker alignment of
    the same text: the better passage (more matched characters) keeps it, a
    weaker one that only overlaps at an edge is cut back to what is its own,
    one that lies inside a better one is dropped.
    """
    claimed = np.zeros(length, dtype=bool)
    kept: list[Passage] = []
    for passage in sorted(passages, key=lambda p: (-p.matched, p.a0)):
        if claimed[passage.a0 : passage.a1].any():
            passage = trim(passage, claimed, min_length)
            if passage is None or claimed[passage.a0 : passage.a1].any():
                continue
        claimed[passage.a0 : passage.a1] = True
        kept.append(passage)
    return sorted(kept, key=lambda p: p.a0)
