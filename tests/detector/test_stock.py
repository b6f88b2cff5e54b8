"""The stock model as properties: what makes a shared passage 套话 or a copy.

Every corpus here is generated (units writing independently, sharing only
the stock phrasing of the generator's grammar) with planted text on top;
each test compares one document with the whole corpus, as every path does.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.document import Document
from corpus.normalize import normalize
from detector.compare import compare_document
from detector.model import COPY, STOCK
from detector.stock import StockModel, StockParams
from evaluation.synth import SynthConfig, generate_texts
from index.corpus import prepare_many
from index.fingerprint import FingerprintParams
from index.memory import MemoryIndex
from index.view import CorpusView
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL, ORIGINAL_TRANSPORT

#: A 范文 section (about 230 characters): two paragraphs of hand-written prose.
SECTION = COPIED + ORIGINAL_TRANSPORT[:90]
#: A closer every unit writes, with its slots: year, self-reference, topic.
CLOSER = "在新的一年里，{self}将在{year}年继续坚持以习近平新时代中国特色社会主义思想为指导，锐意进取、开拓创新，为推动{topic}高质量发展作出新的更大贡献。"
SLOTS = {
    "self": ("我局", "我镇", "我院", "我校", "我街道", "我办"),
    "year": ("2021", "2022", "2023", "2024"),
    "topic": ("创卫", "巩卫", "文明创建", "安全生产", "乡村振兴", "营商环境"),
}


def _background(count: int, seed: int) -> list[str]:
    """Texts of units that copy nothing (they share only stock phrasing)."""
    config = SynthConfig(n_units=count, n_references=0, seed=seed, copy_rate=0.0, doc_chars=1500)
    return [text for _, text in generate_texts(config)][:count]


def _insert(text: str, passage: str, rng: random.Random) -> str:
    """``passage`` as a paragraph of its own somewhere in the middle of ``text``."""
    lines = text.split("\n")
    at = rng.randint(len(lines) // 3, 2 * len(lines) // 3)
    return "\n".join(lines[:at] + ["　　" + passage] + lines[at:])


def _documents(texts: dict[str, str]) -> list[Document]:
    return [Document(path, text, f"{i:064x}") for i, (path, text) in enumerate(sorted(texts.items()))]


def _view(documents: list[Document]) -> CorpusView:
    params = FingerprintParams()
    return CorpusView([MemoryIndex.build(prepare_many(documents, params), params)])


def _kinds_over(document: Document, view: CorpusView, passage: str) -> tuple[int, int]:
    """(characters of ``passage`` in ``document`` inside copy matches, inside stock matches)."""
    start = document.text.index(passage)
    end = start + len(passage)
    result = compare_document(document, view)
    covered = {COPY: set(), STOCK: set()}
    for match in result.matches:
        covered[match.kind].update(range(max(match.start, start), min(match.end, end)))
    return len(covered[COPY]), len(covered[STOCK] - covered[COPY])


def _swapped(passage: str, unit: str) -> str:
    return passage.replace("我局", unit).replace("三个月", "两个月")


@pytest.mark.parametrize("pasters", [2, 5, 20, 50])
@pytest.mark.parametrize("seed", [3, 8])
def test_a_pasted_section_stays_a_copy_however_many_units_paste_it(pasters, seed):
    rng = random.Random(seed)
    background = _background(60, seed)
    texts = {f"subs/u{i:03d}.txt": t for i, t in enumerate(background)}
    texts["refs/fanwen.txt"] = "某某单位工作总结范文\n" + _insert(background[0][:400], SECTION, rng)
    members = sorted(texts)[1 : pasters + 1]
    for i, path in enumerate(members):
        passage = SECTION if i % 2 else _swapped(SECTION, ("我镇", "我院", "我校")[i % 3])
        texts[path] = _insert(texts[path], passage, rng)
    view = _view(_documents(texts))
    for path in (members[0], members[-1]):
        document = next(d for d in view.stores[0].documents if d.path == path)
        passage = (
            SECTION if members.index(path) % 2 else _swapped(SECTION, ("我镇", "我院", "我校")[members.index(path) % 3])
        )
        copied, _ = _kinds_over(document, view, passage)
        assert copied >= 0.9 * len(passage), (pasters, path, copied, len(passage))


@pytest.mark.parametrize("seed", [4, 9])
def test_more_shared_rare_text_never_turns_a_copy_into_stock(seed):
    rng = random.Random(seed)
    background = _background(40, seed)
    base = {f"subs/u{i:03d}.txt": t for i, t in enumerate(background)}
    copied_before = None
    for extra in ("", ORIGINAL_SCHOOL[:20], ORIGINAL_SCHOOL, ORIGINAL_SCHOOL + ORIGINAL_HOSPITAL):
        passage = COPIED + extra
        texts = dict(base)
        texts["subs/u000.txt"] = _insert(base["subs/u000.txt"], passage, random.Random(seed))
        texts["subs/u001.txt"] = _insert(base["subs/u001.txt"], passage, random.Random(seed + 1))
        view = _view(_documents(texts))
        document = next(d for d in view.stores[0].documents if d.path == "subs/u001.txt")
        copied, _ = _kinds_over(document, view, passage)
        assert copied >= len(COPIED), (extra, copied)
        if copied_before is not None:
            assert copied >= copied_before
        copied_before = copied
    assert rng is not None


@pytest.mark.parametrize("seed", [5, 12])
def test_a_closer_with_only_its_slots_changed_stays_stock(seed):
    rng = random.Random(seed)
    texts = {}
    for i, text in enumerate(_background(60, seed)):
        closer = CLOSER.format(**{k: rng.choice(v) for k, v in SLOTS.items()})
        texts[f"subs/u{i:03d}.txt"] = text.rstrip("\n") + "\n　　" + closer + "\n"
    slots_a = {"self": "我局", "year": "2022", "topic": "创卫"}
    slots_b = {"self": "我镇", "year": "2023", "topic": "巩卫"}
    texts["subs/u000.txt"] = texts["subs/u000.txt"].rsplit("\n　　", 1)[0] + "\n　　" + CLOSER.format(**slots_a) + "\n"
    texts["subs/u001.txt"] = texts["subs/u001.txt"].rsplit("\n　　", 1)[0] + "\n　　" + CLOSER.format(**slots_b) + "\n"
    view = _view(_documents(texts))
    document = next(d for d in view.stores[0].documents if d.path == "subs/u000.txt")
    result = compare_document(document, view)
    closer = CLOSER.format(**slots_a)
    start = document.text.index(closer)
    copies = [m for m in result.copies if m.start < start + len(closer) and start < m.end]
    assert not copies, [document.text[m.start : m.end] for m in copies]


def test_a_long_sentence_from_a_fanwen_shared_by_three_documents_is_a_copy():
    """61 characters, the same in three documents of a small corpus: too long
    to be a formula, however many share it."""
    sentence = (
        "针对城乡结合部卫生死角多、群众反映强烈的实际，我局组织专班逐村逐巷开展拉网式排查，建立问题清单并实行销号管理。"
    )
    assert len(sentence) >= 55
    rng = random.Random(2)
    background = _background(30, 2)
    texts = {f"subs/u{i:03d}.txt": t for i, t in enumerate(background)}
    texts["refs/fanwen.txt"] = _insert(ORIGINAL_HOSPITAL, sentence, rng)
    for path in ("subs/u003.txt", "subs/u007.txt"):
        texts[path] = _insert(texts[path], sentence, rng)
    view = _view(_documents(texts))
    document = next(d for d in view.stores[0].documents if d.path == "subs/u007.txt")
    copied, _ = _kinds_over(document, view, sentence)
    assert copied >= len(sentence) - 2


def test_a_whole_copy_scores_at_most_five_percent_original():
    background = _background(30, 6)
    texts = {f"subs/u{i:03d}.txt": t for i, t in enumerate(background)}
    texts["subs/zz_copy.txt"] = background[4].replace("我局", "我镇").replace("我院", "我校")
    view = _view(_documents(texts))
    document = next(d for d in view.stores[0].documents if d.path == "subs/zz_copy.txt")
    result = compare_document(document, view)
    assert result.originality <= 0.05, result.originality
    assert result.copied_chars + result.stock_chars >= 0.9 * result.meaningful_chars


def _model(text: str, stock_phrases: list[str]):
    """A hand-made model of ``text``: the given phrases stock, nothing else."""
    import numpy as np

    from corpus.normalize import normalize
    from detector.borders import sentence_starts
    from detector.stock import StockModel, StockParams

    stream = normalize(text)
    stock = np.zeros(len(stream.text), dtype=bool)
    for phrase in stock_phrases:
        at = stream.text.index(normalize(phrase).text)
        stock[at : at + len(normalize(phrase).text)] = True
    structure = np.zeros(len(stream.text), dtype=bool)
    return stream, StockModel(stock, structure, sentence_starts(text, stream), StockParams())


def test_a_copy_is_cut_at_sentence_borders_keeping_the_formulas_of_its_own_sentences():
    """The sentence holding the evidence stays whole (its common tail too);
    the all-stock sentence after it is cut off and reported as stock."""
    from corpus.normalize import normalize
    from detector.align import AlignParams, Passage, Run

    copied = "我局组织执法人员深入辖区企业开展安全检查，向重点人群发放倡议书1761余份。"
    common = "各项工作取得了明显成效，得到了上级部门的充分肯定。"
    stream, model = _model(copied + common, ["发放倡议书1761余份", common])
    n = len(stream.text)
    pieces = model.classify(Passage(0, n, 0, n, [Run(0, n, 0, n)]), stream.text, stream.text, AlignParams())
    kinds = {kind: stream.text[p.a0 : p.a1] for p, kind in pieces}
    assert kinds[COPY] == stream.text[: len(stream.text) - len(kinds[STOCK])]
    assert kinds[COPY].endswith("发放倡议书#余份") and kinds[STOCK] == normalize(common).text


def test_a_passage_of_formulas_with_little_own_text_is_stock():
    from detector.align import AlignParams, Passage, Run

    text = "在新的一年里，我局将锐意进取、开拓创新，作出新的更大贡献。"
    stream, model = _model(text, ["在新的一年里", "锐意进取", "开拓创新", "作出新的更大贡献"])
    n = len(stream.text)
    assert [
        kind
        for _, kind in model.classify(Passage(0, n, 0, n, [Run(0, n, 0, n)]), stream.text, stream.text, AlignParams())
    ] == [STOCK]


@settings(max_examples=80, deadline=None)
@given(
    text=st.text(alphabet="工作总结 ，。１２3ａＢ\n（）《》zhōng卫生", max_size=120),
    picks=st.lists(st.booleans(), max_size=120),
)
def test_the_decoded_stock_mask_covers_exactly_the_decoded_text_of_stock_positions(text, picks):
    """Full-width digits, spaces, punctuation and pinyin fold or drop in
    normalization: the mask over the decoded text marks every character a
    stock stream position came from, and nothing else."""
    normalized = normalize(text)
    stock = np.array([picks[i % len(picks)] if picks else False for i in range(len(normalized.text))], dtype=bool)
    model = StockModel(stock, np.zeros(len(stock), dtype=bool), np.zeros(len(stock), dtype=bool), StockParams())
    expected = np.zeros(normalized.source_length, dtype=bool)
    for i in np.flatnonzero(stock).tolist():
        expected[normalized.starts[i] : normalized.ends[i]] = True
    assert np.array_equal(model.decoded_stock(normalized), expected)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=12), st.integers(0, 10**6))
def test_the_formula_lexicon_marks_every_occurrence_of_every_formula(picks, seed):
    """Formulas pasted whole, cut, overlapping and between other text: the
    mask is every occurrence of every formula, as a plain search finds them."""
    from detector.stock import lexicon_mask, normalized_phrases

    formulas, rng = normalized_phrases(), random.Random(seed)
    pieces = []
    for pick in picks:
        formula = formulas[pick % len(formulas)]
        cut = rng.choice([len(formula), len(formula) - 1, 2])
        pieces.append(formula[:cut] + rng.choice(["", "，", "加强", "工作", "x"]))
    stream = "".join(pieces)
    expected = np.zeros(len(stream), dtype=bool)
    for formula in formulas:
        at = stream.find(formula)
        while at >= 0:
            expected[at : at + len(formula)] = True
            at = stream.find(formula, at + 1)
    assert np.array_equal(lexicon_mask(stream), expected)
