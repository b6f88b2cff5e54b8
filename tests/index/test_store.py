import sqlite3

import pytest

from corpus.errors import IndexCorruptError, IndexMismatchError, IndexStoreError
from corpus.metadata import DocMeta
from corpus.readers import read_document
from index.fingerprint import FingerprintParams
from index.store import IndexStore, prepare
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL, ORIGINAL_TRANSPORT


def _doc(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return read_document(path)


def _prepared(store, decoded):
    return prepare(decoded, DocMeta(unit=decoded.path), store.params)


def _row_counts(store):
    return {
        t: store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("documents", "windows", "bands", "grams")
    }


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
        assert store.stats()["gram_rows"] > 0 and store.stats()["band_rows"] > 0


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
        assert _row_counts(store) == {"documents": 0, "windows": 0, "bands": 0, "grams": 0}


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
    found = store.candidates(_prepared(store, probe).fingerprints)
    ids = [c.doc_id for c in found]
    assert ids[0] == store.document_id(source.path)
    assert found[0].band_hits > 0 and found[0].gram_hits > 0
    assert store.document_id(unrelated.path) not in ids[:1]
    excluded = store.candidates(_prepared(store, probe).fingerprints, exclude={store.document_id(source.path)})
    assert store.document_id(source.path) not in [c.doc_id for c in excluded]


def test_gram_frequencies_count_documents(tmp_path):
    store = IndexStore(":memory:")
    docs = [
        _doc(tmp_path, f"{i}.txt", COPIED + t)
        for i, t in enumerate([ORIGINAL_SCHOOL, ORIGINAL_HOSPITAL, ORIGINAL_TRANSPORT])
    ]
    store.add([_prepared(store, d) for d in docs])
    fp = _prepared(store, docs[0]).fingerprints
    counts = store.gram_frequencies(fp.grams)
    assert max(counts.values()) == 3 and min(counts.values()) == 1
    assert store.common_grams(fp.grams, 3) == {h for h, c in counts.items() if c == 3}


def test_the_same_path_twice_in_one_add_keeps_only_the_last_version(tmp_path):
    store = IndexStore(":memory:")
    first = _doc(tmp_path, "a.txt", ORIGINAL_SCHOOL)
    second = _doc(tmp_path, "a.txt", ORIGINAL_HOSPITAL)
    store.add([_prepared(store, first), _prepared(store, second)])
    fresh = IndexStore(":memory:")
    fresh.add([_prepared(fresh, second)])
    assert _row_counts(store) == _row_counts(fresh)
