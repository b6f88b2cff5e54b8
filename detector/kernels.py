"""Compiled seeding for bulk alignment (numba).

:func:`runs_against` does what ``seed_pairs`` followed by ``exact_runs`` do
in numpy, without sorting the source: the submission's k-grams go into a
hash table once (:func:`seed_table`), and each candidate source is streamed
through it, every seed extending the open run on its diagonal. No seed pair
array is built or sorted. Only bulk work (``audit``) runs it, after
:func:`detector.align.use_compiled`; a one-file ``check`` keeps the numpy
path and never imports numba. Tests hold the two equal.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from index.kernels import gram_hashes


@njit(cache=True, nogil=True, boundscheck=False)
def seed_table(sorted_a):  # pragma: no cover - compiled
    """Open-addressing table from k-gram hash to its group in ``sorted_a``
    (groups are runs of equal hashes): (keys, group ids, group starts)."""
    n = sorted_a.shape[0]
    starts = np.empty(n + 1, dtype=np.int64)
    groups = 0
    for r in range(n):
        if r == 0 or sorted_a[r] != sorted_a[r - 1]:
            starts[groups] = r
            groups += 1
    starts[groups] = n
    capacity = 16
    while capacity < 2 * groups:
        capacity *= 2
    keys = np.zeros(capacity, dtype=np.uint64)
    ids = np.full(capacity, -1, dtype=np.int64)
    mask = capacity - 1
    for g in range(groups):
        h = sorted_a[starts[g]]
        slot = np.int64(h & np.uint64(mask))
        while ids[slot] >= 0:
            slot = (slot + 1) & mask
        keys[slot] = h
        ids[slot] = g
    return keys, ids, starts[: groups + 1]


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _group_of(keys, ids, h):  # pragma: no cover - compiled
    mask = keys.shape[0] - 1
    slot = np.int64(h & np.uint64(mask))
    while ids[slot] >= 0:
        if keys[slot] == h:
            return ids[slot]
        slot = (slot + 1) & mask
    return -1


@njit(cache=True, nogil=True, boundscheck=False)
def runs_against(keys, ids, group_starts, order_a, n_a, cps_b, k, max_repeats, min_length, anchor_length, reach):  # pragma: no cover - compiled
    """Exact runs (a0, a1, b0, b1 as an (R, 4) int64 array) by diagonal, then start.

    A seed is a k-gram of ``a`` occurring in ``b`` at most ``max_repeats``
    times. Seeds on one diagonal whose k-grams touch (next start at most
    ``k`` after the previous) form a run; runs shorter than ``min_length``
    characters are dropped, and so are runs farther than ``reach`` from any
    run of ``anchor_length`` (see ``detector.align``). ``a`` is given by its
    table (:func:`seed_table`) and ``order_a`` (its positions in hash order);
    ``b`` by its code points.
    """
    hashes_b = gram_hashes(cps_b, 0, cps_b.shape[0], k)
    n_b = hashes_b.shape[0]
    group_b = np.empty(n_b, dtype=np.int64)
    in_b = np.zeros(group_starts.shape[0], dtype=np.int64)
    for j in range(n_b):
        g = _group_of(keys, ids, hashes_b[j])
        group_b[j] = g
        if g >= 0:
            in_b[g] += 1
    offset = n_b  # diagonal i - j ranges over (-n_b, n_a)
    first_i = np.full(n_a + n_b + 1, -1, dtype=np.int64)
    last_i = np.full(n_a + n_b + 1, -1, dtype=np.int64)
    touched = np.empty(n_a + n_b + 1, dtype=np.int64)  # diagonals with a run, in first-seen order
    n_touched = 0
    out = np.empty((16, 4), dtype=np.int64)
    count = 0
    for j in range(n_b):  # along a diagonal, j order is i order
        g = group_b[j]
        if g < 0 or in_b[g] > max_repeats:
            continue
        for r in range(group_starts[g], group_starts[g + 1]):
            i = order_a[r]
            d = i - j + offset
            if last_i[d] >= 0 and i <= last_i[d] + k:
                last_i[d] = i
                continue
            if last_i[d] >= 0:
                if last_i[d] + k - first_i[d] >= min_length:
                    out, count = _emit(out, count, first_i[d], last_i[d] + k, d - offset)
            else:
                touched[n_touched] = d
                n_touched += 1
            first_i[d] = i
            last_i[d] = i
    for t in range(n_touched):
        d = touched[t]
        if last_i[d] + k - first_i[d] >= min_length:
            out, count = _emit(out, count, first_i[d], last_i[d] + k, d - offset)
    runs = out[:count]
    if anchor_length > 0:
        runs = runs[_near_anchor(runs, anchor_length, reach)]
    order = np.argsort((runs[:, 0] - runs[:, 2] + n_b) * (n_a + k + 1) + runs[:, 0])
    return runs[order]


@njit(cache=True, nogil=True, boundscheck=False)
def _near_anchor(runs, anchor_length, reach):  # pragma: no cover - compiled
    """Runs overlapping ``[a0 - reach, a1 + reach)`` of some anchor run."""
    n = runs.shape[0]
    anchors = np.empty(n, dtype=np.int64)
    n_anchors = 0
    for r in range(n):
        if runs[r, 1] - runs[r, 0] >= anchor_length:
            anchors[n_anchors] = r
            n_anchors += 1
    keep = np.zeros(n, dtype=np.bool_)
    for r in range(n):
        for t in range(n_anchors):
            anchor = anchors[t]
            if runs[anchor, 0] - reach < runs[r, 1] and runs[anchor, 1] + reach > runs[r, 0]:
                keep[r] = True
                break
    return keep


@njit(cache=True, nogil=True, inline="always")
def _emit(out, count, a0, a1, diagonal):  # pragma: no cover - compiled
    if count == out.shape[0]:
        bigger = np.empty((out.shape[0] * 2, 4), dtype=np.int64)
        bigger[:count] = out
        out = bigger
    out[count, 0], out[count, 1] = a0, a1
    out[count, 2], out[count, 3] = a0 - diagonal, a1 - diagonal
    return out, count + 1
