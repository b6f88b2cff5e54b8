"""What the command line shares: its options, its settings, and what it
prints and writes (progress, messages, reports).

Progress goes to stderr, only on a terminal and only while the work runs;
messages go to stderr on one line each, with rich markup and every control
character escaped (a file name may hold an ANSI escape or a newline); reports
go to stdout or to the files the flags name.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache, partial
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperCommand

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


def spread_values(args: list[str], flags: tuple[str, ...]) -> list[str]:
    """``--against A B`` as ``--against A --against B``: the plain words after
    one of ``flags`` are all its values, up to the next option."""
    out: list[str] = []
    current = None
    for arg in args:
        if arg == "--":
            current = None
        elif arg.startswith("-") and arg != "-":
            current = arg if arg in flags else None
            out.append(arg)
            continue
        elif current is not None and out and out[-1] != current:
            out.append(current)
        out.append(arg)
    return out


class ManyValues(TyperCommand):
    """A command whose list options take several values after one flag (``--against A B``)."""

    many = ("--against", "--ref")

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, spread_values(list(args), self.many))


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


def terminal_width() -> int:
    """The terminal's width when stdout is one (COLUMNS wins, as for any tool), else 80."""
    if not sys.stdout.isatty():
        return 80
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def terminal(no_color: bool) -> Any:
    from reports.terminal import TerminalFormatter

    return TerminalFormatter(width=terminal_width(), color=use_color(no_color))


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
        if hasattr(formatter, "render_pages"):  # a report folder: the page and the documents' pages beside it
            for name, content in formatter.render_pages(report, texts, path.name):
                write(path.parent / name if name else path, content)
        else:
            write(path, formatter.render(report, texts))
        note(f"{formatter.label}: {path}")
    to_stdout((on_stdout or terminal(no_color)).render(report, texts))


def formatters(*, json: Optional[Path] = None, html: Optional[Path] = None, max_sources: int | None = None) -> list:
    from reports.html import HtmlFormatter
    from reports.json_report import JsonFormatter

    return [(HtmlFormatter(max_sources), html), (JsonFormatter(), json)]


def stats_text(stats: dict[str, Any]) -> str:
    keys = (
        "path",
        "documents",
        "chars",
        "windows",
        "band_rows",
        "gram_rows",
        "file_bytes",
        "first_added",
        "last_added",
    )
    lines = [f"{key:>12}: {stats[key]}" for key in keys]
    fp = stats["fingerprint"]
    lines.append(
        f"{'fingerprint':>12}: {fp['shingle']} {fp['k']}-grams, {fp['num_perm']} perms (seed {fp['seed']}), "
        f"LSH {fp['bands']}x{fp['rows']} @ {fp['lsh_threshold']}, grams k={fp['gram_k']} w={fp['winnow_w']}"
    )
    lines += [printable(path) for path in stats.get("paths", [])]
    return "\n".join(lines) + "\n"


# -- the audit's outputs (any corpus size) --------------------------------------------

REPORT_DOCUMENTS = 20_000  # an audit of more documents writes tables and the CSV ranking, not one JSON/HTML report
AUDIT_HTML_SOURCES = 3  # side-by-side views per document in corpus reports (the first, largest sources)


def audit_outputs(
    found: Any,
    store: Any,
    inputs: Sequence[Path],
    json_out: Optional[Path],
    html_out: Optional[Path],
    csv_out: Optional[Path],
    tables: Optional[Path],
    *,
    no_color: bool,
) -> bool:
    """The reports an audit's flags ask for: one JSON/HTML/terminal report for
    a corpus a report can hold, tables and the CSV ranking for any size."""
    from app.audit import gathered
    from app.check import CorpusInfo, library_name
    from app.texts import TextLookup
    from reports.csv_report import CsvFormatter
    from reports.model import audit_report, time_of_check

    if found.submissions > REPORT_DOCUMENTS:  # tables and the ranking in one pass over the results
        copying = write_audit_tables(found, tables, csv=csv_out)
        if tables is not None:
            note(f"audit tables: {tables}")
        if csv_out is not None:
            note(f"CSV ranking: {csv_out}")
        sys.stdout.write(_large_audit_summary(found, copying))
        if json_out is not None or html_out is not None:
            raise ChachongError(
                f"{found.submissions:,} documents are more than one JSON or HTML report holds"
                f" ({REPORT_DOCUMENTS:,}); use --tables DIR (and --csv FILE) for a corpus this large"
            )
        return copying > 0
    if tables is not None:
        write_audit_tables(found, tables)
        note(f"audit tables: {tables}")
    result = gathered(found)
    if store is not None:
        corpus = CorpusInfo(Path(store.path).as_posix(), store.document_count())
    else:
        corpus = CorpusInfo(library_name(inputs), len(result.results) + len(result.references))
    report = audit_report(result, corpus, checked_at=time_of_check())
    outputs = [(CsvFormatter(), csv_out), *formatters(json=json_out, html=html_out, max_sources=AUDIT_HTML_SOURCES)]
    emit(report, TextLookup(result.documents), outputs, no_color=no_color)
    return report.has_copies


