"""The reading budget end to end: a file over it is skipped with its reason,
and the good files beside it are reported."""

from __future__ import annotations

import json

import pytest

from tests.hostile import hostile_inputs as inputs
from tests.hostile.running import assert_clean_exit, chachong

pytestmark = pytest.mark.slow


def test_parse_time_and_memory_budgets_skip_the_file_and_keep_the_others(tmp_path):
    folder = tmp_path / "subs"
    good = inputs.good_files(folder)
    inputs.text_pdf(folder)
    # 8 MB of `q Q`, under the stream cap: about a minute of pdfminer (25 s for half of it, measured)
    inputs.operator_flood_pdf(folder, 2 << 20, name="slow.pdf")
    inputs.image_labelled_bomb(folder)  # reaches 256 MiB in about a second, far within the deadline
    budget = {"CHACHONG_PARSE_SECONDS": "10", "CHACHONG_PARSE_MEMORY": "256"}
    run = chachong("audit", folder, "--json", "out.json", cwd=tmp_path, env=budget)
    assert_clean_exit(run, 2)
    report = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    errors = {e["path"].rsplit("/", 1)[-1]: e["reason"] for e in report["errors"]}
    assert errors["slow.pdf"].startswith("exceeded the parse budget (10 s; ")
    assert errors["image-bomb.pdf"].startswith("exceeded the parse budget (256 MiB; ")
    read = {d["path"] for d in report["documents"]}
    assert read == {p.as_posix() for p in good} | {(folder / "good.pdf").as_posix()}


def test_max_chars_is_a_setting(tmp_path):
    inputs.good_files(tmp_path / "subs")
    (tmp_path / "chachong.toml").write_text("max_chars = 200\n", encoding="utf-8")
    run = chachong("audit", "subs", "--json", "out.json", cwd=tmp_path, env={"CHACHONG_MAX_CHARS": "250"})
    assert_clean_exit(run, 2)
    report = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    # the environment (250) wins over the file (200): only the 122-character text is read
    assert [d["path"] for d in report["documents"]] == ["subs/good-transport.txt"]
    assert all("more than 250 characters" in e["reason"] for e in report["errors"])
    assert len(report["errors"]) == 2


@pytest.mark.parametrize(
    ("build", "word"),
    [
        (lambda folder: inputs.flate_bomb_pdf(folder), "inflates to more than 32 MiB"),
        (lambda folder: inputs.operator_flood_pdf(folder), "inflates to more than 32 MiB"),
        (lambda folder: inputs.paragraph_flood_docx(folder), "more than 200,000 paragraphs"),
        (lambda folder: inputs.long_line_txt(folder), "more than 1,000,000 characters"),
    ],
    ids=["flate-bomb", "operator-flood", "paragraph-flood", "one-line"],
)
def test_check_on_each_bomb_names_it_and_exits_2(tmp_path, build, word):
    inputs.good_files(tmp_path / "good")
    bomb = build(tmp_path)
    run = chachong("check", bomb, "--against", "good", cwd=tmp_path)
    assert_clean_exit(run, 2)
    assert f"skipped {bomb}: " in run.stderr and word in run.stderr
