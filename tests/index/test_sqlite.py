import sqlite3
import tempfile
import zlib
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import index.corpus as corpus_module
import index.sqlite.postings as postings_module
from corpus.document import DocMeta
from corpus.read import read_document
from evaluation.synth import SynthConfig, generate_texts
from index.corpus import QueryKeys, distinct_grams, prepare
from index.errors import IndexCorruptError, IndexMismatchError, IndexStoreError
from index.fingerprint import FingerprintParams
from index.sqlite import SCHEMA_VERSION, IndexStore
from index.sqlite.textcodec import decode_text, encode_text
from index.view import CorpusView
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL, ORIGINAL_TRANSPORT


def _doc(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return read_document(path)


def _prepared(store, decoded):
    return prepare(decoded.with_meta(DocMeta(unit=decoded.path)), store.params)


_TABLES = ("meta", "documents", "band_buckets", "gram_buckets", "sample")


def _frequencies(store, grams):
    """Documents holding each gram (over the sample, here every document)."""
    queries = np.unique(grams)
    counts = CorpusView([store]).document_frequencies(queries)
    return {g: n for g, n in zip(queries.tolist(), counts.tolist()) if n}


def _row_counts(store):
    """Rows of every table, the postings the bucket rows hold and the windows
    the documents count; checks that gram postings are sorted and unique."""
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(_TABLES), "no table of an older schema (windows) is left"
    counts = {t: store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in _TABLES[1:]}
    counts["windows"] = store.stats()["windows"]
    for name, table in (("bands", "band_buckets"), ("grams", "gram_buckets")):
        blobs = [r[0] for r in store.db.execute(f"SELECT postings FROM {table}")]
        assert all(len(b) % 8 == 0 and len(b) > 0 for b in blobs), "whole postings, no empty bucket rows"
        counts[name] = sum(len(b) for b in blobs) // 8
    counts["gram_keys"] = 0
    for (blob,) in store.db.execute("SELECT postings FROM gram_buckets"):
        posted = np.frombuffer(blob, dtype="<u8")
        assert np.all(posted[1:] > posted[:-1]), "postings sorted, each once"
        counts["gram_keys"] += len(np.unique(posted >> np.uint64(32)))
    return counts


def test_index_persists_and_reopens(tmp_path):
    db = tmp_path / "idx.db"
    a = _doc(tmp_path, "a.txt", ORIGINAL_SCHOOL + COPIED)
    with IndexStore(db) as store:
        outcome = store.add([_prepared(store, a)])
        assert outcome.added == [a.path]
    with IndexStore(db, create=False) as store:
        assert store.paths() == [a.path]
        stored = store.document(store.document_id(a.path))
        assert stored.text == a.text and stored.sha256 == a.sha256 and stored.meta.unit == a.path
        stats = store.stats()
        assert stats["gram_rows"] > 0 and stats["band_rows"] > 0
        assert stats["windows"] == len(_prepared(store, a).fingerprints.window_bands) > 0


def test_readding_unchanged_is_a_noop_and_changed_replaces(tmp_path):
    with IndexStore(tmp_path / "idx.db") as store:
        a = _doc(tmp_path, "a.txt", ORIGINAL_SCHOOL)
        store.add([_prepared(store, a)])
        before = _row_counts(store)
        assert store.add([_prepared(store, a)]).unchanged == [a.path]
        assert _row_counts(store) == before
        changed = _doc(tmp_path, "a.txt", ORIGINAL_HOSPITAL)
        assert store.add([_prepared(store, changed)]).replaced == [a.path]
        assert store.document(store.document_id(a.path)).text == ORIGINAL_HOSPITAL
        fresh = IndexStore(":memory:")
        fresh.add([_prepared(fresh, changed)])
        assert _row_counts(store) == _row_counts(fresh), "no rows of the old version are left"


def test_remove_deletes_every_row(tmp_path):
    with IndexStore(tmp_path / "idx.db") as store:
        docs = [_doc(tmp_path, f"{i}.txt", t) for i, t in enumerate([ORIGINAL_SCHOOL, ORIGINAL_HOSPITAL + COPIED])]
        store.add([_prepared(store, d) for d in docs])
        assert store.remove([docs[0].path, "not/there.txt"]) == [docs[0].path]
        assert store.paths() == [docs[1].path]
        store.remove([docs[1].path])
        assert _row_counts(store) == {
            "documents": 0,
            "windows": 0,
            "band_buckets": 0,
            "gram_buckets": 0,
            "sample": 0,
            "bands": 0,
            "grams": 0,
            "gram_keys": 0,
        }


def test_interrupted_add_leaves_the_index_as_it_was(tmp_path):
    db = tmp_path / "idx.db"
    with IndexStore(db) as store:
        store.add([_prepared(store, _doc(tmp_path, "a.txt", ORIGINAL_SCHOOL))])
        before = _row_counts(store)

        def interrupted():
            yield _prepared(store, _doc(tmp_path, "b.txt", ORIGINAL_HOSPITAL))
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            store.add(interrupted())
        assert _row_counts(store) == before
    with IndexStore(db) as store:
        assert store.paths() == [str(tmp_path / "a.txt")]


def test_other_parameters_are_refused(tmp_path):
    db = tmp_path / "idx.db"
    IndexStore(db, FingerprintParams(k=5)).close()
    with pytest.raises(IndexMismatchError, match="k: index has 5, asked for 4"):
        IndexStore(db, FingerprintParams(k=4))
    with IndexStore(db) as store:  # no parameters asked: the stored ones are used
        assert store.params.k == 5


def test_files_that_are_not_an_index_are_refused(tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(IndexCorruptError):
        IndexStore(garbage)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(IndexCorruptError, match="not a chachong index"):
        IndexStore(other)
    with pytest.raises(IndexStoreError, match="no index here"):
        IndexStore(tmp_path / "missing.db", create=False)


def test_candidates_find_the_copy_and_skip_unrelated(tmp_path):
    store = IndexStore(":memory:")
    source = _doc(tmp_path, "source.txt", ORIGINAL_SCHOOL + COPIED)
    unrelated = _doc(tmp_path, "unrelated.txt", ORIGINAL_TRANSPORT + ORIGINAL_HOSPITAL)
    store.add([_prepared(store, source), _prepared(store, unrelated)])
    probe = _doc(tmp_path, "probe.txt", ORIGINAL_HOSPITAL[:20] + COPIED.replace("我局", "我镇").replace("三百", "五百"))
    found = store.candidates(QueryKeys.of(_prepared(store, probe).fingerprints))
    ids = [c.doc_id for c in found]
    assert ids[0] == store.document_id(source.path)
    assert found[0].band_hits > 0 and found[0].gram_hits > 0
    assert store.document_id(unrelated.path) not in ids[:1]
    excluded = store.candidates(QueryKeys.of(_prepared(store, probe).fingerprints), exclude={store.document_id(source.path)})
    assert store.document_id(source.path) not in [c.doc_id for c in excluded]


def test_gram_frequencies_count_documents(tmp_path):
    store = IndexStore(":memory:")
    docs = [
        _doc(tmp_path, f"{i}.txt", COPIED + t)
        for i, t in enumerate([ORIGINAL_SCHOOL, ORIGINAL_HOSPITAL, ORIGINAL_TRANSPORT])
    ]
    store.add([_prepared(store, d) for d in docs])
    fp = _prepared(store, docs[0]).fingerprints
    counts = _frequencies(store, fp.grams)
    assert max(counts.values()) == 3 and min(counts.values()) == 1
    assert set(counts) == set(np.unique(fp.grams).tolist()), "every gram of an indexed document is counted"


def test_the_same_path_twice_in_one_add_keeps_only_the_last_version(tmp_path):
    store = IndexStore(":memory:")
    first = _doc(tmp_path, "a.txt", ORIGINAL_SCHOOL)
    second = _doc(tmp_path, "a.txt", ORIGINAL_HOSPITAL)
    store.add([_prepared(store, first), _prepared(store, second)])
    fresh = IndexStore(":memory:")
    fresh.add([_prepared(fresh, second)])
    assert _row_counts(store) == _row_counts(fresh)


# -- storage format ------------------------------------------------------------------

_HOSTILE = (
    "\ufeff开头的BOM、\x00空字符、\r\n、\r、\t制表符、全角ＡＢＣ１２３、繁體與简体、"
    "日本語のかな、한국어、Ελληνικά、עברית، العربية、emoji 😀👩‍👩‍👧‍👦🇨🇳、组合字符 é (e+\u0301)、"
    "私用区\ue000\ue5e5\uf8ff、GB18030 的特殊映射 \u20ac \u1e3f \ue7c7 \ufe10 \u9fa6 \u9fff、"
    "扩展B区 𠀀𪚥𰻞、非字符 \ufffe\uffff、替换符 \ufffd、零宽 \u200b\u200d、"
    "最高码位 \U0010ffff、平面边界 \U00010000\U0001ffff"
)


def _hostile_long_text() -> str:
    """Every code point class at once and 600,000 characters of it, plus a
    stretch of random code points (no surrogates) that no compressor likes."""
    rng = np.random.default_rng(11)
    cps = rng.integers(0x20, 0x110000, size=20_000)
    cps = cps[(cps < 0xD800) | (cps > 0xDFFF)]
    noise = "".join(map(chr, cps.tolist()))
    return (_HOSTILE + ORIGINAL_SCHOOL + COPIED) * 2_000 + noise + _HOSTILE


@pytest.mark.parametrize("kind", ["hostile", "long", "empty"])
def test_stored_text_round_trips_exactly(tmp_path, kind):
    text = {"hostile": _HOSTILE, "long": _hostile_long_text(), "empty": ""}[kind]
    db = tmp_path / "idx.db"
    base = _doc(tmp_path, "a.txt", ORIGINAL_SCHOOL)
    decoded = replace(base, text=text)
    with IndexStore(db) as store:
        store.add([_prepared(store, decoded)])
    with IndexStore(db, create=False) as store:
        stored = store.document(store.document_id(decoded.path))
        assert stored.text == text and len(stored.text) == len(text) and stored.chars == len(text)
        assert stored.text.encode("utf-8") == text.encode("utf-8")
        store.remove([decoded.path])  # removal recomputes the fingerprints from the stored text
        assert _row_counts(store)["bands"] == _row_counts(store)["grams"] == 0


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
@settings(max_examples=300, deadline=None)
def test_text_codec_is_lossless_for_any_string(text):
    blob = encode_text(text)
    assert decode_text(blob) == text
    assert decode_text(bytes(blob)) == text  # SQLite hands back bytes


def test_text_codec_prefers_gb18030_and_falls_back_to_utf8():
    chinese = ORIGINAL_SCHOOL + COPIED
    assert encode_text(chinese)[:1] == b"g"
    assert len(encode_text(chinese)) < len(b"u" + zlib.compress(chinese.encode("utf-8"), 6))
    lone_surrogate = "半个代理对\ud800在这里"
    assert encode_text(lone_surrogate)[:1] == b"u"
    assert decode_text(encode_text(lone_surrogate)) == lone_surrogate


def test_damaged_stored_text_is_reported_as_corruption():
    with pytest.raises(IndexCorruptError, match="codec"):
        decode_text(b"x" + zlib.compress(b"abc"))
    with pytest.raises(IndexCorruptError, match="cannot be decoded"):
        decode_text(encode_text(ORIGINAL_SCHOOL)[:-5])
    with pytest.raises(IndexCorruptError, match="cannot be decoded"):
        decode_text(b"g" + zlib.compress(b"\x81"))  # half a GB18030 character


_SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL,
    encoding TEXT NOT NULL, format TEXT NOT NULL, chars INTEGER NOT NULL, unit TEXT, year INTEGER,
    submitted TEXT, added TEXT NOT NULL, signature BLOB NOT NULL, text BLOB NOT NULL);
CREATE TABLE windows (id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL);
CREATE TABLE bands (key INTEGER NOT NULL, window INTEGER NOT NULL, PRIMARY KEY (key, window)) WITHOUT ROWID;
CREATE TABLE grams (hash INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (hash, doc)) WITHOUT ROWID;
"""

_SCHEMA_2 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL,
    encoding TEXT NOT NULL, format TEXT NOT NULL, chars INTEGER NOT NULL, unit TEXT, year INTEGER,
    submitted TEXT, added TEXT NOT NULL, signature BLOB NOT NULL, text BLOB NOT NULL);
CREATE INDEX documents_sha ON documents(sha256);
CREATE TABLE windows (id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL);
CREATE INDEX windows_doc ON windows(doc);
CREATE TABLE band_buckets (bucket INTEGER PRIMARY KEY, postings BLOB NOT NULL);
CREATE TABLE gram_buckets (bucket INTEGER PRIMARY KEY, postings BLOB NOT NULL);
"""

_OLD_SCHEMAS = {  # schema version: (tables, a row to find again, the query that finds it)
    "chachong-index-1": (_SCHEMA_1, "INSERT INTO bands VALUES (-5, 1)", "SELECT key, window FROM bands", (-5, 1)),
    "chachong-index-2": (
        _SCHEMA_2,
        "INSERT INTO band_buckets VALUES (5, x'0100000007000000')",
        "SELECT bucket, hex(postings) FROM band_buckets",
        (5, "0100000007000000"),
    ),
}


@pytest.mark.parametrize("version", sorted(_OLD_SCHEMAS))
def test_an_index_of_a_previous_schema_is_refused_with_a_rebuild_hint(tmp_path, version):
    schema, insert, select, row = _OLD_SCHEMAS[version]
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as db:
        db.executescript(schema)
        db.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("schema", version), ("fingerprint", FingerprintParams().manifest_json())],
        )
        db.execute(insert)
    db.close()
    assert version != SCHEMA_VERSION
    for params in (None, FingerprintParams()):
        with pytest.raises(IndexMismatchError, match=version) as err:
            IndexStore(old, params, create=False)
        message = str(err.value)
        assert str(old) in message and SCHEMA_VERSION in message
        assert "Rebuild the index" in message and "chachong index add" in message
    with sqlite3.connect(old) as db:  # refused, not converted or emptied
        assert db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (version,)
        assert db.execute(select).fetchall() == [row]
    db.close()


