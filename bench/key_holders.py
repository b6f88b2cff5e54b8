"""How many documents hold each LSH band key and winnowed gram of a corpus, and
what that means for the Spark engine's candidate join.

    python -m bench.key_holders --docs 10000 --keep /work/cc-bench

The candidate join (:mod:`app.spark.candidates`) emits one row per
(submission, holder, shared key): a key held by h documents gives about h²
rows. This prints, for the generated corpus of ``--docs`` summaries (as
``bench/scale.py`` writes it), the holders' distribution and the join's rows
with every key joined and with keys of more than K holders dropped
(``--max-key-docs K``), so the join's growth with the corpus can be read off
(an upper bound for grams: a submission's busy grams are not queried).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from bench.scale import ensure_corpus, log


def holders(folder: Path) -> dict[str, np.ndarray]:
    """Per kind, the number of documents holding each distinct key."""
    from corpus.normalize import normalize
    from corpus.read import iter_documents
    from index.fingerprint import FingerprintParams, fingerprint_many

    params, bands, grams, batch = FingerprintParams(), [], [], []

    def flush() -> None:
        for fp in fingerprint_many([normalize(d.text).text for d in batch], params):
            bands.append(np.unique(fp.window_bands.ravel()))
            grams.append(np.unique(np.asarray(fp.grams, dtype=np.int64)))
        batch.clear()

    for document in iter_documents([folder], []):
        batch.append(document)
        if len(batch) == 512:
            flush()
    flush()
    return {
        kind: np.unique(np.concatenate(keys), return_counts=True)[1]
        for kind, keys in (("band", bands), ("gram", grams))
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, required=True, metavar="DIR")
    args = parser.parse_args(argv)
    folder = args.keep / f"docs-{args.docs}"
    ensure_corpus(folder, args.docs, args.seed)
    log(f"fingerprinting {folder}")
    found = holders(folder)
    n = args.docs
    print(f"# key holders, generated {n:,}")
    print()
    print("| kind | keys | median holders | p99 | max | keys held by > 1% | join rows, all keys | K=100 | K=1000 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, h in found.items():
        h = h.astype(np.int64)
        rows = [int(np.sum(h[h <= k] * (h[h <= k] - 1))) for k in (n, 100, 1000)]
        print(
            f"| {kind} | {len(h):,} | {np.median(h):.0f} | {np.percentile(h, 99):.0f} | {h.max():,} | "
            f"{int(np.sum(h > n / 100)):,} | {rows[0]:,} | {rows[1]:,} | {rows[2]:,} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
