"""The gate library: file selection, thresholds, index/references, --changed-only state.

The summaries below were written for these tests. ``PASSAGE`` (about 300
characters) is planted in two of them with the unit name changed; the others
share nothing with it or with each other beyond short formulas.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import corpus.read
from app.config import load_settings
from app.gate import LOW_ORIGINALITY, SOURCE_SHARE, ignored, run_gate
from app.gate.state import read_seen
from app.indexing import add_to_index
from corpus.errors import ConfigError
from index.errors import IndexMismatchError, IndexStoreError
from index.sqlite import IndexStore
from reports.json_report import to_dict
from reports.model import gate_report

PASSAGE = (
    "{unit}围绕河道治理这一民生难题，组织水利站和各村干部逐段排查辖区内十二条沟渠的淤塞情况，建立了一河一档的台账。"
    "针对上游养殖场污水直排的老问题，{unit}先后约谈业主十七人次，督促建成沉淀池和干湿分离设施，关停了三家无证经营的散户。"
    "雨季来临之前，{unit}投入资金八十余万元，清理淤泥两万多立方米，加固堤岸一千三百米，并在易涝低洼地段安装了四台移动泵站。"
    "与此同时，我们聘请了二十六名保洁员实行网格化管护，每周通报一次保洁考核结果，把河面漂浮物清理与村集体年终评先直接挂钩。"
    "经过一年的持续整治，主要河段水质由劣五类提升到四类，沿岸群众反映的异味和蚊虫问题明显减少，昔日的臭水沟变成了村民傍晚散步的好去处。"
    "下一步还将在两处入河排口试点人工湿地，用芦苇和菖蒲净化尾水，力争明年汛期前完成验收。"
)

TOWN = (
    "二〇二三年城关镇工作总结\n\n一、基本情况\n城关镇地处县城东部，辖九个行政村和两个社区，常住人口四万二千人。"
    "今年全镇实现地区生产总值十九亿元，比上年增长百分之六点八。\n\n二、主要工作\n（一）河道整治\n"
    + PASSAGE.format(unit="城关镇")
    + "\n（二）农业生产\n全镇落实粮食播种面积五万四千亩，新建高标准农田六千亩，推广稻虾共养模式一千八百亩，亩均增收超过两千元。"
    "镇农技站组织专家下田指导四十余场，帮助种植大户解决了秧苗黄化和虫害防治的技术难题。"
    "冬季我们还协调银行为合作社发放低息贷款一千二百万元，缓解了购置烘干设备的资金压力。\n\n"
    "三、存在的问题\n部分村级组织带头作用不够突出，产业链条较短，农产品深加工能力不足。\n"
)

TOWNSHIP = (
    "河西乡二〇二三年度工作汇报\n\n一、总体概况\n河西乡位于县域西北山区，全乡面积一百六十平方公里，森林覆盖率达到百分之七十三。"
    "全年接待游客二十八万人次，旅游综合收入突破一亿元。\n\n二、重点工作\n（一）水环境治理\n"
    + PASSAGE.format(unit="河西乡")
    + "\n（二）文旅融合\n乡里依托古村落和红色遗址，打造了三条研学线路，修缮百年祠堂两座，引进民宿经营主体十一家。"
    "端午期间举办的龙舟邀请赛吸引周边县市十四支队伍参赛，带动农家乐营业额同比翻番。"
    "我们还开通了乡村旅游直通车，周末每天往返县城六个班次。\n\n"
    "三、明年打算\n继续完善景区停车场和游客服务中心，争取创成省级旅游特色小镇。\n"
)

EDUCATION = (
    "县教育局二〇二三年工作总结\n\n一、办学条件改善\n全年新建和改扩建校舍四万八千平方米，城区第三小学和实验幼儿园如期投入使用，"
    "新增学位两千四百个，大班额问题基本消除。全县一百零六所中小学全部接入千兆光纤，教室多媒体设备更新率达到九成。\n\n"
    "二、教师队伍建设\n通过公开招聘和定向培养补充教师二百一十名，其中音体美紧缺学科教师五十四名。"
    "开展名师工作室结对帮扶，组织乡村教师到城区学校跟岗研修三个月，全年培训教师八千余人次。\n\n三、学生资助与安全\n"
    "发放各类助学金和营养餐补助三千六百万元，惠及学生两万一千人。暑期联合公安、应急部门开展防溺水专项行动，"
    "在水库塘坝设置警示牌四百余块，实现了全年学生溺水零事故。\n\n"
    "四、不足之处\n优质教育资源分布仍不均衡，农村学校留住骨干教师的难度较大。\n"
)

TRANSPORT = (
    "交通运输局二〇二三年度工作总结\n\n一、公路建设\n省道二零六线改建工程完成路基土石方九十万立方，架设桥梁五座，年底实现主线贯通。"
    "农村公路新改建一百三十七公里，自然村通硬化路比例提高到百分之九十六。\n\n二、养护管理\n"
    "推行路长制，聘用乡村道路养护员三百八十人，对危桥实施加固改造十二座。"
    "冬季冰冻期间储备融雪剂六百吨，出动除雪机械二百余台次，确保了国省干线畅通。\n\n三、运输服务\n"
    "新开城乡公交线路九条，更新纯电动公交车六十辆，票价统一降为二元。"
    "快递进村覆盖率达到百分之百，建成县级物流分拨中心一座，农产品上行时效缩短到一天以内。\n\n四、安全监管\n"
    "开展客运车辆和危化品运输专项检查，查处超限超载车辆一千四百余台，道路运输事故起数同比下降两成。\n"
)

#: The transport summary with the passage pasted in (for "a file changed").
TRANSPORT_COPYING = TRANSPORT + "\n五、环境整治\n" + PASSAGE.format(unit="交通运输局")


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return folder


def pass_folder(folder: Path) -> Path:
    return write(folder, {"education.txt": EDUCATION, "transport.txt": TRANSPORT, "town.txt": TOWN})


def fail_folder(folder: Path) -> Path:
    return write(folder, {"town.txt": TOWN, "township.txt": TOWNSHIP, "education.txt": EDUCATION})


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no default index from the working directory


def _config(folder, **flags):
    return load_settings(folder, env={}, flags=flags)


def test_texts_are_long_enough():
    assert len(PASSAGE.format(unit="")) >= 300


def test_pass_folder_passes(tmp_path):
    folder = pass_folder(Path("subs"))
    result = run_gate(_config(folder))
    assert sorted(result.passed) == ["subs/education.txt", "subs/town.txt", "subs/transport.txt"]
    assert result.failed == [] and result.errors == []
    assert all(not r.matches or all(m.kind == "stock" for m in r.matches) for r in result.results)


def test_copied_passage_fails_both_sides(tmp_path):
    folder = fail_folder(Path("subs"))
    result = run_gate(_config(folder))
    assert sorted(result.failed) == ["subs/town.txt", "subs/township.txt"]
    assert result.passed == ["subs/education.txt"]
    verdicts = {v.path: v for v in result.verdicts}
    assert [r.rule for r in verdicts["subs/township.txt"].reasons] == [LOW_ORIGINALITY, SOURCE_SHARE]
    township = next(r for r in result.results if r.path == "subs/township.txt")
    assert township.max_source == "subs/town.txt"
    copy = next(m for m in township.matches if m.kind == "copy")
    assert copy.end - copy.start > 250
    assert "subs/town.txt" in verdicts["subs/township.txt"].reasons[1].message
    report = to_dict(gate_report(result))
    assert report["schema"] == "chachong/report-v1"
    assert report["gate"]["failed"] == result.failed and report["gate"]["passed"] == ["subs/education.txt"]
    assert report["gate"]["min_originality"] == 0.8
    assert [r["rule"] for r in report["gate"]["reasons"]["subs/town.txt"]] == [LOW_ORIGINALITY, SOURCE_SHARE]
    assert result.texts("subs/town.txt") == TOWN  # source texts are kept for the reports


def test_thresholds_come_from_the_config(tmp_path):
    folder = fail_folder(Path("subs"))
    lenient = run_gate(_config(folder, min_originality=0.3, max_source_share=0.6))
    assert lenient.failed == []
    only_share = run_gate(_config(folder, min_originality=0.3, max_source_share=0.5))
    reasons = {v.path: [r.rule for r in v.reasons] for v in only_share.verdicts if not v.passed}
    assert reasons and all(rules == [SOURCE_SHARE] for rules in reasons.values())


def test_unreadable_files_are_errors_not_passes(tmp_path):
    folder = pass_folder(Path("subs"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 this is not a zip archive")
    result = run_gate(_config(folder))
    assert sorted(e.path for e in result.errors) == ["subs/broken.docx", "subs/empty.txt"]
    assert len(result.passed) == 3
    assert to_dict(gate_report(result))["gate"]["errors"] == [e.path for e in result.errors]


def test_ignore_globs_and_reference_folders_inside_the_folder(tmp_path):
    folder = write(
        Path("subs"),
        {
            "town.txt": TOWN,
            "drafts/2023/township.txt": TOWNSHIP,
            "refs/education.txt": EDUCATION,
            "old_a.txt": TOWNSHIP,
        },
    )
    config = load_settings(
        folder,
        env={
            "CHACHONG_IGNORE": os.pathsep.join(["drafts/**", "old_*.txt"]),
            "CHACHONG_REFERENCES": str(folder / "refs"),
        },
    )
    result = run_gate(config)
    assert result.checked == ["subs/town.txt"]
    assert result.passed == ["subs/town.txt"]


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("drafts/a.txt", "drafts/**", True),
        ("drafts/x/y/a.txt", "drafts/**", True),
        ("drafts/x/a.txt", "drafts", True),
        ("final/drafts/a.txt", "drafts/**", False),
        ("final/drafts/a.txt", "**/drafts/**", True),
        ("a_old.txt", "*_old.txt", True),
        ("x/a_old.txt", "*_old.txt", False),
        ("x/a_old.txt", "**/*_old.txt", True),
        ("a1.txt", "a?.txt", True),
        ("a12.txt", "a?.txt", False),
        ("b.txt", "[ab].txt", True),
        ("c.txt", "[!ab].txt", True),
    ],
)
def test_ignore_glob_semantics(path, pattern, expected):
    assert ignored(path, pattern) is expected


def test_references_are_compared_with(tmp_path):
    refs = write(Path("refs"), {"town.txt": TOWN})
    folder = write(Path("subs"), {"township.txt": TOWNSHIP, "education.txt": EDUCATION})
    (Path("subs") / "chachong.toml").write_text('references = ["../refs"]\n', encoding="utf-8")
    result = run_gate(_config(folder))
    assert result.failed == ["subs/township.txt"]
    township = next(r for r in result.results if r.path == "subs/township.txt")
    assert Path(township.max_source).resolve() == (refs / "town.txt").resolve()


def test_references_must_exist(tmp_path):
    folder = pass_folder(Path("subs"))
    (folder / "chachong.toml").write_text('references = ["nowhere"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="nowhere"):
        run_gate(_config(folder))


def test_persistent_index_is_compared_with(tmp_path):
    write(Path("archive"), {"town.txt": TOWN})
    with IndexStore(tmp_path / "idx.db") as store:
        add_to_index(store, [Path("archive")])
    folder = write(Path("subs"), {"township.txt": TOWNSHIP, "education.txt": EDUCATION})
    result = run_gate(_config(folder, index=Path("idx.db")))
    assert result.failed == ["subs/township.txt"]
    township = next(r for r in result.results if r.path == "subs/township.txt")
    assert township.max_source == "archive/town.txt"
    assert to_dict(gate_report(result))["index"] == {"path": "idx.db", "documents": 1}


def test_default_index_is_optional_but_a_configured_one_must_exist(tmp_path):
    folder = pass_folder(Path("subs"))
    assert to_dict(gate_report(run_gate(_config(folder))))["index"] == {}
    with pytest.raises(IndexStoreError, match="missing.db"):
        run_gate(_config(folder, index=Path("missing.db")))


def test_configured_fingerprint_must_match_the_index(tmp_path):
    write(Path("archive"), {"town.txt": TOWN})
    with IndexStore(tmp_path / "idx.db") as store:
        add_to_index(store, [Path("archive")])
    folder = pass_folder(Path("subs"))
    (folder / "chachong.toml").write_text("[fingerprint]\nk = 6\n", encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="k: index has 5"):
        run_gate(_config(folder, index=Path("idx.db")))


def test_missing_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such folder"):
        run_gate(_config(Path("nope")))


# -- --changed-only -------------------------------------------------------------


@pytest.fixture
def reads(monkeypatch):
    """Paths decoded by the pipeline's reader, in order."""
    seen: list[str] = []
    real = corpus.read.read_document

    def spy(path, **kwargs):
        seen.append(Path(path).as_posix())
        return real(path, **kwargs)

    monkeypatch.setattr(corpus.read, "read_document", spy)
    return seen


