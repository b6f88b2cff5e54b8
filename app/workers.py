"""A pool of forked worker processes that receives its state explicitly.

``WorkerPool(task, state)`` runs ``task(state, item)`` for every item, in
order, in ``count`` forked processes (or in this process when there is one
core, no ``fork``, or few items). The state goes to each worker through the
pool's initializer: with ``fork`` it is inherited, not pickled, so a large
in-memory corpus is shared copy-on-write. ``state.after_fork()`` (when the
state has it) runs first in each worker, e.g. to open its own SQLite
connections. Every worker dies with the process that forked it (no orphan is
left to print ``BrokenPipeError`` after a ``kill -9``) and leaves Ctrl-C to
it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from corpus.processes import die_with_parent

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

#: The task and state of this worker process (set once, by the pool's initializer).
_worker: tuple[Callable[[Any, Any], Any], Any] | None = None


def _guard_worker(parent: int) -> None:
    """In a new worker: die with ``parent``; Ctrl-C is the parent's to handle
    (it stops the pool), so the workers print no KeyboardInterrupt tracebacks."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start_worker(task: Callable[[Any, Any], Any], state: Any, parent: int) -> None:
    global _worker
    _guard_worker(parent)
    after_fork = getattr(state, "after_fork", None)
    if after_fork is not None:
        after_fork()
    _worker = (task, state)


def _run_in_worker(item: Any) -> Any:
    if _worker is None:  # pragma: no cover - only reachable if the initializer did not run
        raise RuntimeError("worker state missing")
    task, state = _worker
    return task(state, item)


def cpu_count(workers: int = 0) -> int:
    """``workers``, or one per core when it is 0."""
    return workers or os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class WorkerPool(Generic[S, T, R]):
    """``task(state, item)`` over items, in forked workers when it pays."""

    def __init__(self, task: Callable[[S, T], R], state: S, *, workers: int = 0, min_items: int = 17) -> None:
        self.task = task
        self.state = state
        self.count = cpu_count(workers)
        self.min_items = min_items

    def map(self, items: Iterable[T], total: int, *, chunksize: int = 8) -> Iterator[R]:
        """The results in the order of ``items`` (``total`` of them)."""
        if self.count <= 1 or not can_fork() or total < self.min_items:
            for item in items:
                yield self.task(self.state, item)
            return
        context = multiprocessing.get_context("fork")
        initargs = (self.task, self.state, os.getpid())
        with context.Pool(self.count, initializer=_start_worker, initargs=initargs) as pool:
            yield from pool.imap(_run_in_worker, items, chunksize=chunksize)


def ordered_in_pool(
    work: Callable[[T], R], batches: Iterable[T], *, workers: int = 0, before_fork: Callable[[], Any] | None = None
) -> Iterator[R]:
    """``work`` of each batch, in order, in a forked pool, one batch ahead.

    ``batches`` is iterated in this process (it may read files or query an
    open index) while the pool works on the previous batch. Without ``fork``
    (or with one worker) everything runs here.
    """
    count = cpu_count(workers)
    if count <= 1 or not can_fork():
        yield from map(work, batches)
        return
    if before_fork is not None:
        before_fork()
    with multiprocessing.get_context("fork").Pool(count, initializer=_guard_worker, initargs=(os.getpid(),)) as pool:
        pending: list = []
        for batch in batches:
            pending.append(pool.apply_async(work, (batch,)))
            if len(pending) > count:
                yield pending.pop(0).get()
        for task in pending:
            yield task.get()


def pool_map(workers: int = 0, chunksize: int = 16) -> Callable[[Callable[[T], R], Iterable[T]], Iterator[R]]:
    """A ``map`` (results in order) over forked workers, for a function
    whose state is bound in it (a ``partial`` over a corpus is inherited by
    the workers, not pickled)."""

    def mapped(function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        listed = list(items)
        return WorkerPool(_apply, function, workers=workers).map(iter(listed), len(listed), chunksize=chunksize)

    return mapped


def _apply(function: Callable[[T], R], item: T) -> R:
    return function(item)


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
