"""Bulk audit: every submission against every other and the reference library.

Stages: read → fingerprint → in-memory corpus → check each submission →
boilerplate families → near-duplicate clusters → who copied from whom. The
all-pairs part stays near-linear: only candidate pairs from LSH buckets and
shared non-stock grams are aligned, never all pairs.

Families are connected components of copied passages: two passages are
joined when an alignment links them or when they overlap in one document, so
a 范文 paragraph that ten units pasted (each with its own swaps) is one
family. A family needs ``min_family_docs`` documents.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus.errors import InputError
from corpus.metadata import DocMeta
from corpus.normalize import Normalized, normalize
from corpus.readers import DecodedDocument
from detector.align import use_compiled
from detector.check import DetectorParams, DocumentResult, check_document, coverage
from detector.pipeline import (
    _BATCH,
    LoadedDocument,
    Progress,
    _batches,
    _no_progress,
    iter_documents,
    prepare_in_pool,
)
from detector.substitutions import substitutions
from index.fingerprint import FingerprintParams, Fingerprints
from index.memory import MemoryIndex
from index.store import IndexStore, PreparedDocument


@dataclass(frozen=True)
class AuditParams:
    detector: DetectorParams = field(default_factory=DetectorParams)
    min_family_docs: int = 3
    cluster_similarity: float = 0.6  # share of both documents covered by each other
    max_bytes: int = 50 * 1024 * 1024
    workers: int = 0  # processes for fingerprinting and comparison; 0 = one per core


@dataclass(frozen=True)
class FamilyMember:
    path: str
    start: int
    end: int
    unit: str | None
    year: int | None
    submitted: str | None
    role: str  # "submission" | "reference"
    edits: tuple[dict[str, str], ...] = ()  # substitutions against the representative


@dataclass(frozen=True)
class Family:
    id: str
    text: str
    representative: str
    members: tuple[FamilyMember, ...]
    units: int
    origin: str | None
    origin_reason: str


@dataclass(frozen=True)
class Cluster:
    id: str
    documents: tuple[str, ...]
    pairs: tuple[tuple[str, str, float], ...]


@dataclass(frozen=True)
class CopyEdge:
    copier: str
    source: str
    copied_chars: int
    share: float
    relation: str  # 跨时抄 (own earlier year) | 跨地抄 (another unit) | 范文 | 同源范文 (both from a 范文) | 未知
    directed: bool  # copier/source decided by dates


@dataclass
class AuditResult:
    results: list[DocumentResult]
    references: list[str]
    families: list[Family]
    clusters: list[Cluster]
    edges: list[CopyEdge]
    errors: list[InputError]
    texts: dict[str, str] = field(default_factory=dict)  # decoded text of every document the report names


def run_audit(
    submission_paths: Sequence[str | Path],
    reference_paths: Sequence[str | Path] = (),
    *,
    index: IndexStore | None = None,
    params: AuditParams = AuditParams(),
    progress: Progress = _no_progress,
) -> AuditResult:
    """Audit a corpus; with ``index``, submissions are added to it and the
    documents already in it serve as further sources."""
    errors: list[InputError] = []
    submissions: list[LoadedDocument] = []
    references: list[LoadedDocument] = []

    def read_all() -> Iterator[tuple[DecodedDocument, DocMeta]]:
        """Submissions, then references not among them; read here while the
        pool fingerprints the previous batch."""
        for doc in iter_documents(
            submission_paths, errors, max_bytes=params.max_bytes, progress=progress, stage="read submissions"
        ):
            submissions.append(doc)
            yield doc.decoded, doc.meta
        seen = {s.decoded.path for s in submissions}
        for doc in iter_documents(
            reference_paths, errors, max_bytes=params.max_bytes, progress=progress, stage="read references"
        ):
            if doc.decoded.path not in seen:
                references.append(doc)
                yield doc.decoded, doc.meta

    fp_params = index.params if index is not None else FingerprintParams()
    with Workers(params.workers) as workers:
        prepared: list[PreparedDocument] = []
        for batch in prepare_in_pool(
            _batches(read_all(), _BATCH), fp_params, workers=workers.count, gram_set=True, keep_normalized=True
        ):
            prepared.extend(batch)
            progress("fingerprint", len(prepared), len(prepared))
        everything = submissions + references
        corpus = MemoryIndex.build(prepared, fp_params)
        progress("in-memory corpus", 1, 1)
        for p in prepared:  # forked compare workers inherit these instead of computing them again
            _NORMALIZED[p.decoded.path] = p.normalized
        _FINGERPRINTS.update((p.decoded.path, p.fingerprints) for p in prepared[: len(submissions)])
        del prepared[len(submissions) :]  # references are in the corpus; only submissions may go to the index
        stores: list = [corpus]
        if index is not None:
            index.add(p for p in prepared if index.known_hash(p.decoded.path) != p.decoded.sha256)
            stores.append(index)
        del prepared
        results = workers.compare(submissions, stores, params.detector, progress)
    results.sort(key=lambda r: r.path)
    texts = {d.decoded.path: d.decoded.text for d in everything}
    metas = {d.decoded.path: d.meta for d in everything}
    for store in stores[1:]:
        _add_index_sources(store, results, texts, metas)
    roles = {d.decoded.path: "submission" for d in submissions} | {d.decoded.path: "reference" for d in references}
    families = find_families(results, texts, metas, roles, params.min_family_docs)
    progress("families", 1, 1)
    return AuditResult(
        results=results,
        references=sorted(d.decoded.path for d in references),
        families=families,
        clusters=find_clusters(results, params.cluster_similarity),
        edges=copy_edges(results, metas, roles),
        errors=errors,
        texts=texts,
    )


# -- parallel stages ------------------------------------------------------------------

_STATE: dict[str, object] = {}  # what forked compare workers inherit


def _compare_one(i: int) -> DocumentResult:
    """Check submission ``i`` in a forked worker against the inherited corpus."""
    doc = _STATE["submissions"][i]  # type: ignore[index]
    return check_document(
        doc.decoded,
        doc.meta,
        _STATE["stores"],
        _STATE["params"],
        normalizer=_cached_normalize,  # type: ignore[arg-type]
        fingerprints=_FINGERPRINTS.get(doc.decoded.path),
    )


_NORMALIZED: dict[str, Normalized] = {}
_FINGERPRINTS: dict[str, Fingerprints] = {}  # of each submission, from the fingerprint stage


def _cached_normalize(path: str, text: str) -> Normalized:
    """Each document is normalized once per process, however many pairs it is in."""
    found = _NORMALIZED.get(path)
    if found is None:
        found = _NORMALIZED[path] = normalize(text)
    return found


class Workers:
    """Both cores for comparison: forked workers that share the in-memory
    corpus copy-on-write (fingerprinting has its own pool,
    :func:`detector.pipeline.prepare_in_pool`). Entering loads the compiled
    seeding before any fork. ``workers=1`` runs everything in this process."""

    def __init__(self, workers: int) -> None:
        self.count = workers or os.cpu_count() or 1
        self.fork = "fork" in multiprocessing.get_all_start_methods()

    def __enter__(self) -> Workers:
        use_compiled(True)  # loaded here, before any fork, so workers inherit the compiled code
        return self

    def __exit__(self, *exc: object) -> None:
        use_compiled(False)
        _STATE.clear()
        _NORMALIZED.clear()
        _FINGERPRINTS.clear()

    def compare(
        self,
        submissions: list[LoadedDocument],
        stores: list,
        params: DetectorParams,
        progress: Progress,
        stage: str = "compare",
    ) -> list[DocumentResult]:
        _STATE.update(submissions=submissions, stores=stores, params=params)
        parallel = self.count > 1 and self.fork and len(submissions) > 16 and all(map(_shareable, stores))
        results: list[DocumentResult] = []
        if not parallel:
            for i in range(len(submissions)):
                results.append(_compare_one(i))
                progress(stage, len(results), len(submissions))
            return results
        context = multiprocessing.get_context("fork")
        with context.Pool(self.count, initializer=_reopen_index_stores) as pool:
            for result in pool.imap(_compare_one, range(len(submissions)), chunksize=8):
                results.append(result)
                progress(stage, len(results), len(submissions))
        return results


def _shareable(store: object) -> bool:
    """A store forked workers can use: in memory, or an index file they open anew."""
    return isinstance(store, MemoryIndex) or isinstance(store, IndexStore) and store.path != ":memory:"


def _reopen_index_stores() -> None:
    """In a forked worker: its own connection to each index file (an SQLite
    connection must not be used across a fork). The inherited ones are kept,
    unused and unclosed, so the parent's stay intact."""
    stores = _STATE["stores"]
    _INHERITED.extend(stores)  # type: ignore[arg-type]
    _STATE["stores"] = [
        IndexStore(s.path, create=False) if isinstance(s, IndexStore) else s
        for s in stores  # type: ignore[union-attr]
    ]