def _seen_rows(state: Path) -> dict[str, tuple]:
    with IndexStore(state) as store:
        return {path: (row.sha256, int(row.passed)) for path, row in read_seen(store).items()}


def test_changed_only_skips_unchanged_files_and_rechecks_changed_ones(tmp_path, reads):
    folder = pass_folder(Path("subs"))
    state = folder / ".chachong" / "gate-state.db"
    all_three = ["subs/education.txt", "subs/town.txt", "subs/transport.txt"]

    first = run_gate(_config(folder), changed_only=True)
    assert first.checked == all_three and first.unchanged == [] and first.failed == []
    assert sorted(_seen_rows(state)) == all_three

    reads.clear()
    second = run_gate(_config(folder), changed_only=True)
    assert second.checked == [] and second.unchanged == all_three
    assert reads == []  # unchanged files are not even decoded
    report = to_dict(gate_report(second))
    assert report["documents"] == [] and report["gate"]["unchanged"] == all_three

    (folder / "transport.txt").write_bytes(TRANSPORT_COPYING.encode("utf-8"))
    third = run_gate(_config(folder), changed_only=True)
    assert third.checked == ["subs/transport.txt"]
    assert reads == ["subs/transport.txt"]
    assert third.failed == ["subs/transport.txt"]
    transport = third.results[0]
    assert transport.max_source == "subs/town.txt"  # the unchanged file still serves as comparison material
    assert _seen_rows(state)["subs/transport.txt"][1] == 0

    reads.clear()
    fourth = run_gate(_config(folder), changed_only=True)
    assert fourth.checked == ["subs/transport.txt"]  # a failure is checked again, never carried over silently
    assert fourth.failed == ["subs/transport.txt"] and fourth.unchanged == ["subs/education.txt", "subs/town.txt"]


