"""Boilerplate families: one passage that recurs across documents.

Families are connected components of copied passages: two passages are
joined when an alignment links them or when they overlap in one document, so
a 范文 paragraph that ten units pasted (each with its own swaps) is one
family. A family needs ``min_docs`` documents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from corpus.document import INDEXED, DocMeta, Document
from detector.diff import Edit, compare_passages
from detector.model import COPY, DocumentResult


@dataclass(frozen=True)
class FamilyMember:
    path: str
    start: int
    end: int
    unit: str | None
    year: int | None
    submitted: str | None
    role: str  # "submission" | "reference"
    edits: tuple[Edit, ...] = ()  # swaps against the representative (none when rewritten)
    similarity: float = 1.0  # of its passage to the representative's (folded characters)
    rewritten: bool = False  # rewritten rather than swapped: no edits listed


@dataclass(frozen=True)
class Family:
    id: str
    text: str
    representative: str
    members: tuple[FamilyMember, ...]
    units: int
    origin: str | None
    origin_reason: str


def _passages(results: list[DocumentResult]) -> tuple[list[tuple[str, int, int]], list[tuple[int, int]]]:
    """Every copied range on either side of a match, and the links between them."""
    nodes: list[tuple[str, int, int]] = []
    links: list[tuple[int, int]] = []
    for result in results:
        for match in result.matches:
            if match.kind != COPY:
                continue
            nodes.append((result.path, match.start, match.end))
            nodes.append((match.source, match.source_start, match.source_end))
            links.append((len(nodes) - 2, len(nodes) - 1))
    return nodes, links


def _overlap_links(nodes: list[tuple[str, int, int]]) -> list[tuple[int, int]]:
    """Links between ranges of one document that mostly overlap (the same passage)."""
    links: list[tuple[int, int]] = []
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
                    links.append((i, j))
    return links


def find_families(results: list[DocumentResult], documents: Mapping[str, Document], min_docs: int = 3) -> list[Family]:
    """Passages that recur in ``min_docs`` or more documents, joined through
    alignments and overlaps (connected components of the passage graph)."""
    nodes, links = _passages(results)
    links += _overlap_links(nodes)
    families = []
    for ids in _components(len(nodes), links):
        members = _family_members(nodes, ids)
        if len({m[0] for m in members}) < min_docs:
            continue
        families.append(_make_family(members, documents))
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


def _make_family(members: list[tuple[str, int, int]], documents: Mapping[str, Document]) -> Family:
    origin, reason = family_origin(members, documents)
    rep = origin or max(members, key=lambda m: (m[2] - m[1], m[0]))[0]
    rep_doc, rep_start, rep_end = next(m for m in members if m[0] == rep)
    rep_text = _text(documents, rep_doc)[rep_start:rep_end]
    out = []
    for doc, start, end in members:
        known = documents.get(doc)
        meta = known.meta if known is not None else DocMeta()
        role = known.role if known is not None else INDEXED
        diff = None if doc == rep_doc else compare_passages(_text(documents, doc)[start:end], rep_text)
        edits, similarity, rewritten = (
            (tuple(diff.edits), diff.similarity, diff.rewritten) if diff else ((), 1.0, False)
        )
        member = FamilyMember(doc, start, end, meta.unit, meta.year, meta.submitted, role, edits, similarity, rewritten)
        out.append(member)
    units = {m.unit or m.path for m in out if m.role != "reference"}
    return Family("", rep_text, rep_doc, tuple(out), len(units), origin, reason)


def family_origin(members: list[tuple[str, int, int]], documents: Mapping[str, Document]) -> tuple[str | None, str]:
    """The likely origin: the 范文 when one is among the members (units copy
    the templates a reviewer collected, not the other way round), else the
    earliest member by submission date (or year).

    A 范文 is a reference, or an indexed document with no year or date (a
    page from the web, not an earlier year's submission).
    """
    refs = sorted(d for d, _, _ in members if is_fanwen(d, documents))
    metas = {d: documents[d].meta for d, _, _ in members if d in documents}
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


def is_fanwen(path: str, documents: Mapping[str, Document]) -> bool:
    """A 范文: a reference, or an indexed document with no year or date (a page from the web)."""
    known = documents.get(path)
    return known is None or known.is_fanwen


def _text(documents: Mapping[str, Document], path: str) -> str:
    known = documents.get(path)
    return known.text if known is not None else ""


def _components(count: int, links: list[tuple[int, int]]) -> list[list[int]]:
    """Connected components (scipy) of ``count`` nodes joined by ``links``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if not count:
        return []
    rows = np.array([a for a, _ in links], dtype=np.int64)
    cols = np.array([b for _, b in links], dtype=np.int64)
    graph = coo_matrix((np.ones(len(links), dtype=np.int8), (rows, cols)), shape=(count, count))
    _, labels = connected_components(graph, directed=False)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(labels[order]) != 0, True])
    return [order[bounds[i] : bounds[i + 1]].tolist() for i in range(len(bounds) - 1)]
