"""The demo: a generated corpus with planted copying, indexed and audited."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.audit import AuditParams, AuditResult, run_audit
from app.check import CorpusInfo
from app.indexing import add_to_index, open_index
from corpus.errors import InputError
from corpus.progress import Progress, no_progress
from evaluation.synth import demo_corpus


@dataclass
class DemoRun:
    out_dir: Path
    index: Path
    documents: int  # written by the generator
    cases: int  # planted copying cases
    audit: AuditResult | None
    corpus: CorpusInfo | None
    errors: list[InputError]


def write_demo(out_dir: Path) -> tuple[int, int]:
    """Write the demo corpus; (documents, planted cases)."""
    truth = demo_corpus(out_dir)
    return len(truth["documents"]), len(truth["cases"])


def run_demo(out_dir: Path, *, progress: Progress = no_progress) -> DemoRun:
    """Index the 范文 into ``OUT/.chachong/index.db`` and audit the submissions against it."""
    documents, cases = write_demo(out_dir)
    index_file = out_dir / ".chachong" / "index.db"
    with open_index(index_file, create=True) as store:
        _, errors = add_to_index(store, [out_dir / "references"], progress=progress)
        audit = run_audit([out_dir / "submissions"], [], index=store, params=AuditParams(), progress=progress)
        corpus = CorpusInfo(str(index_file), store.document_count())
    return DemoRun(out_dir, index_file, documents, cases, audit, corpus, [*errors, *audit.errors])
