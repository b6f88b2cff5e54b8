"""chachong command line: parse, call the library, map errors to exit codes.

Exit codes: 0 clean, 1 findings (copying found / a gate failed), 2 usage,
configuration or input error. Reports go to stdout or ``--output``/``--json``
files; progress and logs go to stderr.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from corpus.errors import ChachongError, InputError

DEFAULT_INDEX = Path(".chachong") / "index.db"
AUDIT_HTML_SOURCES = 5  # side-by-side views per document in bulk HTML reports (file size)


class Exit(IntEnum):
    CLEAN = 0
    FINDINGS = 1
    ERROR = 2


app = typer.Typer(
    name="chachong",
    help="查重: plagiarism and similarity detection for Chinese work summaries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
index_app = typer.Typer(help="Build and inspect the persistent index.", no_args_is_help=True)
app.add_typer(index_app, name="index")

stderr = Console(stderr=True, soft_wrap=True)  # never wrap a file name in a message

IndexOption = Annotated[
    Optional[Path],
    typer.Option("--index", envvar="CHACHONG_INDEX", help="Index file (default .chachong/index.db)."),
]
MaxBytesOption = Annotated[
    int, typer.Option("--max-bytes", envvar="CHACHONG_MAX_BYTES", help="Refuse input files larger than this.")
]
NoColorOption = Annotated[bool, typer.Option("--no-color", help="Plain terminal output (also NO_COLOR=1).")]


def _stdout_console(no_color: bool) -> Console:
    plain = no_color or bool(os.environ.get("NO_COLOR"))
    return Console(
        no_color=plain,
        color_system=None if plain else "auto",  # plain means no bold or underline either
        highlight=False,
        width=80 if not sys.stdout.isatty() else None,
        soft_wrap=False,
    )


@contextmanager
def _progress() -> Iterator[Any]:
    """A rich progress bar on stderr; the callback the library takes."""
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


def _fail(message: str) -> typer.Exit:
    stderr.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(Exit.ERROR)


def _report_input_errors(errors: Sequence[InputError]) -> None:
    for error in errors:
        stderr.print(f"[red]skipped[/] {error.path}: {error.reason}", highlight=False)


def _index_path(index: Optional[Path]) -> Path:
    return index if index is not None else DEFAULT_INDEX


def _open_index(index: Optional[Path], *, create: bool, params: Any = None) -> Any:
    from index.store import IndexStore

    return IndexStore(_index_path(index), params, create=create)


def _write(path: Path, content: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8"))
    except OSError as err:
        raise ChachongError(f"cannot write {path}: {err.strerror or err}") from err


# -- index -------------------------------------------------------------------


@index_app.command("add")
def index_add(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to index (recursively).")],
    index: IndexOption = None,
    max_bytes: MaxBytesOption = 50 * 1024 * 1024,
    shingle: Annotated[
        Optional[str],
        typer.Option("--shingle", help="For a new index: 'char' k-grams (default) or 'word' k-grams of jieba tokens."),
    ] = None,
    shingle_size: Annotated[
        Optional[int], typer.Option("--shingle-size", help="For a new index: k (default 5 for char, 3 for word).")
    ] = None,
) -> None:
    """Add files to the index (one transaction; unchanged files are skipped).

    --shingle/--shingle-size choose the fingerprints of a new index; given for
    an existing index built otherwise, they are an error (never mixed hashes).
    """
    from detector.pipeline import add_to_index
    from index.fingerprint import FingerprintParams

    params = None
    if shingle is not None or shingle_size is not None:
        kind = shingle or "char"
        try:
            params = FingerprintParams(shingle=kind, k=shingle_size or (3 if kind == "word" else 5))
        except ChachongError as err:
            raise _fail(str(err)) from err
    try:
        with _open_index(index, create=True, params=params) as store, _progress() as progress:
            outcome, errors = add_to_index(store, paths, max_bytes=max_bytes, progress=progress)
    except ChachongError as err:
        raise _fail(str(err)) from err
    _report_input_errors(errors)
    stderr.print(
        f"indexed into {_index_path(index)}: {len(outcome.added)} added, {len(outcome.replaced)} replaced, "
        f"{len(outcome.unchanged)} unchanged, {len(errors)} failed",
        highlight=False,
    )
    raise typer.Exit(Exit.ERROR if errors else Exit.CLEAN)


@index_app.command("remove")
def index_remove(
    paths: Annotated[list[str], typer.Argument(help="Paths as indexed (see `chachong index stats --list`).")],
    index: IndexOption = None,
) -> None:
    """Remove documents from the index."""
    from detector.pipeline import display_path

    try:
        with _open_index(index, create=False) as store:
            wanted = [display_path(Path(p)) for p in paths]
            removed = store.remove(wanted)
    except ChachongError as err:
        raise _fail(str(err)) from err
    missing = sorted(set(wanted) - set(removed))
    for path in missing:
        stderr.print(f"[red]not in the index[/] {path}", highlight=False)
    stderr.print(f"removed {len(removed)} documents", highlight=False)
    raise typer.Exit(Exit.ERROR if missing else Exit.CLEAN)


@index_app.command("stats")
def index_stats(
    index: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    list_paths: Annotated[bool, typer.Option("--list", help="Also list every indexed path.")] = False,
) -> None:
    """Print what the index holds and its fingerprint parameters."""
    import json

    try:
        with _open_index(index, create=False) as store:
            stats = store.stats()
            if list_paths:
                stats["paths"] = store.paths()
    except ChachongError as err:
        raise _fail(str(err)) from err
    if as_json:
        sys.stdout.write(json.dumps(stats, ensure_ascii=False, indent=2) + "\n")
        return
    console = _stdout_console(False)
    for key in (
        "path",
        "documents",
        "chars",
        "windows",
        "band_rows",
        "gram_rows",
        "file_bytes",
        "first_added",
        "last_added",
    ):
        console.print(f"{key:>12}: {stats[key]}", highlight=False)
    fp = stats["fingerprint"]
    console.print(
        f"{'fingerprint':>12}: {fp['shingle']} {fp['k']}-grams, {fp['num_perm']} perms (seed {fp['seed']}), "
        f"LSH {fp['bands']}x{fp['rows']} @ {fp['lsh_threshold']}, grams k={fp['gram_k']} w={fp['winnow_w']}",
        highlight=False,
    )
    for path in stats.get("paths", []):
        console.print(path, highlight=False)


# -- check -------------------------------------------------------------------


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="The submission to check.")],
    index: IndexOption = None,
    against: Annotated[
        Optional[list[Path]], typer.Option("--against", help="Compare with these files/folders instead of the index.")
    ] = None,
    json_out: Annotated[
        Optional[Path], typer.Option("--json", help="Write the JSON report here ('-' = stdout).")
    ] = None,
    html_out: Annotated[Optional[Path], typer.Option("--html", help="Write the HTML report here.")] = None,
    max_bytes: MaxBytesOption = 50 * 1024 * 1024,
    no_color: NoColorOption = False,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when copying is found.")] = False,
) -> None:
    """Check one submission: originality score, sources and copied passages."""
    from detector.pipeline import check_paths, temporary_index
    from reports.json_report import build_report

    try:
        with _progress() as progress:
            if against:
                store, ref_errors = temporary_index(against, max_bytes=max_bytes, progress=progress)
            else:
                store, ref_errors = _open_index(index, create=False), []
            with store:
                results, errors = check_paths(store, [file], max_bytes=max_bytes, progress=progress)
                index_info = {"path": store.path, "documents": store.document_count()}
                texts = _text_loader(store)
                report = build_report(results, [*ref_errors, *errors], command="check", index=index_info)
                _emit(report, texts, json_out=json_out, html_out=html_out, no_color=no_color)
    except ChachongError as err:
        raise _fail(str(err)) from err
    _report_input_errors(ref_errors + errors)
    if errors or not results:
        raise typer.Exit(Exit.ERROR)
    found = any(m["kind"] == "copy" for d in report["documents"] for m in d["matches"])
    raise typer.Exit(Exit.FINDINGS if found and not exit_zero else Exit.CLEAN)


def _text_loader(store: Any = None, known: dict[str, str] | None = None) -> Any:
    """Decoded texts by report path, for the HTML and terminal views.

    Texts already in memory first, then the index (offsets of a source refer
    to the text as indexed), then the file on disk; None when none has it.
    """
    from corpus.readers import read_document

    cache: dict[str, str | None] = dict(known or {})

    def load(path: str) -> str | None:
        if path not in cache:
            doc_id = store.document_id(path) if store is not None else None
            if doc_id is not None:
                cache[path] = store.document(doc_id).text
            else:
                try:
                    cache[path] = read_document(path).text
                except ChachongError:
                    cache[path] = None
        return cache[path]

    return load


def _emit(
    report: dict[str, Any], texts: Any, *, json_out: Optional[Path], html_out: Optional[Path], no_color: bool
) -> None:
    from reports.json_report import dumps

    if html_out is not None:
        from reports.html import render_html

        _write(html_out, render_html(report, texts))
        stderr.print(f"HTML report: {html_out}", highlight=False)
    if json_out is not None and str(json_out) == "-":
        sys.stdout.write(dumps(report))
        return
    if json_out is not None:
        _write(json_out, dumps(report))
        stderr.print(f"JSON report: {json_out}", highlight=False)
    from reports.terminal import render_document

    console = _stdout_console(no_color)
    for doc in report["documents"]:
        render_document(doc, texts, console)


# -- gate / config -------------------------------------------------------------

# -- gate / config -------------------------------------------------------------
# These commands read CHACHONG_* variables through corpus.config (so that
# `chachong config` can say where each value came from): their options have no
# typer envvar.

GateDirArgument = Annotated[Path, typer.Argument(help="Folder of submissions (default: the current folder).")]
GateIndexOption = Annotated[
    Optional[Path], typer.Option("--index", help="Index to compare with (default .chachong/index.db if it exists).")
]
MinOriginalityOption = Annotated[
    Optional[float],
    typer.Option("--min-originality", help="Fail a submission below this originality (0-1; default 0.8)."),
]
MaxSourceShareOption = Annotated[
    Optional[float],
    typer.Option(
        "--max-source-share", help="Fail a submission when one source supplies more than this share (default 0.15)."
    ),
]
GateMaxBytesOption = Annotated[
    Optional[int], typer.Option("--max-bytes", help="Refuse input files larger than this (default 50 MiB).")
]


def _gate_config(
    folder: Path,
    index: Optional[Path],
    min_originality: Optional[float],
    max_source_share: Optional[float],
    max_bytes: Optional[int],
) -> Any:
    from corpus.config import load_config

    flags = {
        "index": index,
        "min_originality": min_originality,
        "max_source_share": max_source_share,
        "max_bytes": max_bytes,
    }
    return load_config(folder, flags=flags)


@app.command()
def gate(
    folder: GateDirArgument = Path("."),
    index: GateIndexOption = None,
    min_originality: MinOriginalityOption = None,
    max_source_share: MaxSourceShareOption = None,
    max_bytes: GateMaxBytesOption = None,
    junit_out: Annotated[Optional[Path], typer.Option("--junit", help="Write JUnit XML here.")] = None,
    sarif_out: Annotated[Optional[Path], typer.Option("--sarif", help="Write SARIF 2.1.0 here.")] = None,
    json_out: Annotated[
        Optional[Path], typer.Option("--json", help="Write the JSON report here ('-' = stdout).")
    ] = None,
    html_out: Annotated[Optional[Path], typer.Option("--html", help="Write the HTML report here.")] = None,
    markdown_out: Annotated[
        Optional[Path], typer.Option("--markdown", help='Write a Markdown summary here (e.g. "$GITHUB_STEP_SUMMARY").')
    ] = None,
    changed_only: Annotated[
        bool, typer.Option("--changed-only", help="Check only files new or changed since they last passed.")
    ] = False,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when submissions fail (report only).")
    ] = False,
    no_color: NoColorOption = False,
) -> None:
    """CI gate: check every submission in FOLDER against the index, the references and each other.

    Exit 0 when all pass, 1 when one fails the bar, 2 on a usage, configuration
    or input error (an unreadable file is named on stderr).
    """
    from detector.gate import run_gate
    from reports.json_report import dumps

    try:
        config = _gate_config(folder, index, min_originality, max_source_share, max_bytes)
        with _progress() as progress:
            result = run_gate(config, changed_only=changed_only, progress=progress)
        report = result.report()
        if junit_out is not None:
            from reports.junit import render_junit

            _write(junit_out, render_junit(report))
        if sarif_out is not None:
            from reports.sarif import render_sarif

            _write(sarif_out, render_sarif(report, result.text, config.root))
        if markdown_out is not None:
            from reports.markdown import render_markdown

            _write(markdown_out, render_markdown(report))
        if html_out is not None:
            from reports.html import render_html

            _write(html_out, render_html(report, result.text))
        if json_out is not None and str(json_out) != "-":
            _write(json_out, dumps(report))
    except ChachongError as err:
        raise _fail(str(err)) from err
    for error in result.errors:
        stderr.print(f"[bold red]error:[/] {error.path}: {error.reason}", highlight=False)
    if json_out is not None and str(json_out) == "-":
        sys.stdout.write(dumps(report))
    else:
        _print_gate_summary(result, _stdout_console(no_color))
    if result.errors:
        raise typer.Exit(Exit.ERROR)
    raise typer.Exit(Exit.FINDINGS if result.failed and not exit_zero else Exit.CLEAN)


def _print_gate_summary(result: Any, console: Any) -> None:
    reasons = {v.path: v for v in result.verdicts}
    for doc in sorted(result.results, key=lambda r: (reasons[r.path].passed, r.originality, r.path)):
        verdict = reasons[doc.path]
        mark = "[green]PASS[/]" if verdict.passed else "[bold red]FAIL[/]"
        top = f"  {doc.max_source_share:6.1%} {doc.max_source}" if doc.max_source else ""
        console.print(f"{mark} {doc.originality:7.1%}  {doc.path}{top}", highlight=False)
        for reason in verdict.reasons:
            console.print(f"       {reason.message}", highlight=False, markup=False)
    unchanged = f", {len(result.unchanged)} unchanged" if result.changed_only else ""
    console.print(
        f"{len(result.results)} checked{unchanged}: {len(result.passed)} passed, {len(result.failed)} failed, "
        f"{len(result.errors)} unreadable",
        highlight=False,
    )
    console.print(
        f"bar: originality >= {result.config.min_originality:.1%}, one source <= {result.config.max_source_share:.1%}",
        highlight=False,
    )


@app.command("config")
def config_command(
    folder: GateDirArgument = Path("."),
    index: GateIndexOption = None,
    min_originality: MinOriginalityOption = None,
    max_source_share: MaxSourceShareOption = None,
    max_bytes: GateMaxBytesOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Print the effective gate configuration for FOLDER and where each value came from."""
    import json

    from corpus.config import describe

    try:
        config = _gate_config(folder, index, min_originality, max_source_share, max_bytes)
    except ChachongError as err:
        raise _fail(str(err)) from err
    if as_json:
        sys.stdout.write(json.dumps(config.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(describe(config))


# -- audit / report / bench ---------------------------------------------------


@app.command()
def audit(
    dirs: Annotated[list[Path], typer.Argument(help="Folders (or files) of submissions.")],
    ref: Annotated[
        Optional[list[Path]], typer.Option("--ref", help="Reference library: 范文 and past years (repeatable).")
    ] = None,
    index: Annotated[
        Optional[Path],
        typer.Option("--index", envvar="CHACHONG_INDEX", help="Also compare with, and extend, this persistent index."),
    ] = None,
    json_out: Annotated[
        Optional[Path], typer.Option("--json", help="Write the JSON report here ('-' = stdout).")
    ] = None,
    html_out: Annotated[Optional[Path], typer.Option("--html", help="Write the HTML audit report here.")] = None,
    csv_out: Annotated[Optional[Path], typer.Option("--csv", help="Write the originality ranking as CSV here.")] = None,
    max_bytes: MaxBytesOption = 50 * 1024 * 1024,
    no_color: NoColorOption = False,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when copying is found.")] = False,
) -> None:
    """Audit a whole corpus: ranking, boilerplate families, clusters, who copied from whom."""
    from detector.audit import AuditParams, run_audit
    from reports.csv_report import ranking_csv
    from reports.json_report import audit_sections, build_report, dumps

    store = None
    try:
        with _progress() as progress:
            if index is not None:
                from index.store import IndexStore

                store = IndexStore(index)
            result = run_audit(dirs, ref or [], index=store, params=AuditParams(max_bytes=max_bytes), progress=progress)
            report = build_report(
                result.results,
                result.errors,
                command="audit",
                index={
                    "path": str(index) if index else ":memory:",
                    # the persistent index after the audit added to it, else the audited corpus
                    "documents": store.document_count()
                    if store is not None
                    else len(result.results) + len(result.references),
                },
                extra=audit_sections(result),
            )
            texts = _text_loader(store, result.texts)
            if csv_out is not None:
                _write(csv_out, ranking_csv(report["ranking"]))
                stderr.print(f"CSV ranking: {csv_out}", highlight=False)
            if html_out is not None:
                from reports.html import render_html

                _write(html_out, render_html(report, texts, max_sources=AUDIT_HTML_SOURCES))
                stderr.print(f"HTML report: {html_out}", highlight=False)
            if json_out is not None and str(json_out) != "-":
                _write(json_out, dumps(report))
                stderr.print(f"JSON report: {json_out}", highlight=False)
    except ChachongError as err:
        raise _fail(str(err)) from err
    finally:
        if store is not None:
            store.close()
    if json_out is not None and str(json_out) == "-":
        sys.stdout.write(dumps(report))
    else:
        from reports.terminal import render_audit

        render_audit(report, _stdout_console(no_color))
    _report_input_errors(result.errors)
    if result.errors:
        raise typer.Exit(Exit.ERROR)
    found = any(row["copied_chars"] for row in report["ranking"])
    raise typer.Exit(Exit.FINDINGS if found and not exit_zero else Exit.CLEAN)


@app.command()
def report(
    json_file: Annotated[Path, typer.Argument(help="A JSON report written by check, audit or gate.")],
    html_out: Annotated[Path, typer.Option("--html", help="Write the HTML report here.")],
    index: IndexOption = None,
) -> None:
    """Render a saved JSON report as HTML (texts are read from the files, else the index)."""
    import json

    from reports.html import render_html

    try:
        data = json.loads(json_file.read_bytes().decode("utf-8"))
    except (OSError, ValueError) as err:
        raise _fail(f"{json_file}: cannot read JSON report ({err})") from err
    if data.get("schema") != "chachong/report-v1":
        raise _fail(f"{json_file}: not a chachong report (schema {data.get('schema')!r})")
    store = None
    try:
        if index is not None or DEFAULT_INDEX.exists():
            store = _open_index(index, create=False)
        _write(html_out, render_html(data, _text_loader(store)))
    except ChachongError as err:
        raise _fail(str(err)) from err
    finally:
        if store is not None:
            store.close()
    stderr.print(f"HTML report: {html_out}", highlight=False)


@app.command()
def bench(
    units: Annotated[int, typer.Option("--units", help="Submissions in the generated corpus.")] = 60,
    references: Annotated[int, typer.Option("--references", help="范文 in the reference library.")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="Generator seed.")] = 7,
    keep: Annotated[Optional[Path], typer.Option("--keep", help="Write the corpus here and keep it.")] = None,
    worst: Annotated[
        int, typer.Option("--worst", min=0, help="Also list this many submissions with the largest originality error.")
    ] = 0,
) -> None:
    """Quality benchmark: chachong vs the 13-character baseline (PAN measures)."""
    import tempfile

    from corpus.synth import SynthConfig, generate_corpus
    from detector.benchmark import format_table, format_worst, run_benchmark

    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = keep or Path(tmp)
            generate_corpus(out, SynthConfig(n_units=units, n_references=references, seed=seed))
            with _progress() as progress:
                result = run_benchmark(out, progress=progress)
    except ChachongError as err:
        raise _fail(str(err)) from err
    sys.stdout.write(format_table(result) + "\n")
    if worst:
        sys.stdout.write("\n" + format_worst(result.chachong_docs, worst) + "\n")


# -- text / demo ---------------------------------------------------------------


@app.command()
def text(
    file: Annotated[Path, typer.Argument(help="Any input file.")],
    max_bytes: MaxBytesOption = 50 * 1024 * 1024,
) -> None:
    """Print the decoded text that every offset refers to, exactly."""
    from corpus.readers import read_document

    try:
        decoded = read_document(file, max_bytes=max_bytes)
    except ChachongError as err:
        raise _fail(str(err)) from err
    sys.stdout.buffer.write(decoded.text.encode("utf-8"))
    sys.stdout.buffer.flush()
    stderr.print(f"{file}: {decoded.encoding}, {len(decoded.text)} code points", highlight=False)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the demo corpus and reports into.")],
    run: Annotated[bool, typer.Option("--run/--no-run", help="Also audit the demo corpus.")] = True,
) -> None:
    """Write a generated demo corpus with planted copying, then audit it.

    The references (范文) and the submissions go into the embedded SQLite
    index OUT_DIR/.chachong/index.db; the audit writes report.json,
    report.html and ranking.csv into OUT_DIR.
    """
    from corpus.synth import demo_corpus
    from detector.audit import AuditParams, run_audit
    from detector.pipeline import add_to_index
    from index.store import IndexStore
    from reports.csv_report import ranking_csv
    from reports.html import render_html
    from reports.json_report import audit_sections, build_report, dumps
    from reports.terminal import render_audit

    try:
        truth = demo_corpus(out_dir)
        stderr.print(
            f"demo corpus: {out_dir} ({len(truth['documents'])} documents, {len(truth['cases'])} planted cases)"
        )
        if not run:
            return
        index_file = out_dir / ".chachong" / "index.db"
        with IndexStore(index_file) as store, _progress() as progress:
            _, errors = add_to_index(store, [out_dir / "references"], progress=progress)
            result = run_audit([out_dir / "submissions"], [], index=store, params=AuditParams(), progress=progress)
            report = build_report(
                result.results,
                [*errors, *result.errors],
                command="demo",
                index={"path": str(index_file), "documents": store.document_count()},
                extra=audit_sections(result),
            )
            texts = _text_loader(store, result.texts)
            _write(out_dir / "report.json", dumps(report))
            _write(out_dir / "ranking.csv", ranking_csv(report["ranking"]))
            _write(out_dir / "report.html", render_html(report, texts, max_sources=AUDIT_HTML_SOURCES))
    except ChachongError as err:
        raise _fail(str(err)) from err
    render_audit(report, _stdout_console(False))
    stderr.print(
        f"index: {index_file}\nJSON report: {out_dir / 'report.json'}\nHTML report: {out_dir / 'report.html'}"
        f"\nCSV ranking: {out_dir / 'ranking.csv'}",
        highlight=False,
    )


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
