"""Nothing leaks: `report` embeds no local file outside its roots, file names
reach the terminal escaped, document text reaches HTML escaped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.hostile import hostile_inputs as inputs
from tests.hostile.running import assert_clean_exit, chachong, one_line_messages
from tests.prose import COPIED, ORIGINAL_SCHOOL

pytestmark = pytest.mark.slow

SECRET = "SECRET-ROOT-PASSWORD-HASH "
CONTROL = "CONTROL-TEXT-IN-THE-REPORT-FOLDER "


def _saved_report(work: Path) -> dict:
    """A real check report with copied passages (the submission holds a script tag)."""
    inputs.good_files(work / "good")
    (work / "sub.txt").write_text(ORIGINAL_SCHOOL + "<script>alert(1)</script>\n" + COPIED, encoding="utf-8")
    run = chachong("check", "sub.txt", "--against", "good", "--json", "saved.json", cwd=work)
    assert_clean_exit(run, 1)
    return json.loads((work / "saved.json").read_text(encoding="utf-8"))


def _point_sources(report: dict, paths: list[str]) -> dict:
    """The report's document once per path, its matches and sources naming that path."""
    (document,) = report["documents"]
    report["documents"] = []
    for path in paths:
        copy = json.loads(json.dumps(document))
        for item in [*copy["matches"], *copy["sources"]]:
            item["source"] = path
        copy["max_source"] = path
        report["documents"].append(copy)
    return report


def test_report_embeds_no_file_outside_the_working_folder_or_its_own(tmp_path):
    work, reports, secret_dir = tmp_path / "work", tmp_path / "reports", tmp_path / "secret"
    for folder in (work, reports, secret_dir):
        folder.mkdir()
    shadow = secret_dir / "shadow"
    shadow.write_text(SECRET * 100, encoding="utf-8")
    (reports / "control.txt").write_text(CONTROL * 100, encoding="utf-8")
    os.symlink(shadow, reports / "innocent.txt")  # inside the report's folder, pointing out of it
    report = _point_sources(
        _saved_report(work),
        [
            str(shadow),
            "../secret/shadow",
            "../reports/innocent.txt",
            str(reports / "innocent.txt"),
            str(reports / "control.txt"),
        ],
    )
    (reports / "r.json").write_text(json.dumps(report), encoding="utf-8")
    run = chachong("report", reports / "r.json", "--html", "out.html", cwd=work)
    assert_clean_exit(run, 0)
    html = (work / "out.html").read_text(encoding="utf-8")
    assert SECRET not in html
    assert CONTROL in html, "a file under the report's own folder is read: the test can see a leak"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


def test_file_names_reach_the_terminal_escaped(tmp_path):
    inputs.good_files(tmp_path / "good")
    escape_name = b"ansi\x1b[2J\x1b]0;title\x07.txt"
    with open(os.path.join(os.fsencode(tmp_path), escape_name), "wb") as handle:
        handle.write((ORIGINAL_SCHOOL + COPIED).encode())
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "new\nline.txt").write_bytes(b"")
    (tmp_path / "refs" / "bad\udcff.txt").write_bytes(b"")
    (tmp_path / "refs" / "copy.txt").write_text(COPIED, encoding="utf-8")
    run = chachong("check", escape_name, "--against", "refs", cwd=tmp_path)
    assert_clean_exit(run, 2)  # the two empty references are input errors
    assert b"\x1b" not in run.stdout and b"\x07" not in run.stdout
    assert "ansi\\x1b[2J\\x1b]0;title\\x07.txt" in run.out
    lines = one_line_messages(run)
    assert "skipped refs/new\\nline.txt: empty file" in lines
    assert "skipped refs/bad\\xff.txt: empty file" in lines
