"""Every command on one folder of hostile inputs, in fresh processes.

The folder holds the bombs of issue 16 (a PDF content stream of `q Q`
operators, a 2 GiB Flate stream, a .docx of 300,000 empty paragraphs, an
8 MB line of text), the bad files that were always read right (corrupt and
encrypted .docx/.pdf, binary, NUL, GBK with a bad byte, UTF-16/32, Big5,
empty, oversized, unreadable), entries that are not files (FIFO, socket,
device, dangling and looping symlinks), names that are not UTF-8 or hold
escapes, a file 1,200 folders deep, and good files. Each command runs once
(module fixture); the tests read what they did.

Asserted: no traceback, the documented exit code (2: some input was
unreadable), every entry either processed or named in ``errors`` with its
reason, the good files reported, nothing outside chachong's own files
touched, no formula cell in the CSV, machine-readable outputs that parse.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from corpus.names import safe_path
from tests.hostile import hostile_inputs as inputs
from tests.hostile.running import Run, assert_clean_exit, chachong, one_line_messages

pytestmark = pytest.mark.slow


def _snapshot(root: Path) -> dict[bytes, tuple[int, int, int]]:
    """(mode, size, mtime) of everything under ``root``, links not followed (iterative: the tree is deep)."""
    seen: dict[bytes, tuple[int, int, int]] = {}
    stack = [os.fsencode(root)]
    while stack:
        folder = stack.pop()
        for entry in os.scandir(folder):
            info = entry.stat(follow_symlinks=False)
            seen[entry.path] = (info.st_mode, info.st_size, info.st_mtime_ns)
            if stat.S_ISDIR(info.st_mode):
                stack.append(entry.path)
    return seen


def _build(folder: Path) -> dict[str, tuple[str, str]]:
    """The hostile folder; returns {display path: (outcome, reason word)}."""
    expected: dict[str, tuple[str, str]] = {}

    def shown(name: str | bytes) -> str:
        return safe_path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))

    for entry in inputs.ENTRIES:
        entry.build(folder)
        expected[shown(entry.name)] = (entry.outcome, entry.reason)
    inputs.simple_files(folder)
    expected.update({shown(name): outcome for name, outcome in inputs.SIMPLE_OUTCOMES.items()})
    expected.update({shown(name): ("error", word) for name, word in inputs.special_entries(folder).items()})
    unreadable = inputs.unreadable_txt(folder)
    if unreadable is not None:
        expected[shown(unreadable.name)] = ("error", "")
    expected.update({shown(name): ("read", "") for name in inputs.odd_named_files(folder)})
    deep = inputs.deep_folder(folder / "deep")
    expected[safe_path(deep.as_posix())] = ("read", "")
    for path in inputs.good_files(folder / "good"):
        expected[path.as_posix()] = ("read", "")
    return expected


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Build the folder, run every command once, and yield what happened."""
    root = tmp_path_factory.mktemp("hostile")
    folder, out, elsewhere = root / "corpus", root / "out", root / "elsewhere"
    for made in (folder, out, elsewhere):
        made.mkdir()
    (elsewhere / "bystander.txt").write_text("not chachong's", encoding="utf-8")
    expected = _build(folder)
    before = _snapshot(root)
    good = folder / "good" / "good-school.txt"
    runs = {
        "audit": chachong(
            "audit", folder, "--json", "audit.json", "--csv", "ranking.csv", "--html", "audit.html", cwd=out
        ),
        "index add": chachong("index", "add", folder, "--index", "idx.db", cwd=out),
        "index stats": chachong("index", "stats", "--index", "idx.db", "--json", "--list", cwd=out),
        "gate": chachong(*_gate_args(folder, "gate.json"), cwd=out),
        "gate again": chachong(*_gate_args(folder, "gate-again.json"), cwd=out),
        "check": chachong("check", good, "--against", folder, "--json", "check.json", cwd=out),
        "report": chachong("report", "audit.json", "--html", "report.html", cwd=out),
    }
    yield {"folder": folder, "out": out, "root": root, "expected": expected, "before": before, "runs": runs}
    inputs.remove_deep(folder / "deep")  # pytest's own clean-up recurses once per level


def _gate_args(folder: Path, json_out: str) -> list[str | Path]:
    outputs = ["--json", json_out, "--sarif", "gate.sarif", "--junit", "gate.xml", "--markdown", "gate.md"]
    return ["gate", folder, "--changed-only", *outputs]