# -- postings in buckets -----------------------------------------------------------------


def _long_texts(n):
    """Generated summaries of ~3,000 characters: more than one query chunk
    of band keys each."""
    texts = [text for _, text in generate_texts(SynthConfig(n_units=n, n_references=0, seed=5))]
    return texts[:n]


def _expected_candidates(docs, probe, stock=frozenset()):
    """Band and gram hits with full 64-bit keys: the distinct band keys of the
    probe's windows found among a document's windows, and the distinct
    non-stock grams of the probe among the document's."""
    wanted_bands = set(probe.window_bands.ravel().tolist())
    wanted_grams = set(probe.grams.tolist()) - set(stock)
    out = {}
    for doc_id, fp in docs.items():
        band = len(wanted_bands & set(fp.window_bands.ravel().tolist()))
        gram = len(wanted_grams & set(fp.grams.tolist()))
        if band or gram:
            out[doc_id] = (band, gram)
    return out


def _ranked(expected, exclude=()):
    """Document ids of ``_expected_candidates`` as a full sort by (-score, id) ranks them."""
    return sorted((d for d in expected if d not in exclude), key=lambda d: (-(expected[d][0] + 2 * expected[d][1]), d))


def test_candidates_and_frequencies_equal_a_full_key_count(tmp_path):
    texts = _long_texts(6)
    shared = texts[0][:1500] + texts[1][1000:2500] + ORIGINAL_SCHOOL + COPIED
    bodies = [*texts[:5], shared + texts[5], COPIED + ORIGINAL_HOSPITAL]
    store = IndexStore(":memory:")
    prepared = [_prepared(store, _doc(tmp_path, f"{i}.txt", t)) for i, t in enumerate(bodies)]
    store.add(prepared)
    docs = {store.document_id(p.document.path): p.fingerprints for p in prepared}
    probe = _prepared(store, _doc(tmp_path, "probe.txt", texts[1] + shared + texts[3][:800])).fingerprints
    assert len(np.unique(probe.window_bands)) > 900, "the probe spans two query chunks"
    stock = set(probe.grams[::3].tolist())
    for given_stock in (None, np.array(sorted(stock), dtype=np.int64)):
        expected = _expected_candidates(docs, probe, stock if given_stock is not None else frozenset())
        found = store.candidates(QueryKeys.of(probe, given_stock), limit=10**6)
        assert {c.doc_id: (c.band_hits, c.gram_hits) for c in found} == expected
        assert [c.doc_id for c in found] == _ranked(expected)
        for limit in range(1, len(found) + 1):  # the top of the full ranking, and the ties of the last
            top = store.candidates(QueryKeys.of(probe, given_stock), limit=limit)
            assert [c.doc_id for c in top] == [c.doc_id for c in found[: len(top)]] and len(top) >= limit
            assert all(c.score == found[limit - 1].score for c in top[limit:])
        skip = {found[0].doc_id, found[-1].doc_id}
        assert [c.doc_id for c in store.candidates(QueryKeys.of(probe, given_stock), exclude=skip, limit=3)][:3] == _ranked(
            expected, skip
        )[:3]
    assert sum(1 for b, _ in expected.values() if b) >= 3 and sum(1 for _, g in expected.values() if g) >= 3
    assert any(b > 1 for b, _ in expected.values()), "a document shares several band keys"
    every = {doc_id: set(distinct_grams(store.document(doc_id).text, store.params).tolist()) for doc_id in docs}
    queries = np.unique(np.concatenate([probe.grams, *(np.array(sorted(g), dtype=np.int64) for g in every.values())]))
    expected_df = {g: sum(1 for grams in every.values() if g in grams) for g in queries.tolist()}
    assert _frequencies(store, queries) == {g: n for g, n in expected_df.items() if n}
    assert 0 in expected_df.values(), "some probe grams are in no document"
    absent = np.array([1, 2, 3], dtype=np.int64)  # no gram hash is this small
    view = CorpusView([store])
    assert view.document_frequencies(np.r_[absent, queries]).tolist() == [0, 0, 0, *expected_df.values()]


