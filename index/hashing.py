"""Hash primitives of the fingerprints: polynomial rolling hashes over code
points, MurmurHash3's finalizers and datasketch's affine32 permutations.

Everything works on numpy arrays; :func:`shingle_hash` is the scalar twin a
datasketch ``MinHash`` can be fed to reproduce chachong's signatures.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

POLY32 = np.uint32(0x01000193)
POLY64 = np.uint64(0x100000001B3)
MASK32 = (1 << 32) - 1


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters (a, b) for this seed.

    The same draws as ``MinHash(num_perm, seed, scheme="affine32").permutations``
    (a test holds them equal), without importing datasketch, which costs
    ~0.8 s (it pulls in scipy) on every ``check``.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 32-bit finalizer, as datasketch applies before permuting."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _polynomial_windows(values: np.ndarray, k: int, dtype: type, base: np.integer) -> np.ndarray:
    """sum(values[i + j] * base^(k-1-j)) for every k-window, wrapping in ``dtype``."""
    n = len(values) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=dtype)
    values = values.astype(dtype, copy=False)
    h = values[:n].copy()
    with np.errstate(over="ignore"):
        for j in range(1, k):
            h *= base
            h += values[j : j + n]
    return h


def rolling_hash32(values: np.ndarray, k: int) -> np.ndarray:
    """Polynomial hash of every k-window of ``values`` (uint32, wraps mod 2^32)."""
    return _polynomial_windows(values, k, np.uint32, POLY32)


def rolling_hash64(values: np.ndarray, k: int) -> np.ndarray:
    """64-bit gram hashes: the polynomial mod 2^64, then MurmurHash3's finalizer."""
    with np.errstate(over="ignore"):
        return fmix64(_polynomial_windows(values, k, np.uint64, POLY64))


def shingle_hash(shingle: str) -> int:
    """Scalar twin of :func:`rolling_hash32` for one character shingle.

    Pass it as ``hashfunc`` to datasketch's MinHash to reproduce chachong's
    signatures shingle by shingle.
    """
    h = 0
    for ch in shingle:
        h = (h * int(POLY32) + ord(ch)) & MASK32
    return h


def token_shingle_hash(tokens: tuple[str, ...]) -> int:
    """Scalar twin of word shingling: polynomial over token hashes."""
    h = 0
    for token in tokens:
        h = (h * int(POLY32) + shingle_hash(token)) & MASK32
    return h


def minhash_matrix(hashes: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """(num_perm, n) permuted hash values, datasketch's affine32 layout."""
    a, b = permutations(num_perm, seed)
    mixed = fmix32(hashes.astype(np.uint32, copy=False))
    with np.errstate(over="ignore"):
        return a[:, None] * mixed[None, :] + b[:, None]


def sliding_min(values: np.ndarray, w: int) -> np.ndarray:
    """Minimum of every window of ``w`` consecutive values (len - w + 1 of them).

    Doubling: minima of windows of 1, 2, 4, … then one last combination, a
    handful of vectorized passes instead of an argmin over a strided view.
    """
    n = len(values) - w + 1
    if n <= 0:
        return values[:0]
    span, current = 1, values
    while span * 2 <= w:
        current = np.minimum(current[:-span], current[span:])
        span *= 2
    if span == w:
        return current[:n]
    return np.minimum(current[:n], current[w - span : w - span + n])
