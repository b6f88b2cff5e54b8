"""On a real terminal (a pseudo-terminal with stdout and stderr both on it,
read through the pyte terminal emulator) every report is complete and no
progress bar is left in it: the screen is the same as when stderr goes
elsewhere and no bar is ever drawn."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

pyte = pytest.importorskip("pyte")

COLUMNS, ROWS = 160, 50
BAR = "━"
ELAPSED = b"0:00:0"  # the progress bars' elapsed-time column


def _screen(args: list[str], cwd: Path, *, stderr_on_tty: bool = True) -> tuple[list[str], bytes]:
    """The lines a 160-column terminal shows after the command (scrollback too)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    code = "import sys; from cli import app; sys.argv[0] = 'chachong'; app()"
    stderr = slave if stderr_on_tty else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=slave,
        stdout=slave,
        stderr=stderr,
        cwd=cwd,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the other end closed
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=120)
    os.close(master)
    raw = b"".join(chunks)
    screen = pyte.HistoryScreen(COLUMNS, ROWS, history=5000)
    screen.set_mode(pyte.modes.LNM)
    pyte.ByteStream(screen).feed(raw)
    history = ["".join(line[x].data for x in range(COLUMNS)).rstrip() for line in screen.history.top]
    lines = history + [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return lines, raw


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from app.demo import write_demo

    root = tmp_path_factory.mktemp("tty")
    write_demo(root / "demo")
    return root


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["check", "demo/submissions/2021_兴安县财政局.txt", "--against", "demo/submissions", "demo/references"],
        ["audit", "demo/submissions", "--ref", "demo/references"],
    ],
    ids=["check", "audit"],
)
def test_the_report_on_a_terminal_is_whole_and_free_of_progress_bars(demo, args):
    shown, raw = _screen(args, demo)
    quiet, quiet_raw = _screen(args, demo, stderr_on_tty=False)
    assert ELAPSED in raw and ELAPSED not in quiet_raw  # bars (with their elapsed time) were drawn, then cleared
    assert shown == quiet  # the progress display left nothing behind and erased nothing
    assert not any(BAR in line and "/" in line and "0:00" in line for line in shown)
    assert max(len(line) for line in shown) > 80  # the terminal's full width is used
    last = shown[-1]
    if args[0] == "check":
        assert last.endswith("not counted as copying") or "替换" in last or "改写" in last
    else:
        assert last.endswith(("跨时抄", "跨地抄", "未知")) or "near-duplicates" in last