def test_removing_one_of_two_documents_leaves_the_other_as_if_alone(tmp_path):
    texts = _long_texts(2)
    a = _doc(tmp_path, "a.txt", texts[0] + COPIED)
    b = _doc(tmp_path, "b.txt", texts[1] + COPIED)
    store = IndexStore(":memory:")
    store.add([_prepared(store, a), _prepared(store, b)])
    store.remove([a.path])
    alone = IndexStore(":memory:")
    alone.add([_prepared(alone, b)])
    assert _row_counts(store) == _row_counts(alone)
    probe = _prepared(store, _doc(tmp_path, "p.txt", texts[0] + COPIED + texts[1][:500])).fingerprints
    assert [(c.band_hits, c.gram_hits) for c in store.candidates(QueryKeys.of(probe))] == [
        (c.band_hits, c.gram_hits) for c in alone.candidates(QueryKeys.of(probe))
    ]
    assert _frequencies(store, probe.grams) == _frequencies(alone, probe.grams)


def _bucket_contents(store):
    """Every posting as (table, bucket, key bits, document path), ids replaced
    by paths so that stores built in another order compare."""
    doc_path = dict(store.db.execute("SELECT id, path FROM documents"))
    out = set()
    for table in ("band_buckets", "gram_buckets"):
        for bucket, blob in store.db.execute(f"SELECT bucket, postings FROM {table}"):
            for posting in np.frombuffer(blob, dtype="<u8").tolist():
                out.add((table, bucket, posting >> 32, doc_path[posting & 0xFFFFFFFF]))
    return out


