"""Child processes and temporary folders that do not outlive chachong.

Forked workers ask the kernel to kill them when their parent dies
(:func:`die_with_parent`), so a ``kill -9`` of chachong leaves no orphan
writing ``BrokenPipeError`` tracebacks into the terminal. Temporary folders
carry the pid of the process that made them (:func:`private_tempdir`), so a
later run can delete those whose maker is gone (:func:`clean_stale_tempdirs`),
and only those: nothing else in the temporary folder is touched.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import sys
import tempfile
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """In a forked child: be killed with SIGKILL when the parent process dies.

    Linux only (elsewhere nothing happens). ``parent`` is the pid the child
    was forked from: if that process is already gone, exit now.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)  # the process's own symbols, libc's among them
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc to ask
            pass
    if parent is not None and os.getppid() != parent:
        os._exit(0)  # the parent died before the request took effect


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (it may belong to another user)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def private_tempdir(prefix: str) -> str:
    """A new temporary folder named ``<prefix><pid>-<random>``."""
    return tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-")


def clean_stale_tempdirs(prefix: str, folder: str | None = None) -> list[str]:
    """Delete the folders :func:`private_tempdir` made with ``prefix`` whose
    process is gone; only this user's, only folders. Returns their paths."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)-[A-Za-z0-9_]+")
    root = Path(folder or tempfile.gettempdir())
    removed = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or pid_alive(int(match.group(1))):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not entry.is_dir(follow_symlinks=False) or info.st_uid != os.getuid():
                continue
        except OSError:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.path)
    return removed
