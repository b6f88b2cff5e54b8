"""What the aligned candidates yield, by rank: is the candidate ranking what limits the compare stage?

    python -m bench.candidate_yield DIR [--sample 300] [--seed 1] [--max-key-docs K]

Every submission is aligned with up to ``max_candidates`` (25) candidates,
and the pairs are most of the compare stage's CPU. If the candidate ranking
put the pairs that yield a copy first, fewer pairs could be aligned for the
same findings. For ``--sample`` random submissions of the folder DIR (read,
fingerprinted and compared as ``bench.compare_cpu`` does, in memory), each
aligned pair is classed by what it yields: a copy match, stock matches only,
or nothing. Printed, on stdout:

* the share of pairs in each class, and of pairs whose source is dated
  after the submission (they count only for ``copied_by``);
* the copy pairs by candidate rank, in bands of five ranks;
* the copy pairs kept if each submission aligned only its best ``n`` by the
  view's order, or by the candidate's shared keys weighted by rarity
  (``log(N / holders)`` summed over the keys it shares, N the corpus's size);
* how well each ranking tells copy pairs from the others: ROC AUC
  (scikit-learn) of the score, of the rarity weight and of the rank.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from app.compare import Comparison
from bench.compare_cpu import comparison_of
from corpus.document import Document
from detector.align import use_compiled
from detector.compare import DetectorParams, Submission, aligned_pairs, is_later, stock_model
from detector.model import COPY
from index.corpus import QueryKeys

RANK_BAND = 5
KEPT = (8, 12, 16, 20)


@dataclass(frozen=True)
class PairYield:
    submission: str
    rank: int
    score: int
    rarity: float  # sum of log(N / holders) over the keys the candidate shares
    outcome: str  # "copy", "stock" or "nothing"
    later: bool


def pair_yields(comparison: Comparison, document: Document) -> Iterator[PairYield]:
    """Each aligned pair of ``document``, as :func:`detector.compare.compare_document` aligns them."""
    view, params = comparison.view, comparison.params
    normalized = comparison.normalize(document)
    fingerprints = comparison.fingerprints[document.path]
    model, busy = stock_model(document, normalized, view, params.stock)
    holders = np.concatenate(view.key_holders(QueryKeys.of(fingerprints, busy)))
    weight = np.log(view.document_count() / np.maximum(holders, 1))
    submission = Submission(document, normalized, fingerprints, model, busy)
    for rank, pair in enumerate(aligned_pairs(submission, view, params, comparison.normalize)):
        hits = pair.candidate.candidate.hits
        kinds = {m.kind for m in pair.matches}
        outcome = "copy" if COPY in kinds else "stock" if kinds else "nothing"
        rarity = float(weight[np.asarray(hits, dtype=np.int64)].sum()) if hits is not None else 0.0
        later = is_later(pair.source, document)
        yield PairYield(document.path, rank, pair.candidate.candidate.score, rarity, outcome, later)


def report(pairs: list[PairYield]) -> str:
    """The figures described in the module doc."""
    copy = np.array([p.outcome == "copy" for p in pairs])
    lines = [f"{len({p.submission for p in pairs}):,} submissions, {len(pairs):,} aligned pairs"]
    for outcome in ("copy", "stock", "nothing"):
        lines.append(f"  {outcome:8} {np.mean([p.outcome == outcome for p in pairs]):6.1%}")
    lines.append(f"  source dated after the submission: {np.mean([p.later for p in pairs]):.1%}")
    ranks = np.array([p.rank for p in pairs])
    bands = [f"{lo + 1}-{lo + RANK_BAND}: {int(copy[(ranks >= lo) & (ranks < lo + RANK_BAND)].sum())}" for lo in range(0, int(ranks.max()) + 1, RANK_BAND)]
    lines.append("copy pairs by rank  " + ", ".join(bands))
    groups: dict[str, list[PairYield]] = {}
    for pair in pairs:
        groups.setdefault(pair.submission, []).append(pair)
    for name, key in (("view order", lambda p: p.rank), ("rarity", lambda p: -p.rarity)):
        kept = [_copies_in_best(list(groups.values()), n, key) for n in KEPT]
        lines.append(f"copy pairs kept, best n by {name}: " + ", ".join(f"{n}: {k / max(copy.sum(), 1):.0%}" for n, k in zip(KEPT, kept)))
    if 0 < copy.sum() < len(copy):
        for name, values in (("score", [p.score for p in pairs]), ("rarity", [p.rarity for p in pairs]), ("-rank", -ranks)):
            lines.append(f"ROC AUC of {name} for copy pairs: {roc_auc_score(copy, values):.3f}")
    return "\n".join(lines) + "\n"


def _copies_in_best(by_submission: list[list[PairYield]], n: int, key) -> int:
    """Copy pairs among each submission's best ``n`` pairs by ``key``."""
    return sum(sum(p.outcome == "copy" for p in sorted(group, key=key)[:n]) for group in by_submission)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-key-docs", type=int, default=None, metavar="K", help="the audit's --max-key-docs")
    args = parser.parse_args(argv)
    comparison, documents = comparison_of(args.folder, DetectorParams(max_key_docs=args.max_key_docs))
    use_compiled(True)
    picks = sorted(random.Random(args.seed).sample(documents, min(args.sample, len(documents))), key=lambda d: d.path)
    pairs = [pair for document in picks for pair in pair_yields(comparison, document)]
    if not pairs:
        sys.stdout.write("no aligned pairs\n")
        return
    sys.stdout.write(report(pairs))


if __name__ == "__main__":
    main()
