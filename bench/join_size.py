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

Prints, per subset size N and cap K, the rows per submission and the join's
rows for the whole subset (N times that). Then what each cap costs in what
is found: ``--recall S`` submissions compared with the whole corpus as the
local engine compares them (every key), and again with the keys of more
than K holders proposing no candidates, as ``--max-key-docs K`` drops them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

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


def disk_corpus(folder: Path, work: Path) -> Any:
    """The audit's on-disk corpus of every document under ``folder`` (:class:`~index.disk.DiskIndex`)."""
    from app.streaming import ReadPlan, spill_corpus
    from corpus.progress import no_progress
    from index.fingerprint import FingerprintParams

    plan = ReadPlan.of([folder], [])
    return spill_corpus(plan, work / "corpus", FingerprintParams(), 10**9, 0, no_progress)[0]


def sampled(total: int, seed: int) -> np.ndarray:
    """Each document's rank in a random order: a subset of size N is the ranks below N."""
    rank = np.empty(total, dtype=np.int64)
    rank[np.random.default_rng(seed).permutation(total)] = np.arange(total)
    return rank


def query_holders(disk: Any, rank: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Per sampled submission and query key, the holders in each subset (rows of (keys, sizes)), stacked."""
    from detector.compare import DetectorParams, stock_model
    from index import kernels
    from index.corpus import QueryKeys
    from index.fingerprint import fingerprint_many
    from index.view import CorpusView

    view, stock, rows = CorpusView([disk]), DetectorParams().stock, []
    for doc_id in np.argsort(rank)[:SAMPLE].tolist():
        text, normalized = disk.text_and_normalized(doc_id)
        document = replace(disk.documents[doc_id], text=text)
        _, busy = stock_model(document, normalized, view, stock)
        bands, grams = QueryKeys.of(fingerprint_many([normalized.text], disk.params)[0], busy)
        for keys, sorted_keys, values in ((bands, disk._bands, disk.band_docs), (grams, disk._grams, disk.gram_docs)):
            lo, hi = kernels.posting_ranges(sorted_keys.keys, sorted_keys.starts, sorted_keys.bits, keys)
            rows.append(_holders_by_size(lo, hi, values, rank, sizes) - 1)  # the submission holds each of its keys
        rows.append(np.full((1, len(sizes)), -1, dtype=np.int64))  # a marker between submissions
    return np.concatenate(rows)


def capped_results(disk: Any, doc_ids: list[int], caps: list[int | None]) -> dict[int | None, list[tuple]]:
    """Each sampled submission compared with the whole corpus as the local
    engine compares it, once per cap (``DetectorParams.max_key_docs``, what
    ``--max-key-docs`` sets; None: every key): (copied chars, copy matches,
    originality)."""
    from app.compare import compiled_seeding
    from detector.compare import DetectorParams, as_view, compare_document
    from index.fingerprint import fingerprint_many

    found: dict[int | None, list[tuple]] = {cap: [] for cap in caps}
    view = as_view([disk])

    def normalizer(document: Any) -> Any:
        return disk.text_and_normalized(disk.document_by_identity(document.identity))[1]

    with compiled_seeding(True):
        for doc_id in doc_ids:
            text, normalized = disk.text_and_normalized(doc_id)
            document = replace(disk.documents[doc_id], text=text)
            fp = fingerprint_many([normalized.text], disk.params)[0]
            for cap in caps:
                params = DetectorParams(max_key_docs=cap)
                r = compare_document(document, view, params, normalizer=normalizer, fingerprints=fp)
                found[cap].append((r.copied_chars, len(r.copies), r.originality))
    return found


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
    parser.add_argument(
        "--recall", type=int, default=300, metavar="S", help="submissions compared under each cap (0: none)"
    )
    args = parser.parse_args(argv)
    folder = args.keep / f"docs-{args.docs}"
    ensure_corpus(folder, args.docs, args.seed)
    sizes = np.array(sorted(s for s in args.sizes if s <= args.docs), dtype=np.int64)
    with tempfile.TemporaryDirectory(prefix="chachong-join-", dir=args.keep) as work:
        log(f"disk corpus of {folder}")
        disk = disk_corpus(folder, Path(work))
        total, rank = len(disk.documents), sampled(len(disk.documents), seed=1)
        log(f"stock models and key holders of {SAMPLE:,} submissions")
        holders = query_holders(disk, rank, sizes)
        caps = [None, *args.caps]
        recall = {}
        if args.recall:
            log(f"{args.recall:,} submissions compared with every key and under each cap")
            recall = capped_results(disk, np.argsort(rank)[: args.recall].tolist(), caps)
        disk.close()
    print(f"# Candidate join rows per submission: generated {total:,}, {SAMPLE:,} sampled submissions")
    print()
    print("| cap (max key docs) | " + " | ".join(f"N = {n:,}" for n in sizes) + " | growth per 10x N |")
    print("|---|" + "---:|" * (len(sizes) + 1))
    for cap in caps:
        per = rows_per_submission(holders, cap)
        growth = (per[-1] / per[0]) ** (1 / np.log10(sizes[-1] / sizes[0])) if len(sizes) > 1 and per[0] else 0
        cells = " | ".join(f"{p:,.0f} ({p * n / 1e6:,.1f} M)" for p, n in zip(per, sizes))
        print(f"| {cap or 'every key'} | {cells} | {growth:.2f}x |")
    print()
    print("Each cell: rows per submission (rows of the whole subset's join, N times that).")
    if recall:
        print_recall(recall, total)
    return 0


def print_recall(recall: dict[int | None, list[tuple]], total: int) -> None:
    """What each cap loses against every key joined, on the whole corpus."""
    full = recall[None]
    print()
    print(f"## What a cap loses: {len(full):,} submissions compared with all {total:,} documents")
    print()
    print(
        "| cap (max key docs) | copied chars found | copy matches found | submissions unchanged | mean abs. change in originality |"
    )
    print("|---|---:|---:|---:|---:|")
    for cap, rows in recall.items():
        chars = sum(r[0] for r in rows) / max(sum(r[0] for r in full), 1)
        matches = sum(r[1] for r in rows) / max(sum(r[1] for r in full), 1)
        same = sum(r == f for r, f in zip(rows, full)) / len(full)
        change = sum(abs(r[2] - f[2]) for r, f in zip(rows, full)) / len(full)
        print(f"| {cap or 'every key'} | {chars:.1%} | {matches:.1%} | {same:.1%} | {change:.4f} |")


if __name__ == "__main__":
    sys.exit(main())
