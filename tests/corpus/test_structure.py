from corpus.structure import analyze, heading_level, split_sentences

DOC = (
    "今年以来，我局认真开展工作。现将工作总结如下：\r\n"
    "一、加强领导，落实责任\r\n"
    "（一）健全组织。成立领导小组。\r\n"
    "1. 制定方案；明确分工！\r\n"
    "二、存在的不足\n"
    "宣传还不够深入？"
)


def test_heading_levels():
    assert heading_level("一、加强领导") == 1
    assert heading_level("第二部分 工作打算") == 1
    assert heading_level("（一）健全组织") == 2
    assert heading_level("(三)完善制度") == 2
    assert heading_level("1. 制定方案") == 3
    assert heading_level("1.5亿元资金到位") == 0
    assert heading_level("我局高度重视") == 0


def test_sections_cover_the_text_with_exact_offsets():
    s = analyze(DOC)
    titles = [sec.title for sec in s.sections]
    assert titles == ["（前言）", "一、加强领导，落实责任", "二、存在的不足"]
    assert s.sections[0].start == 0 and s.sections[-1].end == len(DOC)
    for a, b in zip(s.sections, s.sections[1:]):
        assert a.end == b.start
    assert DOC[s.sections[1].start :].startswith("一、")
    assert s.section_at(DOC.index("宣传")).title == "二、存在的不足"


def test_paragraphs_and_sentences_keep_offsets():
    s = analyze(DOC)
    paragraph_texts = [DOC[p.start : p.end] for p in s.paragraphs]
    assert paragraph_texts[2] == "（一）健全组织。成立领导小组。"
    assert [p.heading_level for p in s.paragraphs] == [0, 1, 2, 3, 1, 0]
    sentences = [DOC[x.start : x.end] for x in s.sentences]
    assert "成立领导小组。" in sentences
    assert "制定方案；" not in sentences and "1. 制定方案；" in sentences
    assert sentences[-1] == "宣传还不够深入？"


def test_document_without_headings_is_one_section():
    text = "我校开展了读书月活动。学生参与热情很高。"
    s = analyze(text)
    assert len(s.sections) == 1 and s.sections[0].title == "（全文）"
    assert [text[x.start : x.end] for x in split_sentences(text)] == ["我校开展了读书月活动。", "学生参与热情很高。"]
