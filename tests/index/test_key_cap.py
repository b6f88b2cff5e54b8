"""``max_holders``: a key held by more documents than the cap proposes no candidates.

The cap (``DetectorParams.max_key_docs``, ``--max-key-docs``) counts a key's
holders over every store of the view, so a corpus split over two stores is
capped as the same corpus in one; the in-memory, compiled and SQLite stores
count alike.
"""

import pytest

import index.memory as memory_module
from evaluation.synth import SynthConfig, generate_texts
from index.corpus import KeyCap, QueryKeys, prepare
from index.fingerprint import FingerprintParams
from index.memory import MemoryIndex
from index.sqlite import IndexStore
from index.view import CorpusView

PARAMS = FingerprintParams()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    from corpus.read import read_document

    folder = tmp_path_factory.mktemp("summaries")
    out = []
    for i, (_, text) in enumerate(generate_texts(SynthConfig(n_units=40, n_references=2, seed=3))):
        (folder / f"{i:02}.txt").write_bytes(text.encode("utf-8"))
        out.append(prepare(read_document(folder / f"{i:02}.txt"), PARAMS))
    return out


def _holders(prepared) -> tuple[dict[int, int], dict[int, int]]:
    """Each band key's and gram's holders, counted by sets of each document's keys."""
    bands: dict[int, int] = {}
    grams: dict[int, int] = {}
    for p in prepared:
        for key in set(p.fingerprints.window_bands.ravel().tolist()):
            bands[key] = bands.get(key, 0) + 1
        for key in set(p.fingerprints.grams.tolist()):
            grams[key] = grams.get(key, 0) + 1
    return bands, grams


def _answer(view: CorpusView, prepared, i: int, cap: int | None) -> list[tuple]:
    probe = prepared[i]
    found = view.candidates(probe.fingerprints, probe.document, limit=10, max_holders=cap)
    return [(view.document(c).path, c.candidate.band_hits, c.candidate.gram_hits) for c in found]


def _memory(prepared, compiled: bool = False) -> MemoryIndex:
    saved = memory_module.BULK_POSTINGS
    memory_module.BULK_POSTINGS = 0 if compiled else saved
    try:
        return MemoryIndex.build(prepared, PARAMS)
    finally:
        memory_module.BULK_POSTINGS = saved


@pytest.mark.parametrize("cap", [1, 2, 4, 8])
def test_a_capped_query_is_the_query_of_the_keys_few_enough_documents_hold(prepared, cap):
    """Against keys counted by sets: the capped query asks exactly the keys
    held by ``cap`` documents or fewer, and finds what a query of just those
    keys finds."""
    store = _memory(prepared)
    view = CorpusView([store])
    bands, grams = _holders(prepared)
    changed = 0
    for i in range(0, len(prepared), 3):
        fp, document = prepared[i].fingerprints, prepared[i].document
        keys = QueryKeys.of(fp)
        light = KeyCap(cap).keys(keys, view.key_holders(keys))
        assert light.bands.tolist() == [k for k in keys.bands.tolist() if bands[k] <= cap]
        assert light.grams.tolist() == [k for k in keys.grams.tolist() if grams[k] <= cap]
        exclude = view.excluded(document)[0]
        expected = [(c.doc_id, c.band_hits, c.gram_hits) for c in store.candidates(light, exclude=exclude, limit=40)]
        found = view.candidates(fp, document, limit=10, max_holders=cap)
        assert {c.candidate.doc_id for c in found} <= {doc_id for doc_id, _, _ in expected}
        assert all((c.candidate.doc_id, c.candidate.band_hits, c.candidate.gram_hits) in expected for c in found)
        changed += _answer(view, prepared, i, cap) != _answer(view, prepared, i, None)
    assert changed, "the cap changes some document's candidates"


def test_a_cap_counts_holders_in_every_store_and_every_store_kind_counts_alike(prepared, tmp_path):
    half = len(prepared) // 2
    whole = CorpusView([_memory(prepared)])
    split = CorpusView([_memory(prepared[:half]), _memory(prepared[half:], compiled=True)])
    compiled = CorpusView([_memory(prepared, compiled=True)])
    with IndexStore(tmp_path / "idx.db") as sqlite:
        sqlite.add(prepared)
        indexed = CorpusView([sqlite])
        for i in range(0, len(prepared), 4):
            for cap in (2, 5, None):
                expected = _answer(whole, prepared, i, cap)
                assert _answer(split, prepared, i, cap) == expected, (i, cap)
                assert _answer(compiled, prepared, i, cap) == expected, (i, cap)
                assert _answer(indexed, prepared, i, cap) == expected, (i, cap)


def test_a_cap_above_every_key_changes_nothing_and_a_cap_of_one_leaves_no_candidate(prepared):
    view = CorpusView([_memory(prepared)])
    for i in range(0, len(prepared), 5):
        assert _answer(view, prepared, i, len(prepared)) == _answer(view, prepared, i, None)
        assert _answer(view, prepared, i, 1) == []  # every key a query shares with another is held by two
