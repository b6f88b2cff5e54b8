"""`gate --changed-only` never overwrites or deletes a file chachong did not make.

Issue 16: a pull request adding ``state = "../victim.txt"`` to chachong.toml
made the gate replace victim.txt; ``CHACHONG_STATE=app.db`` replaced another
application's SQLite file. Run in-process (CliRunner): only exit codes,
messages and files are looked at.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tests.hostile import hostile_inputs as inputs

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("CHACHONG_INDEX", "CHACHONG_STATE", "CHACHONG_REFERENCES", "CHACHONG_IGNORE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    inputs.good_files(tmp_path / "subs")


def _gate(*args: str, env: dict[str, str] | None = None):
    result = runner.invoke(app, ["gate", "subs", "--changed-only", "--json", "gate.json", *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign_sqlite(path: Path, table: str = "users") -> Path:
    db = sqlite3.connect(path)
    db.execute(f"CREATE TABLE {table} (key TEXT, value TEXT)")
    db.execute(f"INSERT INTO {table} VALUES ('alice', 'secret')")
    db.commit()
    db.close()
    return path


def test_a_config_file_cannot_put_the_state_outside_the_folder(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (tmp_path / "subs" / "chachong.toml").write_text('state = "../victim.txt"\n', encoding="utf-8")
    result = _gate()
    assert result.exit_code == 2
    assert "outside the gated folder" in result.output and "--state" in result.output
    assert victim.read_text(encoding="utf-8") == "precious"


def test_the_environment_cannot_put_the_state_outside_the_folder(tmp_path):
    outside = _foreign_sqlite(tmp_path / "app.db")
    before = _digest(outside)
    result = _gate(env={"CHACHONG_STATE": str(outside)})
    assert result.exit_code == 2 and "CHACHONG_STATE: state" in result.output
    assert _digest(outside) == before


@pytest.mark.parametrize(
    "make",
    [
        lambda path: _foreign_sqlite(path),  # another application's database
        lambda path: _foreign_sqlite(path, table="meta"),  # ... with a table called meta, like chachong's
        lambda path: path.write_text("notes", encoding="utf-8"),  # a text file
        lambda path: path.write_bytes(b""),  # an empty file: SQLite would have made it a database
    ],
    ids=["sqlite", "sqlite-with-meta", "text", "empty"],
)
def test_a_file_chachong_did_not_make_is_refused_and_left_alone(tmp_path, make):
    target = tmp_path / "subs" / "app.db"
    make(target)
    before = _digest(target)
    result = _gate(env={"CHACHONG_STATE": "subs/app.db"})
    assert result.exit_code == 2
    assert "is not a chachong gate state" in result.output
    assert _digest(target) == before


def test_an_index_is_not_a_state_and_is_never_rebuilt(tmp_path):
    assert runner.invoke(app, ["index", "add", "subs", "--index", "subs/idx.db"]).exit_code == 0
    before = _digest(tmp_path / "subs" / "idx.db")
    result = _gate(env={"CHACHONG_STATE": "subs/idx.db", "CHACHONG_FINGERPRINT_K": "4"})
    assert result.exit_code == 2 and "is not a chachong gate state" in result.output
    assert _digest(tmp_path / "subs" / "idx.db") == before


def test_the_state_cannot_be_the_index(tmp_path):
    assert runner.invoke(app, ["index", "add", "subs", "--index", "subs/idx.db"]).exit_code == 0
    result = _gate("--index", "subs/idx.db", "--state", "subs/idx.db")
    assert result.exit_code == 2 and "is the index file" in result.output


def test_the_command_line_may_put_the_state_anywhere(tmp_path):
    first = _gate("--state", "elsewhere/state.db")
    assert first.exit_code in (0, 1), first.output
    passed = json.loads((tmp_path / "gate.json").read_text(encoding="utf-8"))["gate"]["passed"]
    assert (tmp_path / "elsewhere" / "state.db").is_file()
    assert not (tmp_path / "subs" / ".chachong").exists()
    second = _gate("--state", "elsewhere/state.db")
    assert second.exit_code == first.exit_code
    assert json.loads((tmp_path / "gate.json").read_text(encoding="utf-8"))["gate"]["unchanged"] == passed


def test_a_state_chachong_made_is_rebuilt_when_the_settings_change(tmp_path):
    assert _gate(env={"CHACHONG_FINGERPRINT_K": "4"}).exit_code in (0, 1)
    state = tmp_path / "subs" / ".chachong" / "gate-state.db"
    assert state.is_file()
    rebuilt = _gate()
    assert rebuilt.exit_code in (0, 1), rebuilt.output
    report = json.loads((tmp_path / "gate.json").read_text(encoding="utf-8"))
    assert report["gate"]["unchanged"] == [] and len(report["documents"]) == 3
    assert _gate().exit_code in (0, 1)
