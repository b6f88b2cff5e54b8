import numpy as np
import pytest

from corpus.normalize import normalize
from corpus.read import read_document
from detector.compare import compare_document
from index.corpus import prepare
from index.sqlite import IndexStore
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL, ORIGINAL_TRANSPORT, STOCK_OPENER


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return read_document(path)


def _store(*docs):
    store = IndexStore(":memory:")
    store.add([prepare(d, store.params) for d in docs])
    return store


def _meaningful(text):
    return int(normalize(text).meaningful.sum())


def test_originality_counts_the_copied_meaningful_chars(tmp_path):
    source = _write(tmp_path, "source.txt", ORIGINAL_TRANSPORT + "\n" + COPIED)
    submission = _write(tmp_path, "sub.txt", ORIGINAL_SCHOOL + "\n" + COPIED + "\n" + ORIGINAL_HOSPITAL)
    result = compare_document(submission, _store(source))
    copies = [m for m in result.matches if m.kind == "copy"]
    assert len(copies) == 1
    m = copies[0]
    assert submission.text[m.start : m.end] == COPIED  # a passage that ends a sentence keeps its 。
    assert source.text[m.source_start : m.source_end] == COPIED
    assert m.source == source.path and m.similarity == pytest.approx(1.0)
    total = _meaningful(submission.text)
    assert result.meaningful_chars == total
    assert result.copied_chars == _meaningful(COPIED)
    assert result.originality == pytest.approx(1 - _meaningful(COPIED) / total)
    assert result.max_source_share == pytest.approx(_meaningful(COPIED) / total)
    assert result.max_source == source.path


def test_largest_single_source_and_sections(tmp_path):
    first = _write(tmp_path, "first.txt", ORIGINAL_TRANSPORT + COPIED)
    second = _write(tmp_path, "second.txt", ORIGINAL_SCHOOL + ORIGINAL_TRANSPORT)
    text = "一、整治行动\n" + COPIED + "\n二、课堂建设\n" + ORIGINAL_SCHOOL[:60] + "\n三、其他\n" + ORIGINAL_HOSPITAL
    submission = _write(tmp_path, "sub.txt", text)
    result = compare_document(submission, _store(first, second))
    shares = {s.source: s for s in result.sources}
    assert set(shares) == {first.path, second.path}
    assert result.max_source == first.path
    assert result.max_source_share == pytest.approx(shares[first.path].share)
    assert shares[first.path].share > shares[second.path].share > 0
    sections = {s.title: s for s in result.sections}
    assert sections["一、整治行动"].share > 0.9
    assert sections["三、其他"].copied_chars == 0
    assert sum(s.copied_chars for s in result.sections) == result.copied_chars


def test_stock_phrasing_does_not_lower_originality(tmp_path):
    bodies = [
        ORIGINAL_SCHOOL,
        ORIGINAL_HOSPITAL,
        ORIGINAL_TRANSPORT,
        COPIED,
        ORIGINAL_SCHOOL[::-1],
        ORIGINAL_HOSPITAL[::-1],
    ]
    others = [_write(tmp_path, f"unit{i}.txt", STOCK_OPENER + "\n" + body) for i, body in enumerate(bodies)]
    own = "本年度我局的重点是档案数字化，扫描历史卷宗两万余卷，建成检索平台并向社会开放查询。"
    submission = _write(tmp_path, "sub.txt", STOCK_OPENER + "\n" + own + "\n" + COPIED)
    result = compare_document(submission, _store(*others))
    kinds = {m.kind: m for m in result.matches}
    assert set(kinds) == {"copy", "stock"}
    assert submission.text[kinds["stock"].start : kinds["stock"].end] in STOCK_OPENER
    assert kinds["copy"].source == others[3].path
    assert result.copied_chars == _meaningful(COPIED), "only the copied paragraph counts"
    assert result.stock_chars > 10


def test_a_document_does_not_match_itself_in_the_index(tmp_path):
    doc = _write(tmp_path, "a.txt", ORIGINAL_SCHOOL + COPIED)
    other = _write(tmp_path, "b.txt", ORIGINAL_HOSPITAL)
    result = compare_document(doc, _store(doc, other))
    assert result.matches == () and result.originality == 1.0


def test_several_stores_act_as_one_corpus(tmp_path):
    in_index = _write(tmp_path, "old.txt", ORIGINAL_TRANSPORT + COPIED[:70])
    peer = _write(tmp_path, "peer.txt", ORIGINAL_HOSPITAL + COPIED[70:])
    submission = _write(tmp_path, "sub.txt", ORIGINAL_SCHOOL + COPIED)
    result = compare_document(submission, [_store(in_index), _store(peer)])
    assert {s.source for s in result.sources} == {in_index.path, peer.path}


def test_empty_of_meaning_document_is_fully_original(tmp_path):
    doc = _write(tmp_path, "punct.txt", "，。、；！？\n")
    result = compare_document(doc, _store(_write(tmp_path, "x.txt", COPIED)))
    assert result.meaningful_chars == 0 and result.originality == 1.0
    assert np.isfinite(result.max_source_share)


def test_the_same_file_indexed_under_another_path_spelling_is_itself(tmp_path, monkeypatch):
    doc = _write(tmp_path, "a.txt", ORIGINAL_SCHOOL + COPIED)
    store = _store(doc)
    monkeypatch.chdir(tmp_path)
    from corpus.read import read_document as read

    relative = read("a.txt")  # same bytes, same name, other path spelling
    assert relative.path != doc.path
    assert compare_document(relative, store).matches == ()
    renamed = _write(tmp_path, "copy_of_a.txt", ORIGINAL_SCHOOL + COPIED)
    assert compare_document(renamed, store).originality < 0.05, "a renamed byte-identical copy is copying"


def test_a_match_that_ends_a_sentence_takes_its_full_stop_a_clause_does_not_take_its_comma():
    from detector.scoring import through_sentence_end

    assert through_sentence_end("建立制度。”下一句", 4) == 6  # 。 and the closing quote
    assert through_sentence_end("建立制度，下一句", 4) == 4
    assert through_sentence_end("建立制度", 4) == 4


def test_paragraphs_with_a_run_in_heading_count_and_are_suspect_when_they_hold_copying(tmp_path):
    source = _write(tmp_path, "source.txt", ORIGINAL_TRANSPORT + "\n" + COPIED)
    text = "一、加强组织领导\n1.强化督查考核。" + COPIED + "\n2.完善工作机制。" + ORIGINAL_SCHOOL + "\n二、下一步打算\n" + ORIGINAL_HOSPITAL
    submission = _write(tmp_path, "sub.txt", text)
    result = compare_document(submission, _store(source))
    assert result.copied_chars > 0
    # the two numbered paragraphs and the last one are body text; the two headings alone are not
    assert result.paragraphs == 3
    assert result.suspect_paragraphs == 1