def audit_exit(errors: list, copying: bool, exit_zero: bool) -> None:
    """An audit's exit: 2 when inputs could not be read, 1 when documents copy, else 0."""
    report_input_errors(errors)
    if errors:
        raise typer.Exit(Exit.ERROR)
    raise typer.Exit(Exit.FINDINGS if copying and not exit_zero else Exit.CLEAN)


def spark_outputs(
    spark: Any,
    inputs: Sequence[str | Path],
    json_out: Optional[Path],
    html_out: Optional[Path],
    csv_out: Optional[Path],
    tables: Optional[Path],
    workdir: Optional[Path],
    *,
    no_color: bool,
) -> tuple[list, bool]:
    """Run a Spark audit (:class:`app.spark.SparkAudit`) and write the reports
    it was asked for; with more submissions than a report holds (only
    ``--parquet`` asked for), a summary line. Returns (input errors, copying)."""
    from app.check import CorpusInfo, library_name
    from app.texts import TextLookup
    from reports.csv_report import CsvFormatter
    from reports.model import audit_report, time_of_check

    if tables is not None or workdir is not None:
        raise ChachongError("--tables and --workdir are the local engine's; --engine spark writes --parquet DIR")
    with progress_bars() as progress:
        result, _ = spark.run(progress)
    for table in spark.outcome.tables:
        note(f"Parquet table: {table}")
    dropped = spark.outcome.counts.get("keys_dropped")
    if dropped:
        note(f"{dropped:,} keys held by more than --max-key-docs documents proposed no candidates")
    if result is None:  # more submissions than a report holds: the --parquet tables have them
        sys.stdout.write(spark.summary() + "\n")
        return spark.errors, spark.outcome.has_copies
    corpus = CorpusInfo(library_name(inputs), len(result.results) + len(result.references))
    report = audit_report(result, corpus, checked_at=time_of_check())
    outputs = [(CsvFormatter(), csv_out), *formatters(json=json_out, html=html_out, max_sources=AUDIT_HTML_SOURCES)]
    emit(report, TextLookup(result.documents), outputs, no_color=no_color)
    return spark.errors, report.has_copies


def _large_audit_summary(found: Any, copying: int) -> str:
    return (
        f"audited {found.submissions:,} documents ({len(found.references):,} references): {copying:,} copying;"
        f" {len(found.families):,} families, {len(found.clusters):,} clusters, {len(found.edges):,} copy edges\n"
    )


TABLES = ("documents", "matches", "families", "clusters", "edges", "errors")


TABLE_CHUNK = 256  # results a worker turns into table lines at a time


def write_audit_tables(audit: Any, folder: Optional[Path], *, csv: Optional[Path] = None, workers: int = 0) -> int:
    """An audit (:class:`app.streaming.StreamingAudit`) as JSON Lines tables in
    ``folder`` (``documents``: the report-v1 document entries without their
    matches; ``matches``: one line per match with its ``document``;
    ``families``, ``clusters``, ``edges``, ``errors``) and its ranking as CSV
    at ``csv``. The results are read and their lines made in ``workers``
    forked processes, a chunk at a time, and written here in path order.
    Returns how many documents were found copying."""
    from reports.csv_report import ranking_csv
    from reports.json_report import edge_dict, family_dict

    rows, copying = [], 0
    try:
        with _table_files(folder, ("documents", "matches")) as (documents, matches):
            for part in _table_parts(audit, folder is not None, workers):
                rows += part.rows
                copying += part.copying
                if documents is not None and matches is not None:
                    documents.write(part.documents)
                    matches.write(part.matches)
        if folder is not None:
            _write_lines(folder / "families.jsonl", (family_dict(f) for f in audit.families))
            _write_lines(folder / "clusters.jsonl", (_cluster(c) for c in audit.clusters))
            _write_lines(folder / "edges.jsonl", (edge_dict(e) for e in audit.edges))
            _write_lines(folder / "errors.jsonl", ({"path": e.path, "reason": e.reason} for e in audit.errors))
    except OSError as err:
        raise ChachongError(f"cannot write the audit tables in {folder}: {err.strerror or err}") from err
    if csv is not None:
        rows.sort(key=lambda row: (row.originality, row.path))
        write(csv, ranking_csv(rows))
    return copying


@dataclass
class _TablePart:
    """A chunk of results as ranking rows and the UTF-8 lines of the documents and matches tables."""

    rows: list[Any]
    copying: int
    documents: bytes
    matches: bytes


def _table_parts(audit: Any, lines: bool, workers: int) -> Iterator[_TablePart]:
    """The results in path order, a chunk at a time, made into table parts in forked workers."""
    from app.workers import batched, pool_map

    chunks = list(batched(audit.order(), TABLE_CHUNK))
    return pool_map(workers, chunksize=1)(partial(_table_part, audit, lines), chunks)


