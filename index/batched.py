"""The batched fingerprint path: many documents in one pass over their
concatenation (numpy), with shingles, grams and winnowing windows that would
cross a document border dropped, so every document gets exactly what it would
get alone. :mod:`index.kernels` is its compiled twin for large batches."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from index.hashing import MASK32, fmix32, permutations, rolling_hash32, rolling_hash64, sliding_min

if TYPE_CHECKING:  # the parameters' module imports this one
    from index.fingerprint import FingerprintParams

_CACHE_BLOCK = 8192  # shingles per in-place block of the batched path (fits L2)


def expand_counts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts [2, 0, 3]: owners [0, 0, 2, 2, 2] and indices [0, 1, 0, 1, 2]."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts)), counts)
    index = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, index


def _shingle_starts(lengths: np.ndarray, starts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Global start positions of the k-windows inside each document, and their document."""
    doc, local = expand_counts(np.maximum(lengths - k + 1, 0))
    return starts[doc] + local, doc


def batched_windows(
    cps: np.ndarray, lengths: np.ndarray, starts: np.ndarray, params: FingerprintParams, kernels=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(window signatures, stream ranges, owning document, whole-document signatures)."""
    k, step = params.k, max(1, params.window_chars // 2)
    n_chunks = np.where(lengths >= k, (lengths - k) // step + 1, 0)
    chunk_base = np.concatenate([[0], np.cumsum(n_chunks)])
    # windows start every `step` chars (see window_starts), never past the last chunk
    per_doc = np.where(lengths <= params.window_chars, 1, -(-(lengths - step) // step))
    per_doc = np.minimum(per_doc, n_chunks)
    window_doc, index_in_doc = expand_counts(per_doc)
    window_start = index_in_doc * step
    ranges = np.stack([window_start, np.minimum(window_start + params.window_chars, lengths[window_doc])], axis=1)
    if kernels is not None:
        a, b = permutations(params.num_perm, params.seed)
        window_base = np.concatenate([[0], np.cumsum(per_doc)])
        sigs, whole = kernels.window_signatures(cps, starts[:-1], lengths, k, step, chunk_base, window_base, a, b)
        return sigs, ranges, window_doc, whole  # every chunk holds a shingle: no empty window

    hashes = rolling_hash32(cps, k)
    pos, doc = _shingle_starts(lengths, starts, k)
    local = pos - starts[doc]
    chunks = chunk_minima_global(hashes[pos], chunk_base[doc] + local // step, int(chunk_base[-1]), params)
    first = chunk_base[window_doc] + window_start // step
    second = np.minimum(first + 1, chunk_base[window_doc + 1] - 1)
    sigs = np.minimum(chunks[first], chunks[second])
    nonempty = (sigs != MASK32).any(axis=1)
    whole = np.full((len(lengths), params.num_perm), MASK32, dtype=np.uint32)
    has = n_chunks > 0
    if has.any():
        whole[has] = np.minimum.reduceat(chunks, chunk_base[:-1][has], axis=0)
    return sigs[nonempty], ranges[nonempty], window_doc[nonempty], whole


def chunk_minima_global(
    hashes: np.ndarray, chunk_ids: np.ndarray, n_chunks: int, params: FingerprintParams
) -> np.ndarray:
    """Per-chunk signatures, (n_chunks, num_perm), block by block.

    Blocks of a few thousand shingles keep the (num_perm, block) matrix in
    cache and are computed in place: three times faster than whole arrays.
    """
    out = np.full((n_chunks, params.num_perm), MASK32, dtype=np.uint32)
    a, b = permutations(params.num_perm, params.seed)
    a, b = a[:, None], b[:, None]
    mixed = fmix32(hashes.astype(np.uint32, copy=False))
    buffer = np.empty((params.num_perm, _CACHE_BLOCK), dtype=np.uint32)
    for lo in range(0, len(hashes), _CACHE_BLOCK):
        hi = min(lo + _CACHE_BLOCK, len(hashes))
        ids = chunk_ids[lo:hi]
        firsts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        matrix = buffer[:, : hi - lo]
        np.multiply(a, mixed[None, lo:hi], out=matrix)
        matrix += b
        mins = np.minimum.reduceat(matrix, firsts, axis=1).T
        targets = ids[firsts]  # unique within a block; blocks may share a chunk
        out[targets] = np.minimum(out[targets], mins)
    return out


def batched_winnow(
    cps: np.ndarray, lengths: np.ndarray, starts: np.ndarray, params: FingerprintParams
) -> list[np.ndarray]:
    """Distinct winnowed gram hashes of each document (int64).

    Only the set of selected hashes is kept per document, so the winnowing
    choice reduces to the minimum of every window of ``winnow_w`` grams.
    """
    k, w = params.gram_k, params.winnow_w
    hashes = rolling_hash64(cps, k)
    n_grams = np.maximum(lengths - k + 1, 0)
    wpos, wdoc = _shingle_starts(n_grams, starts, w)  # windows inside one document
    values = sliding_min(hashes, w)[wpos].view(np.int64) if len(wpos) else np.zeros(0, dtype=np.int64)
    short = np.flatnonzero((n_grams > 0) & (n_grams <= w))  # shorter than one window: their minimum
    if len(short):
        extra = [hashes[int(starts[d]) : int(starts[d] + n_grams[d])].min() for d in short]
        values = np.concatenate([values, np.array(extra, dtype=np.uint64).view(np.int64)])
        wdoc = np.concatenate([wdoc, short])
    changed = np.r_[True, (values[1:] != values[:-1]) | (wdoc[1:] != wdoc[:-1])] if len(values) else values[:0] > 0
    values, wdoc = values[changed], wdoc[changed]  # neighbouring windows mostly share their minimum
    order = np.lexsort((values, wdoc))
    values, wdoc = values[order], wdoc[order]
    keep = np.r_[True, (values[1:] != values[:-1]) | (wdoc[1:] != wdoc[:-1])] if len(values) else np.zeros(0, bool)
    values, wdoc = values[keep], wdoc[keep]
    bounds = np.searchsorted(wdoc, np.arange(len(lengths) + 1))
    return [values[bounds[d] : bounds[d + 1]] for d in range(len(lengths))]
