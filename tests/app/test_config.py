"""Gate configuration: finding the file, precedence, provenance, validation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.config import DEFAULT, describe, find_config_file, load_settings
from corpus.errors import ConfigError
from corpus.read import DEFAULT_MAX_BYTES
from index.fingerprint import FingerprintParams


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path):
    config = load_settings(tmp_path, env={})
    assert config.file is None
    assert (config.min_originality, config.max_source_share) == (0.8, 0.15)
    assert config.index == Path(".chachong/index.db") and not config.index_configured
    assert config.references == () and config.ignore == ()
    assert config.max_bytes == DEFAULT_MAX_BYTES
    assert config.state == tmp_path / ".chachong" / "gate-state.db"
    assert config.fingerprint_params() == FingerprintParams()
    assert all(source.startswith(DEFAULT) for _, _, source in config.items())


def test_chachong_toml_values_and_paths_relative_to_the_file(tmp_path):
    conf = _write(
        tmp_path / "chachong.toml",
        'min_originality = 0.7\nmax_source_share = 0.25\nindex = "idx/main.db"\nreferences = ["refs", "/abs/refs"]\n'
        'ignore = ["drafts/**"]\nmax_bytes = 1000\nstate = "cache/state.db"\n'
        '[fingerprint]\nk = 6\nlsh_threshold = 0.4\nshingle = "char"\n',
    )
    folder = tmp_path / "subs"
    folder.mkdir()
    config = load_settings(folder, env={})
    assert config.file == conf.resolve()
    assert config.min_originality == 0.7 and config.max_source_share == 0.25
    assert config.index == tmp_path.resolve() / "idx" / "main.db" and config.index_configured
    assert config.references == (tmp_path.resolve() / "refs", Path("/abs/refs"))
    assert config.ignore == ("drafts/**",)
    assert config.max_bytes == 1000
    assert config.state == tmp_path.resolve() / "cache" / "state.db"
    assert config.fingerprint_params() == FingerprintParams(k=6, lsh_threshold=0.4)
    assert config.sources["min_originality"] == str(conf.resolve())
    assert config.sources["fingerprint.k"] == str(conf.resolve())
    assert "fingerprint.seed" not in config.sources


def test_pyproject_tool_table_and_nearest_file_wins(tmp_path):
    _write(
        tmp_path / "pyproject.toml",
        "[tool.chachong]\nmin_originality = 0.6\n[tool.chachong.fingerprint]\nnum_perm = 64\n",
    )
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    _write(tmp_path / "a" / "pyproject.toml", '[project]\nname = "unrelated"\n')  # no [tool.chachong]: skipped
    config = load_settings(deep, env={})
    assert config.file == (tmp_path / "pyproject.toml").resolve()
    assert config.min_originality == 0.6 and config.fingerprint_params().num_perm == 64

    nearer = _write(tmp_path / "a" / "chachong.toml", "max_source_share = 0.3\n")
    config = load_settings(deep, env={})
    assert config.file == nearer.resolve()
    assert config.max_source_share == 0.3
    assert config.min_originality == 0.8  # files are not merged: the nearest one alone counts
    _write(tmp_path / "a" / "b" / "pyproject.toml", "[tool.chachong]\nmin_originality = 0.5\n")
    assert find_config_file(deep) == (deep / "pyproject.toml").resolve()


def test_chachong_toml_beats_pyproject_in_the_same_folder(tmp_path):
    _write(tmp_path / "pyproject.toml", "[tool.chachong]\nmin_originality = 0.6\n")
    own = _write(tmp_path / "chachong.toml", "min_originality = 0.65\n")
    assert find_config_file(tmp_path) == own.resolve()


def test_precedence_file_then_environment_then_flags(tmp_path):
    conf = _write(tmp_path / "chachong.toml", "min_originality = 0.7\nmax_source_share = 0.2\nmax_bytes = 500\n")
    env = {"CHACHONG_MIN_ORIGINALITY": "0.75", "CHACHONG_MAX_SOURCE_SHARE": "0.3", "CHACHONG_INDEX": "env.db"}
    config = load_settings(tmp_path, env=env, flags={"min_originality": 0.9, "index": None})
    assert config.min_originality == 0.9 and config.sources["min_originality"] == "--min-originality"
    assert config.max_source_share == 0.3 and config.sources["max_source_share"] == "CHACHONG_MAX_SOURCE_SHARE"
    assert config.max_bytes == 500 and config.sources["max_bytes"] == str(conf.resolve())
    assert config.index == Path("env.db") and config.sources["index"] == "CHACHONG_INDEX"
    assert config.max_bytes == 500
    flagged = load_settings(tmp_path, env=env, flags={"index": Path("flag.db"), "max_bytes": 7})
    assert flagged.index == Path("flag.db") and flagged.sources["index"] == "--index"
    assert flagged.max_bytes == 7 and flagged.sources["max_bytes"] == "--max-bytes"


def test_environment_lists_fingerprint_and_empty_values(tmp_path):
    env = {
        "CHACHONG_REFERENCES": os.pathsep.join(["r1", "r2"]),
        "CHACHONG_IGNORE": os.pathsep.join(["drafts/**", "*.bak.txt"]),
        "CHACHONG_FINGERPRINT_SEED": "7",
        "CHACHONG_FINGERPRINT_SHINGLE": "word",
        "CHACHONG_MIN_ORIGINALITY": "",  # an empty variable counts as unset
    }
    config = load_settings(tmp_path, env=env)
    assert config.references == (Path("r1"), Path("r2"))
    assert config.ignore == ("drafts/**", "*.bak.txt")
    assert config.fingerprint_params() == FingerprintParams(seed=7, shingle="word")
    assert config.sources["fingerprint.seed"] == "CHACHONG_FINGERPRINT_SEED"
    assert config.min_originality == 0.8 and "min_originality" not in config.sources


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("min_orginality = 0.7\n", "unknown key min_orginality"),
        ("min_originality = 1.5\n", "min_originality: expected a number between 0 and 1"),
        ('min_originality = "high"\n', "min_originality: expected a number"),
        ("max_source_share = true\n", "max_source_share: expected a number"),
        ("max_bytes = 0\n", "max_bytes: expected an integer from 1 to 1,073,741,824"),
        ('references = "refs"\n', "references: expected a list"),
        ("ignore = [1]\n", "ignore: expected a list"),
        ("index = 3\n", "index: expected a path"),
        ("[fingerprint]\nwindow = 3\n", "unknown key fingerprint.window"),
        ('[fingerprint]\nk = "five"\n', "fingerprint.k: expected an integer"),
        ("[fingerprint]\nlsh_threshold = 2.0\n", "lsh_threshold must be between 0 and 1"),
        ("fingerprint = 3\n", "fingerprint must be a table"),
        ("min_originality = \n", "not valid TOML"),
    ],
)
def test_bad_file_values_name_the_file_and_key(tmp_path, text, expected):
    conf = _write(tmp_path / "chachong.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, env={})
    assert expected in str(caught.value)
    assert str(conf.resolve()) in str(caught.value)


def test_bad_pyproject_key_is_named_with_its_table(tmp_path):
    _write(tmp_path / "pyproject.toml", "[tool.chachong]\nthreshold = 0.5\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: unknown key tool\.chachong\.threshold"):
        load_settings(tmp_path, env={})


def test_bad_environment_and_flag_values_name_the_variable_or_flag(tmp_path):
    with pytest.raises(ConfigError, match="CHACHONG_MAX_SOURCE_SHARE: expected a number"):
        load_settings(tmp_path, env={"CHACHONG_MAX_SOURCE_SHARE": "lots"})
    with pytest.raises(ConfigError, match="CHACHONG_MAX_BYTES: expected an integer"):
        load_settings(tmp_path, env={"CHACHONG_MAX_BYTES": "1e6"})
    with pytest.raises(ConfigError, match="CHACHONG_FINGERPRINT_K: expected an integer"):
        load_settings(tmp_path, env={"CHACHONG_FINGERPRINT_K": "x"})
    with pytest.raises(
        ConfigError, match="CHACHONG_FINGERPRINT_NUM_PERM.*num_perm must be an integer from 1 to 1024, not 0"
    ):
        load_settings(tmp_path, env={"CHACHONG_FINGERPRINT_NUM_PERM": "0"})
    with pytest.raises(ConfigError, match="--min-originality: expected a number between 0 and 1"):
        load_settings(tmp_path, env={}, flags={"min_originality": -0.1})


def test_describe_lists_every_value_with_its_origin(tmp_path):
    conf = _write(tmp_path / "chachong.toml", 'max_source_share = 0.2\nreferences = ["refs"]\n')
    config = load_settings(tmp_path, env={"CHACHONG_INDEX": "env.db"}, flags={"min_originality": 0.9})
    text = describe(config)
    lines = {line.split(" = ")[0]: line for line in text.splitlines() if " = " in line}
    assert lines["min_originality"].startswith("min_originality = 0.9") and lines["min_originality"].endswith(
        "# --min-originality"
    )
    assert lines["max_source_share"].endswith(f"# {conf.resolve()}")
    assert lines["index"].startswith('index = "env.db"') and lines["index"].endswith("# CHACHONG_INDEX")
    assert f'"{(tmp_path.resolve() / "refs").as_posix()}"' in lines["references"]
    assert lines["max_bytes"].endswith("# default")
    assert lines["fingerprint.k"].startswith("fingerprint.k = 5")
    assert f"# config file: {conf.resolve().as_posix()}" in text
    as_dict = config.as_dict()
    assert as_dict["settings"]["min_originality"] == {"value": 0.9, "source": "--min-originality"}
    assert as_dict["file"] == conf.resolve().as_posix()


def test_reading_limits_come_from_file_and_environment(tmp_path):
    from corpus.limits import ReadLimits

    assert load_settings(tmp_path, env={}).limits == ReadLimits()
    _write(tmp_path / "chachong.toml", "parse_seconds = 5\nparse_memory = 512\nmax_chars = 2000\n")
    config = load_settings(tmp_path, env={"CHACHONG_PARSE_SECONDS": "7.5"})
    assert config.limits == ReadLimits(parse_seconds=7.5, parse_memory=512, max_chars=2000)
    lines = {line.split(" = ")[0]: line for line in describe(config).splitlines() if " = " in line}
    assert lines["parse_seconds"].endswith("# CHACHONG_PARSE_SECONDS")
    assert lines["max_chars"].startswith("max_chars = 2000")


def test_only_the_flag_marks_the_state_as_from_the_command_line(tmp_path):
    assert not load_settings(tmp_path, env={"CHACHONG_STATE": "x.db"}).state_from_flag
    flagged = load_settings(tmp_path, env={"CHACHONG_STATE": "x.db"}, flags={"state": Path("/elsewhere/s.db")})
    assert flagged.state_from_flag and flagged.state == Path("/elsewhere/s.db")


def test_unknown_fingerprint_variables_are_errors_and_empty_ones_are_unset(tmp_path):
    with pytest.raises(ConfigError, match="CHACHONG_FINGERPRINT_WINDOW: unknown variable"):
        load_settings(tmp_path, env={"CHACHONG_FINGERPRINT_WINDOW": "3"})
    assert load_settings(tmp_path, env={"CHACHONG_FINGERPRINT_WINDOW": " "}).fingerprint_settings == {}
