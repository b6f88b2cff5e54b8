"""Every path compares a document the same way (issue 13, "one comparison, every path").

The same submission compared with the same other documents gets the same
matches and figures from ``check`` through an index, ``check --against``,
``audit``, ``audit --index`` (a new index, and one that already holds every
document under absolute paths) and ``gate`` (with references and that index,
all files or, on a first run, ``--changed-only``):
a document is one source however its path is spelled.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.demo import write_demo
from cli import app

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def _run(args: list[str]) -> dict:
    result = CliRunner().invoke(app, [*args, "--json", "-", "--exit-zero"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _canonical(path: str) -> str:
    return Path(path).resolve().as_posix()


def _summary(document: dict) -> dict:
    """What must agree: the figures, the sources and every match, paths resolved."""
    matches = sorted(
        (m["kind"], m["start"], m["end"], _canonical(m["source"]), m["source_start"], m["source_end"], m["later"])
        for m in document["matches"]
    )
    figures = {k: document[k] for k in ("originality", "copied_chars", "stock_chars", "own_chars", "copy_ratio")}
    return {"figures": figures, "max_source": _canonical(document["max_source"] or "."), "matches": matches}


def _by_document(report: dict) -> dict[str, dict]:
    return {_canonical(d["path"]): _summary(d) for d in report["documents"]}


def _index(path: Path, *folders: Path) -> Path:
    for folder in folders:
        result = CliRunner().invoke(app, ["index", "add", str(folder.resolve()), "--index", str(path)])
        assert result.exit_code == 0, result.output
    return path


def _all_paths(submissions: Path, references: Path | None, tmp: Path) -> dict[str, dict[str, dict]]:
    """Each path's per-document summaries; the comparison set is always every
    other submission and every reference."""
    refs = ["--ref", str(references)] if references else []
    full = _index(tmp / "full.db", *([references] if references else []), submissions)
    files = sorted(p for p in submissions.iterdir() if p.is_file() and not p.name.startswith("."))
    against = [a for folder in ([references] if references else []) + [submissions] for a in ("--against", str(folder))]
    paths = {
        "audit": _by_document(_run(["audit", str(submissions), *refs])),
        "audit --index (new)": _by_document(_run(["audit", str(submissions), *refs, "--index", str(tmp / "new.db")])),
        "audit --index (full)": _by_document(_run(["audit", str(submissions), "--index", str(full)])),
        "check --index": {},
        "check --against": {},
    }
    for file in files:
        paths["check --index"].update(_by_document(_run(["check", str(file), "--index", str(full)])))
        paths["check --against"].update(_by_document(_run(["check", str(file), *against])))
    config = f"references = [{json.dumps(str(references.resolve()))}]\n" if references else ""
    (submissions / "chachong.toml").write_text(config, encoding="utf-8")
    paths["gate"] = _by_document(_run(["gate", str(submissions), "--index", str(full)]))
    first_changed_only = _run(["gate", str(submissions), "--index", str(full), "--changed-only"])
    paths["gate --changed-only"] = _by_document(first_changed_only)
    return paths


def _assert_agree(paths: dict[str, dict[str, dict]]) -> None:
    reference_name, reference = next(iter(paths.items()))
    assert reference, "no documents compared"
    for name, found in paths.items():
        assert sorted(found) == sorted(reference), name
        for document, summary in reference.items():
            assert found[document] == summary, f"{name} differs from {reference_name} on {document}"


def _no_source_twice(paths: dict[str, dict[str, dict]]) -> None:
    """Two spellings of one document never appear as two sources of one region."""
    for found in paths.values():
        for summary in found.values():
            regions = [(m[1], m[2], m[3]) for m in summary["matches"]]
            assert len(regions) == len(set(regions))


def test_every_path_agrees_on_the_demo_corpus(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_demo(Path("demo"))
    paths = _all_paths(Path("demo/submissions"), Path("demo/references"), tmp_path)
    _assert_agree(paths)
    _no_source_twice(paths)
    copied = [s for s in paths["audit"].values() if s["figures"]["copied_chars"]]
    assert len(copied) >= 6  # the demo's planted copying is found, not an empty agreement


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds not present")
def test_every_path_agrees_on_the_seed_pages_and_finds_their_two_passages(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SEEDS, tmp_path / "seeds")
    paths = _all_paths(Path("seeds"), None, tmp_path)
    _assert_agree(paths)
    _no_source_twice(paths)
    for name, found in paths.items():
        first = next(s for d, s in found.items() if Path(d).name.startswith("000"))
        copies = [m for m in first["matches"] if m[0] == "copy"]
        assert len(copies) == 2, name
        assert {Path(m[3]).name[:3] for m in copies} == {"002"}, name
