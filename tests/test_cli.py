import json

import pytest
from typer.testing import CliRunner

from cli import app
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL, ORIGINAL_TRANSPORT

runner = CliRunner()


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHACHONG_INDEX", raising=False)
    refs = tmp_path / "refs"
    refs.mkdir()
    (refs / "a.txt").write_bytes((ORIGINAL_TRANSPORT + "\n" + COPIED).encode("gb18030"))
    (refs / "b.txt").write_bytes(ORIGINAL_HOSPITAL.encode("utf-8"))
    (refs / ".hidden.txt").write_bytes(COPIED.encode("utf-8"))
    sub = tmp_path / "sub.txt"
    sub.write_bytes((ORIGINAL_SCHOOL + "\r\n" + COPIED.replace("我局", "我镇")).encode("utf-8-sig"))
    clean = tmp_path / "clean.txt"
    clean.write_bytes(ORIGINAL_SCHOOL.encode("utf-8"))
    return tmp_path


def _invoke(*args, **kwargs):
    return runner.invoke(app, list(args), **kwargs)


def test_index_add_stats_remove(corpus):
    added = _invoke("index", "add", "refs")
    assert added.exit_code == 0, added.output
    assert "2 added" in added.output
    again = _invoke("index", "add", "refs")
    assert "0 added, 0 replaced, 2 unchanged" in again.output
    stats = json.loads(_invoke("index", "stats", "--json", "--list").stdout)
    assert stats["documents"] == 2 and stats["paths"] == ["refs/a.txt", "refs/b.txt"]
    assert (corpus / ".chachong" / "index.db").is_file()
    removed = _invoke("index", "remove", "refs/b.txt", "refs/zzz.txt")
    assert removed.exit_code == 2 and "not in the index" in removed.output
    assert json.loads(_invoke("index", "stats", "--json").stdout)["documents"] == 1


def test_index_path_from_environment(corpus, monkeypatch):
    monkeypatch.setenv("CHACHONG_INDEX", str(corpus / "elsewhere.db"))
    assert _invoke("index", "add", "refs").exit_code == 0
    assert (corpus / "elsewhere.db").is_file() and not (corpus / ".chachong").exists()


def test_check_finds_the_copy_and_writes_schema_json(corpus):
    _invoke("index", "add", "refs")
    result = _invoke("check", "sub.txt", "--json", "out.json", "--no-color")
    assert result.exit_code == 1, result.output  # findings
    report = json.loads((corpus / "out.json").read_text(encoding="utf-8"))
    assert report["schema"] == "chachong/report-v1"
    (doc,) = report["documents"]
    assert doc["encoding"] == "utf-8-sig" and doc["path"] == "sub.txt"
    copy = [m for m in doc["matches"] if m["kind"] == "copy"]
    assert len(copy) == 1 and copy[0]["source"] == "refs/a.txt"
    text = _invoke("text", "sub.txt").stdout_bytes.decode("utf-8")
    source = _invoke("text", "refs/a.txt").stdout_bytes.decode("utf-8")
    assert text[copy[0]["start"] : copy[0]["end"]].startswith("为进一步巩固创建成果，我镇")
    assert source[copy[0]["source_start"] : copy[0]["source_end"]].startswith("为进一步巩固创建成果，我局")
    assert 0 < doc["originality"] < 1 and doc["max_source"] == "refs/a.txt"
    assert "originality" in result.stdout and "refs/a.txt" in result.stdout


def test_check_clean_exits_zero_and_exit_zero_flag(corpus):
    _invoke("index", "add", "refs")
    assert _invoke("check", "clean.txt").exit_code == 0
    assert _invoke("check", "sub.txt", "--exit-zero").exit_code == 0


def test_check_json_to_stdout_is_only_json(corpus):
    _invoke("index", "add", "refs")
    result = _invoke("check", "sub.txt", "--json", "-")
    assert json.loads(result.stdout)["documents"][0]["path"] == "sub.txt"


