"""Compiled inner loops (numba) for fingerprinting many documents at once.

The numpy path in :mod:`index.fingerprint` evaluates the 128 affine
permutations as a (perms, shingles) matrix: three passes over memory per
block (multiply, add, minimum). Here one loop per shingle keeps the 128
running minima of its chunk in registers and lets LLVM vectorize the
permutations; rolling hash, finalizer and winnowing are fused into the same
pass. Outputs are identical to the numpy path (tests hold them equal); only
bulk work (``index add``, ``audit``) comes here, so a one-document ``check``
never pays numba's import and cache-load time.

:func:`candidate_query` is a large in-memory or on-disk corpus's candidate
query (``lookup_sorted``, ``top_candidates`` and ``hits_of`` of
:mod:`index.corpus`): passes over the postings where they lie, counting
into one scratch word per document, where numpy gathers the postings found and allocates
and scans arrays the size of the corpus for every query.

:func:`key_table` and :func:`table_slots` find the grams of a view's sample
in an open-addressing table: one cache line a gram, where bisecting the
sorted keys cost three or four.

:func:`sorted_postings` sorts one key range of a disk corpus's postings by
radix, where ``argsort`` and two gathers took three times as long.

:func:`record_map` decodes a stored record's map to the text
(:mod:`index.disk.records`) in one pass, where numpy makes five arrays of
the stream's length: a comparison decodes every candidate's record.
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
def posting_ranges(keys, starts, bits, queries):  # pragma: no cover - compiled
    """Where each query's postings start and end in ``keys`` (sorted, with
    the bucket ``starts`` of their top ``bits``: a
    :class:`~index.sorted_keys.SortedKeys`)."""
    n = queries.shape[0]
    lo = np.empty(n, dtype=np.int64)
    hi = np.empty(n, dtype=np.int64)
    for q in range(n):
        key = queries[q]
        bucket = 0
        if bits > 0:
            bucket = np.int64((np.uint64(key) ^ _SIGN64) >> np.uint64(64 - bits))
        a, z = starts[bucket], starts[bucket + 1]
        end = z
        while a < z:
            mid = (a + z) >> 1
            if keys[mid] < key:
                a = mid + 1
            else:
                z = mid
        e = a  # the end by bisection too: a key of many holders is not walked
        while e < end:
            mid = (e + end) >> 1
            if keys[mid] <= key:
                e = mid + 1
            else:
                end = mid
        lo[q], hi[q] = a, e
    return lo, hi


_GRAM = np.int64(1) << np.int64(32)  # a gram hit in a packed count (band hits in the low half)


@njit(cache=True, nogil=True, boundscheck=False)
def _count_postings(lo, hi, values, state, step, touched, t):  # pragma: no cover - compiled
    """Add ``step`` to the packed count of the document of every posting in
    the ranges; a document not counted yet goes to ``touched`` (from ``t``)."""
    for q in range(lo.shape[0]):
        for j in range(lo[q], hi[q]):
            d = values[j]
            if state[d] == 0:
                touched[t] = d
                t += 1
            state[d] += step
    return t


@njit(cache=True, nogil=True, boundscheck=False)
def candidate_query(band_lo, band_hi, band_values, gram_lo, gram_hi, gram_values, excluded, limit, state):  # noqa: E501  # pragma: no cover - compiled
    """The documents of :func:`index.corpus.top_candidates` (the ``limit``
    best by score, and ties with the last; ``excluded`` left out), unordered,
    with their hits and the query keys each holds (``hits_of``).

    ``band_lo``/``band_hi`` bound each band query's postings in
    ``band_values`` (documents), and so for grams. ``state`` is a zeroed
    int64 scratch row over the corpus's documents, left zeroed: one word per
    document (its band hits, plus its gram hits times 2**32, then the mark of
    a kept one), so a posting touches one cache line. Returns (ids, band
    hits, gram hits, start, size, keys): document ``ids[i]`` holds the
    distinct keys ``keys[start[i]:start[i] + size[i]]``, sorted, band queries
    numbered first, then grams."""
    total = np.sum(band_hi - band_lo) + np.sum(gram_hi - gram_lo)
    touched = np.empty(total, dtype=np.int64)
    t = _count_postings(band_lo, band_hi, band_values, state, np.int64(1), touched, 0)
    t = _count_postings(gram_lo, gram_hi, gram_values, state, _GRAM, touched, t)
    for d in excluded:
        if 0 <= d < state.shape[0]:
            state[d] = 0
    threshold = _pool_threshold(touched[:t], state, limit)
    n = 0
    for i in range(t):
        d = touched[i]
        packed = state[d]
        if packed != 0 and (packed & 0xFFFFFFFF) + 2 * (packed >> 32) >= threshold:
            touched[n] = d  # n <= i: the kept ids move to the front
            n += 1
        else:
            state[d] = 0
    ids = touched[:n].copy()
    band_hits = np.empty(n, dtype=np.int64)
    gram_hits = np.empty(n, dtype=np.int64)
    start = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        d = ids[i]
        band_hits[i], gram_hits[i] = state[d] & 0xFFFFFFFF, state[d] >> 32
        start[i + 1] = start[i] + band_hits[i] + gram_hits[i]  # postings held: the distinct keys, or more
        state[d] = -(i + 1)  # kept: its place, marked
    keys = np.empty(start[n], dtype=np.int64)
    size = np.zeros(n, dtype=np.int64)
    _held_keys(band_lo, band_hi, band_values, 0, state, start, size, keys)
    _held_keys(gram_lo, gram_hi, gram_values, band_lo.shape[0], state, start, size, keys)
    for d in ids:
        state[d] = 0
    return ids, band_hits, gram_hits, start[:n], size, keys


@njit(cache=True, nogil=True, boundscheck=False)
def _held_keys(lo, hi, values, first, state, start, size, keys):  # pragma: no cover - compiled
    """Append query ``first + q`` to the keys of each marked document
    (``state`` -(its place + 1)) holding it; queries come in rising order, so
    a document's keys are sorted and a repeat (a document posted twice under
    one key) is the last one written."""
    for q in range(lo.shape[0]):
        key = first + q
        for j in range(lo[q], hi[q]):
            i = -state[values[j]] - 1
            if i >= 0:
                at = start[i] + size[i]
                if size[i] == 0 or keys[at - 1] != key:
                    keys[at] = key
                    size[i] += 1


@njit(cache=True, nogil=True, boundscheck=False)
def _pool_threshold(touched, state, limit):  # pragma: no cover - compiled
    """The lowest score kept: the ``limit``-th highest positive score (by a
    histogram of the scores, small integers), or 1 when there are fewer."""
    top = 0
    for d in touched:
        top = max(top, (state[d] & 0xFFFFFFFF) + 2 * (state[d] >> 32))
    histogram = np.zeros(top + 1, dtype=np.int64)
    for d in touched:
        histogram[(state[d] & 0xFFFFFFFF) + 2 * (state[d] >> 32)] += 1
    above = 0
    for score in range(top, 0, -1):
        above += histogram[score]
        if above >= limit:
            return score
    return 1


@njit(cache=True, nogil=True, boundscheck=False)
def record_map(raw, at, size, n):  # pragma: no cover - compiled
    """(starts, ends) of a record's map: ``n`` gaps then ``n`` widths, each
    ``size`` bytes little-endian (1, 2 or 4), from byte ``at`` of ``raw``."""
    starts = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    widths = at + size * n
    end = np.int64(0)
    for i in range(n):
        gap = np.int64(0)
        width = np.int64(0)
        for b in range(size):
            gap |= np.int64(raw[at + size * i + b]) << (8 * b)
            width |= np.int64(raw[widths + size * i + b]) << (8 * b)
        starts[i] = end + gap
        end = starts[i] + width
        ends[i] = end
    return starts, ends


_RADIX = 12  # bits a pass of sorted_postings sorts by


@njit(cache=True, nogil=True, boundscheck=False)
def sorted_postings(keys, docs, bits):  # pragma: no cover - compiled
    """(keys, docs) in ascending order of the keys, postings of equal keys in
    their order: a stable least-significant-digit radix sort of the keys'
    low ``bits`` bits (all keys must agree above them) in their signed
    order (the sign bit flipped, unsigned)."""
    n = keys.shape[0]
    sign = np.uint64(1) << np.uint64(63)
    src_k = np.empty(n, dtype=np.uint64)
    for i in range(n):
        src_k[i] = np.uint64(keys[i]) ^ sign
    src_d = docs.copy()
    dst_k = np.empty(n, dtype=np.uint64)
    dst_d = np.empty_like(docs)
    mask = np.uint64((1 << _RADIX) - 1)
    for shift in range(0, bits, _RADIX):
        at = np.zeros((1 << _RADIX) + 1, dtype=np.int64)
        for i in range(n):
            at[np.int64((src_k[i] >> np.uint64(shift)) & mask) + 1] += 1
        if at.max() == n:  # every key has this digit: the pass would not move any
            continue
        for b in range(1 << _RADIX):
            at[b + 1] += at[b]
        for i in range(n):
            b = np.int64((src_k[i] >> np.uint64(shift)) & mask)
            dst_k[at[b]] = src_k[i]
            dst_d[at[b]] = src_d[i]
            at[b] += 1
        src_k, dst_k = dst_k, src_k
        src_d, dst_d = dst_d, src_d
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        out[i] = np.int64(src_k[i] ^ sign)
    return out, src_d


@njit(cache=True, nogil=True, boundscheck=False)
def key_table(keys, bits):  # pragma: no cover - compiled
    """An open-addressing table of the distinct ``keys``: row ``h`` holds a
    key and its position in ``keys`` (-1 when the row is empty). A key's
    first row is the top ``bits`` bits of its mixed hash, then the next ones."""
    size = 1 << bits
    table = np.empty((size, 2), dtype=np.int64)
    for h in range(size):
        table[h, 1] = -1
    for i in range(keys.shape[0]):
        h = np.int64(_fmix64(np.uint64(keys[i])) >> np.uint64(64 - bits))
        while table[h, 1] >= 0:
            h = (h + 1) & (size - 1)
        table[h, 0] = keys[i]
        table[h, 1] = i
    return table


@njit(cache=True, nogil=True, boundscheck=False)
def table_slots(table, bits, queries):  # pragma: no cover - compiled
    """Each query's position in the keys of :func:`key_table` and whether it
    is there (position 0 when it is not)."""
    size = table.shape[0]
    slot = np.zeros(queries.shape[0], dtype=np.int64)
    found = np.zeros(queries.shape[0], dtype=np.bool_)
    for j in range(queries.shape[0]):
        h = np.int64(_fmix64(np.uint64(queries[j])) >> np.uint64(64 - bits))
        while table[h, 1] >= 0:
            if table[h, 0] == queries[j]:
                slot[j] = table[h, 1]
                found[j] = True
                break
            h = (h + 1) & (size - 1)
    return slot, found
