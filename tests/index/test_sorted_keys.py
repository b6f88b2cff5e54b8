"""Bucketed lookups answer exactly as ``np.searchsorted``, however the keys
are spread, in numpy and in the compiled kernel bulk runs load."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from index.sorted_keys import SortedKeys, sorted_member
from tests.kernels_loaded import kernels_loaded

_INT64 = st.integers(-(2**63), 2**63 - 1)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_INT64 | st.integers(-50, 50), max_size=300),
    st.lists(_INT64 | st.integers(-60, 60), min_size=40, max_size=100),
    st.integers(1, 16),
)
def test_lookups_are_searchsorted_exactly(keys, queries, per_bucket):
    """Repeated keys, clustered keys (small integers share one bucket), the
    extremes of the range and an empty array included."""
    keys = np.sort(np.asarray(keys, dtype=np.int64))
    queries = np.asarray(queries + keys[::7].tolist(), dtype=np.int64)
    index = SortedKeys(keys, per_bucket)
    for compiled in (False, True):
        with kernels_loaded(compiled):
            for side in ("left", "right"):
                assert np.array_equal(index.search(queries, side), np.searchsorted(keys, queries, side))
            lo, hi = index.ranges(queries)
            assert np.array_equal(lo, np.searchsorted(keys, queries)) and np.array_equal(
                hi, np.searchsorted(keys, queries, "right")
            )


def test_hash_keys_spread_over_buckets_of_a_few_keys():
    keys = np.sort(np.random.default_rng(1).integers(-(2**63), 2**63 - 1, 200_000, dtype=np.int64))
    index = SortedKeys(keys)
    queries = np.r_[keys[::13], np.random.default_rng(2).integers(-(2**63), 2**63 - 1, 5_000, dtype=np.int64)]
    assert index.steps <= 6
    assert np.array_equal(index.ranges(queries)[1], np.searchsorted(keys, queries, "right"))


@settings(max_examples=100, deadline=None)
@given(st.lists(_INT64 | st.integers(-20, 20), max_size=60), st.lists(_INT64 | st.integers(-25, 25), max_size=60))
def test_membership_in_sorted_keys_is_isin(keys, queries):
    keys = np.unique(np.asarray(keys, dtype=np.int64))
    queries = np.asarray(queries, dtype=np.int64)
    assert np.array_equal(sorted_member(keys, queries), np.isin(queries, keys))
