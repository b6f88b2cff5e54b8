"""The auditor's use case: every submission against every other and the references.

Stages: read → fingerprint → corpus → compare each submission →
boilerplate families → near-duplicate clusters → who copied from whom. The
all-pairs part stays near-linear: only candidate pairs from LSH buckets and
shared non-stock grams are aligned, never all pairs.

:func:`audit_streaming` runs them in bounded memory, the corpus and the
results spilled to a work folder (:mod:`app.streaming`); :func:`run_audit`
is the same audit with its results gathered into an :class:`AuditResult`
(for corpora a report can hold). :func:`run_audit_in_memory` is the
engine that held everything in one process, kept as the reference the
streaming one is tested against.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.compare import Comparison, compare_all, source_documents
from app.prepare import prepare_in_pool
from app.spill import ResultSpill, SpillComparison
from app.streaming import (
    ReadPlan,
    StreamingAudit,
    add_submissions,
    compare_spilled,
    relations,
    spill_corpus,
    work_folder,
)
from app.workers import pool_map
from corpus.document import REFERENCE, SUBMISSION, Document
from corpus.errors import InputError
from corpus.progress import Progress, no_progress
from corpus.read import DEFAULT_MAX_BYTES, iter_documents
from detector.compare import DetectorParams
from detector.families import Family, find_families
from detector.model import DocumentResult
from detector.relations import Cluster, CopyEdge, copy_edges, find_clusters
from index.corpus import Fingerprinted
from index.fingerprint import FingerprintParams
from index.memory import MemoryIndex
from index.sqlite import IndexStore
from index.view import CorpusView


@dataclass(frozen=True)
class AuditParams:
    detector: DetectorParams = field(default_factory=DetectorParams)
    min_family_docs: int = 3
    cluster_similarity: float = 0.6  # share of both documents covered by each other
    max_bytes: int = DEFAULT_MAX_BYTES
    workers: int = 0  # processes for fingerprinting and comparison; 0 = one per core


def audit_params(max_bytes: int, max_key_docs: int | None = None) -> AuditParams:
    """The audit's settings from the command line's (checked by the detector's)."""
    return AuditParams(detector=DetectorParams(max_key_docs=max_key_docs), max_bytes=max_bytes)


@dataclass
class AuditResult:
    results: list[DocumentResult]
    references: list[str]
    families: list[Family]
    clusters: list[Cluster]
    edges: list[CopyEdge]
    errors: list[InputError]
    documents: dict[str, Document] = field(default_factory=dict)  # every document the report names

    @property
    def has_copies(self) -> bool:
        return any(r.has_copies for r in self.results)


def run_audit(
    submission_paths: Sequence[str | Path],
    reference_paths: Sequence[str | Path] = (),
    *,
    index: IndexStore | None = None,
    params: AuditParams = AuditParams(),
    progress: Progress = no_progress,
    workdir: Path | None = None,
) -> AuditResult:
    """Audit a corpus; with ``index``, submissions are added to it and the
    documents already in it serve as further sources. The results are
    gathered in memory: for corpora of any size, :func:`audit_streaming`."""
    with audit_streaming(
        submission_paths, reference_paths, index=index, params=params, progress=progress, workdir=workdir
    ) as audit:
        return gathered(audit)


def audit_streaming(
    submission_paths: Sequence[str | Path],
    reference_paths: Sequence[str | Path] = (),
    *,
    index: IndexStore | None = None,
    params: AuditParams = AuditParams(),
    progress: Progress = no_progress,
    workdir: Path | None = None,
) -> StreamingAudit:
    """The audit of :func:`run_audit`, its corpus and results in a work folder
    (in ``workdir``, else the system's temporary folder) that closing the
    returned audit removes. Memory stays bounded whatever the corpus size."""
    folder = work_folder(workdir)
    opened: list = []
    try:
        plan = ReadPlan.of(submission_paths, reference_paths)
        fp_params = index.params if index is not None else FingerprintParams()
        disk, read = spill_corpus(plan, folder / "corpus", fp_params, params.max_bytes, params.workers, progress)
        opened.append(disk)
        submissions = len(read.paths[SUBMISSION])
        if index is not None:
            add_submissions(index, disk, submissions)
        view = CorpusView([disk] if index is None else [disk, index])
        spill = ResultSpill(folder / "results", submissions)
        opened.append(spill)
        compare_spilled(
            SpillComparison(view, params.detector, disk=disk, spill=spill), submissions, params.workers, progress
        )
        audit = StreamingAudit(
            folder, disk, view, spill, submissions, read.errors, sorted(read.paths[REFERENCE]), params.detector
        )
        audit.found = relations(
            audit.results(copy_views=True),
            submissions,
            audit.documents(),
            audit.documents(texts=False),
            params.min_family_docs,
            params.cluster_similarity,
            progress,
            params.workers,
        )
        return audit
    except BaseException:
        for thing in opened:
            thing.close()
        shutil.rmtree(folder, ignore_errors=True)
        raise


def gathered(audit: StreamingAudit) -> AuditResult:
    """A streaming audit's results, relations and documents in memory, as the in-memory engine returns them."""
    results = list(audit.results())
    documents = {header.path: audit.disk.document(i) for i, header in enumerate(audit.disk.documents)}
    extra = source_documents(results, audit.view)
    documents.update((path, doc) for path, doc in extra.items() if path not in documents)
    return AuditResult(
        results=results,
        references=audit.references,
        families=audit.families,
        clusters=audit.clusters,
        edges=audit.edges,
        errors=audit.errors,
        documents=documents,
    )


def run_audit_in_memory(
    submission_paths: Sequence[str | Path],
    reference_paths: Sequence[str | Path] = (),
    *,
    index: IndexStore | None = None,
    params: AuditParams = AuditParams(),
    progress: Progress = no_progress,
) -> AuditResult:
    """The audit with every text, fingerprint and result in this process and
    its forked workers (the engine before :func:`audit_streaming`; its
    memory grows with the corpus). Kept as the reference for equality."""
    errors: list[InputError] = []
    submissions: list[Document] = []
    references: list[Document] = []
    read = _reader(submission_paths, reference_paths, params.max_bytes, errors, submissions, references, progress)
    fp_params = index.params if index is not None else FingerprintParams()
    prepared: list[Fingerprinted] = []
    for batch in prepare_in_pool(read, fp_params, workers=params.workers, keep_normalized=True):
        prepared.extend(batch)
        progress("fingerprint", len(prepared), len(prepared))
    corpus = MemoryIndex.build(prepared, fp_params)
    if index is not None:
        new = [p for p in prepared[: len(submissions)] if index.known_hash(p.document) != p.document.sha256]
        index.add(new)
    comparison = Comparison.of([corpus] if index is None else [corpus, index], params.detector)
    _keep_bulk_work(comparison, prepared, len(submissions))
    progress("in-memory corpus", 1, 1)
    del prepared
    results = compare_all(comparison, submissions, workers=params.workers, progress=progress)
    results.sort(key=lambda r: r.path)
    return _relations(results, submissions, references, comparison, errors, params, progress)


def _reader(
    submission_paths: Sequence[str | Path],
    reference_paths: Sequence[str | Path],
    max_bytes: int,
    errors: list[InputError],
    submissions: list[Document],
    references: list[Document],
    progress: Progress,
) -> Iterator[Document]:
    """Submissions, then references not among them (read here while the pool
    fingerprints the previous batch); each is appended to its list."""
    for document in iter_documents(
        submission_paths, errors, max_bytes=max_bytes, progress=progress, stage="read submissions"
    ):
        submissions.append(document)
        yield document
    seen = {s.path for s in submissions}
    for document in iter_documents(
        reference_paths, errors, max_bytes=max_bytes, role=REFERENCE, progress=progress, stage="read references"
    ):
        if document.path not in seen:
            references.append(document)
            yield document


def _keep_bulk_work(comparison: Comparison, prepared: list[Fingerprinted], submissions: int) -> None:
    """Each text's normalized stream and each submission's fingerprints,
    from the fingerprint stage, for the compare workers."""
    for p in prepared:
        if p.normalized is not None:
            comparison.normalized[p.document.identity] = p.normalized
    comparison.fingerprints.update((p.document.path, p.fingerprints) for p in prepared[:submissions])


def _relations(
    results: list[DocumentResult],
    submissions: list[Document],
    references: list[Document],
    comparison: Comparison,
    errors: list[InputError],
    params: AuditParams,
    progress: Progress,
) -> AuditResult:
    """Families, clusters and who-copied-whom over the compared corpus."""
    documents = {d.path: d for d in [*submissions, *references]}
    extra = source_documents(results, comparison.view)
    documents.update((path, doc) for path, doc in extra.items() if path not in documents)
    families = find_families(results, documents, params.min_family_docs, pool_map(params.workers))
    progress("families", 1, 1)
    return AuditResult(
        results=results,
        references=sorted(d.path for d in references),
        families=families,
        clusters=find_clusters(results, params.cluster_similarity),
        edges=copy_edges(results, documents),
        errors=errors,
        documents=documents,
    )


__all__ = [
    "SUBMISSION",
    "AuditParams",
    "AuditResult",
    "audit_streaming",
    "gathered",
    "run_audit",
    "run_audit_in_memory",
]
