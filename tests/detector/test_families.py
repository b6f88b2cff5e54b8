"""Families are the connected components of copied ranges, whatever computes them."""

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from detector.families import FamilyBuilder
from detector.model import COPY, STOCK, Match

DOCS = [f"d{i}.txt" for i in range(6)]


def _reference_groups(results, min_docs):
    """The definition, pair by pair: a match links its two ranges, two ranges
    of one document are linked when their overlap is at least half the
    shorter; each component keeps one union span per document."""
    nodes = []
    for result in results:
        for m in result.matches:
            if m.kind == COPY:
                nodes += [(result.path, m.start, m.end), (m.source, m.source_start, m.source_end)]
    parent = list(range(len(nodes)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i, j):
        parent[root(i)] = root(j)

    for i in range(0, len(nodes), 2):
        join(i, i + 1)
    for i, (d0, s0, e0) in enumerate(nodes):
        for j, (d1, s1, e1) in enumerate(nodes):
            if i < j and d0 == d1 and min(e0, e1) - max(s0, s1) >= 0.5 * min(e0 - s0, e1 - s1) and s1 < e0 and s0 < e1:
                join(i, j)
    groups = {}
    for i, (doc, start, end) in enumerate(nodes):
        spans = groups.setdefault(root(i), {})
        lo, hi = spans.get(doc, (start, end))
        spans[doc] = (min(lo, start), max(hi, end))
    found = [sorted((doc, lo, hi) for doc, (lo, hi) in spans.items()) for spans in groups.values()]
    return sorted(members for members in found if len(members) >= min_docs)


_ranges = st.tuples(st.integers(0, 300), st.integers(1, 120))
_matches = st.lists(
    st.tuples(st.sampled_from(DOCS), _ranges, st.sampled_from(DOCS), _ranges, st.sampled_from([COPY, COPY, STOCK])),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(matches=_matches, min_docs=st.integers(1, 4))
def test_families_are_the_components_of_copied_ranges(matches, min_docs):
    """Any set of copy and stock matches (overlapping, nested, touching, in
    any document order): the builder's families are the reference's, and
    none below ``min_docs`` documents (none at all when no component reaches
    it) is listed."""
    results = {}
    for own, (start, length), source, (source_start, source_length), kind in matches:
        match = Match(start, start + length, source, source_start, source_start + source_length, 0.9, kind)
        results.setdefault(own, []).append(match)
    listed = [SimpleNamespace(path=path, matches=found) for path, found in sorted(results.items())]
    builder = FamilyBuilder()
    for result in listed:
        builder.add(result)
    assert sorted(builder.member_groups(min_docs)) == _reference_groups(listed, min_docs)
