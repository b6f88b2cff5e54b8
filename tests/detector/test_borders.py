"""Sentence borders and structure lines on a document's normalized stream."""

import numpy as np

from corpus.normalize import normalize
from detector.borders import sentence_starts, structure_mask


def test_sentence_starts_follow_the_punctuation_of_the_decoded_text():
    text = "一是加强领导。二是完善制度；三是\n狠抓落实：四是加强宣传"
    norm = normalize(text)
    starts = sentence_starts(text, norm)
    # a line broken mid-sentence (text from a PDF) is no border; a colon is
    assert [norm.text[i] for i in np.flatnonzero(starts)] == ["一", "二", "三", "四"]


def test_headings_and_label_lines_are_sentence_borders_broken_lines_are_not():
    text = "新华镇创卫工作总结\n一、主要工作\n全年开展集中整治12次，清运\n垃圾20吨。\n新华镇人民政府\n2023年12月5日"
    norm = normalize(text)
    starts = [norm.text[i] for i in np.flatnonzero(sentence_starts(text, norm))]
    assert starts == ["新", "一", "全", "新", "#"]
    headings = structure_mask(text, norm)
    fragment = norm.text.index("垃圾")
    assert not headings[fragment]  # "垃圾20吨。" is a short line, but the line before broke mid-sentence
    assert headings[norm.text.index("人民政府")] and headings[0]
