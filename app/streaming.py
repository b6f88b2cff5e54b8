"""The local engine's audit in bounded memory: every stage streams, spilling to a work folder.

Stages, each holding at most a batch of documents in memory:

1. **read + fingerprint**: the files are listed here (:class:`ReadPlan`)
   and read, normalized and fingerprinted in a pool of workers, a batch at
   a time (:func:`read_batch`); each batch's texts, normalized
   streams and postings go to the run's on-disk corpus
   (:class:`~index.disk.DiskIndexWriter`), postings by key range;
2. **corpus on disk**: each key range's postings sorted, the arrays mapped
   (:class:`~index.disk.DiskIndex`, the in-memory corpus's answers);
3. **compare**: workers take batches of submissions, compare each with
   :func:`~detector.compare.compare_document` against the view of the disk
   corpus (and ``--index``) and append the results to files of their own
   (:class:`~app.spill.ResultSpill`);
4. **relations**: the results' copy views (their copy matches, sources and
   ``copied_by``, stored after each result) are read back one at a time, in
   path order, into the families', clusters' and edges' builders, which keep
   only copied ranges and shares.

This process keeps each document's header (path, hashes, metadata), where
each result lies, and what the relations keep; a result or a text is read
from the work folder when asked for.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.compare import compiled_seeding
from app.spill import ResultSpill, SpillComparison, compare_batch
from app.workers import WorkerPool, batched, cpu_count, ordered_in_pool, pool_map
from corpus.discover import discover_files
from corpus.document import REFERENCE, SUBMISSION, Document
from corpus.errors import ChachongError, InputError
from corpus.formats.bounded import reading_session
from corpus.metadata import manifests_cached
from corpus.progress import Progress
from corpus.read import display_path, parsed_under_budget, read_or_error
from detector.compare import DetectorParams
from detector.families import Family, FamilyBuilder
from detector.model import DocumentResult
from detector.relations import Cluster, CopyEdge, EdgeBuilder, PairShares, clusters_of
from index.corpus import Fingerprinted
from index.disk import DiskIndex, DiskIndexWriter, PreparedBatch, prepare_batch
from index.fingerprint import FingerprintParams, fingerprint_many, load_kernels
from index.sqlite import IndexStore
from index.view import CorpusView

READ_BATCH = 256  # files read, normalized and fingerprinted in one pass
ROLES = (SUBMISSION, REFERENCE)  # read in this order: submissions take the first ids
READ_STAGES = {SUBMISSION: "read submissions", REFERENCE: "read references"}
COMPARE_BATCH = 16  # submissions a worker takes at a time
TEXT_CACHE_CHARS = 32_000_000  # texts a process keeps for the families (about 64 MB of Chinese text)


def work_folder(workdir: Path | None) -> Path:
    """A new folder for one run's spill files (in ``workdir``, else the system's temporary folder)."""
    try:
        if workdir is not None:
            Path(workdir).mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="chachong-audit-", dir=workdir))
    except OSError as err:
        raise ChachongError(
            f"cannot make the audit's work folder in {workdir or tempfile.gettempdir()}: {err}"
        ) from err


@dataclass
class ReadPlan:
    """What an audit reads, found before any file is read: each role's files
    (a reference already given as a submission left out) and, per role, the
    given paths that are not there."""

    files: dict[str, list[Path]]
    missing: dict[str, list[InputError]]

    @classmethod
    def of(cls, submission_paths: Iterable[str | Path], reference_paths: Iterable[str | Path]) -> ReadPlan:
        submissions, missing_submissions = discover_files(submission_paths)
        references, missing_references = discover_files(reference_paths)
        shown = {display_path(f) for f in submissions}
        return cls(
            {SUBMISSION: submissions, REFERENCE: [f for f in references if display_path(f) not in shown]},
            {SUBMISSION: missing_submissions, REFERENCE: missing_references},
        )


@dataclass
class ReadOutcome:
    """The documents read, by role (their paths, in the corpus's order), and every input error in order."""

    paths: dict[str, list[str]]
    errors: list[InputError]


@dataclass(frozen=True)
class FileBatch:
    """Files of one role to read in a worker; those at the positions of
    ``parsed`` were read here already (:func:`~corpus.read.parsed_under_budget`)."""

    role: str
    files: list[Path]
    parsed: dict[int, Document | InputError]


@dataclass
class ReadBatch:
    """A batch read and fingerprinted: its role, how many files it had, what the corpus stores, the errors."""

    role: str
    files: int
    prepared: PreparedBatch
    errors: list[InputError]


def file_batches(plan: ReadPlan, max_bytes: int) -> Iterator[FileBatch]:
    """The plan's files in batches, submissions first; a file whose parser
    runs under a budget is read here (one parser worker for the whole run),
    while the pool reads and fingerprints the batches before."""
    with reading_session(), manifests_cached():
        for role in ROLES:
            for files in batched(plan.files[role], READ_BATCH):
                parsed = {
                    i: read_or_error(path, max_bytes=max_bytes, role=role)
                    for i, path in enumerate(files)
                    if parsed_under_budget(path)
                }
                yield FileBatch(role, files, parsed)


def read_batch(batch: FileBatch, params: FingerprintParams, max_bytes: int) -> ReadBatch:
    """In a worker: the batch's files read (but those read already), normalized and fingerprinted."""
    documents: list[Document] = []
    errors: list[InputError] = []
    with manifests_cached():
        for i, path in enumerate(batch.files):
            found = batch.parsed[i] if i in batch.parsed else read_or_error(path, max_bytes=max_bytes, role=batch.role)
            if isinstance(found, InputError):
                errors.append(found)
            else:
                documents.append(found)
    return ReadBatch(batch.role, len(batch.files), prepare_batch(documents, params), errors)


def spill_corpus(
    plan: ReadPlan, folder: Path, params: FingerprintParams, max_bytes: int, workers: int, progress: Progress
) -> tuple[DiskIndex, ReadOutcome]:
    """Stages 1 and 2: every file read, normalized and fingerprinted in the
    workers a batch at a time (this process lists the files, reads those
    parsed under a budget and writes what comes back, in order), then the
    disk corpus finished."""
    writer = DiskIndexWriter(folder, params)
    work = functools.partial(read_batch, params=params, max_bytes=max_bytes)
    outcome = ReadOutcome({role: [] for role in ROLES}, [])
    read_errors: dict[str, list[InputError]] = {role: [] for role in ROLES}
    done = dict.fromkeys(ROLES, 0)
    batches = file_batches(plan, max_bytes)
    for read in ordered_in_pool(work, batches, workers=workers, before_fork=functools.partial(load_kernels, params)):
        writer.add(read.prepared)
        outcome.paths[read.role] += [header.path for header in read.prepared.headers]
        read_errors[read.role] += read.errors
        done[read.role] += read.files
        progress(READ_STAGES[read.role], done[read.role], len(plan.files[read.role]))
    outcome.errors = [error for role in ROLES for error in (*plan.missing[role], *read_errors[role])]
    disk = writer.finish(pool_map(workers, chunksize=1))
    progress("corpus on disk", 1, 1)
    return disk, outcome


def add_submissions(index: IndexStore, disk: DiskIndex, submissions: int) -> None:
    """The submissions whose content the persistent index does not hold yet, added to it (one transaction)."""
    new = [i for i in range(submissions) if index.known_hash(disk.documents[i]) != disk.documents[i].sha256]

    def prepared() -> Iterator[Fingerprinted]:
        for ids in batched(new, READ_BATCH):
            read = [disk.text_and_normalized(i) for i in ids]
            documents = [disk.document(i) for i in ids]
            for document, fp in zip(documents, fingerprint_many([n.text for _, n in read], disk.params)):
                yield Fingerprinted(document, fp)

    index.add(prepared())


def compare_spilled(comparison: SpillComparison, submissions: int, workers: int, progress: Progress) -> ResultSpill:
    """Stage 3: every submission compared in forked workers, each result spilled."""
    disk = comparison.disk
    if disk is None or comparison.spill is None:
        raise ChachongError("a spilled comparison without its corpus")
    load_kernels(disk.params)
    comparison.view.document_frequencies(np.zeros(0, dtype=np.int64))  # the sample and its table, once, before any fork
    disk.ranks()  # and the order of the candidates' precedence and identities
    count = cpu_count(workers) if comparison.shareable() else 1
    batches = list(batched(range(submissions), COMPARE_BATCH))
    done = 0
    with compiled_seeding(True):
        pool = WorkerPool(compare_batch, comparison, workers=count, min_items=2)
        for located in pool.map(iter(batches), len(batches), chunksize=1):
            for doc_id, *where in located:
                comparison.spill.locate(doc_id, *where)
            done += len(located)
            progress("compare", done, submissions)
    return comparison.spill


class RunDocuments(Mapping[str, Document]):
    """The documents a run's results name, by path: the disk corpus's, then
    the other stores' (found through the view). With ``texts=False`` a disk
    document comes without its text (what edges need: metadata and role)."""

    def __init__(self, disk: DiskIndex, view: CorpusView, *, texts: bool) -> None:
        self.disk, self.view, self.texts = disk, view, texts
        self._found: dict[str, Document | None] = {}
        self._recent: OrderedDict[int, str] = OrderedDict()  # texts read last, TEXT_CACHE_CHARS in all at most
        self._recent_chars = 0

    def __getitem__(self, path: str) -> Document:
        doc_id = self.disk.document_id(path)
        if doc_id is not None:
            header = self.disk.documents[doc_id]
            return header.with_text(self._text(doc_id)) if self.texts else header
        if path not in self._found:
            self._found[path] = self.view.find(path)
        found = self._found[path]
        if found is None:
            raise KeyError(path)
        return found

    def _text(self, doc_id: int) -> str:
        """A disk document's text; the texts read last are kept, since a
        document is a member of many families and each reads its members."""
        text = self._recent.get(doc_id)
        if text is not None:
            self._recent.move_to_end(doc_id)
            return text
        text = self.disk.text(doc_id)
        self._recent[doc_id] = text
        self._recent_chars += len(text)
        while self._recent_chars > TEXT_CACHE_CHARS and len(self._recent) > 1:
            self._recent_chars -= len(self._recent.popitem(last=False)[1])
        return text

    def __iter__(self) -> Iterator[str]:
        return iter(d.path for d in self.disk.documents)

    def __len__(self) -> int:
        return len(self.disk.documents)


@dataclass
class Relations:
    families: list[Family] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    edges: list[CopyEdge] = field(default_factory=list)


def relations(
    results: Iterable[DocumentResult],
    total: int,
    documents: Mapping[str, Document],
    headers: Mapping[str, Document],
    min_family_docs: int,
    cluster_similarity: float,
    progress: Progress,
    workers: int = 0,
) -> Relations:
    """Stage 4: families, clusters and who copied whom, the results streamed
    through once (in path order); the families' diffs in ``workers`` forked
    processes (they read the corpus' texts from its files)."""
    families, shares, edges = FamilyBuilder(), PairShares(cluster_similarity), EdgeBuilder(headers)
    for done, result in enumerate(results, 1):
        families.add(result)
        shares.add(result)
        edges.add(result)
        if done % 256 == 0 or done == total:
            progress("relations", done, total)
    found = Relations(families=families.families(documents, min_family_docs, pool_map(workers)))
    progress("families", 1, 1)
    found.clusters = clusters_of(shares.pairs(), cluster_similarity)
    found.edges = edges.edges()
    progress("clusters+edges", 1, 1)
    return found


@dataclass
class StreamingAudit:
    """An audit whose corpus and results are in its work ``folder``; close it to remove them."""

    folder: Path
    disk: DiskIndex
    view: CorpusView
    spill: ResultSpill
    submissions: int
    errors: list[InputError]
    references: list[str]
    detector: DetectorParams
    found: Relations = field(default_factory=Relations)

    @property
    def families(self) -> list[Family]:
        return self.found.families

    @property
    def clusters(self) -> list[Cluster]:
        return self.found.clusters

    @property
    def edges(self) -> list[CopyEdge]:
        return self.found.edges

    def order(self) -> list[int]:
        """The submissions' ids in path order (the order of every report)."""
        return sorted(range(self.submissions), key=lambda i: self.disk.documents[i].path)

    def results(self, *, copy_views: bool = False) -> Iterator[DocumentResult]:
        """Every submission's result, in path order, read from the work
        folder (with ``copy_views``, as its copy view: what relations read)."""
        read = self.spill.read_copy_view if copy_views else self.spill.read
        for doc_id in self.order():
            yield read(doc_id)

    def documents(self, *, texts: bool = True) -> RunDocuments:
        return RunDocuments(self.disk, self.view, texts=texts)

    def summary(self) -> dict[str, int]:
        return {
            "documents": self.submissions,
            "references": len(self.references),
            "errors": len(self.errors),
            "copy_matches": sum(len(r.copies) for r in self.results(copy_views=True)),
            "families": len(self.families),
            "clusters": len(self.clusters),
            "edges": len(self.edges),
        }

    def close(self) -> None:
        self.spill.close()
        self.disk.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> StreamingAudit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
