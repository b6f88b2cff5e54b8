"""Fingerprinting many documents: batches, in a forked pool, one batch ahead."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from app.workers import batched, ordered_in_pool
from corpus.document import Document
from index.corpus import Fingerprinted, prepare_many
from index.fingerprint import FingerprintParams, load_kernels

BATCH = 256  # documents fingerprinted in one numpy pass


def prepare_in_pool(
    documents: Iterable[Document],
    params: FingerprintParams,
    *,
    workers: int = 0,
    keep_normalized: bool = False,
    batch_size: int = BATCH,
) -> Iterator[list[Fingerprinted]]:
    """:func:`~index.corpus.prepare_many` of each batch of ``documents``, in
    order, in a forked pool; ``documents`` is iterated here (it may read
    files), one batch ahead of the pool. The compiled kernels load before the
    fork so the workers inherit them."""
    work = functools.partial(prepare_many, params=params, keep_normalized=keep_normalized)
    yield from ordered_in_pool(
        work, batched(documents, batch_size), workers=workers, before_fork=functools.partial(load_kernels, params)
    )
