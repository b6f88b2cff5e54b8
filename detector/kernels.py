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

BLOOM_BITS = 18  # a 32 KB bit filter in front of the table: most of a source's k-grams miss


@njit(cache=True, nogil=True, boundscheck=False)
def seed_table(sorted_a):  # pragma: no cover - compiled
    """Open-addressing table from k-gram hash to its group in ``sorted_a``
    (groups are runs of equal hashes): (keys, group ids, group starts, bloom).
    ``bloom`` has the bit of each key's top ``BLOOM_BITS`` bits set, so a
    source k-gram whose bit is clear is not probed (about nine in ten of a
    candidate's k-grams are not the submission's)."""
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
    bloom = np.zeros(1 << (BLOOM_BITS - 6), dtype=np.uint64)
    mask = capacity - 1
    for g in range(groups):
        h = sorted_a[starts[g]]
        slot = np.int64(h & np.uint64(mask))
        while ids[slot] >= 0:
            slot = (slot + 1) & mask
        keys[slot] = h
        ids[slot] = g
        top = h >> np.uint64(64 - BLOOM_BITS)
        bloom[top >> np.uint64(6)] |= np.uint64(1) << (top & np.uint64(63))
    return keys, ids, starts[: groups + 1], bloom


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
def _seeds_in(keys, ids, bloom, n_groups, cps_b, k):  # pragma: no cover - compiled
    """The k-grams of ``b`` found in the table: (positions, their groups,
    occurrences of each group in ``b``, number of k-grams of ``b``)."""
    hashes_b = gram_hashes(cps_b, 0, cps_b.shape[0], k)
    n_b = hashes_b.shape[0]
    at = np.empty(n_b, dtype=np.int64)
    group = np.empty(n_b, dtype=np.int64)
    in_b = np.zeros(n_groups, dtype=np.int64)
    n_hit = 0
    for j in range(n_b):
        h = hashes_b[j]
        top = h >> np.uint64(64 - BLOOM_BITS)
        if (bloom[top >> np.uint64(6)] >> (top & np.uint64(63))) & np.uint64(1) == 0:
            continue
        g = _group_of(keys, ids, h)
        if g >= 0:
            in_b[g] += 1
            at[n_hit] = j
            group[n_hit] = g
            n_hit += 1
    return at[:n_hit], group[:n_hit], in_b, n_b


@njit(cache=True, nogil=True, boundscheck=False)
def runs_against(
    keys, ids, bloom, group_starts, order_a, n_a, cps_b, k, max_repeats, min_length, anchor_length, reach
):  # pragma: no cover - compiled
    """Exact runs (a0, a1, b0, b1 as an (R, 4) int64 array) by diagonal, then start.

    A seed is a k-gram of ``a`` occurring in ``b`` at most ``max_repeats``
    times. Seeds on one diagonal whose k-grams touch (next start at most
    ``k`` after the previous) form a run; runs shorter than ``min_length``
    characters are dropped, and so are runs farther than ``reach`` from any
    run of ``anchor_length`` (see ``detector.align``). ``a`` is given by its
    table (:func:`seed_table`) and ``order_a`` (its positions in hash order);
    ``b`` by its code points.
    """
    seed_j, seed_group, in_b, n_b = _seeds_in(keys, ids, bloom, group_starts.shape[0], cps_b, k)
    offset = n_b  # diagonal i - j ranges over (-n_b, n_a)
    first_i = np.empty(n_a + n_b + 1, dtype=np.int64)  # read only where last_i is set
    last_i = np.full(n_a + n_b + 1, -1, dtype=np.int64)
    touched = np.empty(n_a + n_b + 1, dtype=np.int64)  # diagonals with a run, in first-seen order
    n_touched = 0
    out = np.empty((16, 4), dtype=np.int64)
    count = 0
    for s in range(seed_j.shape[0]):  # along a diagonal, j order is i order
        j, g = seed_j[s], seed_group[s]
        if in_b[g] > max_repeats:
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


