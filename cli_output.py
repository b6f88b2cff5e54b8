"""What the command line prints and writes: progress, messages, reports.

Progress goes to stderr, only on a terminal and only while the work runs;
messages go to stderr on one line each, with rich markup and every control
character escaped (a file name may hold an ANSI escape or a newline); reports
go to stdout or to the files the flags name.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from corpus.errors import ChachongError, InputError
from corpus.names import printable


class Exit(IntEnum):
    """The exit codes: 0 clean, 1 findings, 2 usage, configuration or input error."""

    CLEAN = 0
    FINDINGS = 1
    ERROR = 2


stderr = Console(stderr=True, soft_wrap=True)  # never wrap a file name in a message


@contextmanager
def progress_bars() -> Iterator[Any]:
    """A rich progress bar on stderr, only on a terminal and only while the
    work runs: it is cleared when the block ends, before any report is printed."""
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
    )
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total)
        bars.update(tasks[stage], completed=done, total=total)

    with bars:
        yield update


def shown(text: object) -> str:
    """Text from anywhere (a file name, an exception) as safe rich markup for one line."""
    return escape(printable(str(text)))


def fail(message: str) -> typer.Exit:
    stderr.print(f"[bold red]error:[/] {shown(message)}", highlight=False)
    return typer.Exit(Exit.ERROR)


def note(message: str) -> None:
    stderr.print(shown(message), highlight=False)


def report_input_errors(errors: Sequence[InputError], label: str = "[red]skipped[/]") -> None:
    for error in errors:
        stderr.print(f"{label} {shown(error.path)}: {shown(error.reason)}", highlight=False)


def encoded(content: str) -> bytes:
    """UTF-8; a lone surrogate left in a report (an undecodable file name) is
    written as ``\\udcff`` rather than failing the whole write."""
    return content.encode("utf-8", errors="backslashreplace")


def write(path: Path, content: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encoded(content))
    except OSError as err:
        raise ChachongError(f"cannot write {path}: {err.strerror or err}") from err


def to_stdout(content: str) -> None:
    """Write a report to stdout as UTF-8 bytes (whatever the locale says)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # pragma: no cover - a text-only stream (some test runners)
        sys.stdout.write(content)
        return
    buffer.write(encoded(content))
    buffer.flush()


def use_color(no_color: bool) -> bool:
    return not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def terminal(no_color: bool) -> Any:
    from reports.terminal import TerminalFormatter

    return TerminalFormatter(width=None if sys.stdout.isatty() else 80, color=use_color(no_color))


def emit(report: Any, texts: Any, outputs: Sequence[tuple[Any, Optional[Path]]], *, no_color: bool) -> None:
    """Write each (formatter, path) the flags asked for; a '-' path, or else
    the terminal view, goes to stdout."""
    on_stdout = None
    for formatter, path in outputs:
        if path is None:
            continue
        if str(path) == "-":
            on_stdout = formatter
            continue
        write(path, formatter.render(report, texts))
        note(f"{formatter.label}: {path}")
    to_stdout((on_stdout or terminal(no_color)).render(report, texts))


def formatters(*, json: Optional[Path] = None, html: Optional[Path] = None, max_sources: int | None = None) -> list:
    from reports.html import HtmlFormatter
    from reports.json_report import JsonFormatter

    return [(HtmlFormatter(max_sources), html), (JsonFormatter(), json)]



def stats_text(stats: dict[str, Any]) -> str:
    keys = ("path", "documents", "chars", "windows", "band_rows", "gram_rows", "file_bytes", "first_added", "last_added")
    lines = [f"{key:>12}: {stats[key]}" for key in keys]
    fp = stats["fingerprint"]
    lines.append(
        f"{'fingerprint':>12}: {fp['shingle']} {fp['k']}-grams, {fp['num_perm']} perms (seed {fp['seed']}), "
        f"LSH {fp['bands']}x{fp['rows']} @ {fp['lsh_threshold']}, grams k={fp['gram_k']} w={fp['winnow_w']}"
    )
    lines += [printable(path) for path in stats.get("paths", [])]
    return "\n".join(lines) + "\n"
