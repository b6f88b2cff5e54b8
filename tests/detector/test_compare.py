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


def test_a_copied_sentence_keeps_its_common_tail_but_not_the_next_sentence():
    """Common phrasing is cut off a passage's ends only at sentence borders:
    "…发放倡议书#余份" ends the copied sentence; the common sentence after it goes."""
    from detector.align import AlignParams, Passage, Run
    from detector.stock import Aligned, StockModel, StockParams, classify, sentence_starts

    copied = "我局组织执法人员深入辖区企业开展安全检查，向重点人群发放倡议书1761余份。"
    common = "各项工作取得了明显成效。"
    text = copied + common
    sub = normalize(text)
    n = len(sub.text)
    common_mask = np.zeros(n, dtype=bool)
    tail = sub.text.index("发放倡议书")
    common_mask[tail:] = True  # the tail and the whole next sentence are common phrasing
    model = StockModel(np.zeros(n, bool), common_mask, np.zeros(n, bool), StockParams(), sentence_starts(text, sub))
    passage = Passage(0, n, 0, n, [Run(0, n, 0, n)])
    core, kind = classify(sub, Aligned("src.txt", sub, passage, text), model, StockParams(), AlignParams())
    assert kind == "copy"
    assert sub.text[core.a0 : core.a1] == normalize(copied).text


def test_sentence_starts_follow_the_punctuation_of_the_decoded_text():
    from detector.stock import sentence_starts

    text = "一是加强领导。二是完善制度；三是\n狠抓落实：四是加强宣传"
    norm = normalize(text)
    starts = sentence_starts(text, norm)
    # a line broken mid-sentence (text from a PDF) is no border; a colon is
    assert [norm.text[i] for i in np.flatnonzero(starts)] == ["一", "二", "三", "四"]


def test_headings_and_label_lines_are_sentence_borders_broken_lines_are_not():
    from detector.stock import heading_mask, sentence_starts

    text = "新华镇创卫工作总结\n一、主要工作\n全年开展集中整治12次，清运\n垃圾20吨。\n新华镇人民政府\n2023年12月5日"
    norm = normalize(text)
    starts = [norm.text[i] for i in np.flatnonzero(sentence_starts(text, norm))]
    assert starts == ["新", "一", "全", "新", "#"]
    headings = heading_mask(text, norm)
    fragment = norm.text.index("垃圾")
    assert not headings[fragment]  # "垃圾20吨。" is a short line, but the line before broke mid-sentence
    assert headings[norm.text.index("人民政府")] and headings[0]


def test_a_copied_block_keeps_its_stock_opener_a_short_passage_does_not():
    from detector.align import AlignParams, Passage, Run
    from detector.stock import Aligned, StockModel, StockParams, classify

    opener = "今年以来，我局坚持在县委县政府的正确领导下，取得了较好成效。"
    body = normalize(ORIGINAL_SCHOOL + ORIGINAL_HOSPITAL + ORIGINAL_TRANSPORT).text
    for length, kept in ((300, True), (120, False)):
        sub = normalize(opener + body[:length])
        n = len(sub.text)
        common = np.zeros(n, dtype=bool)
        common[: len(normalize(opener).text)] = True
        model = StockModel(np.zeros(n, bool), common, np.zeros(n, bool), StockParams())
        passage = Passage(0, n, 0, n, [Run(0, n, 0, n)])
        core, kind = classify(sub, Aligned("src.txt", sub, passage, opener + body[:length]), model, StockParams(), AlignParams())
        assert kind == "copy"
        assert (core.a0 == 0) is kept, f"length {length}"


def _classified(text, common_phrases, runs=None):
    """``_classify`` of a passage over all of ``text`` whose common phrasing is
    ``common_phrases`` (stream positions marked common wherever they occur)."""
    from detector.align import AlignParams, Passage, Run
    from detector.stock import Aligned, StockParams, classify

    sub, model = _stock_model(text, common_phrases)
    n = len(sub.text)
    runs = runs or [Run(0, n, 0, n)]
    passage = Passage(runs[0].a0, runs[-1].a1, runs[0].b0, runs[-1].b1, runs)
    return sub, classify(sub, Aligned("src.txt", sub, passage, text), model, StockParams(), AlignParams())


def _stock_model(text, common_phrases):
    """The normalized ``text`` and a stock model whose common phrasing is
    ``common_phrases`` wherever they occur (headings and sentences from the text)."""
    from detector.stock import StockModel, StockParams, heading_mask, line_starts, sentence_starts

    sub = normalize(text)
    common = np.zeros(len(sub.text), dtype=bool)
    for phrase in common_phrases:
        stream = normalize(phrase).text
        at = sub.text.find(stream)
        while at >= 0:
            common[at : at + len(stream)] = True
            at = sub.text.find(stream, at + 1)
    headings = heading_mask(text, sub)
    sentences, lines = sentence_starts(text, sub), line_starts(text, sub)
    return sub, StockModel(headings.copy(), common, headings, StockParams(), sentences, sentences | lines)


