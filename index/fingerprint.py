"""Vectorized shingling, MinHash signatures, LSH band keys and winnowing.

Everything here works on numpy arrays of code points; no per-shingle Python
objects are made. Signatures are bit-for-bit those of datasketch's
``MinHash(num_perm, seed, scheme="affine32", hashfunc=shingle_hash)`` fed the
same shingles (see :func:`shingle_hash`), so they load into ``LeanMinHash``.

Two kinds of fingerprints come from the normalized stream:

* MinHash over character k-grams (or jieba word k-grams), per window of about
  ``window_chars`` stream characters and per document. Windows go into the
  LSH bands; document signatures serve near-duplicate clustering.
* Winnowed 64-bit gram hashes (Schleimer et al. 2003): any shared run of at
  least ``gram_k + winnow_w - 1`` stream characters yields a shared
  fingerprint. They find short copied fragments the window MinHash misses and
  give the document-frequency model that tells stock phrasing from copying.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from corpus.errors import ConfigError
from corpus.normalize import NORMALIZER_VERSION, Normalized, codepoints
from index.batched import batched_windows, batched_winnow
from index.hashing import (
    MASK32,
    POLY64,
    fmix64,
    minhash_matrix,
    rolling_hash32,
    rolling_hash64,
    shingle_hash,
)

SCHEME = "affine32"


#: What each integer parameter may be: beyond these, a signature or a window takes absurd memory
#: (num_perm = 10^8 asks for terabytes), and numpy's generator takes 32-bit seeds only.
_INT_RANGES = {
    "k": (1, 64),
    "num_perm": (1, 1024),
    "seed": (0, 2**32 - 1),
    "window_chars": (1, 1_000_000),
    "gram_k": (1, 64),
    "winnow_w": (1, 10_000),
}


@dataclass(frozen=True)
class FingerprintParams:
    """Every parameter that changes a stored hash. Stored in the index."""

    shingle: str = "char"  # "char" k-grams of the stream, or "word" k-grams of jieba tokens
    k: int = 5
    num_perm: int = 128
    seed: int = 1
    lsh_threshold: float = 0.3
    window_chars: int = 240
    gram_k: int = 8
    winnow_w: int = 12

    def __post_init__(self) -> None:
        if self.shingle not in ("char", "word"):
            raise ConfigError(f"shingle must be 'char' or 'word', not {self.shingle!r}")
        for name, (low, high) in _INT_RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigError(f"{name} must be an integer from {low} to {high}, not {value!r}")
        threshold = self.lsh_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 < threshold < 1.0:
            raise ConfigError("lsh_threshold must be between 0 and 1")

    @property
    def bands(self) -> tuple[int, int]:
        """(b, r) from datasketch's false-positive/negative optimisation."""
        return _optimal_bands(self.lsh_threshold, self.num_perm)

    @classmethod
    def from_manifest(cls, manifest: dict[str, object]) -> FingerprintParams:
        names = {f for f in cls.__dataclass_fields__}
        params = cls(**{k: v for k, v in manifest.items() if k in names})
        _BAND_CACHE[(params.lsh_threshold, params.num_perm)] = (int(manifest["bands"]), int(manifest["rows"]))
        return params

    def manifest(self) -> dict[str, object]:
        """What must match for two fingerprints to be comparable."""
        from importlib.metadata import version

        b, r = self.bands
        return {
            **asdict(self),
            "bands": b,
            "rows": r,
            "scheme": SCHEME,
            "normalizer": NORMALIZER_VERSION,
            "hash": "poly32-fnv/fmix32, grams poly64/fmix64",
            "datasketch": version("datasketch").split(".")[0],
        }

    def manifest_json(self) -> str:
        return json.dumps(self.manifest(), sort_keys=True, ensure_ascii=False)


_BAND_CACHE: dict[tuple[float, int], tuple[int, int]] = {}


def _optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's choice of (bands, rows); read from an index manifest when
    one is open, so a query does not pay datasketch's import time."""
    key = (threshold, num_perm)
    if key not in _BAND_CACHE:
        from datasketch.lsh import _optimal_param

        _BAND_CACHE[key] = tuple(_optimal_param(threshold, num_perm, 0.5, 0.5))
    return _BAND_CACHE[key]


def shingles(stream: str, params: FingerprintParams) -> tuple[np.ndarray, np.ndarray]:
    """(hashes uint32, stream start position of each shingle)."""
    if params.shingle == "word":
        return _word_shingles(stream, params.k)
    hashes = rolling_hash32(codepoints(stream), params.k)
    return hashes, np.arange(len(hashes), dtype=np.int64)


def _word_shingles(stream: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    tokens = tokenize(stream)
    if len(tokens) < k:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64)
    token_hashes = np.fromiter((shingle_hash(t) for t in tokens), dtype=np.uint32, count=len(tokens))
    starts = np.cumsum([0] + [len(t) for t in tokens[:-1]]).astype(np.int64)
    return rolling_hash32(token_hashes, k), starts[: len(tokens) - k + 1]


