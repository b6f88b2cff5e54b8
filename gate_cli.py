"""TEMPORARY home of the ``gate`` and ``config`` commands (issue 6).

Everything between the two PASTE markers goes into ``cli.py`` as it is (after
the ``check`` command, say); the lines above the first marker only stand in
for what ``cli.py`` already has. Once pasted, delete this file and point
``tests/test_cli_gate.py`` at ``cli``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from cli import Exit, NoColorOption, _fail, _progress, _stdout_console, _write, stderr
from corpus.errors import ChachongError

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)

# ----8<---- PASTE INTO cli.py FROM HERE ----8<----

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


# ----8<---- PASTE INTO cli.py UP TO HERE ----8<----