def test_changed_only_touched_but_identical_file_is_unchanged(tmp_path, reads):
    folder = pass_folder(Path("subs"))
    run_gate(_config(folder), changed_only=True)
    town = folder / "town.txt"
    info = town.stat()
    os.utime(town, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))  # a fresh checkout
    reads.clear()
    result = run_gate(_config(folder), changed_only=True)
    assert result.checked == [] and "subs/town.txt" in result.unchanged
    assert reads == []
    with IndexStore(folder / ".chachong" / "gate-state.db") as store:
        mtime = read_seen(store)["subs/town.txt"].mtime_ns
    assert mtime == town.stat().st_mtime_ns  # next time size+mtime suffice


def test_changed_only_forgets_deleted_files_and_rechecks_after_settings_change(tmp_path):
    folder = pass_folder(Path("subs"))
    run_gate(_config(folder), changed_only=True)
    (folder / "town.txt").unlink()
    after_delete = run_gate(_config(folder), changed_only=True)
    assert after_delete.checked == [] and after_delete.unchanged == ["subs/education.txt", "subs/transport.txt"]
    state = folder / ".chachong" / "gate-state.db"
    assert sorted(_seen_rows(state)) == ["subs/education.txt", "subs/transport.txt"]
    with IndexStore(state) as store:
        assert store.paths() == ["subs/education.txt", "subs/transport.txt"]
    stricter = run_gate(_config(folder, min_originality=0.9), changed_only=True)
    assert stricter.checked == ["subs/education.txt", "subs/transport.txt"]