@njit(cache=True, nogil=True, boundscheck=False)
def evidence_passages(
    runs, gap_a, gap_b, min_passage, join_gap, join_piece, min_longest_run, evidence
):  # pragma: no cover - compiled
    """``merge_runs``, ``join_reordered``, ``_source_extent`` and the parts of
    ``is_evidence`` that need no edit similarity, over exact runs (an (R, 4)
    array), with the same passages in the same order and the same runs in
    each. Returns (bounds (P, 4), status (P): 0 not evidence, 1 evidence,
    2 evidence if its similarity reaches the threshold, member pointers
    (P + 1), member run rows). ``evidence`` is (min_matched, min_density,
    max_length_ratio, short_passage, min_short_similarity, min_similarity)."""
    bounds, head, nxt, n_pass = _merge_runs(runs, gap_a, gap_b)
    joined = _join_reordered(bounds, head, nxt, n_pass, min_passage, join_gap, join_piece, gap_b)
    status = np.zeros(joined.shape[0], dtype=np.int64)
    ptr = np.zeros(joined.shape[0] + 1, dtype=np.int64)
    members = np.empty(runs.shape[0], dtype=np.int64)
    out = np.empty((joined.shape[0], 4), dtype=np.int64)
    for s in range(joined.shape[0]):
        count = _source_extent(runs, head[joined[s]], nxt, min_longest_run, gap_b, members, ptr[s], out[s])
        ptr[s + 1] = ptr[s] + count
        status[s] = _evidence_status(runs, members[ptr[s] : ptr[s + 1]], out[s], min_passage, min_longest_run, evidence)
    return out, status, ptr, members[: ptr[-1]]


@njit(cache=True, nogil=True, boundscheck=False)
def _merge_runs(runs, gap_a, gap_b):  # pragma: no cover - compiled
    """``merge_runs``: passage bounds, and each passage's runs as a linked list (head, next)."""
    n = runs.shape[0]
    width = np.int64(1)
    for r in range(n):
        width = max(width, runs[r, 2] + 1)
    order = np.argsort(runs[:, 0] * width + runs[:, 2])  # (a0, b0): distinct for distinct runs
    bounds = np.empty((n, 4), dtype=np.int64)
    head = np.full(n, -1, dtype=np.int64)
    tail = np.full(n, -1, dtype=np.int64)
    nxt = np.full(n, -1, dtype=np.int64)
    active = np.empty(n, dtype=np.int64)
    n_active, n_pass = 0, 0
    for t in range(n):
        r = order[t]
        a0, a1, b0, b1 = runs[r, 0], runs[r, 1], runs[r, 2], runs[r, 3]
        kept = 0
        for s in range(n_active):
            if a0 <= bounds[active[s], 1] + gap_a:
                active[kept] = active[s]
                kept += 1
        n_active = kept
        target, best = -1, gap_b + 1
        for s in range(n_active):
            p = active[s]
            distance = b0 - bounds[p, 3] if b0 > bounds[p, 3] else (bounds[p, 2] - b1 if b1 < bounds[p, 2] else 0)
            if distance < best:
                target, best = p, distance
        if target >= 0 and _repeats_matched_text(runs, bounds[target], head[target], nxt, a0, a1, b0, b1):
            continue
        if target < 0:
            bounds[n_pass, 0], bounds[n_pass, 1], bounds[n_pass, 2], bounds[n_pass, 3] = a0, a1, b0, b1
            head[n_pass], tail[n_pass] = r, r
            active[n_active] = n_pass
            n_active += 1
            n_pass += 1
            continue
        bounds[target, 1] = max(bounds[target, 1], a1)
        bounds[target, 2] = min(bounds[target, 2], b0)
        bounds[target, 3] = max(bounds[target, 3], b1)
        nxt[tail[target]] = r
        tail[target] = r
    return bounds, head, nxt, n_pass


@njit(cache=True, nogil=True, boundscheck=False, inline="always")
def _repeats_matched_text(runs, passage, first, nxt, a0, a1, b0, b1):  # pragma: no cover - compiled
    if passage[2] <= b0 and b1 <= passage[3]:
        return False
    q = first
    while q >= 0:
        if runs[q, 0] <= a0 and a1 <= runs[q, 1]:
            return True
        q = nxt[q]
    return False


