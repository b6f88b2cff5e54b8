"""Relations between documents: near-duplicate clusters and who copied from whom."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from corpus.document import DocMeta, Document
from detector.families import is_fanwen
from detector.model import DocumentResult, Match
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


class PairShares:
    """The shares :func:`pair_similarity` pairs, from results added one at a time."""

    def __init__(self, at_least: float = 0.0) -> None:
        self.at_least = at_least
        self._share: dict[tuple[str, str], float] = {}

    def add(self, result: DocumentResult) -> None:
        for source in (*result.sources, *result.copied_by):
            if source.share >= self.at_least:
                key = (result.path, source.source)
                self._share[key] = max(source.share, self._share.get(key, 0.0))

    def pairs(self) -> dict[tuple[str, str], float]:
        share = self._share
        return {(a, b): min(s, share[(b, a)]) for (a, b), s in share.items() if (b, a) in share and a < b}


def pair_similarity(results: Iterable[DocumentResult], at_least: float = 0.0) -> dict[tuple[str, str], float]:
    """For each pair of documents: the smaller of the two shares each has in
    common with the other (1.0 = the same document), whichever way the text
    went (a source lists its later copier under ``copied_by``). With
    ``at_least``, only the pairs that reach it (each share must), keeping
    only those shares: what a corpus of any size can hold."""
    shares = PairShares(at_least)
    for result in results:
        shares.add(result)
    return shares.pairs()


def find_clusters(results: Iterable[DocumentResult], min_similarity: float) -> list[Cluster]:
    """Near-duplicate documents grouped by DBSCAN over pairwise similarity."""
    return clusters_of(pair_similarity(results, min_similarity), min_similarity)


def clusters_of(similarities: dict[tuple[str, str], float], min_similarity: float) -> list[Cluster]:
    """DBSCAN over the pairs of :func:`pair_similarity` that reach ``min_similarity``."""
    pairs = {k: v for k, v in similarities.items() if v >= min_similarity}
    if not pairs:
        return []
    from scipy.sparse import coo_matrix
    from sklearn.cluster import DBSCAN

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


def copy_edges(results: Iterable[DocumentResult], documents: Mapping[str, Document]) -> list[CopyEdge]:
    """One edge per (submission, source) with copying, directed where dates allow.

    Between two submissions the later one is taken as the copier; a 范文 (a
    reference, or an indexed page with no year or date) is always the source.
    Same unit, other year is 跨时抄 (self-reuse); another unit is 跨地抄. Two
    submissions whose shared text is a 范文's too are 同源范文 and undirected:
    each took it from the template, neither from the other.
    """
    builder = EdgeBuilder(documents)
    for result in results:
        builder.add(result)
    return builder.edges()


class EdgeBuilder:
    """:func:`copy_edges` over results added one at a time (in the same
    order: of two edges with as many characters the first stays)."""

    def __init__(self, documents: Mapping[str, Document]) -> None:
        self.documents = documents
        # key -> (copied chars, relation, directed, (copier, origin) whose share the edge reports)
        self._edges: dict[tuple[str, str], tuple[int, str, bool, tuple[str, str]]] = {}
        self._shares: dict[tuple[str, str], float] = {}

    def add(self, result: DocumentResult) -> None:
        documents = self.documents
        copies = result.copies
        named = {m.source for m in copies} | {s.source for s in result.sources}
        fanwen = {path for path in named if is_fanwen(path, documents)}
        for source in result.sources:
            a, b = result.path, source.source
            self._shares[(a, b)] = source.share
            ma, mb = _meta(documents, a), _meta(documents, b)
            from_fanwen = b in fanwen
            relation = "范文" if from_fanwen else _relation(ma, mb)
            copier, origin, directed = a, b, from_fanwen
            if not from_fanwen and fanwen and _shared_with_a_fanwen(result.chars, copies, b, fanwen):
                relation = "同源范文"
            else:
                ta, tb = _when(ma), _when(mb)
                if not directed and ta and tb and ta != tb:
                    directed = True
                    copier, origin = (a, b) if ta > tb else (b, a)
            key = (copier, origin) if directed else (min(a, b), max(a, b))
            if key in self._edges and self._edges[key][0] >= source.copied_chars:
                continue
            self._edges[key] = (source.copied_chars, relation, directed, (copier, origin))

    def edges(self) -> list[CopyEdge]:
        edges = [
            CopyEdge(a, b, chars, self._shares.get(pair, 0.0), relation, directed)
            for (a, b), (chars, relation, directed, pair) in self._edges.items()
        ]
        return sorted(edges, key=lambda e: (-e.copied_chars, e.copier, e.source))


def _shared_with_a_fanwen(chars: int, copies: Sequence[Match], source: str, fanwen: set[str]) -> bool:
    """Whether nine tenths of what a document of ``chars`` characters copies
    from ``source`` (of its ``copies``) it also has in common with a 范文 (one
    of ``fanwen``)."""
    templates = [m for m in copies if m.source != source and m.source in fanwen]
    if not templates:
        return False
    shared = coverage(chars, (m for m in copies if m.source == source))
    total = int(shared.sum())
    return total > 0 and int((shared & coverage(chars, templates)).sum()) >= 0.9 * total


def _meta(documents: Mapping[str, Document], path: str) -> DocMeta:
    known = documents.get(path)
    return known.meta if known is not None else DocMeta()


def _relation(a: DocMeta, b: DocMeta) -> str:
    if a.unit and b.unit:
        return "跨时抄" if a.unit == b.unit else "跨地抄"
    return "未知"