@pytest.fixture
def spill_dirs(tmp_path, monkeypatch):
    """Spill folders go where the test can watch them; ``spill_soon()``
    makes an add spill after a few hundred postings."""
    spill_root = tmp_path / "spill"
    spill_root.mkdir()
    made = []
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        made.append(real_mkdtemp(*args, **{**kwargs, "dir": spill_root}))
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)  # spill folders are made with tempfile.mkdtemp
    return spill_root, made, lambda: monkeypatch.setattr(postings_module, "_SPILL_POSTINGS", 700)


def test_an_add_that_spills_to_disk_stores_what_one_in_memory_does(tmp_path, spill_dirs):
    spill_root, made, spill_soon = spill_dirs
    texts = _long_texts(5)
    docs = [_doc(tmp_path, f"{i}.txt", t) for i, t in enumerate(texts)]
    again = _doc(tmp_path, "1.txt", texts[1] + COPIED)  # the same path again, changed, later in the add
    in_memory = IndexStore(":memory:")
    in_memory.add([_prepared(in_memory, d) for d in [*docs[:1], *docs[2:], again]])
    assert not made, "the reference add stays in memory"
    spill_soon()
    spilled = IndexStore(tmp_path / "spilled.db")
    outcome = spilled.add([_prepared(spilled, d) for d in [*docs, again]])
    assert len(made) == 1, "the add spilled"
    assert list(spill_root.iterdir()) == [], "spill files removed"
    assert outcome.added == [d.path for d in docs] and outcome.replaced == [again.path]
    assert _row_counts(spilled) == _row_counts(in_memory)
    assert _bucket_contents(spilled) == _bucket_contents(in_memory)
    assert spilled.document(spilled.document_id(again.path)).text == again.text


