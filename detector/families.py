"""Boilerplate families: one passage that recurs across documents.

Families are connected components of copied passages: two passages are
joined when an alignment links them or when they overlap in one document, so
a 范文 paragraph that ten units pasted (each with its own swaps) is one
family. A family needs ``min_docs`` documents.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial

import numpy as np

from corpus.document import INDEXED, DocMeta, Document
from detector.diff import Edit, load_tagger, passage_swaps
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


Members = list[tuple[str, int, int]]  # a family's (document, start, end), one range per document, sorted
#: ``map`` or a pool's: (make a family, each family's members) -> the families
Mapper = Callable[[Callable[[Members], Family], Iterable[Members]], Iterable[Family]]


class FamilyBuilder:
    """Families from results added one at a time (in the order a list of
    results would be passed to :func:`find_families`): only their copied
    ranges are kept, in arrays, so a corpus of any size can stream through."""

    def __init__(self) -> None:
        self._names: dict[str, int] = {}
        self._nodes = array("q")  # (document, start, end) of every copied range, flat

    def add(self, result: DocumentResult) -> None:
        """The copied range on either side of each copy match of ``result``; each match links its two."""
        own = self._name(result.path)
        for match in result.matches:
            if match.kind != COPY:
                continue
            self._nodes.extend((own, match.start, match.end, self._name(match.source), match.source_start))
            self._nodes.append(match.source_end)

    def _name(self, path: str) -> int:
        found = self._names.get(path)
        if found is None:
            found = self._names[path] = len(self._names)
        return found

    def families(self, documents: Mapping[str, Document], min_docs: int = 3, mapper: Mapper = map) -> list[Family]:
        """Passages that recur in ``min_docs`` or more documents, joined
        through alignments and overlaps (connected components). ``mapper``
        makes the families (their members' diffs are most of the work): a
        pool's map spreads them over processes."""
        groups = list(self.member_groups(min_docs))
        if groups:
            load_tagger()  # before a pool forks: its workers share the dictionary instead of each loading it
        made = mapper(partial(make_family, documents=documents), groups)
        families = sorted(made, key=family_order)
        return [numbered(f, i) for i, f in enumerate(families, 1)]

    def member_groups(self, min_docs: int) -> Iterator[Members]:
        """Each family's members (one range per document, sorted), families of ``min_docs`` documents or more."""
        nodes = np.frombuffer(self._nodes, dtype=np.int64).reshape(-1, 3) if self._nodes else np.zeros((0, 3), np.int64)
        if not len(nodes):
            return
        names = list(self._names)
        pairs = np.arange(0, len(nodes) - 1, 2, dtype=np.int64)
        overlaps = overlap_links(nodes)
        rows, cols = np.r_[pairs, overlaps[:, 0]], np.r_[pairs + 1, overlaps[:, 1]]
        family, doc, start, end = _union_spans(_component_labels(len(nodes), rows, cols), nodes, len(names))
        docs = np.bincount(family)
        kept = docs[family] >= min_docs
        family, doc, start, end = family[kept], doc[kept], start[kept], end[kept]
        if not len(family):
            return
        name_rank = np.argsort(np.argsort(np.array(names, dtype=object)))
        order = np.lexsort((end, start, name_rank[doc], family))  # families in label order, members by name
        family, doc, start, end = family[order], doc[order], start[order], end[order]
        bounds = np.flatnonzero(np.r_[True, family[1:] != family[:-1], True])
        members = list(zip(doc.tolist(), start.tolist(), end.tolist()))
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            yield [(names[d], s, e) for d, s, e in members[lo:hi]]


def _union_spans(labels: np.ndarray, nodes: np.ndarray, documents: int) -> tuple[np.ndarray, ...]:
    """One range per (component, document): the union span of its ranges
    there. Returns (component, document, start, end) arrays."""
    keys = labels.astype(np.int64) * documents + nodes[:, 0]
    order = np.lexsort((nodes[:, 1], keys))
    keys = keys[order]
    firsts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    start = nodes[order, 1][firsts]  # lowest start of the group
    end = np.maximum.reduceat(nodes[order, 2], firsts)
    return keys[firsts] // documents, keys[firsts] % documents, start, end


def overlap_links(nodes: np.ndarray) -> np.ndarray:
    """Links between ranges of one document that mostly overlap (the same
    passage): an (n, 2) array of row pairs of ``nodes``, which holds a
    (document id, start, end) row per range. Two ranges are linked when
    their overlap is at least half the shorter one."""
    if not len(nodes):
        return np.zeros((0, 2), dtype=np.int64)
    nodes = np.asarray(nodes, dtype=np.int64)
    order = np.lexsort((nodes[:, 1], nodes[:, 0]))  # by document, then start (stable: node order among equals)
    doc, start, end = (nodes[order, c] for c in range(3))
    span = int(max(end.max(), start.max())) + 1
    placed = doc * span + start  # ascending
    upto = np.searchsorted(placed, doc * span + end, side="left")  # later ranges starting before this one ends
    counts = np.maximum(upto - np.arange(len(order)) - 1, 0)
    first = np.repeat(np.arange(len(order)), counts)
    second = first + 1 + np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    s0, e0, s1, e1 = start[first], end[first], start[second], end[second]
    linked = 2 * (np.minimum(e0, e1) - s1) >= np.minimum(e0 - s0, e1 - s1)
    return np.column_stack([order[first[linked]], order[second[linked]]])


def find_families(
    results: Iterable[DocumentResult], documents: Mapping[str, Document], min_docs: int = 3, mapper: Mapper = map
) -> list[Family]:
    """Passages that recur in ``min_docs`` or more documents, joined through
    alignments and overlaps (connected components of the passage graph)."""
    builder = FamilyBuilder()
    for result in results:
        builder.add(result)
    return builder.families(documents, min_docs, mapper)


def family_order(family: Family) -> tuple[int, str, int]:
    """How families are listed: the largest first, then by their first member."""
    return (-len(family.members), family.members[0].path, family.members[0].start)


def numbered(family: Family, number: int) -> Family:
    """The family with its id (F001, F002, … in :func:`family_order`)."""
    f = family
    return Family(f"F{number:03d}", f.text, f.representative, f.members, f.units, f.origin, f.origin_reason)


Span = Callable[[str, int, int], str]  # (document, start, end) -> that part of its text


def make_family(
    members: list[tuple[str, int, int]], documents: Mapping[str, Document], span: Span | None = None
) -> Family:
    """A family of ``members`` (one range per document, sorted). ``span``
    gives the members' text when ``documents`` do not hold it (a distributed
    run ships each member's range, not every whole text)."""
    documents = {doc: documents.get(doc) for doc, _, _ in members}  # each read once (a spilled corpus decodes)
    documents = {doc: known for doc, known in documents.items() if known is not None}
    span = span or (lambda doc, start, end: _text(documents, doc)[start:end])
    origin, reason = family_origin(members, documents)
    rep = origin or max(members, key=lambda m: (m[2] - m[1], m[0]))[0]
    rep_doc, rep_start, rep_end = next(m for m in members if m[0] == rep)
    rep_text = span(rep_doc, rep_start, rep_end)
    out = []
    swaps: dict[str, tuple[tuple[Edit, ...], float, bool]] = {rep_text: ((), 1.0, False)}
    for doc, start, end in members:
        known = documents.get(doc)
        meta = known.meta if known is not None else DocMeta()
        role = known.role if known is not None else INDEXED
        text = rep_text if doc == rep_doc else span(doc, start, end)
        if text not in swaps:  # members pasted alike are diffed once
            swaps[text] = passage_swaps(text, rep_text)
        edits, similarity, rewritten = swaps[text]
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


def _component_labels(count: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The connected component (scipy) of each of ``count`` nodes joined by links ``rows[i]``-``cols[i]``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(count, count))
    return connected_components(graph, directed=False)[1]
