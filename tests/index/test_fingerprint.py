import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.errors import ConfigError
from corpus.normalize import normalize
from index.fingerprint import (
    FingerprintParams,
    band_keys,
    fingerprint,
    shingles,
    signature,
    tokenize,
    window_signatures,
    winnow,
)
from index.hashing import permutations, shingle_hash, token_shingle_hash
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL

PARAMS = FingerprintParams()


def _datasketch_signature(shingle_list, params: FingerprintParams, hashfunc=shingle_hash) -> np.ndarray:
    m = MinHash(num_perm=params.num_perm, seed=params.seed, scheme="affine32", hashfunc=hashfunc)
    for s in shingle_list:
        m.update(s)
    return m.hashvalues


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (16, 123)])
def test_permutations_match_datasketch(num_perm, seed):
    a, b = permutations(num_perm, seed)
    reference = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    assert np.array_equal(a, reference[0]) and np.array_equal(b, reference[1])


def test_char_signature_equals_datasketch_per_shingle_updates():
    stream = normalize(COPIED + ORIGINAL_SCHOOL).text
    k = PARAMS.k
    hashes, _ = shingles(stream, PARAMS)
    expected = _datasketch_signature([stream[i : i + k] for i in range(len(stream) - k + 1)], PARAMS)
    assert np.array_equal(signature(hashes, PARAMS), expected)


def test_word_signature_equals_datasketch_on_jieba_shingles():
    params = FingerprintParams(shingle="word", k=3)
    stream = normalize(ORIGINAL_HOSPITAL).text
    tokens = tokenize(stream)
    hashes, positions = shingles(stream, params)
    grams = [tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2)]
    assert len(hashes) == len(grams)
    assert stream[positions[1] :].startswith(tokens[1])
    expected = _datasketch_signature(grams, params, hashfunc=token_shingle_hash)
    assert np.array_equal(signature(hashes, params), expected)


def test_signature_loads_into_lean_minhash_and_estimates_jaccard():
    a = normalize(COPIED + ORIGINAL_SCHOOL).text
    b = normalize(COPIED + ORIGINAL_HOSPITAL).text
    sa = LeanMinHash(seed=PARAMS.seed, hashvalues=signature(shingles(a, PARAMS)[0], PARAMS), scheme="affine32")
    sb = LeanMinHash(seed=PARAMS.seed, hashvalues=signature(shingles(b, PARAMS)[0], PARAMS), scheme="affine32")
    set_a = {a[i : i + 5] for i in range(len(a) - 4)}
    set_b = {b[i : i + 5] for i in range(len(b) - 4)}
    true_jaccard = len(set_a & set_b) / len(set_a | set_b)
    assert abs(sa.jaccard(sb) - true_jaccard) < 0.15
    buf = bytearray(sa.bytesize())
    sa.serialize(buf)
    restored = LeanMinHash.deserialize(buf)
    assert np.array_equal(restored.hashvalues, sa.hashvalues)


def test_window_signatures_are_the_minhash_of_their_shingles():
    stream = normalize((COPIED + ORIGINAL_SCHOOL + ORIGINAL_HOSPITAL) * 2).text
    hashes, positions = shingles(stream, PARAMS)
    sigs, ranges = window_signatures(hashes, positions, len(stream), PARAMS)
    assert len(sigs) > 3
    assert ranges[0][0] == 0 and ranges[-1][1] == len(stream)
    for (start, end), sig in zip(ranges, sigs):
        inside = (positions >= start) & (positions < end)
        assert np.array_equal(signature(hashes[inside], PARAMS), sig)


def test_band_keys_agree_exactly_when_bands_agree():
    b, r = PARAMS.bands
    sig = signature(shingles(normalize(COPIED).text, PARAMS)[0], PARAMS)
    other = sig.copy()
    other[0] ^= 1  # changes band 0 only
    keys = band_keys(np.stack([sig, other]), PARAMS)
    assert keys.shape == (2, b)
    assert keys[0, 0] != keys[1, 0]
    assert np.array_equal(keys[0, 1:], keys[1, 1:])
    assert len(set(keys[0].tolist())) == b, "the band index is part of the key"


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 200), st.integers(0, 200), st.integers(19, 60))
def test_winnowing_guarantees_a_shared_fingerprint(cut_a, cut_b, length):
    """Any shared run of gram_k + winnow_w - 1 stream chars shares a fingerprint."""
    a = normalize(ORIGINAL_SCHOOL + ORIGINAL_HOSPITAL).text
    b = normalize(ORIGINAL_HOSPITAL[::-1] + ORIGINAL_SCHOOL[::-1]).text
    shared = a[cut_a % (len(a) - length) :][:length]
    doc_b = b[: cut_b % len(b)] + shared + b[cut_b % len(b) :]
    fa, _ = winnow(a, PARAMS)
    fb, _ = winnow(doc_b, PARAMS)
    assert set(fa.tolist()) & set(fb.tolist())


def test_fingerprint_of_empty_stream_is_empty_not_an_error():
    fp = fingerprint(normalize("，。！"), PARAMS)
    assert len(fp.grams) == 0 and len(fp.window_bands) == 0
    assert fp.signature.shape == (PARAMS.num_perm,)


def test_bad_parameters_are_config_errors():
    with pytest.raises(ConfigError):
        FingerprintParams(shingle="sentence")
    with pytest.raises(ConfigError):
        FingerprintParams(lsh_threshold=1.5)
