"""CPU time of the compare stage alone: a sample of an audit's submissions, in one process.

    python -m bench.compare_cpu DIR [--sample 300] [--seed 1] [--digest OUT] [--disk] [--max-key-docs K]

DIR is a folder of summaries (``bench/scale.py`` writes them in
``DIR/docs-N/submissions``). Every document is read and fingerprinted (in
the worker pool), the in-memory corpus is built, and ``--sample`` randomly
chosen submissions are compared with it one after another in this process:
the figure is CPU time (``time.process_time``) a submission, which a busy
machine does not inflate the way it does wall time. ``--digest OUT`` writes
each sampled result's originality and matches, one line a submission, so
that two versions of the code can be held equal on the same sample
(``cmp`` the two files). ``--disk`` compares as the streaming audit's
workers do: against the run's corpus on disk (built first, in a temporary
folder, by :func:`app.streaming.spill_corpus`), a batch of 16 at a time
through :func:`app.spill.compare_batch`; the digest is the same as without.
``--max-key-docs K`` compares as ``chachong audit --max-key-docs K`` does.
The line printed also counts the copied characters and copy matches found.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from app.compare import Comparison
from app.prepare import prepare_in_pool
from corpus.document import Document
from corpus.errors import InputError
from corpus.progress import no_progress
from corpus.read import iter_documents
from detector.align import use_compiled
from detector.compare import DetectorParams
from detector.model import DocumentResult
from index.fingerprint import FingerprintParams, load_kernels
from index.memory import MemoryIndex
from index.view import CorpusView


def comparison_of(folder: Path, params: DetectorParams = DetectorParams()) -> tuple[Comparison, list[Document]]:
    """The audit's comparison of every document under ``folder``, and the documents."""
    errors: list[InputError] = []
    documents: list[Document] = []

    def read() -> Iterator[Document]:
        for document in iter_documents([folder], errors):
            documents.append(document)
            yield document

    prepared = [p for batch in prepare_in_pool(read(), FingerprintParams(), keep_normalized=True) for p in batch]
    comparison = Comparison.of([MemoryIndex.build(prepared, FingerprintParams())], params)
    for p in prepared:
        comparison.normalized[p.document.identity] = p.normalized
        comparison.fingerprints[p.document.path] = p.fingerprints
    comparison.view.document_frequencies(np.zeros(0, dtype=np.int64))  # the sample, built before the clock
    return comparison, documents


def digest(result: DocumentResult) -> str:
    matches = [(m.start, m.end, m.source, m.source_start, m.source_end, m.kind) for m in result.matches]
    return repr((result.path, result.originality, matches))


def disk_results(
    folder: Path, sample: int, seed: int, params: DetectorParams = DetectorParams()
) -> tuple[int, float, list[DocumentResult]]:
    """(documents, CPU seconds, results) of ``sample`` submissions compared
    with the disk corpus of ``folder``, as the streaming audit's workers do."""
    from app.spill import ResultSpill, SpillComparison, compare_batch
    from app.streaming import ReadPlan, spill_corpus

    with tempfile.TemporaryDirectory(prefix="chachong-compare-cpu-") as work:
        disk, _ = spill_corpus(ReadPlan.of([folder], []), Path(work) / "corpus", FingerprintParams(), 10**9, 0, no_progress)
        spill = ResultSpill(Path(work) / "results", len(disk.documents))
        comparison = SpillComparison(CorpusView([disk]), params, disk=disk, spill=spill)
        comparison.view.document_frequencies(np.zeros(0, dtype=np.int64))
        load_kernels(disk.params)
        use_compiled(True)
        ids = sorted(random.Random(seed).sample(range(len(disk.documents)), min(sample, len(disk.documents))))
        compare_batch(comparison, ids[:1])  # warm: jieba, numba, caches
        start = time.process_time()
        for lo in range(0, len(ids), 16):
            for doc_id, *where in compare_batch(comparison, ids[lo : lo + 16]):
                spill.locate(doc_id, *where)
        cpu = time.process_time() - start
        results = sorted((spill.read(i) for i in ids), key=lambda r: r.path)
        spill.close()
        disk.close()
    return len(disk.documents), cpu, results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--digest", type=Path)
    parser.add_argument("--disk", action="store_true", help="against the streaming audit's disk corpus")
    parser.add_argument("--max-key-docs", type=int, default=None, metavar="K", help="the audit's --max-key-docs")
    args = parser.parse_args(argv)
    params = DetectorParams(max_key_docs=args.max_key_docs)
    if args.disk:
        count, cpu, results = disk_results(args.folder, args.sample, args.seed, params)
        _report(count, cpu, results, args.digest)
        return
    comparison, documents = comparison_of(args.folder, params)
    use_compiled(True)
    picks = random.Random(args.seed).sample(documents, min(args.sample, len(documents)))
    comparison.compare(picks[0])  # warm: jieba, numba, caches
    start = time.process_time()
    results = [comparison.compare(document) for document in picks]
    cpu = time.process_time() - start
    _report(len(documents), cpu, sorted(results, key=lambda r: r.path), args.digest)


def _report(documents: int, cpu: float, results: list[DocumentResult], out: Path | None) -> None:
    """The CPU figure on stdout; each result's digest (in path order) to ``out``."""
    copied, copies = sum(r.copied_chars for r in results), sum(len(r.copies) for r in results)
    per = cpu / max(len(results), 1) * 1e3
    sys.stdout.write(f"{documents:,} documents; compare {per:.1f} ms CPU a submission; {copied:,} chars copied, {copies:,} copy matches\n")
    if out is not None:
        out.write_text("\n".join(digest(r) for r in results) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