_INHERITED: list[object] = []


def _add_index_sources(
    store: IndexStore, results: list[DocumentResult], texts: dict[str, str], metas: dict[str, DocMeta]
) -> None:
    """Texts and metadata of sources that only the persistent index holds."""
    for result in results:
        for match in result.matches:
            if match.source not in texts:
                doc_id = store.document_id(match.source)
                if doc_id is not None:
                    stored = store.document(doc_id)
                    texts[stored.path], metas[stored.path] = stored.text, stored.meta


# -- families -------------------------------------------------------------------


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _passages(results: list[DocumentResult]) -> tuple[list[tuple[str, int, int]], list[tuple[int, int]]]:
    """Every copied range on either side of a match, and the links between them."""
    nodes: list[tuple[str, int, int]] = []
    links: list[tuple[int, int]] = []
    for result in results:
        for match in result.matches:
            if match.kind != "copy":
                continue
            nodes.append((result.path, match.start, match.end))
            nodes.append((match.source, match.source_start, match.source_end))
            links.append((len(nodes) - 2, len(nodes) - 1))
    return nodes, links


def _join_overlaps(nodes: list[tuple[str, int, int]], uf: _UnionFind) -> None:
    """Join ranges of one document that mostly overlap (the same passage)."""
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i, (doc, _, _) in enumerate(nodes):
        by_doc[doc].append(i)
    for ids in by_doc.values():
        ids.sort(key=lambda i: nodes[i][1])
        for pos, i in enumerate(ids):
            _, s0, e0 = nodes[i]
            for j in ids[pos + 1 :]:
                _, s1, e1 = nodes[j]
                if s1 >= e0:
                    break
                if min(e0, e1) - s1 >= 0.5 * min(e0 - s0, e1 - s1):
                    uf.union(i, j)


