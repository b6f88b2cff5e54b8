"""Holder lists asked many at once equal the holders asked one by one."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from index.corpus import SampleMember
from index.sample_index import SampleIndex
from tests.kernels_loaded import kernels_loaded

_GRAMS = st.lists(st.sets(st.integers(-50, 50), max_size=30), min_size=0, max_size=12)


@settings(max_examples=120, deadline=None)
@given(_GRAMS, st.lists(st.integers(-60, 60), max_size=40), st.data())
def test_holder_lists_equal_holders_of_each_gram(members, queries, data):
    size = data.draw(st.integers(max(1, len(members) - 1), 12))  # a sample is size + 1 members at most
    sample = [
        SampleMember(rank, f"doc{rank}", np.array(sorted(grams), dtype=np.int64), rank)
        for rank, grams in enumerate(members)
    ]
    index = SampleIndex(sample, size)
    own = data.draw(st.sampled_from([None, *range(min(size, len(sample)))]))
    pointers, holders = index.holder_lists(np.array(queries, dtype=np.int64), own)
    assert len(pointers) == len(queries) + 1
    for i, gram in enumerate(queries):
        expected = index.holders(gram, own)
        assert holders[pointers[i] : pointers[i + 1]].tolist() == expected.tolist()
        assert len(expected) == index.frequencies(np.array([gram]), own)[0]


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.sets(st.integers(-(2**63), 2**63 - 1) | st.integers(-50, 50), max_size=40), max_size=10),
    st.lists(st.integers(-(2**63), 2**63 - 1) | st.integers(-60, 60), max_size=60),
    st.data(),
)
def test_frequencies_and_holders_are_the_same_with_the_kernels_loaded(members, queries, data):
    """The hash table bulk runs look grams up in answers as bisection does
    (the extremes of the keys' range, absent grams and an empty sample included)."""
    size = data.draw(st.integers(max(1, len(members) - 1), 12))
    sample = [
        SampleMember(rank, f"doc{rank}", np.array(sorted(grams), dtype=np.int64), rank)
        for rank, grams in enumerate(members)
    ]
    queries = np.array(queries + [g for m in members for g in sorted(m)][::3], dtype=np.int64)
    own = data.draw(st.sampled_from([None, *range(min(size, len(sample)))]))
    answers = []
    for compiled in (False, True):
        with kernels_loaded(compiled):
            index = SampleIndex(sample, size)
            pointers, holders = index.holder_lists(queries, own)
            answers.append((index.frequencies(queries, own).tolist(), pointers.tolist(), holders.tolist()))
    assert answers[0] == answers[1]
