"""chachong command line: parse, call a use case, pick formatters, map errors to exit codes.

Exit codes: 0 clean, 1 findings (copying found / a gate failed), 2 usage,
configuration or input error. Reports go to stdout or the named files;
progress and logs go to stderr, and a progress display is gone before any
report is printed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from cli_output import (
    AUDIT_HTML_SOURCES,
    EngineOption,
    Exit,
    ExitZeroOption,
    HtmlOption,
    IndexOption,
    JsonOption,
    ManyValues,
    MaxBytesOption,
    MaxKeyDocsOption,
    NoColorOption,
    ParquetOption,
    SparkConfOption,
    SparkMasterOption,
    TablesOption,
    WorkdirOption,
    audit_exit,
    audit_outputs,
    checked_flags,
    emit,
    fail,
    formatters,
    note,
    progress_bars,
    report_input_errors,
    settings_for,
    spark_outputs,
    stats_text,
    stderr,
    write,
)
from corpus.errors import ChachongError

app = typer.Typer(
    name="chachong",
    help="查重: plagiarism and similarity detection for Chinese work summaries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
index_app = typer.Typer(help="Build and inspect the persistent index.", no_args_is_help=True)
app.add_typer(index_app, name="index")

# -- index -------------------------------------------------------------------


@index_app.command("add")
def index_add(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to index (recursively).")],
    index: IndexOption = None,
    max_bytes: MaxBytesOption = None,
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
    from app.indexing import add_to_index, open_index
    from index.fingerprint import FingerprintParams

    try:
        settings = settings_for(Path("."), index=index, max_bytes=max_bytes)
        params = None
        if shingle is not None or shingle_size is not None:
            kind = shingle or "char"
            k = shingle_size if shingle_size is not None else (3 if kind == "word" else 5)
            params = checked_flags("--shingle/--shingle-size", FingerprintParams, shingle=kind, k=k)
        with open_index(settings.index, create=True, params=params, on_wait=note) as store, progress_bars() as progress:
            outcome, errors = add_to_index(store, paths, max_bytes=settings.max_bytes, progress=progress)
    except ChachongError as err:
        raise fail(str(err)) from err
    report_input_errors(errors)
    note(
        f"indexed into {settings.index.as_posix()}: {len(outcome.added)} added, {len(outcome.replaced)} replaced, "
        f"{len(outcome.unchanged)} unchanged, {len(errors)} failed"
    )
    raise typer.Exit(Exit.ERROR if errors else Exit.CLEAN)


@index_app.command("remove")
def index_remove(
    paths: Annotated[list[str], typer.Argument(help="Paths as indexed (see `chachong index stats --list`).")],
    index: IndexOption = None,
) -> None:
    """Remove documents from the index."""
    from app.indexing import open_index, remove_from_index

    try:
        settings = settings_for(Path("."), index=index)
        with open_index(settings.index, create=False, on_wait=note) as store:
            removed, missing = remove_from_index(store, paths)
    except ChachongError as err:
        raise fail(str(err)) from err
    for path in missing:
        stderr.print(f"[red]not in the index[/] {escape(path)}", highlight=False)
    note(f"removed {len(removed)} documents")
    raise typer.Exit(Exit.ERROR if missing else Exit.CLEAN)


@index_app.command("stats")
def index_stats(
    index: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    list_paths: Annotated[bool, typer.Option("--list", help="Also list every indexed path.")] = False,
) -> None:
    """Print what the index holds and its fingerprint parameters."""
    import json

    from app.indexing import index_stats as stats_of
    from app.indexing import open_index

    try:
        settings = settings_for(Path("."), index=index)
        with open_index(settings.index, create=False) as store:
            stats = stats_of(store, with_paths=list_paths)
    except ChachongError as err:
        raise fail(str(err)) from err
    if as_json:
        sys.stdout.write(json.dumps(stats, ensure_ascii=False, indent=2) + "\n")
        return
    sys.stdout.write(stats_text(stats))


# -- check -------------------------------------------------------------------


@app.command(cls=ManyValues)
def check(
    file: Annotated[Path, typer.Argument(help="The submission to check.")],
    index: IndexOption = None,
    against: Annotated[
        Optional[list[Path]],
        typer.Option(
            "--against",
            help="Compare with these files/folders instead of the index (--against A B, or --against A --against B).",
        ),
    ] = None,
    json_out: JsonOption = None,
    html_out: HtmlOption = None,
    max_bytes: MaxBytesOption = None,
    no_color: NoColorOption = False,
    exit_zero: ExitZeroOption = False,
) -> None:
    """Check one submission: originality score, sources and copied passages."""
    from app.check import run_check
    from reports.model import check_report, time_of_check

    try:
        settings = settings_for(Path("."), index=index, max_bytes=max_bytes)
        with progress_bars() as progress:
            result = run_check(
                [file], index=settings.index, against=against or [], max_bytes=settings.max_bytes, progress=progress
            )
        if not result.corpus.documents:
            report_input_errors(result.errors)
            where = "the --against paths hold" if against else f"the index {result.corpus.path} holds"
            raise fail(f"nothing was compared: {where} no readable document")
        report = check_report(result, checked_at=time_of_check())
        emit(report, result.texts, formatters(json=json_out, html=html_out), no_color=no_color)
    except ChachongError as err:
        raise fail(str(err)) from err
    report_input_errors(result.errors)
    if result.errors or not result.results:
        raise typer.Exit(Exit.ERROR)
    raise typer.Exit(Exit.FINDINGS if report.has_copies and not exit_zero else Exit.CLEAN)


# -- gate / config -------------------------------------------------------------

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

StateOption = Annotated[
    Optional[Path],
    typer.Option(
        "--state",
        help="Where --changed-only keeps its state (default FOLDER/.chachong/gate-state.db); may be anywhere.",
    ),
]


@app.command()
def gate(
    folder: GateDirArgument = Path("."),
    index: GateIndexOption = None,
    min_originality: MinOriginalityOption = None,
    max_source_share: MaxSourceShareOption = None,
    max_bytes: MaxBytesOption = None,
    junit_out: Annotated[Optional[Path], typer.Option("--junit", help="Write JUnit XML here.")] = None,
    sarif_out: Annotated[Optional[Path], typer.Option("--sarif", help="Write SARIF 2.1.0 here.")] = None,
    sarif_base: Annotated[
        Optional[Path],
        typer.Option(
            "--sarif-base",
            help="Folder the SARIF and JUnit paths are relative to (default: the git repository root, else FOLDER).",
        ),
    ] = None,
    json_out: JsonOption = None,
    html_out: HtmlOption = None,
    markdown_out: Annotated[
        Optional[Path], typer.Option("--markdown", help='Write a Markdown summary here (e.g. "$GITHUB_STEP_SUMMARY").')
    ] = None,
    changed_only: Annotated[
        bool, typer.Option("--changed-only", help="Check only files new or changed since they last passed.")
    ] = False,
    state: StateOption = None,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when submissions fail (report only).")
    ] = False,
    no_color: NoColorOption = False,
) -> None:
    """CI gate: check every submission in FOLDER against the index, the references and each other.

    Exit 0 when all pass, 1 when one fails the bar, 2 on a usage, configuration
    or input error (an unreadable file is named on stderr).
    """
    from app.gate import run_gate
    from reports.junit import JunitFormatter
    from reports.markdown import MarkdownFormatter
    from reports.model import gate_report, time_of_check
    from reports.sarif import SarifFormatter, repository_root

    try:
        bar = {"min_originality": min_originality, "max_source_share": max_source_share}
        config = settings_for(folder, index=index, max_bytes=max_bytes, state=state, **bar)
        with progress_bars() as progress:
            result = run_gate(config, changed_only=changed_only, progress=progress)
        report = gate_report(result, checked_at=time_of_check())
        base = sarif_base or repository_root(folder) or config.root
        outputs = [
            (JunitFormatter(base), junit_out),
            (SarifFormatter(base), sarif_out),
            (MarkdownFormatter(), markdown_out),
            *formatters(json=json_out, html=html_out),
        ]
        report_input_errors(result.errors, "[bold red]error:[/]")
        emit(report, result.texts, outputs, no_color=no_color)
    except ChachongError as err:
        raise fail(str(err)) from err
    if result.errors:
        raise typer.Exit(Exit.ERROR)
    raise typer.Exit(Exit.FINDINGS if result.failed and not exit_zero else Exit.CLEAN)


@app.command("config")
def config_command(
    folder: GateDirArgument = Path("."),
    index: GateIndexOption = None,
    min_originality: MinOriginalityOption = None,
    max_source_share: MaxSourceShareOption = None,
    max_bytes: MaxBytesOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Print the effective configuration for FOLDER and where each value came from."""
    import json

    from app.config import describe

    try:
        config = settings_for(
            folder, index=index, min_originality=min_originality, max_source_share=max_source_share, max_bytes=max_bytes
        )
    except ChachongError as err:
        raise fail(str(err)) from err
    if as_json:
        sys.stdout.write(json.dumps(config.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(describe(config))


# -- audit / report / bench ---------------------------------------------------


@app.command(cls=ManyValues)
def audit(
    dirs: Annotated[
        list[str], typer.Argument(help="Folders (or files) of submissions; --engine spark: also URIs and tables.")
    ],
    ref: Annotated[
        Optional[list[str]],
        typer.Option("--ref", help="Reference library: 范文 and past years (--ref A B, or --ref A --ref B)."),
    ] = None,
    index: Annotated[
        Optional[Path], typer.Option("--index", help="Also compare with, and extend, this persistent index.")
    ] = None,
    json_out: JsonOption = None,
    html_out: HtmlOption = None,
    csv_out: Annotated[Optional[Path], typer.Option("--csv", help="Write the originality ranking as CSV here.")] = None,
    tables: TablesOption = None,
    workdir: WorkdirOption = None,
    max_bytes: MaxBytesOption = None,
    no_color: NoColorOption = False,
    exit_zero: ExitZeroOption = False,
    engine: EngineOption = "local",
    spark_master: SparkMasterOption = "local[*]",
    spark_conf: SparkConfOption = None,
    parquet: ParquetOption = None,
    max_key_docs: MaxKeyDocsOption = None,
) -> None:
    """Audit a whole corpus: ranking, boilerplate families, clusters, who copied from whom."""
    from contextlib import ExitStack

    from app.audit import audit_params, audit_streaming
    from app.indexing import open_index

    try:
        params = audit_params(settings_for(Path("."), max_bytes=max_bytes).max_bytes, max_key_docs)
        if engine != "local":
            from app.spark import audit_on_spark

            reports = (json_out, html_out, csv_out)
            spark = audit_on_spark(
                dirs, ref or [], params, engine, spark_master, parquet, index, reports, spark_conf or []
            )
            audit_exit(
                *spark_outputs(spark, [*dirs, *(ref or [])], *reports, tables, workdir, no_color=no_color), exit_zero
            )
        with ExitStack() as stack:
            store = stack.enter_context(open_index(index, create=True, on_wait=note)) if index is not None else None
            with progress_bars() as progress:
                run = audit_streaming(dirs, ref or [], index=store, params=params, progress=progress, workdir=workdir)
            found = stack.enter_context(run)
            errors = found.errors
            copying = audit_outputs(
                found, store, [*dirs, *(ref or [])], json_out, html_out, csv_out, tables, no_color=no_color
            )
    except ChachongError as err:
        raise fail(str(err)) from err
    audit_exit(errors, copying, exit_zero)


@app.command()
def report(
    json_file: Annotated[Path, typer.Argument(help="A JSON report written by check, audit or gate.")],
    html_out: Annotated[Path, typer.Option("--html", help="Write the HTML report here.")],
    index: IndexOption = None,
) -> None:
    """Render a saved JSON report as HTML (texts from the index, else from files
    under the working directory or the report's folder)."""
    from app.indexing import open_index
    from app.texts import TextLookup
    from reports.html import HtmlFormatter
    from reports.load import load_report

    try:
        data = json_file.read_bytes()
    except OSError as err:
        raise fail(f"{json_file}: cannot read JSON report ({err.strerror or err})") from err
    try:
        loaded = load_report(data)
        settings = settings_for(Path("."), index=index)
        store = open_index(settings.index, create=False) if index is not None or settings.index.exists() else None
        try:
            texts = TextLookup(stores=[store] if store else [], roots=[Path("."), json_file.parent])
            for name, page in HtmlFormatter(workers=1).render_pages(loaded, texts, html_out.name):
                write(html_out.parent / name if name else html_out, page)
        finally:
            if store is not None:
                store.close()
    except ChachongError as err:
        raise fail(f"{json_file}: {err}") from err
    note(f"HTML report: {html_out}")


@app.command()
def bench(
    units: Annotated[int, typer.Option("--units", min=1, help="Submissions in the generated corpus.")] = 60,
    references: Annotated[int, typer.Option("--references", min=0, help="范文 in the reference library.")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="Generator seed.")] = 7,
    keep: Annotated[Optional[Path], typer.Option("--keep", help="Write the corpus here and keep it.")] = None,
    worst: Annotated[
        int, typer.Option("--worst", min=0, help="Also list this many submissions with the largest originality error.")
    ] = 0,
) -> None:
    """Quality benchmark: chachong vs the 13-character baseline (PAN measures)."""
    import tempfile

    from evaluation.benchmark import bench_config, format_table, format_worst, run_benchmark
    from evaluation.synth import generate_corpus

    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = keep or Path(tmp)
            generate_corpus(out, bench_config(units, references, seed))
            with progress_bars() as progress:
                result = run_benchmark(out, progress=progress)
    except ChachongError as err:
        raise fail(str(err)) from err
    sys.stdout.write(format_table(result) + "\n")
    if worst:
        sys.stdout.write("\n" + format_worst(result.chachong_docs, worst) + "\n")


# -- text / demo ---------------------------------------------------------------


@app.command()
def text(
    file: Annotated[Path, typer.Argument(help="Any input file.")],
    max_bytes: MaxBytesOption = None,
) -> None:
    """Print the decoded text that every offset refers to, exactly."""
    from corpus.read import read_document

    try:
        settings = settings_for(Path("."), max_bytes=max_bytes)
        decoded = read_document(file, max_bytes=settings.max_bytes)
    except ChachongError as err:
        raise fail(str(err)) from err
    sys.stdout.buffer.write(decoded.text.encode("utf-8"))
    sys.stdout.buffer.flush()
    note(f"{file}: {decoded.encoding}, {len(decoded.text)} code points")


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the demo corpus and reports into.")],
    run: Annotated[bool, typer.Option("--run/--no-run", help="Also audit the demo corpus.")] = True,
) -> None:
    """Write a generated demo corpus with planted copying, then audit it.

    The references (范文) go into the embedded SQLite index
    OUT_DIR/.chachong/index.db; the audit of the submissions against it (and
    each other) writes report.json, report.html and ranking.csv into OUT_DIR.
    """
    import dataclasses

    from app.demo import run_demo, write_demo
    from app.texts import TextLookup
    from reports.csv_report import CsvFormatter
    from reports.html import HtmlFormatter
    from reports.json_report import JsonFormatter
    from reports.model import audit_report, time_of_check

    try:
        if not run:
            documents, cases = write_demo(out_dir)
            note(f"demo corpus: {out_dir} ({documents} documents, {cases} planted cases)")
            return
        with progress_bars() as progress:
            demo_run = run_demo(out_dir, progress=progress)
        note(f"demo corpus: {out_dir} ({demo_run.documents} documents, {demo_run.cases} planted cases)")
        assert demo_run.audit is not None
        report = audit_report(demo_run.audit, demo_run.corpus, command="demo", checked_at=time_of_check())
        report = dataclasses.replace(report, errors=tuple(demo_run.errors))
        texts = TextLookup(demo_run.audit.documents)
        outputs = [
            (JsonFormatter(), out_dir / "report.json"),
            (CsvFormatter(), out_dir / "ranking.csv"),
            (HtmlFormatter(AUDIT_HTML_SOURCES), out_dir / "report.html"),
        ]
        emit(report, texts, outputs, no_color=False)
    except ChachongError as err:
        raise fail(str(err)) from err
    note(f"index: {demo_run.index}")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