def find_families(
    results: list[DocumentResult],
    texts: dict[str, str],
    metas: dict[str, DocMeta],
    roles: dict[str, str],
    min_docs: int = 3,
) -> list[Family]:
    nodes, links = _passages(results)
    uf = _UnionFind()
    for a, b in links:
        uf.union(a, b)
    _join_overlaps(nodes, uf)
    components: dict[int, list[int]] = defaultdict(list)
    for i in range(len(nodes)):
        components[uf.find(i)].append(i)
    families = []
    for ids in components.values():
        members = _family_members(nodes, ids)
        if len({m[0] for m in members}) < min_docs:
            continue
        families.append(_make_family(members, texts, metas, roles))
    families.sort(key=lambda f: (-len(f.members), f.members[0].path, f.members[0].start))
    return [
        Family(f"F{i:03d}", f.text, f.representative, f.members, f.units, f.origin, f.origin_reason)
        for i, f in enumerate(families, 1)
    ]


def _family_members(nodes: list[tuple[str, int, int]], ids: list[int]) -> list[tuple[str, int, int]]:
    """One range per document: the union span of its ranges in the family."""
    spans: dict[str, tuple[int, int]] = {}
    for i in ids:
        doc, start, end = nodes[i]
        lo, hi = spans.get(doc, (start, end))
        spans[doc] = (min(lo, start), max(hi, end))
    return sorted((doc, lo, hi) for doc, (lo, hi) in spans.items())


