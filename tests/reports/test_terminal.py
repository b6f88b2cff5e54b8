"""The rich terminal view: 80 columns, colour only when asked, diffs marked."""

import io
import re

from rich.console import Console
from typer.testing import CliRunner

from cli import app
from corpus.document import DocMeta
from detector.model import DocumentResult, Match, SourceShare
from reports.terminal import diff_texts, render_document
from tests.prose import COPIED, ORIGINAL_SCHOOL

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _report(own: str, source: str) -> DocumentResult:
    start = own.index("为进一步")
    return DocumentResult(
        path="sub.txt",
        chars=len(own),
        encoding="utf-8",
        format="txt",
        sha256="0" * 64,
        meta=DocMeta(unit="东湖镇", year=2023),
        meaningful_chars=300,
        copied_chars=120,
        stock_chars=0,
        originality=0.61,
        max_source_share=0.39,
        max_source="ref.txt",
        matches=(Match(start, len(own), "ref.txt", 0, len(source), 0.95, "copy"),),
        sources=(SourceShare("ref.txt", 120, 0.39, 1),),
        sections=(),
    )


def _render(color: bool) -> str:
    own = ORIGINAL_SCHOOL + "\n" + COPIED.replace("我局", "我镇")
    texts = {"sub.txt": own, "ref.txt": COPIED}
    buffer = io.StringIO()
    # as cli._stdout_console builds it, on a terminal
    console = Console(
        file=buffer, width=80, force_terminal=True, no_color=not color, color_system="standard" if color else None
    )
    render_document(_report(own, COPIED), texts.get, console)
    return buffer.getvalue()


def test_plain_output_fits_80_columns_and_has_no_escape_codes():
    out = _render(color=False)
    assert not ANSI.search(out)
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "61.0%" in out and "ref.txt" in out and "为进一步巩固创建成果" in out


def test_colour_marks_exactly_the_differing_characters():
    ours, theirs = diff_texts("我镇组织开展", "我局组织开展")
    changed = [ours.plain[s.start : s.end] for s in ours.spans if s.style]
    assert changed == ["镇"]
    assert [theirs.plain[s.start : s.end] for s in theirs.spans if s.style] == ["局"]
    assert ANSI.search(_render(color=True))


def test_traditional_script_alone_is_not_a_difference():
    ours, _ = diff_texts("衛生城市", "卫生城市")
    assert not [s for s in ours.spans if s.style]


def test_cli_respects_no_color(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ref.txt").write_bytes(COPIED.encode("utf-8"))
    (tmp_path / "sub.txt").write_bytes((ORIGINAL_SCHOOL + "\n" + COPIED).encode("utf-8"))
    monkeypatch.setenv("NO_COLOR", "1")
    result = CliRunner().invoke(app, ["check", "sub.txt", "--against", "ref.txt"], color=True)
    assert result.exit_code == 1
    assert not ANSI.search(result.stdout) and "ref.txt" in result.stdout
