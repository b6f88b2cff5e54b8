"""Bad arguments, configuration, manifests and saved reports: one line, exit 2,
or, where one row is at fault, the run goes on without it."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest
from typer.testing import CliRunner

from cli import app
from tests.hostile import hostile_inputs as inputs
from tests.hostile.running import assert_clean_exit, chachong
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL

runner = CliRunner()
HUGE = "99999999999999999999999"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("CHACHONG_")] + ["NO_COLOR"]:
        monkeypatch.delenv(name, raising=False)
    inputs.good_files(tmp_path / "good")


def invoke(*args: str, env: dict[str, str] | None = None):
    result = runner.invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def one_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    for word in words:
        assert word in errors[0], errors[0]


@pytest.mark.parametrize("value", ["-1", "0", HUGE])
@pytest.mark.parametrize(
    "command",
    [
        ["check", "good/good-school.txt", "--against", "good"],
        ["audit", "good"],
        ["index", "add", "good"],
        ["gate", "good"],
    ],
    ids=["check", "audit", "index-add", "gate"],
)
def test_max_bytes_out_of_range_is_refused_by_every_command(command, value):
    one_error(invoke(*command, "--max-bytes", value), "--max-bytes: expected an integer from 1 to 1,073,741,824")


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("[fingerprint]\nnum_perm = 100000000\n", ["num_perm must be an integer from 1 to 1024"]),
        ("[fingerprint]\nseed = -1\n", ["seed must be an integer from 0"]),
        ("parse_seconds = 0\n", ["parse_seconds: expected a number of seconds above 0"]),
        ("parse_memory = 1\n", ["parse_memory: expected an integer from 64"]),
        ("max_chars = -5\n", ["max_chars: expected an integer from 1"]),
    ],
)
def test_config_values_out_of_range_are_refused(tmp_path, toml, words):
    (tmp_path / "good" / "chachong.toml").write_text(toml, encoding="utf-8")
    one_error(invoke("gate", "good"), "chachong.toml", *words)


def test_a_binary_config_file_is_a_config_error(tmp_path):
    (tmp_path / "good" / "chachong.toml").write_bytes(b"\x00\xff\xfe binary \x89PNG")
    one_error(invoke("gate", "good"), "chachong.toml: not valid TOML: not UTF-8 text")


def test_an_unknown_fingerprint_variable_is_named():
    one_error(
        invoke("gate", "good", env={"CHACHONG_FINGERPRINT_FOO": "1"}), "CHACHONG_FINGERPRINT_FOO: unknown variable"
    )


def test_shingle_size_0_is_refused_not_defaulted(tmp_path):
    one_error(
        invoke("index", "add", "good", "--shingle-size", "0"), "--shingle-size: k must be an integer from 1 to 64"
    )
    assert not (tmp_path / ".chachong" / "index.db").exists()


@pytest.mark.parametrize("args", [["--units", "-5"], ["--units", "0"], ["--references", "-1"], ["--worst", "-1"]])
def test_bench_refuses_negative_sizes(args):
    result = invoke("bench", *args)
    assert result.exit_code == 2 and "Invalid value" in result.output


def test_check_against_a_missing_path_compares_nothing_and_says_so():
    result = invoke("check", "good/good-school.txt", "--against", "nowhere")
    one_error(result, "nothing was compared: the --against paths hold no readable document")
    assert "skipped nowhere: no such file" in result.output
    assert "originality" not in result.output  # no report claiming 100%


def test_check_against_unreadable_references_compares_nothing(tmp_path):
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "empty.txt").write_bytes(b"")
    (refs / "corrupt.docx").write_bytes(b"not a zip")
    result = invoke("check", "good/good-school.txt", "--against", "refs")
    one_error(result, "nothing was compared")
    assert "refs/empty.txt: empty file" in result.output and "refs/corrupt.docx: corrupt .docx" in result.output


def test_check_against_an_empty_index_compares_nothing(tmp_path):
    from index.sqlite import IndexStore

    IndexStore(tmp_path / "empty.db").close()
    one_error(invoke("check", "good/good-school.txt", "--index", "empty.db"), "the index empty.db holds no readable")


def _manifest_rows() -> list[str]:
    long_unit = "长" * 300
    return [
        "path,unit,year,submitted",
        "school.txt,城关镇,2023,2023-12-20",  # good: read from a GBK file
        "hospital.txt,人民医院,²,",  # a superscript two is a digit to Python, not a year
        f"transport.txt,{long_unit},2023,",
        'a.txt,=HYPERLINK("http://evil"),2022,',
        "b.txt,+1,10000000000000000000000,",
        "c.txt,@SUM(A1),2021,",
    ]


def test_manifest_in_gb18030_with_bad_rows_reads_the_good_ones_and_warns_for_the_others(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    texts = {"school.txt": ORIGINAL_SCHOOL + COPIED, "hospital.txt": ORIGINAL_HOSPITAL + COPIED}
    texts |= {"transport.txt": ORIGINAL_SCHOOL, "a.txt": ORIGINAL_HOSPITAL, "b.txt": COPIED, "c.txt": COPIED}
    for name, text in texts.items():
        (subs / name).write_text(text, encoding="utf-8")
    (subs / "manifest.csv").write_bytes("\n".join(_manifest_rows()).encode("gb18030"))  # GBK, and ² beyond it
    run = chachong("audit", "subs", "--json", "out.json", "--csv", "ranking.csv", cwd=tmp_path)
    assert_clean_exit(run, 1)  # findings; no input error
    documents = {d["path"]: d for d in json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["documents"]}
    assert documents["subs/school.txt"]["unit"] == "城关镇" and documents["subs/school.txt"]["year"] == 2023
    assert any("year '²' is not a year" in w for w in documents["subs/hospital.txt"]["warnings"])
    assert any("unit longer than 200" in w for w in documents["subs/transport.txt"]["warnings"])
    assert any("is not a year" in w for w in documents["subs/b.txt"]["warnings"])
    cells = [c for row in csv.reader(io.StringIO((tmp_path / "ranking.csv").read_text("utf-8-sig"))) for c in row]
    assert '\'=HYPERLINK("http://evil")' in cells and "'@SUM(A1)" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]


def test_a_manifest_field_over_the_csv_limit_skips_that_row_only(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "a.txt").write_text(ORIGINAL_SCHOOL, encoding="utf-8")
    (subs / "b.txt").write_text(ORIGINAL_HOSPITAL, encoding="utf-8")
    rows = ["path,unit,year", f'a.txt,"{"x" * 140_000}",2020', "b.txt,人民医院,2021"]
    (subs / "chachong.csv").write_text("\n".join(rows), encoding="utf-8")
    run = chachong("audit", "subs", "--json", "out.json", cwd=tmp_path)
    assert_clean_exit(run, 0)
    documents = {d["path"]: d for d in json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["documents"]}
    assert documents["subs/b.txt"]["unit"] == "人民医院"
    assert any("field larger than field limit" in w for w in documents["subs/a.txt"]["warnings"])


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[]", "the top level is an array"),
        ('"a string"', "the top level is a string"),
        ("null", "the top level is null"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, "not valid JSON"),
        ("\udcff", "not valid JSON"),
    ],
    ids=["list", "string", "null", "deep-list", "deep-object", "binary"],
)
def test_a_saved_report_that_is_not_one_is_one_line(tmp_path, text, words):
    (tmp_path / "r.json").write_bytes(text.encode("utf-8", "surrogateescape"))
    one_error(invoke("report", "r.json", "--html", "r.html"), words)
    assert not (tmp_path / "r.html").exists()