def _make_family(
    members: list[tuple[str, int, int]], texts: dict[str, str], metas: dict[str, DocMeta], roles: dict[str, str]
) -> Family:
    origin, reason = _origin(members, metas, roles)
    rep = origin or max(members, key=lambda m: (m[2] - m[1], m[0]))[0]
    rep_doc, rep_start, rep_end = next(m for m in members if m[0] == rep)
    rep_text = texts.get(rep_doc, "")[rep_start:rep_end]
    out = []
    for doc, start, end in members:
        meta = metas.get(doc, DocMeta())
        edits = (
            () if doc == rep_doc else tuple(s.as_dict() for s in substitutions(rep_text, texts.get(doc, "")[start:end]))
        )
        out.append(FamilyMember(doc, start, end, meta.unit, meta.year, meta.submitted, roles.get(doc, "index"), edits))
    units = {m.unit or m.path for m in out if m.role != "reference"}
    return Family("", rep_text, rep_doc, tuple(out), len(units), origin, reason)


def _origin(
    members: list[tuple[str, int, int]], metas: dict[str, DocMeta], roles: dict[str, str]
) -> tuple[str | None, str]:
    """The likely origin: the 范文 when one is among the members (units copy
    the templates a reviewer collected, not the other way round), else the
    earliest member by submission date (or year).

    A 范文 is a reference, or an indexed document with no year or date (a
    page from the web, not an earlier year's submission).
    """
    refs = sorted(d for d, _, _ in members if _is_fanwen(d, metas, roles))
    if len(refs) == 1:
        return refs[0], "the only reference (范文) member"
    dated = [(metas[d].submitted, d) for d, _, _ in members if d in metas and metas[d].submitted]
    if dated:
        first = min(dated)
        if sum(1 for date, _ in dated if date == first[0]) == 1:
            return first[1], f"earliest submitted ({first[0]})"
    years = [(metas[d].year, d) for d, _, _ in members if d in metas and metas[d].year]
    if years:
        first_year = min(years)
        if sum(1 for y, _ in years if y == first_year[0]) == 1:
            return first_year[1], f"earliest year ({first_year[0]})"
    return None, "dates unknown"


def _is_fanwen(path: str, metas: dict[str, DocMeta], roles: dict[str, str]) -> bool:
    role = roles.get(path, "index")
    meta = metas.get(path, DocMeta())
    return role == "reference" or role == "index" and not meta.year and not meta.submitted


# -- clusters -----------------------------------------------------------------------


def pair_similarity(results: list[DocumentResult]) -> dict[tuple[str, str], float]:
    """For each pair of documents: the smaller of the two shares each copies
    from the other (1.0 = the same document)."""
    share: dict[tuple[str, str], float] = {}
    for result in results:
        for source in result.sources:
            share[(result.path, source.source)] = source.share
    pairs: dict[tuple[str, str], float] = {}
    for (a, b), s in share.items():
        if (b, a) in share and a < b:
            pairs[(a, b)] = min(s, share[(b, a)])
    return pairs


def find_clusters(results: list[DocumentResult], min_similarity: float) -> list[Cluster]:
    """Near-duplicate documents grouped by DBSCAN over pairwise similarity."""
    from scipy.sparse import coo_matrix
    from sklearn.cluster import DBSCAN

    pairs = {k: v for k, v in pair_similarity(results).items() if v >= min_similarity}
    if not pairs:
        return []
    names = sorted({p for pair in pairs for p in pair})
    pos = {n: i for i, n in enumerate(names)}
    rows, cols, dist = [], [], []
    for (a, b), sim in pairs.items():
        d = max(1e-9, 1.0 - sim)  # explicit zeros would read as "no edge"
        rows += [pos[a], pos[b]]
        cols += [pos[b], pos[a]]
        dist += [d, d]
    matrix = coo_matrix((dist, (rows, cols)), shape=(len(names), len(names))).tocsr()
    labels = DBSCAN(eps=1.0 - min_similarity + 1e-9, min_samples=2, metric="precomputed").fit_predict(matrix)
    groups: dict[int, list[str]] = defaultdict(list)
    for name, label in zip(names, labels):
        if label >= 0:
            groups[int(label)].append(name)
    clusters = []
    for members in sorted(groups.values()):
        inside = tuple(sorted((a, b, round(s, 4)) for (a, b), s in pairs.items() if a in members and b in members))
        clusters.append(Cluster("", tuple(sorted(members)), inside))
    return [Cluster(f"C{i:03d}", c.documents, c.pairs) for i, c in enumerate(clusters, 1)]