OPENER = "在肯定成绩的同时，我们也清醒地认识到，工作中还存在一些问题和不足："
CLOSER = "锐意进取、开拓创新，奋力开创党建工作新局面，为谱写新时代发展新篇章作出新的更大贡献。"


def test_a_stock_section_start_with_a_swapped_problem_sentence_is_stock():
    """Two units' problem sections: the same heading and opener, a problem
    sentence from the same frame with everything else swapped. What the
    aligner finds is common phrasing but for a few characters: stock."""
    from detector.align import AlignParams, align
    from detector.stock import Aligned, StockParams, classify

    a = (
        "全镇开展集中整治二十余次，为持续提升城乡环境面貌打下了良好基础。\n三、存在的问题和不足\n"
        + OPENER
        + "一是社会满意度有待提高，1月12日检查中西塘社区等18个自然村因城乡结合部问题被县级通报。二是部分网格员担当精神不足。"
    )
    b = (
        "各村清运垃圾一千二百余吨，为改善人居环境打下了坚实基础。\n三、存在的困难和问题\n"
        + OPENER
        + "一是社会满意度需要提升，12月3日复查中桥塘村等16个自然村被县级通报。二是部分村民参与热情不高。"
    )
    sub, model = _stock_model(a, [OPENER, "一是", "二是部分"])
    source = normalize(b)
    passages = align(sub.text, source.text, AlignParams())
    assert passages  # the aligner does see the shared stretch
    kinds = {classify(sub, Aligned("b.txt", source, p, b), model, StockParams(), AlignParams())[1] for p in passages}
    assert kinds == {"stock"}


def test_a_stock_closer_with_a_shared_sentence_tail_is_stock_a_copied_sentence_is_not():
    """Shared runs that are common phrasing but for a few characters (the tail
    of the sentence before, the closer's slots) prove nothing; a sentence
    matched from end to end proves copying even when much of it is common."""
    from detector.align import Run

    tail = "对发展对象等问题实行台账管理。"
    closer = "2023年，我街道将认真总结经验、查找不足，" + CLOSER
    text = tail + closer
    sub = normalize(text)
    n = len(sub.text)
    first = sub.text.index("发展对象")
    year = sub.text.index("#年")
    runs = [Run(first, first + 9, 0, 9), Run(year, n, 30, 30 + n - year)]
    # the closer is common but for its slots: the year, 我街道将, the topic 党建
    common = ["认真总结经验查找不足", "锐意进取开拓创新奋力开创", "工作新局面为谱写新时代发展新篇章作出新的更大贡献"]
    _, (_, kind) = _classified(text, common, runs=runs)
    assert kind == "stock"

    # the closer's common phrasing trimmed away, too little is left: stock
    closer_at = sub.text.index("锐意进取")
    runs = [Run(first, first + 9, 0, 9), Run(closer_at, n, 30, 30 + n - closer_at)]
    _, (_, kind) = _classified(text, [CLOSER, "认真总结经验查找不足"], runs=runs)
    assert kind == "stock"

    # common phrasing on both sides of a fragment too short to be evidence,
    # 81 stream characters in all: stock, not a "widely copied paragraph"
    head = "在上级部门的关心指导下，经过全体干部职工的共同努力，"
    tail = (
        "各项工作取得了明显成效，锐意进取、开拓创新，奋力开创工作新局面，为全面建设社会主义现代化国家作出新的更大贡献。"
    )
    _, (_, kind) = _classified(head + "拆除旧棚十二处，" + tail, [head, tail])
    assert kind == "stock"

    sentence = "我局组织人员深入辖区企业开展安全检查，各项工作取得了明显成效。"
    _, (core, kind) = _classified(sentence, ["各项工作取得了明显成效"])
    assert kind == "copy"
    assert core.a0 == 0 and core.a1 == len(normalize(sentence).text)


def test_a_match_that_ends_a_sentence_takes_its_full_stop_a_clause_does_not_take_its_comma():
    from detector.scoring import through_sentence_end

    assert through_sentence_end("建立制度。”下一句", 4) == 6  # 。 and the closing quote
    assert through_sentence_end("建立制度，下一句", 4) == 4
    assert through_sentence_end("建立制度", 4) == 4