def _report(hostile, name: str) -> dict:
    return json.loads((hostile["out"] / name).read_text(encoding="utf-8"))


def _accounted(report: dict, expected: dict[str, tuple[str, str]]) -> None:
    """Every entry read or named with its reason; nothing named twice, nothing unknown."""
    read = {d["path"] for d in report["documents"]}
    errors = {e["path"]: e["reason"] for e in report["errors"]}
    assert len(errors) == len(report["errors"]), "an entry was named twice"
    for path, (outcome, word) in expected.items():
        if outcome == "read":
            assert path in read, f"{path!r} was neither read nor named: {errors.get(path)}"
        else:
            assert path in errors, f"{path!r} is not named in errors"
            assert word.lower() in errors[path].lower(), f"{path!r}: {errors[path]!r} does not say {word!r}"
    assert read | set(errors) == set(expected)


@pytest.mark.parametrize("command", ["audit", "index add", "gate", "gate again", "check"])
def test_no_traceback_and_exit_2_for_the_unreadable_files(hostile, command):
    run: Run = hostile["runs"][command]
    assert_clean_exit(run, 2)
    lines = one_line_messages(run)
    named = [line for line in lines if line.startswith(("skipped ", "error: "))]
    unreadable = sum(1 for outcome, _ in hostile["expected"].values() if outcome == "error")
    assert len(named) == unreadable, "one message line per unreadable entry"


def test_audit_reads_or_names_every_entry(hostile):
    report = _report(hostile, "audit.json")
    _accounted(report, hostile["expected"])
    good = {p for p in hostile["expected"] if "/good/" in p}
    assert good <= {d["path"] for d in report["documents"]}


def test_gate_reads_or_names_every_entry_and_remembers_only_what_it_read(hostile):
    first, again = _report(hostile, "gate.json"), _report(hostile, "gate-again.json")
    _accounted(first, hostile["expected"])
    passed = set(first["gate"]["passed"])
    assert set(again["gate"]["unchanged"]) == passed, "what passed is not read again; the rest is"
    checked = {d["path"] for d in again["documents"]}
    assert checked | passed == {d["path"] for d in first["documents"]}
    assert again["errors"] == first["errors"], "an unreadable file is named again, never carried over as a pass"
    ET.parse(hostile["out"] / "gate.xml")  # the JUnit XML parses despite the escapes in names
    sarif = json.loads((hostile["out"] / "gate.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"]
    assert (hostile["folder"] / ".chachong" / "gate-state.db").is_file()


def test_index_add_indexes_every_readable_file(hostile):
    stats = json.loads(hostile["runs"]["index stats"].stdout)
    readable = {p for p, (outcome, _) in hostile["expected"].items() if outcome == "read"}
    assert set(stats["paths"]) == readable
    assert "\\xff\\xfe" in " ".join(stats["paths"]), "the undecodable name is stored with its bytes escaped"


def test_check_against_the_hostile_folder_compares_with_the_readable_files(hostile):
    report = _report(hostile, "check.json")
    (document,) = report["documents"]
    assert document["sources"], "the good file's copied passage was found among the readable references"
    _accounted_errors = {e["path"] for e in report["errors"]}
    assert _accounted_errors == {p for p, (o, _) in hostile["expected"].items() if o == "error"}


def test_report_renders_the_saved_audit(hostile):
    assert_clean_exit(hostile["runs"]["report"], 0)
    html = (hostile["out"] / "report.html").read_text(encoding="utf-8")
    assert "\\xff\\xfe" in html and "good-school.txt" in html


def test_no_formula_cell_in_the_csv(hostile):
    text = (hostile["out"] / "ranking.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) > 10
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
    assert any(cell.startswith("'-rf.txt") or cell.endswith("/-rf.txt") for row in rows for cell in row)


def test_nothing_outside_chachongs_own_files_was_touched(hostile):
    before, after = hostile["before"], _snapshot(hostile["root"])
    ours = (os.fsencode(hostile["out"]), os.fsencode(hostile["folder"] / ".chachong"))
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    changed.discard(os.fsencode(hostile["folder"]))  # its mtime: the gate made its .chachong folder there
    assert {p for p in changed if not p.startswith(ours)} == set()
    assert (hostile["root"] / "elsewhere" / "bystander.txt").read_text(encoding="utf-8") == "not chachong's"


def test_terminal_output_holds_no_raw_escape(hostile):
    for run in hostile["runs"].values():
        assert b"\x1b" not in run.stdout
    assert "ansi\\x1b[2J" in hostile["runs"]["audit"].out
