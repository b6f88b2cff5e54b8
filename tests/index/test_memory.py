import numpy as np

from corpus.read import read_document
from detector.compare import compare_document
from evaluation.synth import SynthConfig, generate_texts
from index.corpus import QueryKeys, prepare
from index.memory import MemoryIndex
from index.sqlite import IndexStore
from index.view import CorpusView
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


def _ranked(store, fp, busy=None, **kwargs):
    """Candidates by path with their hits (counts and which keys), in rank order; ties by path."""
    found = [
        (-c.score, store.document(c.doc_id).path, c.band_hits, c.gram_hits, tuple(c.hits.tolist()))
        for c in store.candidates(QueryKeys.of(fp, busy), **kwargs)
    ]
    return [row[1:] for row in sorted(found)]


def _frequencies(store, grams):
    """Documents holding each gram, over the sample of a view of ``store``."""
    return CorpusView([store]).document_frequencies(np.unique(grams)).tolist()


def test_memory_index_answers_like_the_sqlite_index(tmp_path):
    docs = _docs(tmp_path)
    sqlite = IndexStore(":memory:")
    prepared = [prepare(d, sqlite.params) for d in docs]
    sqlite.add(prepared)
    memory = MemoryIndex.build(prepared, sqlite.params)
    assert memory.document_count() == sqlite.document_count() == 4
    for doc in prepared:
        fp = doc.fingerprints
        assert _frequencies(memory, fp.grams) == _frequencies(sqlite, fp.grams)
        assert _ranked(memory, fp) == _ranked(sqlite, fp)
    for doc in docs:
        a = compare_document(doc, sqlite)
        b = compare_document(doc, memory)
        assert a.matches == b.matches and a.originality == b.originality


def test_memory_and_sqlite_rank_generated_summaries_alike(tmp_path):
    """Summaries that share stock phrasing and copied passages: the same
    candidates, band hits, gram hits and order, with and without stock grams
    and exclusions, for any limit."""
    texts = [text for _, text in generate_texts(SynthConfig(n_units=12, n_references=0, seed=3))][:12]
    texts.append(texts[0][:1200] + texts[5][800:2000])
    decoded = []
    for i, text in enumerate(texts):
        (tmp_path / f"{i:02}.txt").write_bytes(text.encode("utf-8"))
        decoded.append(read_document(tmp_path / f"{i:02}.txt"))
    sqlite = IndexStore(":memory:")
    prepared = [prepare(d, sqlite.params) for d in decoded]
    sqlite.add(prepared)
    memory = MemoryIndex.build(prepared, sqlite.params)
    band_hit_counts = set()
    for doc in prepared:
        fp = doc.fingerprints
        stock = np.unique(fp.grams[::4])
        own = (sqlite.document_id(doc.document.path), memory.document_id(doc.document.path))
        full = _ranked(sqlite, fp, limit=10**6)
        assert full == _ranked(memory, fp, limit=10**6) and len(full) > 3
        band_hit_counts.update(row[1] for row in full)
        for limit in (1, 3, 25):
            top = _ranked(sqlite, fp, limit=limit)
            assert top == _ranked(memory, fp, limit=limit) and len(top) >= min(limit, len(full))
            assert _ranked(sqlite, fp, busy=stock, exclude={own[0]}, limit=limit) == _ranked(
                memory, fp, busy=stock, exclude={own[1]}, limit=limit
            )
        assert _frequencies(sqlite, fp.grams) == _frequencies(memory, fp.grams)
    assert max(band_hit_counts) > 1 and 0 in band_hit_counts, "some candidates share several band keys, some none"