def test_check_against_needs_no_index(corpus):
    result = _invoke("check", "sub.txt", "--against", "refs", "--json", "-")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["documents"][0]["max_source"] == "refs/a.txt"
    assert not (corpus / ".chachong").exists()


def test_text_prints_decoded_text_exactly(corpus):
    out = _invoke("text", "sub.txt").stdout_bytes
    assert out == (ORIGINAL_SCHOOL + "\r\n" + COPIED.replace("我局", "我镇")).encode("utf-8")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "corrupt .docx"),
    ],
)
def test_bad_input_is_named_and_the_rest_is_indexed(corpus, name, content, reason):
    (corpus / "refs" / name).write_bytes(content)
    result = _invoke("index", "add", "refs")
    assert result.exit_code == 2
    assert name in result.output and reason in result.output
    assert "2 added" in result.output


def test_missing_paths_and_missing_index_exit_two(corpus):
    assert _invoke("check", "nope.txt", "--against", "refs").exit_code == 2
    missing_index = _invoke("check", "sub.txt")
    assert missing_index.exit_code == 2 and "no index here" in missing_index.output
    assert _invoke("text", "nope.txt").exit_code == 2


def test_size_limit_is_configurable(corpus):
    result = _invoke("check", "sub.txt", "--against", "refs", "--max-bytes", "10")
    assert result.exit_code == 2 and "file too large" in result.output


def test_mismatched_index_is_a_clear_error(corpus):
    from index.fingerprint import FingerprintParams
    from index.sqlite import IndexStore

    IndexStore(corpus / "odd.db", FingerprintParams(k=3)).close()
    # opening with stored parameters works; the index says what it was built with
    stats = json.loads(_invoke("index", "stats", "--index", "odd.db", "--json").stdout)
    assert stats["fingerprint"]["k"] == 3
    (corpus / "notindex.db").write_bytes(b"garbage" * 1000)
    bad = _invoke("index", "stats", "--index", "notindex.db")
    assert bad.exit_code == 2 and "not a chachong index" in bad.output


def test_word_shingles_for_a_new_index_and_no_mixing(corpus):
    made = _invoke("index", "add", "refs", "--index", "words.db", "--shingle", "word", "--shingle-size", "3")
    assert made.exit_code == 0, made.output
    stats = json.loads(_invoke("index", "stats", "--index", "words.db", "--json").stdout)
    assert stats["fingerprint"]["shingle"] == "word" and stats["fingerprint"]["k"] == 3
    found = _invoke("check", "sub.txt", "--index", "words.db", "--json", "-")
    assert json.loads(found.stdout)["documents"][0]["max_source"] == "refs/a.txt"
    mixed = _invoke("index", "add", "refs", "--index", "words.db", "--shingle", "char")
    assert mixed.exit_code == 2 and "other fingerprint parameters" in mixed.output
    assert _invoke("index", "add", "refs", "--shingle", "sentence").exit_code == 2


def test_against_takes_several_values_after_one_flag(corpus):
    both = _invoke("check", "sub.txt", "--against", "refs/a.txt", "refs/b.txt", "--json", "-")
    repeated = _invoke("check", "sub.txt", "--against", "refs/a.txt", "--against", "refs/b.txt", "--json", "-")
    assert both.exit_code == repeated.exit_code == 1, both.output
    one, two = json.loads(both.stdout), json.loads(repeated.stdout)
    assert one["index"] == two["index"] == {"path": "refs/a.txt, refs/b.txt", "documents": 2}
    assert one["documents"] == two["documents"]
    assert one["report"]["number"].startswith("CC") and one["report"]["checked_at"]


def test_spread_values_gives_each_plain_word_its_flag():
    from cli_output import spread_values

    flags = ("--against",)
    assert spread_values(["x", "--against", "a", "b"], flags) == ["x", "--against", "a", "--against", "b"]
    assert spread_values(["x", "--against", "a", "--json", "-", "b"], flags) == ["x", "--against", "a", "--json", "-", "b"]
    assert spread_values(["--against", "a", "--", "b"], flags) == ["--against", "a", "--", "b"]
