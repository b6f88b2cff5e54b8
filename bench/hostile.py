"""Time and peak memory of `chachong check` on each hostile input.

    python -m bench.hostile [--timeout 120] [--only NAME ...] [--keep DIR] [--code DIR]

Builds each input of ``tests/hostile/hostile_inputs.py`` next to a few good
files, runs ``python -m cli check INPUT --against GOOD --html OUT`` in a
fresh process and prints one row per input: exit code, wall time, peak
resident memory of the process and its children (the parse worker included),
the size of the HTML report and what stderr says about the input. ``--code``
runs another checkout of chachong (``git archive <commit> | tar -x -C DIR``)
on the same inputs, for a before/after table. A run still going at
``--timeout`` is killed and shown as such. Nothing is asserted: the hostile
suite in tests/hostile/ holds the rules; this prints the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.hostile import hostile_inputs as inputs  # noqa: E402

#: The full-size inputs of the issue (the test suite builds smaller ones).
_FULL_SIZE = ("qQ-flood.pdf", "paragraph-flood.docx")
BUILDS = {
    "qQ-flood.pdf": lambda folder: inputs.operator_flood_pdf(folder, 16 * inputs.MIB),
    "flate-bomb.pdf": lambda folder: inputs.flate_bomb_pdf(folder, 2048 * inputs.MIB),
    "paragraph-flood.docx": lambda folder: inputs.paragraph_flood_docx(folder, 30_000_000, plain_runs=31),
    "one-line.txt": lambda folder: inputs.long_line_txt(folder, 8 * inputs.MIB),
    # under the 32 MiB stream cap: only the parse deadline stops these 4 M operators
    "qQ-under-cap.pdf": lambda folder: inputs.operator_flood_pdf(folder, 4 * inputs.MIB, name="qQ-under-cap.pdf"),
    # a 2 GiB stream that calls itself an image (which the stream check skips): only the memory budget stops it
    "image-bomb.pdf": lambda folder: inputs.image_labelled_bomb(folder),
    **{entry.name: entry.build for entry in inputs.ENTRIES if entry.name not in _FULL_SIZE},
}


def run(command: list[str], timeout: float, cwd: Path, code_dir: Path) -> tuple[int | None, float, int, str]:
    """(exit code or None when killed, seconds, peak RSS in KiB, what stderr says)."""
    start = time.monotonic()
    env = {**os.environ, "PYTHONPATH": str(code_dir)}
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
        code: int | None = None
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                _, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        process.returncode = code if code is not None else -9
        seconds = time.monotonic() - start
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").splitlines()
    said = [line for line in lines if line.startswith(("skipped", "error"))]
    first = said[0] if said else ""
    if any(line.startswith("Traceback") for line in lines):
        first = "TRACEBACK: " + (lines[-1] if lines else "")
    return code, seconds, usage.ru_maxrss, first.split(": ", 1)[-1][:90]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--code", type=Path, default=REPO, help="the chachong checkout to run")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="chachong-hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    good = work / "good"
    inputs.good_files(good)
    print(f"# chachong check on hostile inputs ({args.code}, timeout {args.timeout:g} s)")
    print(f"{'input':<22} {'bytes':>11} {'exit':>5} {'seconds':>8} {'peak MiB':>9} {'html KiB':>9}  stderr")
    for name, build in BUILDS.items():
        if args.only and name not in args.only:
            continue
        folder = work / name.replace(".", "-")
        folder.mkdir(exist_ok=True)
        path = build(folder)
        out = folder / "report.html"
        command = [sys.executable, "-m", "cli", "check", str(path), "--against", str(good), "--html", str(out)]
        code, seconds, peak, first = run(command, args.timeout, work, args.code.resolve())
        shown = "kill" if code is None else str(code)
        size = out.stat().st_size // 1024 if out.exists() else 0
        print(f"{name:<22} {path.stat().st_size:>11} {shown:>5} {seconds:>8.1f} {peak / 1024:>9.0f} {size:>9}  {first}")
        sys.stdout.flush()
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
