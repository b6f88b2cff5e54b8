"""Holder lists asked many at once equal the holders asked one by one."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from index.corpus import SampleMember
from index.sample_index import SampleIndex

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