def test_an_interrupted_add_that_spilled_rolls_back_and_cleans_up(tmp_path, spill_dirs):
    spill_root, made, spill_soon = spill_dirs
    texts = _long_texts(4)
    db = tmp_path / "idx.db"
    with IndexStore(db) as store:
        store.add([_prepared(store, _doc(tmp_path, "first.txt", texts[0]))])
        before, contents = _row_counts(store), _bucket_contents(store)
        spill_soon()

        def interrupted():
            for i, text in enumerate(texts[1:]):
                yield _prepared(store, _doc(tmp_path, f"{i}.txt", text))
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            store.add(interrupted())
        assert len(made) == 1, "the add spilled before the interrupt"
        assert list(spill_root.iterdir()) == []
        assert _row_counts(store) == before and _bucket_contents(store) == contents


def test_postings_refuse_ids_beyond_32_bits():
    keys = np.array([7, -7], dtype=np.int64)
    buckets, packed = postings_module.postings(keys, np.array([0, 2**32 - 1]))
    assert (packed & 0xFFFFFFFF).tolist() == [0, 2**32 - 1] and (buckets < 2**postings_module.BUCKET_BITS).all()
    with pytest.raises(IndexStoreError, match="32 bits"):
        postings_module.postings(keys, np.array([1, 2**32]))


