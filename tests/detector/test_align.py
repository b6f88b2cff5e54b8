import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.normalize import normalize
from detector.align import AlignParams, Passage, Run, align, exact_runs, seed_pairs, trim
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL, ORIGINAL_TRANSPORT


def stream(text: str) -> str:
    return normalize(text).text


def test_verbatim_passage_has_exact_stream_offsets():
    copied = stream(COPIED)
    a = stream(ORIGINAL_SCHOOL) + copied + stream(ORIGINAL_HOSPITAL)
    b = stream(ORIGINAL_TRANSPORT) + copied
    passages = align(a, b)
    assert len(passages) == 1
    p = passages[0]
    assert a[p.a0 : p.a1] == copied and b[p.b0 : p.b1] == copied


def test_entity_swaps_stay_one_passage():
    swapped = COPIED.replace("我局", "我镇").replace("三个月", "两个月").replace("排水沟渠", "雨污管网")
    a = stream(ORIGINAL_SCHOOL + swapped)
    b = stream(COPIED + ORIGINAL_HOSPITAL)
    passages = align(a, b)
    assert len(passages) == 1, "an edited paragraph is one passage, not several"
    p = passages[0]
    assert p.a1 - p.a0 >= len(stream(swapped)) - 4
    assert b[p.b0 : p.b1].startswith(stream(COPIED)[:10])


def test_reordered_sentences_are_one_passage():
    sentences = [s + "。" for s in COPIED.split("。") if s]
    random.Random(3).shuffle(sentences)
    a = stream("".join(sentences))
    b = stream(COPIED)
    passages = align(a, b)
    assert len(passages) == 1
    assert passages[0].matched >= 0.9 * len(a)


def test_unrelated_texts_give_no_passage():
    assert align(stream(ORIGINAL_SCHOOL + ORIGINAL_HOSPITAL), stream(ORIGINAL_TRANSPORT)) == []


def test_short_coincidences_are_not_passages():
    a = stream("我们高度重视这项工作" + ORIGINAL_SCHOOL)
    b = stream("他们高度重视这项工作" + ORIGINAL_HOSPITAL)
    assert align(a, b, AlignParams(min_passage=15)) == []


def test_repeated_kgrams_are_capped_as_seeds():
    a = "甲乙丙丁戊" * 20
    ai, _ = seed_pairs(a, a, AlignParams(max_seed_repeats=6))
    assert len(ai) == 0


def test_runs_join_touching_seeds_on_a_diagonal():
    text = stream(COPIED)
    ai, bj = seed_pairs(text, "前缀" + text, AlignParams())
    runs = exact_runs(ai, bj, 5)
    assert len(runs) == 1 and runs[0].a0 == 0 and runs[0].a1 == len(text) and runs[0].b0 == 2


def test_a_phrase_the_source_repeats_does_not_stretch_the_passage():
    """The source says 红色教育 again a little after the copied sentence; that
    second, shorter match of already-matched text must not widen the source
    side (which made the passage too unlike the submission to report)."""
    sentence = stream("全校先后组织了红色教育专题活动，考察发展对象并开展谈心谈话，群众满意度持续提升。")
    filler = stream("此外还组织开展了形式多样的读书分享和志愿服务活动。")
    repeat = sentence[6:14]
    a = stream(ORIGINAL_SCHOOL) + sentence + stream(ORIGINAL_HOSPITAL)
    b = stream(ORIGINAL_TRANSPORT) + sentence + filler + repeat + filler
    passages = align(a, b)
    assert len(passages) == 1
    p = passages[0]
    assert a[p.a0 : p.a1] == sentence and b[p.b0 : p.b1] == sentence


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.booleans(), min_size=1, max_size=80),
    st.lists(st.tuples(st.integers(0, 79), st.integers(1, 30), st.integers(0, 50)), min_size=1, max_size=4),
    st.integers(1, 12),
    st.none() | st.integers(0, 20),
)
def test_trim_cuts_exactly_the_neutral_ends(neutral, runs, min_length, max_cut):
    """Every position of the ends cut is neutral, the positions the trimmed
    passage starts and ends on are not (unless an end is kept whole by
    ``max_cut``), and each run is clipped along its diagonal."""
    mask = np.array(neutral, dtype=bool)
    n = len(mask)
    made = [Run(a0 % n, min(a0 % n + size, n), b0, b0 + min(a0 % n + size, n) - a0 % n) for a0, size, b0 in runs]
    passage = Passage(
        min(r.a0 for r in made), max(r.a1 for r in made), min(r.b0 for r in made), max(r.b1 for r in made), made
    )
    got = trim(passage, mask, min_length, max_cut)
    a0, a1 = _trimmed_ends(mask, passage.a0, passage.a1, max_cut)
    if a1 - a0 < min_length:
        assert got is None
        return
    clipped = [
        Run(max(r.a0, a0), min(r.a1, a1), r.b0 + max(r.a0, a0) - r.a0, r.b1 - (r.a1 - min(r.a1, a1)))
        for r in made
        if min(r.a1, a1) > max(r.a0, a0)
    ]
    if (a0, a1) == (passage.a0, passage.a1):
        assert got is passage
    elif (
        not clipped
        or min(
            max(r.a1 for r in clipped) - min(r.a0 for r in clipped),
            max(r.b1 for r in clipped) - min(r.b0 for r in clipped),
        )
        < min_length
    ):
        assert got is None
    else:
        assert got is not None and got.runs == clipped
        assert (got.a0, got.a1) == (min(r.a0 for r in clipped), max(r.a1 for r in clipped))


def _trimmed_ends(mask: np.ndarray, a0: int, a1: int, max_cut: int | None) -> tuple[int, int]:
    """Where trim's cuts end, read off the mask one position at a time."""
    lo = a0
    while lo < a1 and mask[lo]:
        lo += 1
    if max_cut is not None and lo - a0 > max_cut and lo < a1:
        lo = a0
    hi = a1
    while hi > lo and mask[hi - 1]:
        hi -= 1
    if max_cut is not None and a1 - hi > max_cut and hi > lo:
        hi = a1
    return lo, hi
