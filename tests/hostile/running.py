"""Running chachong as a user would: a fresh process, a clean environment, a time bound."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

#: No command may take longer on any hostile input (a hang guard, far above what each takes).
BOUND = 120.0


@dataclass(frozen=True)
class Run:
    code: int
    stdout: bytes
    stderr: str
    seconds: float

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", "replace")


def chachong(*args: str | bytes | Path, cwd: Path, env: dict[str, str] | None = None, bound: float = BOUND) -> Run:
    """``python -m cli ARGS`` in ``cwd``; CHACHONG_* variables only from ``env``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CHACHONG_") and k != "NO_COLOR"}
    environment.update({"NO_COLOR": "1", "COLUMNS": "100", **(env or {})})
    command = [sys.executable, "-m", "cli", *(a if isinstance(a, bytes) else os.fsencode(str(a)) for a in args)]
    start = time.monotonic()
    try:
        done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, timeout=bound)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chachong {' '.join(map(str, args))} ran longer than {bound:g} s")
    stderr = done.stderr.decode("utf-8", "replace")
    return Run(done.returncode, done.stdout, stderr, time.monotonic() - start)


def assert_clean_exit(run: Run, code: int) -> None:
    """The documented exit code, and no traceback anywhere."""
    assert "Traceback" not in run.stderr and b"Traceback" not in run.stdout, run.stderr[-3000:]
    assert run.code == code, f"exit {run.code}, expected {code}\n{run.stderr[-3000:]}"


def one_line_messages(run: Run) -> list[str]:
    """stderr's lines; each must be one message (no raw escape character)."""
    lines = run.stderr.splitlines()
    assert not any("\x1b" in line for line in lines), "a raw ANSI escape reached the terminal"
    return lines
