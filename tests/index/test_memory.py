import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.metadata import DocMeta
from corpus.readers import read_document
from detector.check import check_document
from index.memory import MemoryIndex, _counted_unique
from index.store import IndexStore, prepare
from tests.prose import COPIED, ORIGINAL_HOSPITAL, ORIGINAL_SCHOOL, ORIGINAL_TRANSPORT


def _docs(tmp_path):
    texts = {
        "a.txt": ORIGINAL_SCHOOL + COPIED,
        "b.txt": ORIGINAL_HOSPITAL + COPIED[:80],
        "c.txt": ORIGINAL_TRANSPORT,
        "d.txt": COPIED[40:] + ORIGINAL_TRANSPORT[:50],
    }
    out = []
    for name, text in texts.items():
        (tmp_path / name).write_bytes(text.encode("utf-8"))
        out.append(read_document(tmp_path / name))
    return out


def test_memory_index_answers_like_the_sqlite_index(tmp_path):
    docs = _docs(tmp_path)
    sqlite = IndexStore(":memory:")
    prepared = [prepare(d, DocMeta(), sqlite.params) for d in docs]
    sqlite.add(prepared)
    memory = MemoryIndex.build(prepared, sqlite.params)
    assert memory.document_count() == sqlite.document_count() == 4
    for doc in prepared:
        fp = doc.fingerprints
        assert memory.gram_frequencies(fp.grams) == sqlite.gram_frequencies(fp.grams)
        by_path_memory = {memory.document(c.doc_id).path: c.gram_hits for c in memory.candidates(fp)}
        by_path_sqlite = {sqlite.document(c.doc_id).path: c.gram_hits for c in sqlite.candidates(fp)}
        assert by_path_memory == by_path_sqlite
    for doc in docs:
        a = check_document(doc, DocMeta(), sqlite)
        b = check_document(doc, DocMeta(), memory)
        assert a.matches == b.matches and a.originality == b.originality


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(-(2**63), 2**63 - 1) | st.integers(-3, 3), max_size=200))
def test_counted_unique_equals_numpy_unique(values):
    array = np.array(values, dtype=np.int64)
    keys, counts = _counted_unique(array.copy())
    expected_keys, expected_counts = np.unique(array, return_counts=True)
    assert np.array_equal(keys, expected_keys) and np.array_equal(counts, expected_counts)
