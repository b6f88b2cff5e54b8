"""The real web pages in ../shared/seeds: 000 (traditional script, pinyin
noise, mojibake) and 002 (simplified, topic swapped) share two passages."""

from corpus.read import read_document
from detector.compare import compare_document
from index.corpus import prepare
from index.sqlite import IndexStore
from tests.conftest import SEED_000, SEED_002


def _check_all(seeds_dir):
    docs = [read_document(p) for p in sorted(seeds_dir.glob("*.txt"))]
    store = IndexStore(":memory:")
    store.add([prepare(d, store.params) for d in docs])
    return {d.path: (d, compare_document(d, store)) for d in docs}


def test_000_and_002_share_both_passages_with_offsets_into_the_traditional_page(seeds_dir):
    results = _check_all(seeds_dir)
    doc000, result000 = results[str(seeds_dir / SEED_000)]
    doc002, _ = results[str(seeds_dir / SEED_002)]
    copies = [m for m in result000.matches if m.kind == "copy" and m.source == doc002.path]
    texts = [doc000.text[m.start : m.end] for m in copies]
    sources = [doc002.text[m.source_start : m.source_end] for m in copies]
    # passage 1: original traditional script with pinyin annotations, unchanged
    assert any(
        t.startswith("建立完善了衛(wèi)生分片包干制度") and t.rstrip("。").endswith("責任落實到位") for t in texts
    ), texts
    assert any(
        s.startswith("建立完善了卫生分片包干制度") and s.rstrip("。").endswith("责任落实到位") for s in sources
    ), sources
    # passage 2: the closing with the topic swapped (创卫 -> 巩固国家卫生县城)
    assert any(t.startswith("進一步提高認識") and t.rstrip("。").endswith("常抓不懈") for t in texts), texts
    assert any(s.startswith("进一步提高认识") and s.rstrip("。").endswith("常抓不懈") for s in sources), sources


def test_002_reports_000_as_its_source(seeds_dir):
    results = _check_all(seeds_dir)
    _, result002 = results[str(seeds_dir / SEED_002)]
    assert result002.max_source == str(seeds_dir / SEED_000)
    assert 0.9 < result002.originality < 0.99
    doc000, _ = results[str(seeds_dir / SEED_000)]
    doc002, _ = results[str(seeds_dir / SEED_002)]
    copies = [m for m in result002.matches if m.kind == "copy"]
    pairs = [(doc002.text[m.start : m.end], doc000.text[m.source_start : m.source_end]) for m in copies]
    # the closing is its own passage on both sides: the stock phrase before it
    # (政府的正确领导下…统一部署和要求) must not be glued on
    assert any(
        own.startswith("进一步提高认识")
        and own.rstrip("。").endswith("常抓不懈")
        and src.startswith("進一步提高認識")
        and src.rstrip("。").endswith("常抓不懈")
        for own, src in pairs
    ), pairs


def test_unrelated_seed_pages_get_no_copy_matches(seeds_dir):
    results = _check_all(seeds_dir)
    for path, (_, result) in results.items():
        if path.endswith((SEED_000, SEED_002)):
            assert {m.source for m in result.matches if m.kind == "copy"} <= {
                str(seeds_dir / SEED_000),
                str(seeds_dir / SEED_002),
            }
        else:
            assert [m for m in result.matches if m.kind == "copy"] == [], path
            assert result.originality == 1.0
