"""The quality benchmark: chachong and the 13-character baseline on a
generated corpus with ground truth (``truth.json``, see :mod:`evaluation.synth`).

Every submission is checked against all other documents (references and the
other submissions), twice:

* **dated**: with the manifest's dates. A copier is later than its source,
  so chachong should mark the shared text ``later`` in the source (it keeps
  its originality) and count it in the copier only. Every detection it counts
  is scored, the reverse direction included: a source blamed for being
  copied is an error.
* **undated**: with every year and date removed. No one can tell who copied
  whom: a passage two submissions share counts against both (the PAN
  measures leave the reverse direction neutral, as before; the originality
  truth counts the shared text in both).

Originality is scored with chachong's definition (own / (own + copied), the
truth's stock ranges neutral) against the same definition applied to the
truth. The baselines have no notion of stock: they count it as own.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.document import REFERENCE, SUBMISSION, DocMeta, Document
from corpus.errors import ChachongError
from corpus.normalize import normalize
from corpus.progress import Progress, no_progress
from corpus.read import load_documents
from detector.compare import DetectorParams, compare_document
from evaluation.pan import Measures, Span, baseline_detections, merge_runs, pan_measures
from evaluation.synth import SynthConfig
from index.corpus import prepare_many
from index.fingerprint import FingerprintParams
from index.memory import MemoryIndex
from index.view import CorpusView


@dataclass(frozen=True)
class DocumentShare:
    """One submission's true and reported originality."""

    path: str
    true_originality: float
    found_originality: float

    @property
    def error(self) -> float:
        return abs(self.found_originality - self.true_originality)


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
class Run:
    """One detector's figures on the corpus."""

    name: str
    measures: Measures
    docs: DocumentScores


@dataclass
class BenchmarkResult:
    runs: list[Run]
    documents: int
    submissions: int

    def run(self, name: str) -> Run:
        return next(r for r in self.runs if r.name == name)

    @property
    def chachong(self) -> Measures:
        return self.run(DATED).measures

    @property
    def chachong_docs(self) -> DocumentScores:
        return self.run(DATED).docs

    @property
    def baseline(self) -> Measures:
        return self.run(BASELINE).measures

    @property
    def merged_baseline(self) -> Measures:
        return self.run(MERGED).measures


DATED, UNDATED, BASELINE, MERGED = "chachong", "chachong, undated", "baseline 13-char", "baseline 13-char, merged"


