"""bench.pku_sentences: tagged paragraphs of the PKU corpus to a pool of distinct sentences."""

from __future__ import annotations

import pytest

from bench import pku_sentences

TAGGED = [
    "１２月/t  ３１日/t  ，/w  [中共/j  中央/n]nt  总书记/n  发表/v  新年/t  讲话/n  。/w  同胞/n  们/k  ！/w",
    "我们/r  要/v  坚持/v  改革/vn  开放/vn  ，/w  推动/v  经济/n  发展/vn  ，/w  提高/v  人民/n  生活/vn  水平/n  。/w",
    "我们/r  要/v  坚持/v  改革/vn  开放/vn  ，/w  推动/v  经济/n  发展/vn  ，/w  提高/v  人民/n  生活/vn  水平/n  。/w",
    "Windows/nx  软件/n  的/u  用户/n  越来越/d  多/a  了/y  。/w  没有/v  句号/n  的/u  段落/n",
]


def test_tags_and_brackets_go_and_each_kept_sentence_is_written_once(tmp_path):
    source = tmp_path / "199801.txt"
    source.write_text("\n".join(TAGGED) + "\n", encoding="utf-8")
    out = tmp_path / "sentences.txt"
    pku_sentences.main([str(source), str(out)])
    assert out.read_text(encoding="utf-8").splitlines() == [
        "１２月３１日，中共中央总书记发表新年讲话。",
        "我们要坚持改革开放，推动经济发展，提高人民生活水平。",
    ]  # "同胞们！" is too short, the Latin word's sentence is left out, the unended paragraph has no sentence


def test_an_unreadable_corpus_is_a_one_line_error(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(SystemExit, match="cannot read"):
        pku_sentences.main([str(tmp_path / "bad.txt"), str(tmp_path / "out.txt")])
    with pytest.raises(SystemExit, match="cannot read"):
        pku_sentences.main([str(tmp_path / "missing.txt"), str(tmp_path / "out.txt")])
