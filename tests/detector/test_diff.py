"""The one diff engine: swaps as whole tokens with their kind, rewriting
named as such, script and pinyin never an edit."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detector.diff import compare_passages, diff_passage, entity_kind, passage_edits, passage_swaps
from tests.prose import COPIED, ORIGINAL_HOSPITAL


def _pairs(own: str, src: str) -> list[tuple[str, str]]:
    return [(e.before, e.after) for e in passage_edits(own, src)]


@pytest.mark.parametrize(
    ("src", "own", "swap"),
    [
        ("合格率达到96.89%，同比提高", "合格率达到93.08%，同比提高", ("96.89%", "93.08%")),
        ("杨阳村组织开展环境整治", "荷阳乡组织开展环境整治", ("杨阳村", "荷阳乡")),
        ("覆盖规培学员582人次。", "覆盖规培学员735人次。", ("582人次", "735人次")),
        ("上升了11.5个百分点。", "上升了7.5个百分点。", ("11.5个百分点", "7.5个百分点")),
        ("开展了为期三个月的整治", "开展了为期两个月的整治", ("三个月", "两个月")),
        ("投入资金2,300万元，", "投入资金1,900万元，", ("2,300万元", "1,900万元")),
    ],
)
def test_a_swap_is_one_whole_token(src, own, swap):
    assert _pairs(own, src) == [swap]


def test_numbers_and_names_are_never_split_into_pieces():
    src = "市司法局组织检查30余次，合格率96.89%。"
    own = "县交通运输局组织检查25余次，合格率93.08%。"
    assert _pairs(own, src) == [("市司法局", "县交通运输局"), ("30余次", "25余次"), ("96.89%", "93.08%")]


def test_each_swap_has_the_kind_its_tags_say():
    kinds = {e.after: e.kind for e in passage_edits("荷阳乡共有735人次，县交通运输局", "杨阳村共有582人次，市司法局")}
    assert kinds == {"荷阳乡": "place", "735人次": "number", "县交通运输局": "organisation"}
    assert entity_kind("张三") == "person" and entity_kind("") == "word"


def test_script_punctuation_and_pinyin_are_not_edits():
    assert passage_edits("并将责任具体到人。", "並將責任具體到人，") == []
    assert _pairs("县交通运输局组织检查25余次", "市司法局組(zǔ)織檢查30餘次") == [
        ("市司法局", "县交通运输局"),
        ("30余次", "25余次"),
    ]


def test_a_rewritten_passage_lists_no_clauses():
    own = COPIED[:20] + ORIGINAL_HOSPITAL[:80] + COPIED[-20:]
    diff = compare_passages(own, COPIED)
    assert diff.rewritten and diff.edits == [] and diff.similarity < 0.5
    swapped = compare_passages(COPIED.replace("我局", "我镇"), COPIED)
    assert not swapped.rewritten and swapped.similarity > 0.95


def test_changes_are_in_absolute_offsets_of_both_texts():
    own, src = "前言。我镇组织开展整治。", "标题\n我局组织开展整治。"
    diff = diff_passage(own, None, 3, len(own), src, None, 3, len(src))
    ((a, b, c, d, kind),) = [ch for ch in diff.changes if ch[4] != "pun"]
    assert (own[a:b], src[c:d], kind) == ("镇", "局", "sub")


_EDIT = st.tuples(st.integers(0, 200), st.integers(0, 30), st.text(alphabet="县镇局乡杨阳村三五7.%，。（zǔ）織", max_size=20))


@settings(max_examples=60, deadline=None)
@given(st.lists(_EDIT, max_size=4))
def test_a_family_member_lists_what_the_full_diff_lists(edits):
    """What families list of a member (edits, similarity, rewritten) is the
    full diff's, for swaps of a name and for rewrites alike (the shortcut for
    long changes must never change the answer)."""
    own = COPIED
    for at, length, replacement in edits:
        at = min(at, len(own))
        own = own[:at] + replacement + own[at + length :]
    diff = compare_passages(own, COPIED)
    assert passage_swaps(own, COPIED) == (tuple(diff.edits), diff.similarity, diff.rewritten)
