"""How many rows the Spark engine's candidate join makes, per submission, as the corpus grows.

    python -m bench.join_size --docs 100000 --keep /work/cc-bench --sizes 10000 30000 100000 --caps 100 1000

The join (:func:`app.spark.candidates.shared_keys`) makes one row per
(submission, holder, shared key): for a submission, the sum over its query
keys (its LSH band keys and its winnowed grams but the busy ones) of the
other documents holding the key, keys held by more than ``--max-key-docs``
documents left out. That is also how many postings the local engine's
candidate query reads. Here the rows are counted exactly, without Spark,
for a sample of submissions of nested random subsets of one corpus (the
generated corpus of ``--docs`` summaries, as ``bench/scale.py`` writes it):
each subset's submissions count holders among that subset only. A
submission's busy grams come from the stock model over the whole corpus's
sample, as an audit of the whole corpus finds them.

Prints, per subset size N and cap K, the rows per submission, the join's
rows for the whole subset (N times that) and what a 10-million-summary
corpus would need if the rows per submission stayed at the largest size's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from numba import njit

from bench.scale import ensure_corpus, log

SAMPLE = 1000  # submissions whose rows are counted (the first of the random order: in every subset)


@njit(cache=True)
def _holders_by_size(lo, hi, values, rank, sizes):  # pragma: no cover - compiled
    """(queries, len(sizes)): for each query's postings, how many holders rank below each size."""
    out = np.zeros((lo.shape[0], sizes.shape[0]), dtype=np.int64)
    for q in range(lo.shape[0]):
        for j in range(lo[q], hi[q]):
            r = rank[values[j]]
            for s in range(sizes.shape[0]):
                if r < sizes[s]:
                    out[q, s] += 1
    return out


def query_holders(folder: Path, work: Path, sizes: np.ndarray, seed: int) -> tuple[np.ndarray, int]:
    """Per sampled submission and query key, the holders in each subset (rows of (keys, sizes)), stacked."""
    from app.audit import _read_paths
    from app.streaming import spill_corpus
    from corpus.document import REFERENCE, SUBMISSION
    from detector.compare import DetectorParams, stock_model
    from index import kernels
    from index.corpus import query_keys
    from index.fingerprint import FingerprintParams, fingerprint_many
    from index.view import CorpusView

    paths: dict[str, list[str]] = {SUBMISSION: [], REFERENCE: []}
    read = _read_paths([folder], [], 10**9, [], paths, lambda *a: None)
    disk = spill_corpus(read, work / "corpus", FingerprintParams(), 0, lambda *a: None)
    total = len(disk.documents)
    rank = np.empty(total, dtype=np.int64)
    rank[np.random.default_rng(seed).permutation(total)] = np.arange(total)
    view = CorpusView([disk])
    stock = DetectorParams().stock
    rows = []
    for doc_id in np.argsort(rank)[: min(SAMPLE, total)].tolist():
        text, normalized = disk.text_and_normalized(doc_id)
        document = replace(disk.documents[doc_id], text=text)
        _, busy = stock_model(document, normalized, view, stock)
        bands, grams = query_keys(fingerprint_many([normalized.text], disk.params)[0], busy)
        for keys, sorted_keys, values in ((bands, disk._bands, disk.band_docs), (grams, disk._grams, disk.gram_docs)):
            lo, hi = kernels.posting_ranges(sorted_keys.keys, sorted_keys.starts, sorted_keys.bits, keys)
            rows.append(_holders_by_size(lo, hi, values, rank, sizes) - 1)  # the submission holds each of its keys
        rows.append(np.full((1, len(sizes)), -1, dtype=np.int64))  # a marker between submissions
    disk.close()
    return np.concatenate(rows), total


def rows_per_submission(holders: np.ndarray, cap: int | None) -> np.ndarray:
    """Mean join rows per sampled submission for each subset size, keys of more than ``cap`` holders left out."""
    markers = np.all(holders == -1, axis=1)
    keys = holders[~markers]
    kept = keys if cap is None else np.where(keys + 1 > cap, 0, keys)
    return kept.sum(axis=0) / max(int(markers.sum()), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="generated summaries (default 100,000)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed")
    parser.add_argument("--keep", type=Path, required=True, metavar="DIR", help="keep (and reuse) the corpus in DIR")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--caps", type=int, nargs="*", default=[100, 1000], help="--max-key-docs values")
    args = parser.parse_args(argv)
    folder = args.keep / f"docs-{args.docs}"
    ensure_corpus(folder, args.docs, args.seed)
    sizes = np.array(sorted(s for s in args.sizes if s <= args.docs), dtype=np.int64)
    with tempfile.TemporaryDirectory(prefix="chachong-join-", dir=args.keep) as work:
        log(f"disk corpus of {folder}, stock models and key holders of {SAMPLE:,} submissions")
        holders, total = query_holders(folder, Path(work), sizes, seed=1)
    print(f"# Candidate join rows per submission: generated {total:,}, {SAMPLE:,} sampled submissions")
    print()
    print("| cap (max key docs) | " + " | ".join(f"N = {n:,}" for n in sizes) + " | growth per 10x N |")
    print("|---|" + "---:|" * (len(sizes) + 1))
    for cap in [None, *args.caps]:
        per = rows_per_submission(holders, cap)
        growth = (per[-1] / per[0]) ** (1 / np.log10(sizes[-1] / sizes[0])) if len(sizes) > 1 and per[0] else 0
        cells = " | ".join(f"{p:,.0f} ({p * n / 1e6:,.1f} M)" for p, n in zip(per, sizes))
        print(f"| {cap or 'every key'} | {cells} | {growth:.2f}x |")
    print()
    print("Each cell: rows per submission (rows of the whole subset's join, N times that).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