def test_changed_only_new_file_is_checked_against_unchanged_ones(tmp_path, reads):
    folder = pass_folder(Path("subs"))
    run_gate(_config(folder), changed_only=True)
    reads.clear()
    write(folder, {"township.txt": TOWNSHIP})
    result = run_gate(_config(folder), changed_only=True)
    assert result.checked == ["subs/township.txt"] and reads == ["subs/township.txt"]
    assert result.failed == ["subs/township.txt"]
    assert result.results[0].max_source == "subs/town.txt"


def test_changed_only_unreadable_file_is_an_error_every_time(tmp_path):
    folder = pass_folder(Path("subs"))
    (folder / "empty.txt").write_bytes(b"")
    for _ in range(2):
        result = run_gate(_config(folder), changed_only=True)
        assert [e.path for e in result.errors] == ["subs/empty.txt"]
    assert "subs/empty.txt" not in _seen_rows(folder / ".chachong" / "gate-state.db")


def test_changed_only_without_it_writes_no_state(tmp_path):
    folder = pass_folder(Path("subs"))
    run_gate(_config(folder))
    assert not (folder / ".chachong").exists()


def test_changed_only_rechecks_everything_when_comparison_material_changes(tmp_path):
    refs = write(Path("refs"), {"education.txt": EDUCATION})
    folder = write(
        Path("subs"), {"township.txt": TOWNSHIP.replace(PASSAGE.format(unit="河西乡"), ""), "other.txt": TRANSPORT}
    )
    (folder / "chachong.toml").write_text('references = ["../refs"]\n', encoding="utf-8")
    assert run_gate(_config(folder), changed_only=True).failed == []
    assert run_gate(_config(folder), changed_only=True).checked == []
    (refs / "town.txt").write_bytes(TOWN.encode("utf-8"))  # a new reference: old verdicts are void
    result = run_gate(_config(folder), changed_only=True)
    assert result.checked == ["subs/other.txt", "subs/township.txt"] and result.failed == []

    write(Path("archive"), {"town.txt": TOWN})
    with IndexStore("idx.db") as store:
        add_to_index(store, [Path("archive")])
    with_index = run_gate(_config(folder, index=Path("idx.db")), changed_only=True)
    assert with_index.checked == ["subs/other.txt", "subs/township.txt"]
    assert run_gate(_config(folder, index=Path("idx.db")), changed_only=True).checked == []
    with IndexStore("idx.db") as store:
        add_to_index(store, [write(Path("more"), {"e.txt": EDUCATION})])
    assert run_gate(_config(folder, index=Path("idx.db")), changed_only=True).checked == [
        "subs/other.txt",
        "subs/township.txt",
    ]


