"""Parsing a file in a process that is stopped when it goes over its budget.

pdfminer and python-docx cannot be interrupted from inside: a crafted file
keeps them busy for minutes or makes them allocate gigabytes. So they run in
one forked worker process (started at the first .pdf/.docx, reused for the
next ones), which receives ``(function, arguments)`` and answers with the
result. The worker may allocate ``parse_memory`` MiB more than it had when it
was forked (``RLIMIT_AS``); this process waits at most ``parse_seconds`` for
an answer, then kills it. Either way the file is skipped with a reason and
the next file gets a fresh worker.

Forking costs ~10 ms, once per :data:`RECYCLE_AFTER` files: plain text is
never sent here. Where ``fork`` is missing (Windows) the parse runs in this
process with the readers' own caps only. The worker dies with its parent
(:func:`~corpus.processes.die_with_parent`). It lives for one
:func:`reading_session` (a run's reading of many files); a file read
outside one gets a worker of its own.
"""

from __future__ import annotations

import atexit
import faulthandler
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from corpus.errors import InputError, MissingDependencyError
from corpus.limits import ReadLimits
from corpus.processes import die_with_parent

T = TypeVar("T")

#: A worker is replaced after this many files (memory the parsers keep).
RECYCLE_AFTER = 200


def _limit_memory(extra_mib: int) -> None:
    """Cap this process's address space at its current size plus ``extra_mib``."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = size + extra_mib * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError):  # pragma: no cover - not Linux: the deadline still holds
        pass


def _serve(conn: Connection, parent: int, memory_mib: int) -> None:
    """The worker's loop: run each job, answer ``(status, value)``."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops us
    faulthandler.disable()  # a crash here is reported by the parent, in one line
    _limit_memory(memory_mib)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            break
        if job is None:
            break
        func, args = job
        conn.send(_answer(func, args))
    conn.close()


def _answer(func: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
    try:
        return "ok", func(*args)
    except InputError as err:
        return "input", err.reason
    except MissingDependencyError as err:
        return "missing", str(err)
    except MemoryError:
        return "memory", None
    except RecursionError:
        return "error", "nested too deeply"
    except Exception as err:  # a reader bug must not take the run down: the file is named instead
        return "error", f"{type(err).__name__}: {err}"


class BoundedParser:
    """The worker process of this process, started when needed."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.owner = os.getpid()
        self.process: Any = None
        self.conn: Connection | None = None
        self.memory = 0
        self.served = 0

    def run(self, func: Callable[..., T], path: str, args: tuple[Any, ...], limits: ReadLimits) -> T:
        """``func(*args)`` in the worker, or raise :class:`InputError` for ``path``."""
        if not _can_fork():
            return func(*args)
        conn = self._worker(limits)
        try:
            conn.send((func, args))
            answer = conn.recv() if conn.poll(limits.parse_seconds) else None
        except (EOFError, OSError):  # the worker died: out of memory (killed by the kernel) or crashed
            raise InputError(path, _died(self.stop(), limits)) from None
        if answer is None:
            self.stop()
            raise InputError(path, f"exceeded the parse budget ({limits.parse_seconds:g} s; {_RAISE_TIME})")
        self.served += 1
        status, value = answer
        if status == "ok":
            return value
        if status == "memory":
            self.stop()  # a worker that ran out of memory is not to be trusted further
            raise InputError(path, f"exceeded the parse budget ({limits.parse_memory} MiB; {_RAISE_MEMORY})")
        if status == "missing":
            raise MissingDependencyError(value)
        raise InputError(path, value)

    def _worker(self, limits: ReadLimits) -> Connection:
        """The running worker, started (again) when there is none, or it has served enough."""
        if self.owner != os.getpid():  # inherited through a fork: that worker is not ours
            self._reset()
        if self.conn is not None and (self.memory != limits.parse_memory or self.served >= RECYCLE_AFTER):
            self.stop()
        if self.conn is None or self.process is None or not self.process.is_alive():
            self.stop()
            context = multiprocessing.get_context("fork")
            ours, theirs = context.Pipe()
            self.process = context.Process(
                target=_serve, args=(theirs, os.getpid(), limits.parse_memory), name="chachong-reader", daemon=True
            )
            self.process.start()
            theirs.close()
            self.conn, self.memory, self.served = ours, limits.parse_memory, 0
        return self.conn

    def stop(self) -> int | None:
        """Kill the worker (if any) and forget it; its exit code (None if there was none)."""
        code = None
        if self.owner == os.getpid() and self.process is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(5)
            code = self.process.exitcode
        if self.owner == os.getpid() and self.conn is not None:
            self.conn.close()
        self.process = self.conn = None
        return code


def _died(code: int | None, limits: ReadLimits) -> str:
    if code == -signal.SIGKILL:
        return f"exceeded the parse budget ({limits.parse_memory} MiB; the reader was killed; {_RAISE_MEMORY})"
    how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return f"the reader process crashed on this file ({how})"


_RAISE_TIME = "raise parse_seconds / CHACHONG_PARSE_SECONDS for a large file"
_RAISE_MEMORY = "raise parse_memory / CHACHONG_PARSE_MEMORY for a large file"

_parser = BoundedParser()
atexit.register(_parser.stop)
_sessions = 0


def _can_fork() -> bool:
    """Whether a worker can be forked here (not on Windows, nor from a daemonic pool worker)."""
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def parse_bounded(func: Callable[..., T], path: str, args: tuple[Any, ...], limits: ReadLimits) -> T:
    """``func(*args)`` under the parse budget of ``limits`` (see the module doc)."""
    try:
        return _parser.run(func, path, args, limits)
    finally:
        if not _sessions:
            _parser.stop()


@contextmanager
def reading_session() -> Iterator[None]:
    """Keep one worker for every file parsed inside the block; stop it after."""
    global _sessions
    _sessions += 1
    try:
        yield
    finally:
        _sessions -= 1
        if not _sessions:
            _parser.stop()
