"""`chachong audit --engine spark` where Spark cannot run, or with options it does
not take: one line naming the fix, exit code 2, no traceback; and what
--spark-conf sets. These need neither pyspark nor Java."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from cli import app


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "a.txt").write_bytes("本年度我局把档案数字化作为重点，扫描历史卷宗两万余卷。".encode())
    return tmp_path


def test_without_java_the_command_names_the_fix_and_exits_2(monkeypatch, folder):
    from app.spark import session

    monkeypatch.setattr(session, "java_executable", lambda: None)
    result = CliRunner().invoke(app, ["audit", str(folder), "--engine", "spark"])
    assert result.exit_code == 2
    assert "needs Java" in result.output and "openjdk-17-jre-headless" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_without_pyspark_the_command_names_the_extra_and_exits_2(monkeypatch, folder):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    result = CliRunner().invoke(app, ["audit", str(folder), "--engine", "spark"])
    assert result.exit_code == 2
    assert "pip install 'chachong[spark]'" in result.output and "Traceback" not in result.output


def test_index_and_unknown_engines_are_usage_errors(folder):
    with_index = CliRunner().invoke(app, ["audit", str(folder), "--engine", "spark", "--index", "i.db"])
    assert with_index.exit_code == 2 and "--index works with --engine local only" in with_index.output
    unknown = CliRunner().invoke(app, ["audit", str(folder), "--engine", "flink"])
    assert unknown.exit_code == 2 and "--engine must be local or spark" in unknown.output


@pytest.mark.parametrize("bad", ["spark.driver.memory", "driver.memory=12g", "spark.driver.memory=", "=12g"])
def test_a_malformed_spark_conf_is_a_usage_error(folder, bad):
    result = CliRunner().invoke(app, ["audit", str(folder), "--engine", "spark", "--spark-conf", bad])
    assert result.exit_code == 2
    assert "--spark-conf takes spark.KEY=VALUE" in result.output and repr(bad) in result.output
    assert "Traceback" not in result.output


def test_spark_conf_settings_reach_the_session_over_its_defaults(monkeypatch):
    from app.audit import AuditParams
    from app.spark import audit_on_spark, session

    monkeypatch.setattr("app.spark.require_spark", lambda: None)  # the settings need neither pyspark nor Java
    pairs = ["spark.driver.memory=12g", " spark.sql.shuffle.partitions = 64 ", "spark.driver.memory=16g"]
    audit = audit_on_spark(["subs"], [], AuditParams(), "spark", "local[2]", None, None, (None,), pairs)
    conf = session.spark_conf(audit.settings)
    assert conf["spark.driver.memory"] == "16g"  # the last of a key wins, as in spark-submit
    assert conf["spark.sql.shuffle.partitions"] == "64" and conf["spark.master"] == "local[2]"
    assert session.spark_conf(session.SparkSettings(master="local[2]"))["spark.driver.memory"] == "4g"
