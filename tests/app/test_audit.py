"""Bulk audit on generated corpora with hand-planted copying."""

import json

import pytest

from app.audit import run_audit
from corpus.normalize import normalize
from corpus.read import read_document
from evaluation.synth import SynthConfig, generate_corpus
from reports.json_report import to_dict
from reports.model import audit_report
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_TRANSPORT

SWAPS = [
    {"我局": "我镇", "三个月": "两个月", "三百余人次": "五百余人次"},
    {"我局": "我校", "四十二处": "三十处"},
    {"我局": "我院", "十八块": "九块", "一千二百米": "八百米"},
    {"我局": "我委", "三个月": "半年"},
    {"我局": "我办", "四十二处": "五十六处", "十八块": "二十块"},
]


def _clean_corpus(tmp_path, units=24, seed=3):
    out = tmp_path / "corpus"
    truth = generate_corpus(
        out, SynthConfig(n_units=units, n_references=2, copy_rate=0.0, clean_units=units, seed=seed)
    )
    assert truth["cases"] == []
    encodings = {d["path"]: d["encoding"] for d in truth["documents"]}
    return out, encodings


def _insert(path, encoding, passage):
    """Put ``passage`` as a paragraph in the middle of the file."""
    raw = path.read_bytes()
    bom = b"\xef\xbb\xbf" if encoding == "utf-8-sig" and raw.startswith(b"\xef\xbb\xbf") else b""
    text = raw[len(bom) :].decode("utf-8" if encoding == "utf-8-sig" else encoding)
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    middle = len(lines) // 2
    lines.insert(middle, "　　" + passage)
    path.write_bytes(bom + newline.join(lines).encode("utf-8" if encoding == "utf-8-sig" else encoding))


def _meaningful(text):
    return int(normalize(text).meaningful.sum())


def _swap(text, swaps):
    for before, after in swaps.items():
        text = text.replace(before, after)
    return text


def test_one_passage_in_five_units_is_one_family_with_the_swaps(tmp_path):
    out, encodings = _clean_corpus(tmp_path)
    subs = sorted((out / "submissions").glob("*.txt"))
    planted = subs[:5]
    for path, swaps in zip(planted, SWAPS):
        _insert(path, encodings[path.relative_to(out).as_posix()], _swap(COPIED, swaps))
    result = run_audit([out / "submissions"], [out / "references"])
    assert len(result.families) == 1
    family = result.families[0]
    assert sorted(m.path for m in family.members) == sorted(p.as_posix() for p in planted)
    assert family.units == 5
    for member in family.members:
        assert member.end - member.start >= len(COPIED) - 10
    edits = {m.path: {(e.before, e.after) for e in m.edits} for m in family.members}
    rep = family.representative
    rep_swaps = SWAPS[[p.as_posix() for p in planted].index(rep)]
    for path, swaps in zip(planted, SWAPS):
        if path.as_posix() == rep:
            continue
        afters = {after for _, after in edits[path.as_posix()]}
        for before, after in swaps.items():
            if before == "我局" or rep_swaps.get(before) != after:
                assert after in afters, (path.name, after, afters)  # the whole token, not a piece of it
    section = to_dict(audit_report(result, None))["families"][0]
    assert {"id", "text", "documents", "units", "origin"} <= set(section)
    assert all({"path", "start", "end"} <= set(d) for d in section["documents"])
    json.dumps(section, ensure_ascii=False)


def test_a_clean_corpus_has_no_family(tmp_path):
    out, _ = _clean_corpus(tmp_path, units=10, seed=11)
    result = run_audit([out / "submissions"], [out / "references"])
    assert result.families == []
    assert all(r.originality >= 0.97 for r in result.results), [(r.path, r.originality) for r in result.results]


