"""Memory of a process and all its descendants, sampled: peak PSS and peak sum of RSS.

A forked worker shares most pages with its parent; the sum of RSS counts a
shared page once per process that maps it, PSS divides it among them, so
the PSS of all processes added up is what the tree really holds. Both are
read from ``/proc/PID/smaps_rollup`` (Linux) every ``interval`` seconds by a
thread of the measuring process; the peaks between samples are missed (a
spike shorter than the interval can go unseen).

Reading the rollup is not free: the kernel walks every mapped page, about
18 ms of CPU for a process of 2 GiB, so sampling three such processes five
times a second would take a seventh of a two-core machine from the run it
measures. The sampler therefore waits at least ``1 / budget`` times what
its last sample cost (by default it takes at most 2% of one core) and
reports the CPU it used.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

MIB = 2**20


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc/*/task/*/children)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                queue += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def rollup_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in KiB; (0, 0) when it is gone."""
    pss = rss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    except (OSError, ValueError):
        return 0, 0
    return pss, rss


def available() -> bool:
    return Path(f"/proc/{os.getpid()}/smaps_rollup").is_file()


@dataclass
class TreeSampler:
    """Samples (time.monotonic(), PSS MiB, RSS MiB, processes) of a process tree in a thread."""

    pid: int
    interval: float = 0.2  # the shortest wait between samples
    budget: float = 0.02  # the share of one core the sampling may take
    samples: list[tuple[float, float, float, int]] = field(default_factory=list)
    cpu_seconds: float = 0.0  # what the sampling cost, in this thread's CPU time

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> TreeSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            before = time.thread_time()
            self.sample()
            cost = time.thread_time() - before
            self.cpu_seconds += cost
            self._stop.wait(max(self.interval, cost / self.budget))

    def sample(self) -> None:
        pids = descendants(self.pid)
        pss = rss = 0
        for pid in pids:
            p, r = rollup_kib(pid)
            self.seen(pid, p)
            pss, rss = pss + p, rss + r
        if pss:
            self.samples.append((time.monotonic(), pss / 1024, rss / 1024, len(pids)))

    def seen(self, pid: int, pss_kib: int) -> None:
        """What a subclass keeps of each process's sample (each rollup is read once)."""

    def peak(self, start: float = float("-inf"), end: float = float("inf")) -> dict[str, float]:
        """Peak PSS and peak RSS sum (MiB) of the samples in [start, end]."""
        inside = [s for s in self.samples if start <= s[0] <= end]
        if not inside:
            return {"pss_mib": 0.0, "rss_mib": 0.0, "processes": 0}
        return {
            "pss_mib": max(s[1] for s in inside),
            "rss_mib": max(s[2] for s in inside),
            "processes": max(s[3] for s in inside),
        }
