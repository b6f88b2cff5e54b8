"""The compiled bulk path (index.kernels) must give exactly what the numpy path gives."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import index.fingerprint as fp
from corpus.normalize import normalize
from index.fingerprint import FingerprintParams, all_grams, distinct_grams_many, fingerprint_many
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL

pytest.importorskip("numba")

SMALL = FingerprintParams(k=3, num_perm=16, window_chars=20, gram_k=4, winnow_w=5)
EDGE_LENGTHS = ["", "甲", "甲乙", "甲乙丙", "甲乙丙丁", "甲乙丙丁戊", "甲乙丙丁戊己庚辛壬癸" * 3]


def _with_bulk(monkeypatch, on: bool):
    monkeypatch.setattr(fp, "BULK_CHARS", 0 if on else 10**12)


def _assert_same(left, right):
    assert len(left) == len(right)
    for one, two in zip(left, right):
        assert np.array_equal(one.signature, two.signature)
        assert np.array_equal(one.window_ranges, two.window_ranges)
        assert np.array_equal(one.window_bands, two.window_bands)
        assert np.array_equal(one.grams, two.grams)
        assert one.grams.dtype == two.grams.dtype == np.int64


def _both_paths(monkeypatch, streams, params):
    _with_bulk(monkeypatch, False)
    numpy_path = fingerprint_many(streams, params)
    _with_bulk(monkeypatch, True)
    compiled = fingerprint_many(streams, params)
    return numpy_path, compiled


@pytest.mark.parametrize("params", [FingerprintParams(), SMALL], ids=["default", "small"])
def test_kernels_equal_numpy_path_on_prose_and_edge_lengths(monkeypatch, params):
    prose = [normalize(t).text for t in (COPIED, ORIGINAL_SCHOOL, ORIGINAL_HOSPITAL, COPIED + ORIGINAL_SCHOOL * 3)]
    streams = EDGE_LENGTHS[:3] + prose + EDGE_LENGTHS[3:]
    numpy_path, compiled = _both_paths(monkeypatch, streams, params)
    _assert_same(numpy_path, compiled)
    assert sum(len(f.grams) for f in compiled) > 50, "the prose gives grams"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="甲乙丙丁戊", max_size=120), min_size=1, max_size=6))
def test_kernels_equal_numpy_path_on_repetitive_streams(streams):
    """A five-letter alphabet forces repeated grams and tied window minima."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        numpy_path, compiled = _both_paths(monkeypatch, streams, SMALL)
    _assert_same(numpy_path, compiled)


def test_batched_fingerprints_equal_one_at_a_time(monkeypatch):
    """Nothing leaks across document borders in the concatenated pass."""
    streams = [normalize(t).text for t in (ORIGINAL_SCHOOL, COPIED, "", ORIGINAL_HOSPITAL)]
    for on in (False, True):
        _with_bulk(monkeypatch, on)
        batched = fingerprint_many(streams, SMALL)
        _with_bulk(monkeypatch, False)
        alone = [fingerprint_many([s], SMALL)[0] for s in streams]
        _assert_same(batched, alone)


def test_distinct_grams_equal_numpy_unique(monkeypatch):
    streams = [normalize(t).text for t in (ORIGINAL_SCHOOL, COPIED * 2)] + EDGE_LENGTHS
    for on in (False, True):
        _with_bulk(monkeypatch, on)
        got = distinct_grams_many(streams, SMALL)
        for stream, grams in zip(streams, got):
            assert np.array_equal(grams, np.unique(all_grams(stream, SMALL)))


def test_small_batches_stay_on_numpy():
    assert fp.bulk_kernels(fp.BULK_CHARS - 1) is None
    assert fp.bulk_kernels(fp.BULK_CHARS) is not None