def test_ranking_follows_the_planted_copied_share(tmp_path):
    out, encodings = _clean_corpus(tmp_path, units=12, seed=5)
    subs = sorted((out / "submissions").glob("*.txt"))
    amounts = {
        subs[0]: [COPIED],
        subs[1]: [COPIED, ORIGINAL_HOSPITAL],
        subs[2]: [COPIED, ORIGINAL_HOSPITAL, ORIGINAL_TRANSPORT],
    }
    source = out / "references" / "library.txt"
    source.write_bytes("\n".join([ORIGINAL_TRANSPORT, COPIED, ORIGINAL_HOSPITAL]).encode("utf-8"))
    for path, passages in amounts.items():
        for passage in passages:
            _insert(path, encodings[path.relative_to(out).as_posix()], passage)
    result = run_audit([out / "submissions"], [out / "references"])
    ranking = to_dict(audit_report(result, None))["ranking"]
    planted_share = {
        path.as_posix(): _meaningful("".join(passages)) / _meaningful(read_document(path).text)
        for path, passages in amounts.items()
    }
    expected = sorted(planted_share, key=planted_share.get, reverse=True)
    assert [row["path"] for row in ranking[:3]] == expected, (ranking[:4], planted_share)
    by_path = {r.path: r for r in result.results}
    for row in ranking[:3]:
        library_share = next(s.share for s in by_path[row["path"]].sources if s.source == source.as_posix())
        assert library_share >= planted_share[row["path"]] - 0.01  # the library supplies all that was planted
        assert abs((1 - row["originality"]) - planted_share[row["path"]]) < 0.03
    assert all(row["originality"] >= 0.97 for row in ranking[3:])


def test_one_summary_handed_to_three_units_is_a_cluster_and_dates_give_direction(tmp_path):
    out, encodings = _clean_corpus(tmp_path, units=6, seed=9)
    subs = sorted((out / "submissions").glob("*.txt"))
    original = subs[0]
    enc = encodings[original.relative_to(out).as_posix()]
    raw = original.read_bytes()
    text = raw.decode("utf-8-sig" if enc == "utf-8-sig" else enc)
    copies = []
    for unit in ["东湖镇", "西岭镇"]:
        copy = out / "submissions" / f"2030_{unit}.txt"
        copy.write_bytes(_swap(text, {"我局": "我镇", "我镇": "我镇"}).replace("。", "。", 1).encode("utf-8"))
        copies.append(copy)
    manifest = out / "manifest.csv"
    rows = manifest.read_bytes().decode("utf-8-sig").splitlines()
    rows += [
        "submissions/2030_东湖镇.txt,东湖镇,2030,2030-12-20",
        "submissions/2030_西岭镇.txt,西岭镇,2030,2030-12-21",
    ]
    manifest.write_bytes("\n".join(rows).encode("utf-8"))
    from corpus.metadata import load_manifest

    load_manifest.cache_clear()
    result = run_audit([out / "submissions"], [])
    clusters = [set(c.documents) for c in result.clusters]
    assert {original.as_posix(), *(c.as_posix() for c in copies)} in clusters
    directed = [(e.copier, e.source) for e in result.edges if e.directed]
    assert (copies[0].as_posix(), original.as_posix()) in directed
    relation = {(e.copier, e.source): e.relation for e in result.edges}
    assert relation[(copies[0].as_posix(), original.as_posix())] == "跨地抄"


@pytest.mark.parametrize("with_index", [False, True])
def test_audit_extends_a_persistent_index(tmp_path, with_index):
    from index.sqlite import IndexStore

    out, _ = _clean_corpus(tmp_path, units=4, seed=13)
    store = IndexStore(tmp_path / "idx.db") if with_index else None
    result = run_audit([out / "submissions"], [out / "references"], index=store)
    assert len(result.results) == 4
    if store is not None:
        assert store.document_count() == 4
        store.close()


def test_a_family_with_one_fanwen_member_originates_there_whatever_the_dates():
    from corpus.document import INDEXED, REFERENCE, DocMeta, Document
    from detector.families import family_origin

    members = [("subs/a.txt", 0, 10), ("subs/b.txt", 0, 10), ("refs/fanwen.txt", 5, 15)]
    documents = {
        "subs/a.txt": Document("subs/a.txt", "", "a", meta=DocMeta(unit="甲镇", year=2021, submitted="2021-12-01")),
        "subs/b.txt": Document("subs/b.txt", "", "b", meta=DocMeta(unit="乙镇", year=2022)),
        "refs/fanwen.txt": Document("refs/fanwen.txt", "", "c", role=REFERENCE),
    }
    assert family_origin(members, documents)[0] == "refs/fanwen.txt"
    # in the persistent index, with no year: a page from the web
    documents["refs/fanwen.txt"] = documents["refs/fanwen.txt"].with_role(INDEXED)
    assert family_origin(members, documents)[0] == "refs/fanwen.txt"
    # an earlier year's submission in the index
    documents["refs/fanwen.txt"] = documents["refs/fanwen.txt"].with_meta(DocMeta(unit="丙镇", year=2023))
    assert family_origin(members, documents) == ("subs/a.txt", "earliest submitted (2021-12-01)")
