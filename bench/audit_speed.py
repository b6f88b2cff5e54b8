"""Audit throughput on a generated corpus, time split by stage, peak memory.

    python bench/audit_speed.py --docs 1000 [--workers 2] [--keep DIR]

With ``--keep DIR`` the corpus stays in DIR and a later run with the same
``--docs`` reuses it instead of generating it again.

Writes N generated summaries (~3,000 characters each) to a folder, runs the
same library call as ``chachong audit DIR``, and prints seconds per stage and
the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path


def write_corpus(out: Path, docs: int, seed: int) -> int:
    from evaluation.synth import SynthConfig, generate_texts

    chars = 0
    for i, (rel, text) in enumerate(generate_texts(SynthConfig(n_units=docs, n_references=0, seed=seed))):
        if i >= docs:
            break
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        chars += len(text)
    return chars


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=0, help="0 = one per core")
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()

    from app.audit import AuditParams, run_audit

    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        t0 = time.perf_counter()
        existing = sorted(out.rglob("*.txt"))
        if args.keep and len(existing) == args.docs:  # reuse a corpus kept by an earlier run
            chars = sum(len(p.read_text(encoding="utf-8")) for p in existing)
            print(f"corpus: {args.docs} documents, {chars:,} chars, reused from {out}")
        else:
            chars = write_corpus(out, args.docs, args.seed)
            print(f"corpus: {args.docs} documents, {chars:,} chars, generated in {time.perf_counter() - t0:.1f} s")

        stages: dict[str, float] = {}
        last = [time.perf_counter()]
        current = [None]

        def progress(stage: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if current[0] is not None:
                stages[current[0]] = stages.get(current[0], 0.0) + now - last[0]
            current[0], last[0] = stage, now

        start = time.perf_counter()
        result = run_audit([out], [], params=AuditParams(workers=args.workers), progress=progress)
        total = time.perf_counter() - start
        progress("end", 0, 0)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        for stage, seconds in stages.items():
            print(f"  {stage:<20} {seconds:7.2f} s")
        print(
            f"audit total: {total:.2f} s wall, {chars / total / 1e6:.2f} M chars/s, peak RSS {peak:.0f} MiB"
            f" (largest worker {workers_peak:.0f} MiB, memory shared with this process included)"
        )
        print(f"  {len(result.results)} documents, {len(result.families)} families, {len(result.clusters)} clusters")


if __name__ == "__main__":
    main()