# -- who copied from whom ---------------------------------------------------------------


def _when(meta: DocMeta) -> tuple[str, ...] | None:
    if meta.submitted:
        return (meta.submitted,)
    if meta.year:
        return (f"{meta.year:04d}",)
    return None


def copy_edges(results: list[DocumentResult], metas: dict[str, DocMeta], roles: dict[str, str]) -> list[CopyEdge]:
    """One edge per (submission, source) with copying, directed where dates allow.

    Between two submissions the later one is taken as the copier; a 范文 (a
    reference, or an indexed page with no year or date) is always the source.
    Same unit, other year is 跨时抄 (self-reuse); another unit is 跨地抄. Two
    submissions whose shared text is a 范文's too are 同源范文 and undirected:
    each took it from the template, neither from the other.
    """
    edges: dict[tuple[str, str], CopyEdge] = {}
    shares = {(r.path, s.source): s.share for r in results for s in r.sources}
    for result in results:
        for source in result.sources:
            a, b = result.path, source.source
            ma, mb = metas.get(a, DocMeta()), metas.get(b, DocMeta())
            from_fanwen = _is_fanwen(b, metas, roles)
            relation = "范文" if from_fanwen else _relation(ma, mb)
            copier, origin, directed = a, b, from_fanwen
            if not from_fanwen and _shared_with_a_fanwen(result, b, metas, roles):
                relation = "同源范文"
            else:
                ta, tb = _when(ma), _when(mb)
                if not directed and ta and tb and ta != tb:
                    directed = True
                    copier, origin = (a, b) if ta > tb else (b, a)
            key = (copier, origin) if directed else tuple(sorted((a, b)))
            if key in edges and edges[key].copied_chars >= source.copied_chars:
                continue
            share = shares.get((copier, origin), 0.0)
            edges[key] = CopyEdge(key[0], key[1], source.copied_chars, share, relation, directed)
    return sorted(edges.values(), key=lambda e: (-e.copied_chars, e.copier, e.source))


def _shared_with_a_fanwen(result: DocumentResult, source: str, metas: dict[str, DocMeta], roles: dict[str, str]) -> bool:
    """Whether nine tenths of what ``result`` copies from ``source`` it also
    has in common with a 范文."""
    copies = [m for m in result.matches if m.kind == "copy"]
    templates = [m for m in copies if m.source != source and _is_fanwen(m.source, metas, roles)]
    if not templates:
        return False
    shared = coverage(result.chars, (m for m in copies if m.source == source))
    total = int(shared.sum())
    return total > 0 and int((shared & coverage(result.chars, templates)).sum()) >= 0.9 * total


def _relation(a: DocMeta, b: DocMeta) -> str:
    if a.unit and b.unit:
        return "跨时抄" if a.unit == b.unit else "跨地抄"
    return "未知"


def ranking(result: AuditResult) -> list[dict[str, object]]:
    """One row per submission, least original first."""
    rows = []
    for r in result.results:
        rows.append(
            {
                "path": r.path,
                "unit": r.meta.unit,
                "year": r.meta.year,
                "originality": round(r.originality, 4),
                "max_source": r.max_source,
                "max_source_share": round(r.max_source_share, 4),
                "copied_chars": r.copied_chars,
                "sources": len(r.sources),
            }
        )
    rows.sort(key=lambda row: (row["originality"], row["path"]))
    return rows
