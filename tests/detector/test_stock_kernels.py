"""The compiled stock walk (detector.kernels.stock_grams) must find exactly
the formulas the Python walk finds, whatever the counts and holders."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import detector.align as align_module
from detector.stock import GramCounts, StockParams, stock_grams

pytest.importorskip("numba")

OTHERS = 24

# a stretch of grams held by one set of documents: (length, holders)
_STRETCH = st.tuples(st.integers(1, 12), st.sets(st.integers(0, OTHERS - 1), max_size=OTHERS))


def _counts(stretches: list[tuple[int, set[int]]], gram_k: int, with_lists: bool) -> GramCounts:
    holders = [np.array(sorted(h), dtype=np.int32) for length, h in stretches for _ in range(length)]
    d = np.array([len(h) for h in holders], dtype=np.int64)

    def lists(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        chosen = [holders[p] for p in positions.tolist()]
        pointers = np.r_[0, np.cumsum([len(c) for c in chosen])].astype(np.int64)
        return pointers, np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int32)

    return GramCounts(d, lambda i: holders[i], OTHERS, gram_k, lists if with_lists else None)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_STRETCH, max_size=40),
    st.integers(2, 6),
    st.integers(0, 16),
    st.integers(8, 60),
    st.floats(0.0, 1.0),
    st.integers(3, 8),
    st.booleans(),
)
def test_compiled_walk_finds_the_python_walks_formulas(
    stretches, min_docs, slot, formula_length, together, gram_k, lists
):
    params = StockParams(min_docs=min_docs, slot=slot, formula_length=formula_length, together=together)
    counts = _counts(stretches, gram_k, lists)
    align_module.use_compiled(False)
    expected = stock_grams(counts, params)
    align_module.use_compiled(True)
    try:
        assert stock_grams(counts, params).tolist() == expected.tolist()
    finally:
        align_module.use_compiled(False)


def test_the_walk_is_not_trivially_empty():
    """A formula standing in other surroundings: both walks mark it, and only it."""
    formula, section = set(range(0, 12)), set(range(12, 20))
    stretches = [(5, set()), (6, formula), (5, {1}), (20, section), (5, {2})]
    params = StockParams(min_docs=3, slot=4, formula_length=16)
    counts = _counts(stretches, 5, True)
    for compiled in (False, True):
        align_module.use_compiled(compiled)
        try:
            marked = np.flatnonzero(stock_grams(counts, params)).tolist()
        finally:
            align_module.use_compiled(False)
        assert marked == list(range(5, 11)), compiled
