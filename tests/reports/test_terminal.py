"""The rich terminal view: the width it is given, colour only when asked,
changes marked in the text without colour, paths shortened, CJK columns."""

import dataclasses
import io
import re

from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from cli import app
from corpus.document import DocMeta
from detector.model import DocumentResult, Match, SourceShare
from reports.model import GateSection, Report
from reports.terminal import TerminalFormatter, diff_texts, render_document
from tests.prose import COPIED, ORIGINAL_SCHOOL

ANSI = re.compile(r"\x1b\[[0-9;]*m")
LONG_NAME = "/data/2023/submissions/某某县人力资源和社会保障局关于二〇二三年度工作总结的报告（定稿）.txt"
SOURCE_NAME = "/data/2023/references/范文甲.txt"


def _report(own: str, source: str, path: str = "sub.txt", source_path: str = "ref.txt") -> DocumentResult:
    start = own.index("为进一步")
    return DocumentResult(
        path=path,
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
        max_source=source_path,
        matches=(Match(start, len(own), source_path, 0, len(source), 0.95, "copy"),),
        sources=(SourceShare(source_path, 120, 0.39, 1),),
        sections=(),
    )


OWN = ORIGINAL_SCHOOL + "\n" + COPIED.replace("我局", "我镇").replace("三百余人次", "五百余人次")


def _render(color: bool) -> str:
    texts = {"sub.txt": OWN, "ref.txt": COPIED}
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=80, force_terminal=True, no_color=not color, color_system="standard" if color else None
    )
    render_document(_report(OWN, COPIED), texts.get, console, marks=not color)
    return buffer.getvalue()


def _formatted(width: int, color: bool = False, path: str = LONG_NAME, source: str = SOURCE_NAME) -> str:
    report = Report("check", (_report(OWN, COPIED, path, source),))
    return TerminalFormatter(width=width, color=color).render(report, {path: OWN, source: COPIED}.get)


def test_plain_output_fits_80_columns_and_has_no_escape_codes():
    out = _render(color=False)
    assert not ANSI.search(out)
    assert all(cell_len(line) <= 80 for line in out.splitlines())
    assert "61.0%" in out and "ref.txt" in out and "为进一步巩固创建成果" in out


def test_the_view_takes_the_width_it_is_given():
    for width in (80, 160):
        lines = _formatted(width).splitlines()
        assert max(cell_len(line) for line in lines) == width  # panel and tables span the terminal
        assert all(cell_len(line) <= width for line in lines)


def test_a_long_chinese_file_name_stays_whole_on_a_wide_terminal():
    out = _formatted(160)
    name = LONG_NAME.rsplit("/", 1)[-1]
    assert any(name in line for line in out.splitlines())


def test_paths_are_shown_relative_to_their_common_folder():
    out = _formatted(160)
    assert "paths relative to /data/2023/" in out
    assert "references/范文甲.txt" in out and "/data/2023/references" not in out.split("\n", 1)[1]


def test_without_colour_the_changes_are_written_into_the_text():
    out = _render(color=False)
    assert "我[-局-]{+镇+}组织开展" in out
    assert "[-三百余人次-]{+五百余人次+}" in out or "[-三-]{+五+}" in out
    assert "替换 我局→我镇；三百余人次→五百余人次" in out  # whole tokens, from the one diff engine


def test_colour_marks_exactly_the_differing_characters():
    ours, theirs = diff_texts("我镇组织开展", "我局组织开展")
    changed = [ours.plain[s.start : s.end] for s in ours.spans if s.style]
    assert changed == ["镇"]
    assert [theirs.plain[s.start : s.end] for s in theirs.spans if s.style] == ["局"]
    out = _render(color=True)
    assert ANSI.search(out) and "[-" not in out


def test_traditional_script_alone_is_not_a_difference():
    ours, _ = diff_texts("衛生城市", "卫生城市")
    assert not [s for s in ours.spans if s.style]


def test_a_rewritten_passage_says_so_instead_of_listing_clauses():
    rewritten = ORIGINAL_SCHOOL + "\n为进一步巩固创建成果，" + ORIGINAL_SCHOOL[:60] + "确保整治工作不走过场、取得实效。"
    texts = {"sub.txt": rewritten, "ref.txt": COPIED}
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, no_color=True)
    render_document(_report(rewritten, COPIED), texts.get, console, marks=True)
    out = buffer.getvalue()
    assert "改写 rewritten · 相似度 95%" in out and "替换" not in out


def test_sources_are_counted_in_the_singular_and_plural():
    assert "1 source ·" in _formatted(120)
    doc = _report(OWN, COPIED)
    two = dataclasses.replace(doc, sources=(*doc.sources, SourceShare("other.txt", 10, 0.03, 1)))
    out = TerminalFormatter(width=120).render(Report("check", (two,)), {"sub.txt": OWN, "ref.txt": COPIED}.get)
    assert "2 sources ·" in out


def test_a_gate_figure_just_below_the_bar_never_prints_as_the_bar():
    doc = dataclasses.replace(_report(OWN, COPIED), originality=0.7999, max_source_share=0.15004)
    gate = GateSection(".", None, 0.8, 0.15, False, (), ("sub.txt",), (), ())
    out = TerminalFormatter(width=120).render(Report("gate", (doc,), gate=gate))
    row = next(line for line in out.splitlines() if line.startswith("FAIL"))
    assert "79.99%" in row and "15.004%" in row and "80.0%" not in row


def test_cli_respects_no_color(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ref.txt").write_bytes(COPIED.encode("utf-8"))
    (tmp_path / "sub.txt").write_bytes((ORIGINAL_SCHOOL + "\n" + COPIED.replace("我局", "我镇")).encode("utf-8"))
    monkeypatch.setenv("NO_COLOR", "1")
    result = CliRunner().invoke(app, ["check", "sub.txt", "--against", "ref.txt"], color=True)
    assert result.exit_code == 1
    assert not ANSI.search(result.stdout) and "ref.txt" in result.stdout
    assert "[-局-]{+镇+}" in result.stdout
