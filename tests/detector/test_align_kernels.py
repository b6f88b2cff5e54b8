"""The compiled seeding (detector.kernels) must give exactly the numpy path's runs and passages."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import detector.align as align_module
from corpus.normalize import normalize
from detector.align import AlignParams, align, exact_runs, seed_pairs
from evaluation.synth import SynthConfig, generate_texts
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL, ORIGINAL_TRANSPORT

pytest.importorskip("numba")


@pytest.fixture
def compiled():
    assert align_module.use_compiled(True)
    yield
    align_module.use_compiled(False)


def _numpy_runs(a, b, params):
    reach = 3 * params.gap_a + params.min_passage
    ai, bj = seed_pairs(a, b, params)
    return exact_runs(ai, bj, params.seed_k, params.min_run, params.min_longest_run, reach)


def _pairs():
    texts = [normalize(t).text for _, t in generate_texts(SynthConfig(n_units=12, n_references=4, seed=5))]
    rng = random.Random(3)
    pairs = [(rng.choice(texts), rng.choice(texts)) for _ in range(40)]
    prose = [normalize(t).text for t in (COPIED, ORIGINAL_SCHOOL, ORIGINAL_HOSPITAL, ORIGINAL_TRANSPORT)]
    pairs += [(prose[1] + prose[0] + prose[2], prose[3] + prose[0]), (prose[0] * 3, prose[0]), ("", prose[0])]
    return pairs


def test_compiled_runs_equal_numpy_runs_on_generated_summaries(compiled):
    params = AlignParams()
    reach = 3 * params.gap_a + params.min_passage
    total = 0
    for a, b in _pairs():
        expected = _numpy_runs(a, b, params)
        assert align_module._compiled_runs(a, b, params, reach) == expected
        total += len(expected)
    assert total > 40, "the pairs share text, so there are runs to compare"


def test_compiled_alignment_equals_numpy_alignment(compiled):
    pairs = _pairs()
    with_kernels = [align(a, b) for a, b in pairs]
    align_module.use_compiled(False)
    assert [align(a, b) for a, b in pairs] == with_kernels
    assert sum(map(len, with_kernels)) > 10


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="甲乙丙丁", max_size=150), st.text(alphabet="甲乙丙丁", max_size=150), st.integers(1, 4))
def test_compiled_runs_equal_numpy_runs_on_repetitive_text(a, b, max_repeats):
    """Four letters: every k-gram repeats, so the repeat cap and touching seeds are exercised."""
    params = AlignParams(max_seed_repeats=max_repeats, min_run=5, min_longest_run=6)
    reach = 3 * params.gap_a + params.min_passage
    align_module.use_compiled(True)
    try:
        assert align_module._compiled_runs(a, b, params, reach) == _numpy_runs(a, b, params)
    finally:
        align_module.use_compiled(False)


def test_seeds_that_only_touch_still_form_one_run(compiled):
    """The k-grams between two seeds are over-repeated in the source, so the
    seeds at i and i + k only touch; both paths must join them into one run."""
    a = "甲乙丙丁戊己庚辛壬癸"
    fillers = "子".join([a[i : i + 5] for i in range(1, 5)] * 3)
    b = a + "子" + fillers
    params = AlignParams(max_seed_repeats=2, min_run=5, min_longest_run=6)
    reach = 3 * params.gap_a + params.min_passage
    runs = align_module._compiled_runs(a, b, params, reach)
    assert runs == _numpy_runs(a, b, params)
    assert [(r.a0, r.a1, r.b0, r.b1) for r in runs] == [(0, 10, 0, 10)]


_PIECES = st.lists(
    st.sampled_from(["甲乙丙丁戊己庚辛", "子丑寅卯辰巳午未", "东南西北", "春夏秋冬", "一二三", "金木水火土"]),
    max_size=30,
)


@settings(max_examples=80, deadline=None)
@given(_PIECES, _PIECES, st.integers(4, 30), st.integers(0, 20))
def test_compiled_passages_equal_numpy_passages_on_reordered_pieces(a, b, gap, piece):
    """Shuffled, repeated phrases: runs on many diagonals, passages to merge,
    join across reorderings and screen; both paths give the same passages
    with the same runs."""
    params = AlignParams(gap_a=gap, gap_b=2 * gap, join_gap=gap // 2, join_piece=piece, min_run=5, min_longest_run=8)
    a, b = "".join(a), "".join(b)
    align_module.use_compiled(True)
    try:
        compiled = align(a, b, params)
    finally:
        align_module.use_compiled(False)
    assert compiled == align(a, b, params)