def tokenize(stream: str) -> list[str]:
    """jieba tokens of the stream (HMM off so the cut is stable)."""
    import jieba

    jieba.setLogLevel(60)
    return [t for t in jieba.cut(stream, HMM=False) if t]


def signature(hashes: np.ndarray, params: FingerprintParams) -> np.ndarray:
    """MinHash signature (uint32[num_perm]) of a set of shingle hashes."""
    if len(hashes) == 0:
        return np.full(params.num_perm, MASK32, dtype=np.uint32)
    return minhash_matrix(hashes, params.num_perm, params.seed).min(axis=1)


def window_starts(length: int, window_chars: int) -> np.ndarray:
    """Starts of windows of ``window_chars`` stream chars, overlapping by half.

    A passage that straddles a border still lies mostly inside one window.
    """
    step = max(1, window_chars // 2)
    if length <= window_chars:
        return np.zeros(1, dtype=np.int64)
    return np.arange(0, length - step, step, dtype=np.int64)


_BLOCK_SHINGLES = 1 << 15  # bounds the (num_perm, block) matrix to 16 MiB


def chunk_minima(hashes: np.ndarray, positions: np.ndarray, step: int, params: FingerprintParams) -> np.ndarray:
    """Signatures of consecutive chunks of ``step`` stream positions, (C, num_perm).

    A shingle belongs to the chunk its start position falls in; an empty
    chunk gets datasketch's empty value (all ones). Computed block by block
    so memory stays bounded for any document length.
    """
    n_chunks = int(positions[-1] // step) + 1 if len(positions) else 0
    out = np.full((n_chunks, params.num_perm), MASK32, dtype=np.uint32)
    chunk_of = positions // step
    for lo in range(0, len(hashes), _BLOCK_SHINGLES):
        hi = min(lo + _BLOCK_SHINGLES, len(hashes))
        ids = chunk_of[lo:hi]
        firsts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        mins = np.minimum.reduceat(minhash_matrix(hashes[lo:hi], params.num_perm, params.seed), firsts, axis=1).T
        targets = ids[firsts]  # unique within a block; blocks may share a chunk
        out[targets] = np.minimum(out[targets], mins)
    return out


def window_signatures(
    hashes: np.ndarray, positions: np.ndarray, stream_len: int, params: FingerprintParams
) -> tuple[np.ndarray, np.ndarray]:
    """Signatures of half-overlapping windows: (sigs (W, num_perm), stream ranges (W, 2)).

    Window i holds the shingles starting in chunks i and i+1 (a chunk is half
    a window), so every window is the element-wise minimum of two chunks.
    """
    step = max(1, params.window_chars // 2)
    chunks = chunk_minima(hashes, positions, step, params)
    if len(chunks) == 0:
        return np.zeros((0, params.num_perm), dtype=np.uint32), np.zeros((0, 2), dtype=np.int64)
    starts = window_starts(stream_len, params.window_chars)
    starts = starts[starts // step < len(chunks)]
    first = starts // step
    second = np.minimum(first + 1, len(chunks) - 1)
    sigs = np.minimum(chunks[first], chunks[second])
    ranges = np.stack([starts, np.minimum(starts + params.window_chars, stream_len)], axis=1)
    nonempty = (sigs != MASK32).any(axis=1)
    return sigs[nonempty], ranges[nonempty]


def band_keys(sigs: np.ndarray, params: FingerprintParams) -> np.ndarray:
    """int64 bucket keys, (W, b): band i of each signature, band index mixed in.

    The rows of band i are ``sig[i*r:(i+1)*r]``, datasketch's ``hashranges``.
    """
    b, r = params.bands
    if len(sigs) == 0:
        return np.zeros((0, b), dtype=np.int64)
    rows = sigs[:, : b * r].reshape(len(sigs), b, r).astype(np.uint64)
    with np.errstate(over="ignore"):
        key = np.broadcast_to(np.arange(b, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15), (len(sigs), b)).copy()
        for j in range(r):
            key = key * POLY64 + rows[:, :, j]
        key = fmix64(key)
    return key.view(np.int64)


def winnow(stream: str, params: FingerprintParams) -> tuple[np.ndarray, np.ndarray]:
    """Winnowed gram fingerprints: (int64 hashes, stream positions), sorted by position."""
    hashes = rolling_hash64(codepoints(stream), params.gram_k)
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    w = params.winnow_w
    if len(hashes) <= w:
        pos = np.array([int(np.argmin(hashes))], dtype=np.int64)
    else:
        windows = sliding_window_view(hashes, w)
        # rightmost minimum of each window, as in the winnowing paper
        pos = np.unique(np.arange(len(windows)) + (w - 1 - np.argmin(windows[:, ::-1], axis=1)))
    return hashes[pos].view(np.int64), pos.astype(np.int64)


def all_grams(stream: str, params: FingerprintParams) -> np.ndarray:
    """Every gram hash of the stream (int64), position i = stream offset i."""
    return rolling_hash64(codepoints(stream), params.gram_k).view(np.int64)


@dataclass(frozen=True)
class Fingerprints:
    """Everything the index stores for one document."""

    signature: np.ndarray  # uint32[num_perm], whole document
    window_ranges: np.ndarray  # (W, 2) stream ranges
    window_bands: np.ndarray  # (W, b) int64
    grams: np.ndarray  # int64 winnowed gram hashes (unique per document)


def fingerprint(normalized: Normalized, params: FingerprintParams) -> Fingerprints:
    return fingerprint_many([normalized.text], params)[0]


def _fingerprint_one(stream: str, params: FingerprintParams) -> Fingerprints:
    """Per-document path (word shingles, whose positions come from jieba)."""
    hashes, positions = shingles(stream, params)
    sigs, ranges = window_signatures(hashes, positions, len(stream), params)
    grams, _ = winnow(stream, params)
    whole = sigs.min(axis=0) if len(sigs) else signature(hashes, params)
    return Fingerprints(whole, ranges, band_keys(sigs, params), np.unique(grams))


def fingerprint_many(streams: Sequence[str], params: FingerprintParams) -> list[Fingerprints]:
    """Fingerprints of many streams at once: one pass over their
    concatenation instead of a dozen small array operations per document.

    Shingles, grams and winnowing windows that would cross a document border
    are dropped, so every document gets exactly what it would get alone.
    Large batches run the compiled loops of :mod:`index.kernels`.
    """
    if params.shingle == "word":
        return [_fingerprint_one(s, params) for s in streams]
    lengths = np.array([len(s) for s in streams], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)])
    cps = codepoints("".join(streams))
    kernels = bulk_kernels(int(lengths.sum()))
    sigs, ranges, window_doc, whole = batched_windows(cps, lengths, starts, params, kernels)
    bands = band_keys(sigs, params)
    if kernels is None:
        grams = batched_winnow(cps, lengths, starts, params)
    else:
        grams = _split(*kernels.winnowed_grams(cps, starts[:-1], lengths, params.gram_k, params.winnow_w))
    bounds = np.searchsorted(window_doc, np.arange(len(streams) + 1))
    return [
        Fingerprints(whole[d], ranges[bounds[d] : bounds[d + 1]], bands[bounds[d] : bounds[d + 1]], grams[d])
        for d in range(len(streams))
    ]


def distinct_grams_many(streams: Sequence[str], params: FingerprintParams) -> list[np.ndarray]:
    """Every distinct gram hash of each stream, sorted (int64)."""
    lengths = np.array([len(s) for s in streams], dtype=np.int64)
    kernels = bulk_kernels(int(lengths.sum()))
    if kernels is None:
        return [np.unique(all_grams(s, params)) for s in streams]
    starts = np.concatenate([[0], np.cumsum(lengths)])
    return _split(*kernels.distinct_grams(codepoints("".join(streams)), starts[:-1], lengths, params.gram_k))


BULK_CHARS = 200_000  # below this the numpy path wins: no numba import or cache load


def bulk_kernels(chars: int):  # -> module index.kernels | None
    """The compiled kernels for a batch of ``chars`` characters, or None when
    the batch is small (or numba cannot be imported) and numpy is quicker."""
    if chars < BULK_CHARS:
        return None
    try:
        from index import kernels
    except ImportError:  # numba missing or broken: the numpy path gives the same output
        return None
    return kernels


def load_kernels(params: FingerprintParams) -> bool:
    """Import and compile (or load from numba's cache) the bulk kernels now,
    in this process: a pool forked afterwards inherits them instead of each
    worker loading them again. Returns whether they are available."""
    kernels = bulk_kernels(BULK_CHARS)
    if kernels is None:
        return False
    lengths = np.array([BULK_CHARS], dtype=np.int64)
    starts = np.zeros(2, dtype=np.int64)
    cps = np.zeros(0, dtype=np.uint32)
    batched_windows(cps, lengths * 0, starts, params, kernels)
    kernels.winnowed_grams(cps, starts[:1], lengths * 0, params.gram_k, params.winnow_w)
    kernels.distinct_grams(cps, starts[:1], lengths * 0, params.gram_k)
    kernels.record_map(np.frombuffer(bytes(2), dtype=np.uint8), 0, 1, 1)  # read-only, as a record's bytes
    kernels.sorted_postings(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int32), 59)
    return True


def _split(values: np.ndarray, offsets: np.ndarray) -> list[np.ndarray]:
    return [values[offsets[d] : offsets[d + 1]] for d in range(len(offsets) - 1)]
