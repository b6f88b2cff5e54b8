import unicodedata

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.normalize import WILDCARD, fold_char, fold_chars, normalize, to_simplified
from corpus.textchars import is_meaningful_char, meaningful_only


def _fold_one(ch: str) -> str:
    """First letter or digit of the NFKC form, simplified (㈠ -> 一)."""
    folded = [c for c in unicodedata.normalize("NFKC", ch).lower() if unicodedata.category(c)[0] in "LN"]
    return to_simplified(folded[0]) if folded else ""


def assert_map_consistent(text: str) -> None:
    n = normalize(text)
    assert len(n.starts) == len(n.ends) == len(n.text)
    assert np.all(np.diff(n.starts) > 0), "stream positions come from increasing offsets"
    assert np.all(n.ends > n.starts)
    assert np.all(n.ends[:-1] <= n.starts[1:]), "stream ranges do not overlap"
    assert (len(n.ends) == 0) or n.ends[-1] <= len(text)
    for i, ch in enumerate(n.text):
        original = text[n.starts[i] : n.ends[i]]
        if ch == WILDCARD:
            # a run of digits/placeholders, possibly across punctuation (3.5万)
            kept = [c for c in original if _fold_one(c) or c in "_＿*＊"]
            assert kept and all(c.isdigit() or c in "_＿xX×*＊ｘＸΧ" for c in kept), original
        else:
            assert len(original) == 1
            assert ch == _fold_one(original) or ch == to_simplified(_fold_one(original)), (ch, original)


CHINESE = st.text(
    alphabet=st.sampled_from(
        list(
            "我局镇校院的在一二三四五六七八九十年月日创卫衛生國家總結現將經驗，。、；：“”！？（）() \n\r\t0123456789２０xX_*ａＢ①㈠"
        )
    ),
    max_size=200,
)


@settings(max_examples=200, deadline=None)
@given(CHINESE)
def test_offset_map_is_exact_for_any_text(text):
    assert_map_consistent(text)


def test_traditional_is_folded_and_pinyin_removed():
    text = "穩(wěn)定創(chuàng)建衛(wèi)生城市"
    n = normalize(text)
    assert n.text == "稳定创建卫生城市"
    i = n.text.index("创建")
    assert text[slice(*n.to_original(i, i + 2))] == "創(chuàng)建"


def test_mojibake_pinyin_without_open_paren_is_removed():
    n = normalize("確?!皠?chuàng)衛(wèi)”工作")
    assert "chuang" not in n.text and "wei" not in n.text
    assert n.text.endswith("卫工作")


def test_placeholders_and_numbers_fold_to_one_wildcard():
    a, b, c = normalize("20__年我局开展30余次"), normalize("2018年我局开展25余次"), normalize("20xx年我局开展３０余次")
    assert a.text == b.text == c.text == "#年我局开展#余次"


def test_one_number_is_one_wildcard_two_numbers_are_two():
    text = "达标率67.84%。\n  2023年共1,200人，12.5万元，3、4月"
    norm = normalize(text)
    assert norm.text == "达标率##年共#人#万元##月"
    spans = [text[a:b] for a, b, ch in zip(norm.starts, norm.ends, norm.text) if ch == WILDCARD]
    assert spans == ["67.84", "2023", "1,200", "12.5", "3", "4"]


def test_punctuation_whitespace_and_width_are_dropped():
    assert normalize("加强领导， 健全组织;落实\r\n责任！ＡＢＣ").text == "加强领导健全组织落实责任abc"


def test_web_chrome_lines_are_cut():
    text = (
        "整理文档很辛苦,赏杯茶钱您下走!\n\n免费阅读已结束,点击下载阅读编辑剩下 ...\n"
        "正文第一句。\n1 / 17\n备案号:鲁ICP备2024069028号-1 客服联系\n"
        "★ 2021年社区创文工作总结范文5篇\n发布时间: 2019.08.12\n正文第二句。"
    )
    n = normalize(text)
    assert n.text == "正文第一句正文第二句"
    # chrome is not meaningful, so it never counts for originality
    assert int(n.meaningful.sum()) == len("正文第一句正文第二句")


def test_to_stream_inverts_to_original():
    text = "一、加强领导，落实责任。\n我局高度重视创卫工作。"
    n = normalize(text)
    start = text.index("我局")
    i, j = n.to_stream(start, len(text))
    assert n.text[i:j] == "我局高度重视创卫工作"
    assert n.to_original(i, j) == (start, len(text) - 1)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120) | st.text(alphabet="並將責任具體到人，。（zǔ）ＡＢ１２３ 　\n", max_size=60))
def test_whole_strings_fold_and_filter_as_their_characters_do(text):
    assert fold_chars(text) == "".join(fold_char(c) for c in text)
    assert meaningful_only(text) == "".join(c for c in text if is_meaningful_char(c))


_CHROME_PIECES = [
    "搜索",
    "下一篇：",
    "版权所有 ",
    "copyright",
    "1/3",
    "第 2 页 共 5 页",
    "★",
    "×",
    "x",
    "来源：新华网",
    "阅读已结束",
    "\n",
    "\n\n",
    "  ",
    "\t",
    "。",
    "工作总结",
    "2023年",
    "ICP备12号",
    "icp证",
    "COPYRIGHT ©",
    "\u3000",
    "\r",
    "12",
    " / ",
    "第",
    "页",
    "共 3 页",
    "·",
    "免费阅读已结束",
    "赏杯茶钱",
    "发布时间：",
    "更新日期:",
    "阅读次数:",
    "相关阅读",
    "猜你喜欢",
    "二维码",
    "扫码关注",
    "各项工作稳步推进，" * 5,  # a long line: its inner words come too late for a chrome line
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_CHROME_PIECES), max_size=40))
def test_chrome_lines_are_the_chrome_pattern_s_matches(pieces):
    """Tried at line starts only, the chrome pattern finds what searching
    the whole text finds (blank lines, lines of spaces, a match running over
    several lines, chrome at the very start or end, words that make a line
    chrome only near its start)."""
    from corpus.normalize import _CHROME_LINE_RE, chrome_lines

    text = "".join(pieces)
    assert list(chrome_lines(text)) == [m.span() for m in _CHROME_LINE_RE.finditer(text)]


def test_a_text_holding_an_inner_chrome_word_holds_one_of_its_marks():
    """The marks that let a text skip the inner words' search: each word
    without case holds one, and the cased words' first letters match
    (IGNORECASE, over every code point) nothing but marks."""
    import re

    from corpus.normalize import _CHROME_INNER, _INNER_MARKS

    for word in _CHROME_INNER:
        if not word.isascii():
            assert set(word) & set(_INNER_MARKS), word
    cased = re.compile(f"[{''.join(w[0] for w in _CHROME_INNER if w.isascii())}]", re.IGNORECASE)
    assert {chr(c) for c in range(0x110000) if cased.match(chr(c))} <= set(_INNER_MARKS)