@njit(cache=True, nogil=True, boundscheck=False)
def _join_reordered(bounds, head, nxt, n_pass, min_passage, join_gap, join_piece, gap_b):  # pragma: no cover - compiled
    """``join_reordered`` on the merged passages: the joined ones in
    submission order (stray runs shorter than ``min_passage`` are never
    evidence and are left out). Joining extends the target's bounds and
    appends the other's runs to its list."""
    tail = np.empty(n_pass, dtype=np.int64)
    longer = np.empty(n_pass, dtype=np.int64)
    n_long = 0
    for p in range(n_pass):
        q = head[p]
        while nxt[q] >= 0:
            q = nxt[q]
        tail[p] = q
        if bounds[p, 1] - bounds[p, 0] >= min_passage:
            longer[n_long] = p
            n_long += 1
    longer = longer[:n_long][np.argsort(bounds[longer[:n_long], 0], kind="mergesort")]
    joined = np.empty(n_long, dtype=np.int64)
    n_joined = 0
    for p in longer:
        target = -1
        for s in range(n_joined - 1, -1, -1):
            if _joinable(bounds[joined[s]], bounds[p], join_gap, join_piece, gap_b):
                target = joined[s]
                break
        if target < 0:
            joined[n_joined] = p
            n_joined += 1
            continue
        bounds[target, 1] = max(bounds[target, 1], bounds[p, 1])
        bounds[target, 2] = min(bounds[target, 2], bounds[p, 2])
        bounds[target, 3] = max(bounds[target, 3], bounds[p, 3])
        nxt[tail[target]] = head[p]
        tail[target] = tail[p]
    return joined[:n_joined]


@njit(cache=True, nogil=True, inline="always")
def _joinable(first, second, join_gap, join_piece, gap_b):  # pragma: no cover - compiled
    if second[0] - first[1] > join_gap:
        return False
    if max(first[2], second[2]) - min(first[3], second[3]) <= join_gap:
        return True
    span = max(first[3], second[3]) - min(first[2], second[2])
    sides = (first[3] - first[2]) + (second[3] - second[2])
    sentence_sized = min(first[1] - first[0], second[1] - second[0]) >= join_piece
    return sentence_sized and span <= 1.5 * sides + gap_b


@njit(cache=True, nogil=True, boundscheck=False)
def _source_extent(runs, first, nxt, min_longest_run, gap_b, members, at, out):  # pragma: no cover - compiled
    """``_source_extent``: writes the passage's runs to ``members[at:]`` and
    its bounds to ``out``; returns how many runs it keeps."""
    total, n_long = 0, 0
    lo_b, hi_b = np.int64(1) << 62, -(np.int64(1) << 62)
    q = first
    while q >= 0:
        total += 1
        if runs[q, 1] - runs[q, 0] >= min_longest_run:
            n_long += 1
            lo_b, hi_b = min(lo_b, runs[q, 2]), max(hi_b, runs[q, 3])
        q = nxt[q]
    keep_all = n_long == 0 or n_long == total
    count = 0
    out[0], out[1], out[2], out[3] = np.int64(1) << 62, -(np.int64(1) << 62), np.int64(1) << 62, -(np.int64(1) << 62)
    q = first
    while q >= 0:
        if keep_all or (runs[q, 2] >= lo_b - gap_b and runs[q, 3] <= hi_b + gap_b):
            members[at + count] = q
            count += 1
            out[0], out[1] = min(out[0], runs[q, 0]), max(out[1], runs[q, 1])
            out[2], out[3] = min(out[2], runs[q, 2]), max(out[3], runs[q, 3])
        q = nxt[q]
    return count