def test_one_long_stock_sentence_is_stock_a_pasted_common_paragraph_is_a_copy():
    """Common phrasing end to end is a boilerplate family (a copy) only when
    whole sentences of it are longer than a stock passage: a closer of 80+
    characters with the fragment of the sentence before it is not."""
    closer = (
        "在新的一年里，我镇将继续坚持以习近平新时代中国特色社会主义思想为指导，以更加务实的作风、"
        "更加有力的举措，推动全镇各项工作再上新台阶，为全县经济社会高质量发展作出新的更大贡献。"
    )
    from detector.align import Run

    text = "全镇各基层党支部年内核查党费收缴。" + closer
    sub = normalize(text)
    assert len(normalize(closer).text) > 80
    at, n = sub.text.index("核查"), len(sub.text)
    _, (_, kind) = _classified(text, ["核查党费收缴", closer], runs=[Run(at, n, 0, n - at)])
    assert kind == "stock"

    paragraph = (
        "坚持把创卫工作作为改善人居环境的重要抓手，建立健全长效管理机制，做到组织不散、力度不减、标准不降、热情不退。"
        "对照创建标准逐项查漏补缺，集中力量攻坚薄弱环节，确保各项指标全面达标，巩固提升创建成果。"
    )
    assert max(len(normalize(s).text) for s in paragraph.split("。") if s) <= 80
    _, (_, kind) = _classified(paragraph, [paragraph])
    assert kind == "copy"


PASTED = (
    "坚持把创卫工作作为改善人居环境的重要抓手，建立健全长效管理机制，做到组织不散、力度不减、标准不降、热情不退。"
    "对照创建标准逐项查漏补缺，集中力量攻坚薄弱环节，确保各项指标全面达标，巩固提升创建成果。"
)


def test_a_pasted_common_paragraph_is_a_copy_as_lines_mid_sentence_or_with_a_fragment_inside():
    """A boilerplate family stays a copy however the aligner cut it: a list
    pasted without 。, a match starting mid-sentence, a few words of the
    unit's own inserted."""
    from detector.align import Run

    as_lines = PASTED.replace("。", "\n")  # two list items, no sentence end
    sub, (_, kind) = _classified(as_lines, [line for line in as_lines.split("\n") if line])
    assert kind == "copy" and len(sub.text) > 80

    text = "各村" + PASTED  # the first sentence of the submission starts "各村坚持把…"
    sub = normalize(text)
    at, n = sub.text.index("坚持"), len(sub.text)
    _, (_, kind) = _classified(text, [PASTED], runs=[Run(at, n, 0, n - at)])
    assert kind == "copy"

    inserted = PASTED.replace("集中力量", "在西塘社区试点，集中力量")
    _, (_, kind) = _classified(
        inserted,
        [PASTED.split("。")[0], "对照创建标准逐项查漏补缺", "集中力量攻坚薄弱环节确保各项指标全面达标巩固提升创建成果"],
    )
    assert kind == "copy"


def test_a_copied_clause_with_a_common_phrase_inside_is_a_copy():
    """Fewer than 20 own characters make a passage stock only when the shared
    runs are mostly common phrasing: here 14 of 22 are the unit's own."""
    from detector.align import Run

    text = "全年来，院领导班子成立18个专项小组，常态化改造下水管网，群众十分满意。"
    sub = normalize(text)
    a0, a1 = sub.text.index("院领导"), sub.text.index("群众")
    _, (core, kind) = _classified(text, ["成立18个专项小组"], runs=[Run(a0, a1, 0, a1 - a0)])
    assert kind == "copy" and (core.a0, core.a1) == (a0, a1)


def test_a_sentence_with_more_than_its_slots_of_own_text_is_no_stock_sentence():
    from detector.stock import StockParams

    closer = "2023年，我街道将认真总结经验、查找不足，" + CLOSER
    sub, model = _stock_model(
        closer, ["认真总结经验查找不足", "锐意进取开拓创新奋力开创", "工作新局面为谱写新时代发展新篇章作出新的更大贡献"]
    )
    n = len(sub.text)
    assert model.is_stock_sentence(model.common, 0, n)  # its own characters are the year, 我街道将 and 党建
    common = ["建立健全长效管理机制", "做到组织不散力度不减标准不降热情不退", "确保各项指标全面达标"]
    specific = "建立健全长效管理机制，整改暗访点位43处，督促西塘社区，做到组织不散、力度不减、标准不降、热情不退，确保各项指标全面达标。"
    sub, model = _stock_model(specific, common)
    n, shared = len(sub.text), int(model.common.sum())
    assert shared >= StockParams().stock_sentence * n and n - shared == 14  # mostly common, 14 of its own
    assert not model.is_stock_sentence(model.common, 0, n)
    slots = specific.replace("督促西塘社区，", "")
    sub, model = _stock_model(slots, common)
    assert model.is_stock_sentence(model.common, 0, len(sub.text))  # 8 of its own: slots
