"""Compiled inner loops (numba) for fingerprinting many documents at once.

The numpy path in :mod:`index.fingerprint` evaluates the 128 affine
permutations as a (perms, shingles) matrix: three passes over memory per
block (multiply, add, minimum). Here one loop per shingle keeps the 128
running minima of its chunk in registers and lets LLVM vectorize the
permutations; rolling hash, finalizer and winnowing are fused into the same
pass. Outputs are identical to the numpy path (tests hold them equal); only
bulk work (``index add``, ``audit``) comes here, so a one-document ``check``
never pays numba's import and cache-load time.

:func:`postings_of`, :func:`candidate_pool` and :func:`postings_held_by` are
a large in-memory or on-disk corpus's candidate query (``lookup_sorted``,
``top_candidates`` and ``hits_of`` of :mod:`index.corpus`): one pass over the
postings found, counting into scratch arrays, where numpy allocates and
scans arrays the size of the corpus for every query.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_POLY32 = np.uint32(0x01000193)
_POLY64 = np.uint64(0x100000001B3)
_EMPTY32 = np.uint32(0xFFFFFFFF)


@njit(cache=True, nogil=True, inline="always")
def _fmix32(h: np.uint32) -> np.uint32:
    h = np.uint32(h ^ (h >> np.uint32(16)))
    h = np.uint32(h * np.uint32(0x85EBCA6B))
    h = np.uint32(h ^ (h >> np.uint32(13)))
    h = np.uint32(h * np.uint32(0xC2B2AE35))
    return np.uint32(h ^ (h >> np.uint32(16)))


@njit(cache=True, nogil=True, inline="always")
def _fmix64(h: np.uint64) -> np.uint64:
    h = np.uint64(h ^ (h >> np.uint64(33)))
    h = np.uint64(h * np.uint64(0xFF51AFD7ED558CCD))
    h = np.uint64(h ^ (h >> np.uint64(33)))
    h = np.uint64(h * np.uint64(0xC4CEB9FE1A85EC53))
    return np.uint64(h ^ (h >> np.uint64(33)))


@njit(cache=True, nogil=True, boundscheck=False)
def chunk_minima(cps, starts, lengths, k, step, chunk_base, a, b):  # pragma: no cover - compiled
    """MinHash signature of every chunk of ``step`` shingle starts, (chunks, perms).

    Document ``d`` owns chunks ``chunk_base[d]:chunk_base[d+1]``; its shingle
    ``i`` (the k code points from ``starts[d] + i``) falls in chunk ``i // step``.
    """
    perms = a.shape[0]
    out = np.full((chunk_base[-1], perms), _EMPTY32, dtype=np.uint32)
    for d in range(lengths.shape[0]):
        s = starts[d]
        for i in range(lengths[d] - k + 1):
            h = np.uint32(0)
            for j in range(k):
                h = np.uint32(h * _POLY32 + np.uint32(cps[s + i + j]))
            x = _fmix32(h)
            row = out[chunk_base[d] + i // step]
            for p in range(perms):
                v = np.uint32(a[p] * x + b[p])
                if v < row[p]:
                    row[p] = v
    return out


@njit(cache=True, nogil=True, boundscheck=False)
def window_signatures(cps, starts, lengths, k, step, chunk_base, window_base, a, b):  # pragma: no cover - compiled
    """(window signatures, whole-document signatures) from the chunk minima.

    Window ``i`` of a document is chunks ``i`` and ``i + 1`` (the last window
    may have only one); document ``d`` owns windows
    ``window_base[d]:window_base[d+1]``. A document without chunks keeps the
    empty signature (all ones), as datasketch gives an empty MinHash.
    """
    chunks = chunk_minima(cps, starts, lengths, k, step, chunk_base, a, b)
    perms = a.shape[0]
    sigs = np.empty((window_base[-1], perms), dtype=np.uint32)
    whole = np.full((lengths.shape[0], perms), _EMPTY32, dtype=np.uint32)
    for d in range(lengths.shape[0]):
        first, last = chunk_base[d], chunk_base[d + 1] - 1
        for c in range(first, last + 1):
            for p in range(perms):
                whole[d, p] = min(whole[d, p], chunks[c, p])
        for i in range(window_base[d + 1] - window_base[d]):
            c = first + i
            nxt = min(c + 1, last)
            for p in range(perms):
                sigs[window_base[d] + i, p] = min(chunks[c, p], chunks[nxt, p])
    return sigs, whole


@njit(cache=True, nogil=True, boundscheck=False)
def gram_hashes(cps, s, n, k):  # pragma: no cover - compiled
    """poly64 of every k-gram, rolled (one multiply-add in, one out), then fmix64."""
    out = np.empty(max(n - k + 1, 0), dtype=np.uint64)
    if n < k:
        return out
    top = np.uint64(1)
    h = np.uint64(0)
    for j in range(k):
        h = np.uint64(h * _POLY64 + np.uint64(cps[s + j]))
        if j:
            top = np.uint64(top * _POLY64)  # base^(k-1)
    out[0] = _fmix64(h)
    for i in range(1, n - k + 1):
        h = np.uint64((h - np.uint64(cps[s + i - 1]) * top) * _POLY64 + np.uint64(cps[s + i + k - 1]))
        out[i] = _fmix64(h)
    return out


@njit(cache=True, nogil=True, boundscheck=False)
def _distinct_sorted(values, out, at):  # pragma: no cover - compiled
    """Write the sorted distinct ``values`` to ``out[at:]``; return the new end.

    Gram hashes are compared as unsigned (winnowing) but stored and sorted
    as int64, the order SQLite and the numpy path use."""
    if values.shape[0] == 0:
        return at
    ordered = np.sort(values)
    out[at] = ordered[0]
    at += 1
    for i in range(1, ordered.shape[0]):
        if ordered[i] != ordered[i - 1]:
            out[at] = ordered[i]
            at += 1
    return at


@njit(cache=True, nogil=True, boundscheck=False)
def _window_minima(grams, w):  # pragma: no cover - compiled
    """Minimum of every window of ``w`` grams, neighbouring repeats dropped.

    The minimum's position is tracked, so a window is rescanned only when its
    minimum slides out (amortized one comparison per gram).
    """
    n = grams.shape[0]
    n_windows = max(n - w + 1, 1)
    out = np.empty(n_windows, dtype=np.uint64)
    count = 0
    best = -1
    for i in range(n_windows):
        last = min(i + w, n) - 1
        if best < i:  # the minimum left the window: rescan it
            best = i
            for j in range(i + 1, last + 1):
                if grams[j] <= grams[best]:
                    best = j
        elif grams[last] <= grams[best]:
            best = last
        if count == 0 or out[count - 1] != grams[best]:
            out[count] = grams[best]
            count += 1
    return out[:count]


@njit(cache=True, nogil=True, boundscheck=False)
def winnowed_grams(cps, starts, lengths, k, w):  # pragma: no cover - compiled
    """Distinct winnowed gram hashes of each document: (int64 values, offsets).

    Only the set is kept, so the winnowing choice is the minimum of every
    window of ``w`` grams (the whole document's minimum when shorter).
    """
    total = 0
    for d in range(lengths.shape[0]):
        total += max(lengths[d] - k + 1, 0)
    values = np.empty(total, dtype=np.int64)
    offsets = np.zeros(lengths.shape[0] + 1, dtype=np.int64)
    at = 0
    for d in range(lengths.shape[0]):
        grams = gram_hashes(cps, starts[d], lengths[d], k)
        if grams.shape[0]:
            at = _distinct_sorted(_window_minima(grams, w).view(np.int64), values, at)
        offsets[d + 1] = at
    return values[:at], offsets


@njit(cache=True, nogil=True, boundscheck=False)
def distinct_grams(cps, starts, lengths, k):  # pragma: no cover - compiled
    """Every distinct gram hash of each document, sorted: (int64 values, offsets)."""
    total = 0
    for d in range(lengths.shape[0]):
        total += max(lengths[d] - k + 1, 0)
    values = np.empty(total, dtype=np.int64)
    offsets = np.zeros(lengths.shape[0] + 1, dtype=np.int64)
    at = 0
    for d in range(lengths.shape[0]):
        at = _distinct_sorted(gram_hashes(cps, starts[d], lengths[d], k).view(np.int64), values, at)
        offsets[d + 1] = at
    return values[:at], offsets


_SIGN64 = np.uint64(1 << 63)


@njit(cache=True, nogil=True, boundscheck=False)
def postings_of(keys, starts, bits, values, queries):  # pragma: no cover - compiled
    """(index into ``queries``, value) of every posting whose key is a query
    (distinct, sorted): :func:`index.corpus.lookup_sorted` over a
    :class:`~index.sorted_keys.SortedKeys` (``keys``, its bucket ``starts``
    and ``bits``) and the ``values`` beside the keys."""
    n = queries.shape[0]
    lo = np.empty(n, dtype=np.int64)
    hi = np.empty(n, dtype=np.int64)
    total = 0
    for q in range(n):
        key = queries[q]
        bucket = 0
        if bits > 0:
            bucket = np.int64((np.uint64(key) ^ _SIGN64) >> np.uint64(64 - bits))
        a, z = starts[bucket], starts[bucket + 1]
        while a < z:
            mid = (a + z) >> 1
            if keys[mid] < key:
                a = mid + 1
            else:
                z = mid
        e = a
        while e < keys.shape[0] and keys[e] == key:
            e += 1
        lo[q], hi[q] = a, e
        total += e - a
    which = np.empty(total, dtype=np.int64)
    found = np.empty(total, dtype=np.int64)
    at = 0
    for q in range(n):
        for j in range(lo[q], hi[q]):
            which[at] = q
            found[at] = values[j]
            at += 1
    return which, found


@njit(cache=True, nogil=True, boundscheck=False)
def candidate_pool(band_docs, gram_docs, excluded, limit, band_count, gram_count):  # pragma: no cover - compiled
    """The documents of :func:`index.corpus.top_candidates` (the ``limit``
    best by score, and ties with the last; ``excluded`` left out), unordered:
    (ids, band hits, gram hits). ``band_count`` and ``gram_count`` are zeroed
    scratch arrays over the corpus's documents, left zeroed."""
    touched = np.empty(band_docs.shape[0] + gram_docs.shape[0], dtype=np.int64)
    t = 0
    for d in band_docs:
        if band_count[d] == 0 and gram_count[d] == 0:
            touched[t] = d
            t += 1
        band_count[d] += 1
    for d in gram_docs:
        if band_count[d] == 0 and gram_count[d] == 0:
            touched[t] = d
            t += 1
        gram_count[d] += 1
    for d in excluded:
        if 0 <= d < band_count.shape[0]:
            band_count[d] = 0
            gram_count[d] = 0
    threshold = _pool_threshold(touched[:t], band_count, gram_count, limit)
    n = 0
    for i in range(t):
        d = touched[i]
        if band_count[d] + 2 * gram_count[d] >= threshold:
            touched[n] = d  # n <= i: the kept ids move to the front
            n += 1
        else:
            band_count[d] = 0
            gram_count[d] = 0
    ids = touched[:n].copy()
    bands = np.empty(n, dtype=np.int64)
    grams = np.empty(n, dtype=np.int64)
    for i in range(n):
        d = ids[i]
        bands[i], grams[i] = band_count[d], gram_count[d]
        band_count[d] = 0
        gram_count[d] = 0
    return ids, bands, grams


@njit(cache=True, nogil=True, boundscheck=False)
def _pool_threshold(touched, band_count, gram_count, limit):  # pragma: no cover - compiled
    """The lowest score kept: the ``limit``-th highest positive score (by a
    histogram of the scores, small integers), or 1 when there are fewer."""
    top = 0
    for d in touched:
        top = max(top, band_count[d] + 2 * gram_count[d])
    histogram = np.zeros(top + 1, dtype=np.int64)
    for d in touched:
        histogram[band_count[d] + 2 * gram_count[d]] += 1
    above = 0
    for score in range(top, 0, -1):
        above += histogram[score]
        if above >= limit:
            return score
    return 1


@njit(cache=True, nogil=True, boundscheck=False)
def postings_held_by(chosen, which, docs, mark):  # pragma: no cover - compiled
    """The (key, document) postings of the ``chosen`` documents; ``mark`` is
    a zeroed scratch array over the corpus's documents, left zeroed."""
    for d in chosen:
        mark[d] = 1
    count = 0
    for d in docs:
        count += mark[d]
    out_which = np.empty(count, dtype=np.int64)
    out_docs = np.empty(count, dtype=np.int64)
    at = 0
    for i in range(docs.shape[0]):
        if mark[docs[i]]:
            out_which[at] = which[i]
            out_docs[at] = docs[i]
            at += 1
    for d in chosen:
        mark[d] = 0
    return out_which, out_docs