# -- ranking -------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 40), max_size=60),
    st.lists(st.integers(0, 40), max_size=60),
    st.sampled_from([0, 1000, 2**31, 2**32 - 100]),  # small ids (dense count) or spread ones (sorted count)
    st.integers(0, 12),
    st.sets(st.integers(0, 40), max_size=5),
)
def test_ranking_equals_a_full_sort(band, gram, spread, limit, exclude):
    """hit_counts + top_candidates rank as counting every posting in Python
    and sorting every document by (-score, id) does, over dense and sparse ids."""
    scale = spread // 41 + 1
    band_docs = np.array(band, dtype=np.int64) * scale
    gram_docs = np.array(gram, dtype=np.int64) * scale
    excluded = {e * scale for e in exclude}
    expected = {}
    for d in band:
        b, g = expected.get(d * scale, (0, 0))
        expected[d * scale] = (b + 1, g)
    for d in gram:
        b, g = expected.get(d * scale, (0, 0))
        expected[d * scale] = (b, g + 1)
    ids, band_hits, gram_hits = corpus_module.hit_counts(band_docs, gram_docs)
    assert ids.tolist() == sorted(expected)
    assert list(zip(band_hits.tolist(), gram_hits.tolist())) == [expected[d] for d in sorted(expected)]
    found = corpus_module.top_candidates(ids, band_hits, gram_hits, exclude=excluded, limit=limit)
    ranked = _ranked(expected, excluded)
    assert [(c.doc_id, c.band_hits, c.gram_hits) for c in found[:limit]] == [(d, *expected[d]) for d in ranked[:limit]]
    if len(ranked) > limit > 0:  # and every document tied with the last, no other
        last = sum(expected[ranked[limit - 1]][i] * (1, 2)[i] for i in (0, 1))
        tied = [d for d in ranked[limit:] if expected[d][0] + 2 * expected[d][1] == last]
        assert [c.doc_id for c in found[limit:]] == tied


@pytest.mark.parametrize("key, value", [("normalizer", 1), ("scheme", "affine16"), ("normalizer", None)])
def test_an_index_fingerprinted_by_another_version_is_refused_even_without_parameters(tmp_path, key, value):
    """The same parameters do not make fingerprints comparable when the text
    was normalized (or hashed) differently: a check would silently miss."""
    import json
    import sqlite3

    db = tmp_path / "idx.db"
    IndexStore(db).close()
    with sqlite3.connect(db) as conn:
        manifest = json.loads(conn.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()[0])
        if value is None:
            del manifest[key]  # an index from before the key existed
        else:
            manifest[key] = value
        conn.execute("UPDATE meta SET value = ? WHERE key = 'fingerprint'", (json.dumps(manifest),))
    with pytest.raises(IndexMismatchError, match=f"{key}: index has .*Rebuild the index"):
        IndexStore(db)