def bench_config(units: int, references: int, seed: int) -> SynthConfig:
    """The benchmark corpus: every obfuscation, three 范文 families (5 units,
    an eighth and a quarter of them, at most 50), a twentieth of the units
    handing in next year's summary reusing this one, a tenth as .docx."""
    families = tuple(sorted({min(50, size) for size in (5, units // 8, units // 4) if size >= 2}))
    return SynthConfig(
        n_units=units,
        n_references=references,
        seed=seed,
        families=families,
        reuse_units=max(1, units // 20),
        docx_rate=0.1,
    )


@dataclass
class _Corpus:
    """A benchmark corpus: documents by path relative to its folder, and its truth."""

    documents: dict[str, Document]
    submissions: list[str]
    cases: list[Span]
    stock: dict[str, list[tuple[int, int]]]
    clean: set[str]


def load_truth(corpus_dir: Path) -> dict:
    path = corpus_dir / "truth.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ChachongError(f"{path}: cannot read ground truth ({err})") from err


def run_benchmark(
    corpus_dir: Path, params: DetectorParams = DetectorParams(), progress: Progress = no_progress
) -> BenchmarkResult:
    corpus = _load(corpus_dir)
    reverse = {(c.source, c.doc) for c in corpus.cases}
    runs = []
    siblings = _sibling_ranges(corpus.cases)
    for name, dated in ((DATED, True), (UNDATED, False)):
        found, originality = _chachong(corpus, params, dated, progress)
        scored = [
            d for d in found if not _between_siblings(d, siblings) and (dated or (d.doc, d.source) not in reverse)
        ]
        runs.append(Run(name, pan_measures(corpus.cases, scored, corpus.stock), _scores(corpus, originality, dated)))
    texts = {p: d.text for p, d in corpus.documents.items()}
    theirs = baseline_detections({p: texts[p] for p in corpus.submissions}, texts)
    theirs = [d for d in theirs if (d.doc, d.source) not in reverse and not _between_siblings(d, siblings)]
    for name, detections in ((BASELINE, theirs), (MERGED, merge_runs(theirs))):
        originality = _baseline_originality(corpus, detections)
        runs.append(
            Run(name, pan_measures(corpus.cases, detections, corpus.stock), _scores(corpus, originality, False))
        )
    return BenchmarkResult(runs, len(corpus.documents), len(corpus.submissions))


def _sibling_ranges(cases: list[Span]) -> dict[tuple[str, str], list[tuple[int, int, int, int]]]:
    """For two submissions that pasted the same source passage, where each has
    it: they share it with each other too (neither right nor wrong)."""
    groups: dict[tuple[str, int, int], list[Span]] = {}
    for c in cases:
        groups.setdefault((c.source, c.source_start, c.source_end), []).append(c)
    ranges: dict[tuple[str, str], list[tuple[int, int, int, int]]] = {}
    for members in groups.values():
        for a in members:
            for b in members:
                if a.doc != b.doc:
                    ranges.setdefault((a.doc, b.doc), []).append((a.start, a.end, b.start, b.end))
    return ranges


def _between_siblings(detection: Span, siblings: dict[tuple[str, str], list[tuple[int, int, int, int]]]) -> bool:
    """Whether a detection is of a passage two siblings share (both sides overlap it)."""
    return any(
        detection.start < e0 and s0 < detection.end and detection.source_start < e1 and s1 < detection.source_end
        for s0, e0, s1, e1 in siblings.get((detection.doc, detection.source), ())
    )


def _load(corpus_dir: Path) -> _Corpus:
    truth = load_truth(corpus_dir)
    docs, errors = load_documents([corpus_dir / d["path"] for d in truth["documents"]])
    if errors:
        raise ChachongError(f"benchmark corpus has unreadable files: {errors[0]}")
    roles = {d["path"]: d["role"] for d in truth["documents"]}
    documents = {}
    for d in docs:
        path = Path(d.path).relative_to(corpus_dir).as_posix()
        documents[path] = d.with_role(REFERENCE if roles.get(path) == "reference" else SUBMISSION)
    cases = [
        Span.of(
            c["suspicious"], c["start"], c["end"], c["source"], c["source_start"], c["source_end"], c["obfuscation"]
        )
        for c in truth["cases"]
    ]
    return _Corpus(
        documents=documents,
        submissions=sorted(p for p, role in roles.items() if role == "submission"),
        cases=cases,
        stock={d["path"]: [tuple(r) for r in d.get("stock_ranges", [])] for d in truth["documents"]},
        clean={d["path"] for d in truth["documents"] if d.get("clean")},
    )


def _chachong(
    corpus: _Corpus, params: DetectorParams, dated: bool, progress: Progress
) -> tuple[list[Span], dict[str, float]]:
    """chachong's counted copy detections and originality of every submission."""
    documents = {p: d if dated else _undated(d) for p, d in corpus.documents.items()}
    relative = {d.path: p for p, d in documents.items()}
    fp_params = FingerprintParams()
    view = CorpusView([MemoryIndex.build(prepare_many(list(documents.values()), fp_params), fp_params)])
    found: list[Span] = []
    originality: dict[str, float] = {}
    for done, path in enumerate(corpus.submissions, start=1):
        result = compare_document(documents[path], view, params)
        originality[path] = result.originality
        found += [
            Span.of(path, m.start, m.end, relative.get(m.source, m.source), m.source_start, m.source_end)
            for m in result.copies
        ]
        progress("check (dated)" if dated else "check (undated)", done, len(corpus.submissions))
    return found, originality


def _undated(document: Document) -> Document:
    return dataclasses.replace(document, meta=DocMeta(unit=document.meta.unit))


def _true_copied(corpus: _Corpus, path: str, dated: bool) -> list[tuple[int, int]]:
    """The truth's copied ranges of a submission: what it took; undated, also
    what another submission took from it (no one can tell the direction)."""
    ranges = [(c.start, c.end) for c in corpus.cases if c.doc == path]
    if not dated:
        ranges += [(c.source_start, c.source_end) for c in corpus.cases if c.source == path and c.doc != path]
    return ranges


def _originality(text: str, copied: list[tuple[int, int]], stock: list[tuple[int, int]]) -> float:
    """own / (own + copied) over meaningful characters, stock neutral."""
    meaningful = normalize(text).meaningful
    copied_mask = _mask(len(text), copied) & meaningful
    stock_mask = _mask(len(text), stock) & meaningful & ~copied_mask
    own = int(meaningful.sum()) - int(copied_mask.sum()) - int(stock_mask.sum())
    total = own + int(copied_mask.sum())
    return own / total if total else 1.0


def _mask(length: int, ranges: list[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(length, dtype=bool)
    for lo, hi in ranges:
        mask[lo:hi] = True
    return mask


def _baseline_originality(corpus: _Corpus, detections: list[Span]) -> dict[str, float]:
    """The baseline's originality: copied over meaningful characters (it knows no stock)."""
    return {
        path: _originality(corpus.documents[path].text, [(d.start, d.end) for d in detections if d.doc == path], [])
        for path in corpus.submissions
    }


def _scores(corpus: _Corpus, found: dict[str, float], dated: bool) -> DocumentScores:
    shares = []
    for path in corpus.submissions:
        text = corpus.documents[path].text
        truth = _originality(text, _true_copied(corpus, path, dated), corpus.stock.get(path, []))
        shares.append(DocumentShare(path, truth, found[path]))
    errors = [s.error for s in shares]
    clean = [s.found_originality for s in shares if s.path in corpus.clean]
    return DocumentScores(
        originality_error_mean=float(np.mean(errors)) if errors else 0.0,
        originality_error_max=float(np.max(errors)) if errors else 0.0,
        clean_min_originality=float(min(clean)) if clean else 1.0,
        clean_documents=len(clean),
        documents=tuple(shares),
    )


def format_worst(scores: DocumentScores, count: int) -> str:
    """The submissions chachong scores worst: where to look when a figure slips."""
    lines = ["| submission | true originality | reported | error |", "|---|---|---|---|"]
    lines += [
        f"| {d.path} | {d.true_originality:.3f} | {d.found_originality:.3f} | {d.error:.3f} |"
        for d in scores.worst(count)
    ]
    return "\n".join(lines)


def format_table(result: BenchmarkResult) -> str:
    """The results table (Markdown): chachong dated and undated, the baseline
    as its runs and as its runs merged across short gaps."""
    head = "| detector | plagdet | precision | recall | granularity | source acc. | orig. err (mean/max) | clean min orig. |"
    lines = [head, "|" + "---|" * 8]
    for run in result.runs:
        m, d = run.measures, run.docs
        lines.append(
            f"| {run.name} | {m.plagdet:.3f} | {m.precision:.3f} | {m.recall:.3f} | {m.granularity:.3f} | "
            f"{m.source_accuracy:.3f} | {d.originality_error_mean:.3f} / {d.originality_error_max:.3f} | "
            f"{d.clean_min_originality:.3f} |"
        )
    shown = [r for r in result.runs if r.name != UNDATED]
    labels = sorted(result.chachong.recall_by_label)
    lines += ["", "| recall by obfuscation | cases | " + " | ".join(r.name for r in shown) + " |"]
    lines.append("|" + "---|" * (2 + len(shown)))
    for label in labels:
        recalls = " | ".join(f"{r.measures.recall_by_label.get(label, 0.0):.3f}" for r in shown)
        lines.append(f"| {label} | {result.chachong.cases_by_label[label]} | {recalls} |")
    lines += ["", f"{result.submissions} submissions, {result.documents} documents, {result.chachong.cases} cases"]
    return "\n".join(lines)
