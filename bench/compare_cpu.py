"""CPU time of the compare stage alone: a sample of an audit's submissions, in one process.

    python -m bench.compare_cpu DIR [--sample 300] [--seed 1] [--digest OUT]

DIR is a folder of summaries (``bench/scale.py`` writes them in
``DIR/docs-N/submissions``). Every document is read and fingerprinted (in
the worker pool), the in-memory corpus is built, and ``--sample`` randomly
chosen submissions are compared with it one after another in this process:
the figure is CPU time (``time.process_time``) a submission, which a busy
machine does not inflate the way it does wall time. ``--digest OUT`` writes
each sampled result's originality and matches, one line a submission, so
that two versions of the code can be held equal on the same sample
(``cmp`` the two files).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from app.compare import Comparison
from app.prepare import prepare_in_pool
from corpus.document import Document
from corpus.errors import InputError
from corpus.read import iter_documents
from detector.align import use_compiled
from detector.compare import DetectorParams
from detector.model import DocumentResult
from index.fingerprint import FingerprintParams
from index.memory import MemoryIndex


def comparison_of(folder: Path) -> tuple[Comparison, list[Document]]:
    """The audit's comparison of every document under ``folder``, and the documents."""
    errors: list[InputError] = []
    documents: list[Document] = []

    def read() -> Iterator[Document]:
        for document in iter_documents([folder], errors):
            documents.append(document)
            yield document

    prepared = [p for batch in prepare_in_pool(read(), FingerprintParams(), keep_normalized=True) for p in batch]
    comparison = Comparison.of([MemoryIndex.build(prepared, FingerprintParams())], DetectorParams())
    for p in prepared:
        comparison.normalized[p.document.identity] = p.normalized
        comparison.fingerprints[p.document.path] = p.fingerprints
    comparison.view.document_frequencies(np.zeros(0, dtype=np.int64))  # the sample, built before the clock
    return comparison, documents


def digest(result: DocumentResult) -> str:
    matches = [(m.start, m.end, m.source, m.source_start, m.source_end, m.kind) for m in result.matches]
    return repr((result.path, result.originality, matches))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--digest", type=Path)
    args = parser.parse_args(argv)
    comparison, documents = comparison_of(args.folder)
    use_compiled(True)
    picks = random.Random(args.seed).sample(documents, min(args.sample, len(documents)))
    comparison.compare(picks[0])  # warm: jieba, numba, caches
    start = time.process_time()
    results = [comparison.compare(document) for document in picks]
    cpu = time.process_time() - start
    sys.stdout.write(f"{len(documents):,} documents; compare {cpu / len(picks) * 1e3:.1f} ms CPU a submission\n")
    if args.digest is not None:
        args.digest.write_text("\n".join(digest(r) for r in results) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
