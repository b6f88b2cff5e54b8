"""The quality benchmark: chachong and the 13-character baseline on a
generated corpus with ground truth (``truth.json``, see :mod:`corpus.synth`).

Every submission is checked against all other documents (references and the
other submissions). A passage shared by two submissions is a case in one
direction only (who copied from whom); the detection of the reverse
direction is neutral, neither right nor wrong, since ``check`` does not know
dates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.errors import ChachongError
from corpus.progress import Progress, no_progress
from corpus.read import load_documents
from detector.compare import DetectorParams, compare_document
from evaluation.pan import Measures, Span, baseline_detections, copied_share, merge_runs, pan_measures
from index.corpus import prepare_many
from index.fingerprint import FingerprintParams
from index.memory import MemoryIndex


@dataclass(frozen=True)
class DocumentShare:
    """One submission's true and reported copied share."""

    path: str
    true_share: float
    found_share: float

    @property
    def error(self) -> float:
        return abs(self.found_share - self.true_share)


@dataclass
class DocumentScores:
    originality_error_mean: float
    originality_error_max: float
    clean_min_originality: float
    clean_documents: int
    documents: tuple[DocumentShare, ...] = ()

    def worst(self, count: int) -> list[DocumentShare]:
        """The submissions with the largest originality errors, largest first."""
        return sorted(self.documents, key=lambda d: (-d.error, d.path))[:count]


@dataclass
class BenchmarkResult:
    chachong: Measures
    baseline: Measures
    chachong_docs: DocumentScores
    baseline_docs: DocumentScores
    documents: int
    submissions: int
    merged_baseline: Measures | None = None  # the baseline's runs fewer than 13 chars apart merged
    merged_baseline_docs: DocumentScores | None = None


def load_truth(corpus_dir: Path) -> dict:
    path = corpus_dir / "truth.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ChachongError(f"{path}: cannot read ground truth ({err})") from err


def run_benchmark(
    corpus_dir: Path, params: DetectorParams = DetectorParams(), progress: Progress = no_progress
) -> BenchmarkResult:
    truth = load_truth(corpus_dir)
    docs, errors = load_documents([corpus_dir / d["path"] for d in truth["documents"]])
    if errors:
        raise ChachongError(f"benchmark corpus has unreadable files: {errors[0]}")
    rel = {doc.path: Path(doc.path).relative_to(corpus_dir).as_posix() for doc in docs}
    texts = {rel[d.path]: d.text for d in docs}
    roles = {d["path"]: d["role"] for d in truth["documents"]}
    submissions = sorted(p for p, role in roles.items() if role == "submission")

    cases = [
        Span.of(c["suspicious"], c["start"], c["end"], c["source"], c["source_start"], c["source_end"], c["obfuscation"])
        for c in truth["cases"]
    ]
    reverse = {(c.source, c.doc) for c in cases}
    stock = {d["path"]: [tuple(r) for r in d.get("stock_ranges", [])] for d in truth["documents"]}

    fp_params = FingerprintParams()
    store = MemoryIndex.build(prepare_many(docs, fp_params, gram_set=True), fp_params)
    by_path = {rel[d.path]: d for d in docs}
    ours: list[Span] = []
    for done, path in enumerate(submissions, start=1):
        doc = by_path[path]
        result = compare_document(doc, store, params)
        ours.extend(
            Span.of(path, m.start, m.end, rel.get(m.source, m.source), m.source_start, m.source_end)
            for m in result.copies
        )
        progress("check", done, len(submissions))
    theirs = baseline_detections({p: texts[p] for p in submissions}, texts)

    ours = [d for d in ours if (d.doc, d.source) not in reverse]
    theirs = [d for d in theirs if (d.doc, d.source) not in reverse]
    merged = merge_runs(theirs)
    return BenchmarkResult(
        chachong=pan_measures(cases, ours, stock),
        baseline=pan_measures(cases, theirs, stock),
        chachong_docs=_document_scores(submissions, texts, cases, ours, stock),
        baseline_docs=_document_scores(submissions, texts, cases, theirs, stock),
        documents=len(docs),
        submissions=len(submissions),
        merged_baseline=pan_measures(cases, merged, stock),
        merged_baseline_docs=_document_scores(submissions, texts, cases, merged, stock),
    )


def _document_scores(
    submissions: list[str], texts: dict[str, str], cases: list[Span], detections: list[Span], stock: dict[str, list]
) -> DocumentScores:
    errors, clean, shares = [], [], []
    for path in submissions:
        true = copied_share(texts[path], [(c.start, c.end) for c in cases if c.doc == path])
        found = copied_share(texts[path], [(d.start, d.end) for d in detections if d.doc == path])
        errors.append(abs(found - true))
        shares.append(DocumentShare(path, true, found))
        if not any(c.doc == path for c in cases):
            clean.append(1.0 - found)
    return DocumentScores(
        originality_error_mean=float(np.mean(errors)) if errors else 0.0,
        originality_error_max=float(np.max(errors)) if errors else 0.0,
        clean_min_originality=float(min(clean)) if clean else 1.0,
        clean_documents=len(clean),
        documents=tuple(shares),
    )


def format_worst(scores: DocumentScores, count: int) -> str:
    """The submissions chachong scores worst: where to look when a figure slips."""
    lines = ["| submission | true copied share | reported | error |", "|---|---|---|---|"]
    lines += [f"| {d.path} | {d.true_share:.3f} | {d.found_share:.3f} | {d.error:.3f} |" for d in scores.worst(count)]
    return "\n".join(lines)


def format_table(result: BenchmarkResult) -> str:
    """The results table (Markdown), chachong and the baseline side by side
    (the baseline twice: its runs, and its runs merged across short gaps)."""
    rows = [
        ("chachong", result.chachong, result.chachong_docs),
        ("baseline 13-char", result.baseline, result.baseline_docs),
    ]
    if result.merged_baseline is not None and result.merged_baseline_docs is not None:
        rows.append(("baseline 13-char, merged", result.merged_baseline, result.merged_baseline_docs))
    labels = sorted(result.chachong.recall_by_label)
    head = "| detector | plagdet | precision | recall | granularity | source acc. | orig. err (mean/max) | clean min orig. |"
    lines = [head, "|" + "---|" * 8]
    for name, m, d in rows:
        lines.append(
            f"| {name} | {m.plagdet:.3f} | {m.precision:.3f} | {m.recall:.3f} | {m.granularity:.3f} | "
            f"{m.source_accuracy:.3f} | {d.originality_error_mean:.3f} / {d.originality_error_max:.3f} | {d.clean_min_originality:.3f} |"
        )
    lines += ["", "| recall by obfuscation | cases | " + " | ".join(n for n, _, _ in rows) + " |"]
    lines.append("|" + "---|" * (2 + len(rows)))
    for label in labels:
        lines.append(
            f"| {label} | {result.chachong.cases_by_label[label]} | "
            + " | ".join(f"{m.recall_by_label.get(label, 0.0):.3f}" for _, m, _ in rows)
            + " |"
        )
    lines.append("")
    lines.append(f"{result.submissions} submissions, {result.documents} documents, {result.chachong.cases} cases")
    return "\n".join(lines)