def _table_part(audit: Any, lines: bool, doc_ids: Sequence[int]) -> _TablePart:
    from reports.json_report import document_dict, match_dict
    from reports.model import RankingRow

    part = _TablePart([], 0, b"", b"")
    documents, matches = [], []
    for doc_id in doc_ids:
        result = audit.spill.read(doc_id)
        part.copying += result.has_copies
        part.rows.append(RankingRow.of(result))
        if lines:
            matches += [_line(match_dict(match, document=result.path)) for match in result.matches]
            documents.append(_line(document_dict(result, matches=False)))
    part.documents = "".join(documents).encode("utf-8")
    part.matches = "".join(matches).encode("utf-8")
    return part


def _line(entry: dict[str, Any]) -> str:
    return _json_encoder()(entry) + "\n"


@lru_cache(maxsize=1)
def _json_encoder() -> Callable[[Any], str]:
    """``json.dumps(..., ensure_ascii=False)``, its encoder made once: the
    C encoder itself where there is one (``JSONEncoder.encode`` makes a new
    one on every call, a third of the cost of a short line). Lines of this
    process's own dicts, so no check for circular references."""
    import json
    from json import encoder

    slow = json.JSONEncoder(ensure_ascii=False)
    if encoder.c_make_encoder is None:
        return slow.encode
    make = encoder.c_make_encoder(None, slow.default, encoder.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda entry: "".join(make(entry, 0))


@contextmanager
def _table_files(folder: Optional[Path], names: Sequence[str]) -> Iterator[list[Any]]:
    if folder is None:
        yield [None] * len(names)
        return
    folder.mkdir(parents=True, exist_ok=True)
    files = [open(folder / f"{name}.jsonl", "wb") for name in names]  # noqa: SIM115
    try:
        yield files
    finally:
        for f in files:
            f.close()


def _write_lines(path: Path, entries: Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for entry in entries:
            f.write(_line(entry))


def _cluster(cluster: Any) -> dict[str, Any]:
    pairs = [{"a": a, "b": b, "similarity": s} for a, b, s in cluster.pairs]
    return {"id": cluster.id, "documents": list(cluster.documents), "pairs": pairs}


# -- options and settings shared by the commands ---------------------------------

IndexOption = Annotated[
    Optional[Path],
    typer.Option("--index", help="Index file (default .chachong/index.db, or CHACHONG_INDEX)."),
]
MaxBytesOption = Annotated[
    Optional[int],
    typer.Option("--max-bytes", help="Refuse input files larger than this (default 50 MiB, or CHACHONG_MAX_BYTES)."),
]
NoColorOption = Annotated[bool, typer.Option("--no-color", help="Plain terminal output (also NO_COLOR=1).")]
JsonOption = Annotated[Optional[Path], typer.Option("--json", help="Write the JSON report here ('-' = stdout).")]
HtmlOption = Annotated[
    Optional[Path],
    typer.Option(
        "--html", help="Write the HTML report here (over 20 documents: an overview, pages in OUT_STEM.files/)."
    ),
]
ExitZeroOption = Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when copying is found.")]
TablesOption = Annotated[
    Optional[Path],
    typer.Option("--tables", help="Write documents, matches, families, clusters and edges as JSONL files here."),
]
WorkdirOption = Annotated[
    Optional[Path],
    typer.Option("--workdir", help="Folder for the audit's temporary files (default: TMPDIR); ~30 KB a document."),
]
EngineOption = Annotated[str, typer.Option("--engine", help="local (this machine) or spark.")]
SparkMasterOption = Annotated[str, typer.Option("--spark-master", help="--engine spark: the master URL.")]
ParquetOption = Annotated[Optional[str], typer.Option("--parquet", help="--engine spark: write the tables here.")]
SparkConfOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--spark-conf", help="--engine spark: a spark.KEY=VALUE setting (repeatable), e.g. spark.driver.memory=12g."
    ),
]
MaxKeyDocsOption = Annotated[
    Optional[int], typer.Option("--max-key-docs", help="A band key or gram held by more documents proposes no candidates.")
]


def settings_for(root: Path, **flags: Any) -> Any:
    """The one configuration: defaults < config file < CHACHONG_* < these flags;
    its reading budget becomes this process's (:func:`corpus.limits.use_limits`)."""
    from app.config import load_settings
    from corpus.limits import use_limits

    settings = load_settings(root, flags=flags)
    use_limits(settings.limits)
    return settings


def checked_flags(flags: str, make: Any, **values: Any) -> Any:
    """``make(**values)``, its ConfigError naming the flags the values came from."""
    from corpus.errors import ConfigError

    try:
        return make(**values)
    except ConfigError as err:
        raise ConfigError(f"{flags}: {err}") from None
