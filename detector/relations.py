"""Relations between documents: near-duplicate clusters and who copied from whom."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from corpus.document import DocMeta, Document
from detector.families import is_fanwen
from detector.model import DocumentResult
from detector.scoring import coverage


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


def pair_similarity(results: list[DocumentResult]) -> dict[tuple[str, str], float]:
    """For each pair of documents: the smaller of the two shares each has in
    common with the other (1.0 = the same document), whichever way the text
    went (a source lists its later copier under ``copied_by``)."""
    share: dict[tuple[str, str], float] = {}
    for result in results:
        for source in (*result.sources, *result.copied_by):
            share[(result.path, source.source)] = max(source.share, share.get((result.path, source.source), 0.0))
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


def copy_edges(results: list[DocumentResult], documents: Mapping[str, Document]) -> list[CopyEdge]:
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
            ma, mb = _meta(documents, a), _meta(documents, b)
            from_fanwen = is_fanwen(b, documents)
            relation = "范文" if from_fanwen else _relation(ma, mb)
            copier, origin, directed = a, b, from_fanwen
            if not from_fanwen and _shared_with_a_fanwen(result, b, documents):
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


def _shared_with_a_fanwen(result: DocumentResult, source: str, documents: Mapping[str, Document]) -> bool:
    """Whether nine tenths of what ``result`` copies from ``source`` it also
    has in common with a 范文."""
    copies = list(result.copies)
    templates = [m for m in copies if m.source != source and is_fanwen(m.source, documents)]
    if not templates:
        return False
    shared = coverage(result.chars, (m for m in copies if m.source == source))
    total = int(shared.sum())
    return total > 0 and int((shared & coverage(result.chars, templates)).sum()) >= 0.9 * total


def _meta(documents: Mapping[str, Document], path: str) -> DocMeta:
    known = documents.get(path)
    return known.meta if known is not None else DocMeta()


def _relation(a: DocMeta, b: DocMeta) -> str:
    if a.unit and b.unit:
        return "跨时抄" if a.unit == b.unit else "跨地抄"
    return "未知"