@njit(cache=True, nogil=True, boundscheck=False)
def _evidence_status(runs, members, bounds, min_passage, min_longest_run, evidence):  # pragma: no cover - compiled
    """``is_evidence`` up to the edit similarity: 0 no, 1 yes, 2 when the similarity decides."""
    min_matched, min_density, max_length_ratio, short_passage, min_short_similarity, min_similarity = evidence
    length, length_b = bounds[1] - bounds[0], bounds[3] - bounds[2]
    if min(length, length_b) < min_passage:
        return 0
    starts = runs[members, 0]
    ends = runs[members, 1]
    order = np.argsort(starts)
    matched, end, longest = 0, np.int64(-1), 0
    for t in order:
        longest = max(longest, ends[t] - starts[t])
        if ends[t] <= end:
            continue
        matched += ends[t] - max(starts[t], end)
        end = ends[t]
    if matched < min_matched or matched / length < min_density or longest < min_longest_run:
        return 0
    if max(length, length_b) > max_length_ratio * min(length, length_b):
        return 0
    needed = min_short_similarity if length < short_passage else min_similarity
    return 1 if matched / max(length, length_b) >= needed else 2


@njit(cache=True, nogil=True, boundscheck=False)
def stock_grams(
    d, block_lo, block_hi, ptr, holders, others, threshold, reach, together_min, longest
):  # pragma: no cover - compiled
    """``detector.stock.stock_grams`` over its blocks: True at each gram of a
    formula. ``holders[ptr[b]:ptr[b + 1]]`` are the sorted holders of block
    ``b``'s first gram (only high blocks' are read); ``longest`` is
    ``formula_length - gram_k + 1``, the most grams a formula spans."""
    n_blocks = block_lo.shape[0]
    stock = np.zeros(d.shape[0], dtype=np.bool_)
    members = np.empty(n_blocks, dtype=np.int64)
    i = 0
    while i < n_blocks:
        if d[block_lo[i]] < threshold:
            i += 1
            continue
        members[0] = i
        count = 1
        while True:
            step = _next_together(
                d, block_lo, block_hi, ptr, holders, members[:count], others, threshold, reach, together_min
            )
            if step < 0:
                break
            members[count] = step
            count += 1
        lo, hi = block_lo[i], block_hi[members[count - 1]]
        left = d[lo - 1] if lo > 0 else 0
        right = d[hi] if hi < d.shape[0] else 0
        free = d[lo] - left >= threshold or d[hi - 1] - right >= threshold
        if free and hi - lo <= longest:
            stock[lo:hi] = True
        i = members[count - 1] + 1
    return stock


@njit(cache=True, nogil=True, boundscheck=False)
def _next_together(
    d, block_lo, block_hi, ptr, holders, members, others, threshold, reach, together_min
):  # pragma: no cover - compiled
    last = members[members.shape[0] - 1]
    end = block_hi[last]
    unit = _typical_block(d, block_lo, block_hi, members)
    for j in range(last + 1, block_lo.shape[0]):
        if block_lo[j] - end > reach:
            return -1
        if d[block_lo[j]] >= threshold:
            a = holders[ptr[unit] : ptr[unit + 1]]
            b = holders[ptr[j] : ptr[j + 1]]
            if _together(a, b, others) >= together_min:
                return j
    return -1


@njit(cache=True, nogil=True, boundscheck=False)
def _typical_block(d, block_lo, block_hi, members):  # pragma: no cover - compiled
    """The member block whose ``d`` is the length-weighted median (ties in member order)."""
    ranked = members[np.argsort(d[block_lo[members]], kind="mergesort")]
    lengths = block_hi[ranked] - block_lo[ranked]
    half = lengths.sum() / 2
    total = 0
    for t in range(ranked.shape[0]):
        total += lengths[t]
        if total >= half:
            return ranked[t]
    return ranked[ranked.shape[0] - 1]


@njit(cache=True, nogil=True, boundscheck=False)
def _together(a, b, others):  # pragma: no cover - compiled
    """``detector.stock.together`` on two sorted, distinct holder lists."""
    common, i, j = 0, 0, 0
    while i < a.shape[0] and j < b.shape[0]:
        if a[i] == b[j]:
            common += 1
            i += 1
            j += 1
        elif a[i] < b[j]:
            i += 1
        else:
            j += 1
    union = a.shape[0] + b.shape[0] - common
    if union == 0 or others <= 0:
        return 0.0
    pa, pb = min(a.shape[0] / others, 1.0), min(b.shape[0] / others, 1.0)
    chance = pa * pb / (pa + pb - pa * pb)
    if chance >= 1.0:
        return 0.0
    return max(0.0, (common / union - chance) / (1.0 - chance))