@pytest.mark.parametrize("with_index, changed_only", [(False, False), (True, False), (False, True)])
def test_a_large_folder_is_checked_in_workers_with_the_same_results(tmp_path, monkeypatch, with_index, changed_only):
    """From _COMPILED_FROM submissions the gate compares in forked workers with
    the compiled seeding (each worker opens the index file anew); the verdicts
    and matches are those of the plain loop."""
    import app.gate.run
    from app.compare import Comparison
    from evaluation.synth import SynthConfig, generate_texts

    texts = sorted(generate_texts(SynthConfig(n_units=80, n_references=0, seed=3, doc_chars=1200)))
    folder = write(Path("many"), {Path(rel).name: text for rel, text in texts[:60]})
    flags = {}
    if with_index:
        write(Path("archive"), {Path(rel).name: text for rel, text in texts[60:]})
        with IndexStore(tmp_path / "idx.db") as store:
            add_to_index(store, [Path("archive")])
        flags["index"] = Path("idx.db")
    reopen = Comparison.after_fork

    def reopen_and_say_so(self):
        reopen(self)
        (tmp_path / f"worker-{os.getpid()}").touch()

    monkeypatch.setattr(Comparison, "after_fork", reopen_and_say_so)
    in_workers = run_gate(_config(folder, **flags), changed_only=changed_only)  # the state store is an index file
    assert list(tmp_path.glob("worker-*")), "the comparison ran in forked workers"
    monkeypatch.setattr(app.gate.run, "BULK_FROM", 10**9)
    plain = run_gate(_config(folder, **flags))
    assert len(in_workers.results) == len(plain.results) == 60
    assert [(r.path, r.originality, r.matches) for r in in_workers.results] == [
        (r.path, r.originality, r.matches) for r in plain.results
    ]
    assert in_workers.failed == plain.failed and in_workers.failed  # some of them copy
    if with_index:
        assert any(m.source.startswith("archive/") for r in plain.results for m in r.matches)


def test_changed_only_rechecks_everything_when_the_detector_rules_change(tmp_path, monkeypatch):
    import dataclasses

    import app.gate.run
    from detector.compare import DetectorParams

    folder = pass_folder(Path("subs"))
    run_gate(_config(folder), changed_only=True)
    assert run_gate(_config(folder), changed_only=True).checked == []
    monkeypatch.setattr(app.gate.run, "RULES_VERSION", app.gate.run.RULES_VERSION + 1)
    assert len(run_gate(_config(folder), changed_only=True).checked) == 3  # a newer chachong classifies differently
    params = DetectorParams(max_candidates=5)
    assert dataclasses.asdict(params) != dataclasses.asdict(DetectorParams())
    assert len(run_gate(_config(folder), changed_only=True, params=params).checked) == 3
