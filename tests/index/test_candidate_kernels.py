"""The compiled candidate query of a large corpus answers as the numpy one."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import index.memory as memory_module
from evaluation.synth import SynthConfig, generate_texts
from index.corpus import QueryKeys, prepare
from index.fingerprint import FingerprintParams
from index.memory import MemoryIndex

pytest.importorskip("numba")


def _answers(store, fp, busy=None, **kwargs):
    return [
        (c.doc_id, c.band_hits, c.gram_hits, c.identity, c.precedence, tuple(c.hits.tolist()))
        for c in store.candidates(QueryKeys.of(fp, busy), **kwargs)
    ]


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The same generated summaries as a small corpus (numpy) and as one forced onto the compiled query."""
    from corpus.read import read_document

    folder = tmp_path_factory.mktemp("summaries")
    texts = [text for _, text in generate_texts(SynthConfig(n_units=30, n_references=2, seed=11))]
    texts.append(texts[0][:900] + texts[7][300:1500])
    prepared = []
    for i, text in enumerate(texts):
        (folder / f"{i:02}.txt").write_bytes(text.encode("utf-8"))
        prepared.append(prepare(read_document(folder / f"{i:02}.txt"), FingerprintParams()))
    return (*_plain_and_compiled(prepared), prepared)


def _plain_and_compiled(prepared):
    """The corpus as a small one (numpy) and as one forced onto the compiled query."""
    plain = MemoryIndex.build(prepared, FingerprintParams())
    assert plain._kernels() is None, "a small corpus queries with numpy"
    saved, memory_module.BULK_POSTINGS = memory_module.BULK_POSTINGS, 0
    try:
        compiled = MemoryIndex.build(prepared, FingerprintParams())
        assert compiled._kernels() is not None, "forced onto the compiled query"
    finally:
        memory_module.BULK_POSTINGS = saved
    return plain, compiled


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    which=st.integers(0, 10**6),
    limit=st.integers(0, 40),
    excluded=st.sets(st.integers(-2, 40), max_size=6),
    busy_every=st.sampled_from([0, 1, 2, 5]),
)
def test_compiled_candidates_equal_numpy_candidates(stores, which, limit, excluded, busy_every):
    """Same documents, hits, keys held and order, for any limit, exclusions
    (some of them ids no document has) and busy grams."""
    plain, compiled, prepared = stores
    fp = prepared[which % len(prepared)].fingerprints
    busy = np.unique(fp.grams[::busy_every]) if busy_every else None
    expected = _answers(plain, fp, busy=busy, exclude=excluded, limit=limit)
    assert _answers(compiled, fp, busy=busy, exclude=excluded, limit=limit) == expected


def test_a_key_posted_twice_under_one_document_is_held_once(stores):
    """Each key a candidate holds is listed once, however often the corpus
    posts it under that document (here every posting twice)."""
    plain, _, prepared = stores

    def doubled() -> MemoryIndex:
        twice = [np.repeat(a, 2) for a in (plain.gram_keys, plain.gram_docs, plain.band_keys, plain.band_docs)]
        return MemoryIndex(plain.params, plain.documents, *twice)

    numpy_store = doubled()
    saved, memory_module.BULK_POSTINGS = memory_module.BULK_POSTINGS, 0
    try:
        compiled = doubled()
        assert compiled._kernels() is not None
    finally:
        memory_module.BULK_POSTINGS = saved
    for i in (3, 8, 17):
        expected = _answers(numpy_store, prepared[i].fingerprints, exclude={i}, limit=8)
        assert expected and _answers(compiled, prepared[i].fingerprints, exclude={i}, limit=8) == expected


def test_compiled_queries_do_not_leak_into_each_other(stores):
    """The kernels count into scratch arrays shared by every query of the
    corpus: queries one after another (with and without exclusions) answer
    as each answers alone with numpy."""
    plain, compiled, prepared = stores
    queries = [(prepared[i].fingerprints, frozenset({i} if i % 2 else ())) for i in (3, 8, 3, 17, 8)]
    for fp, excluded in queries:
        expected = _answers(plain, fp, exclude=excluded, limit=10)
        assert len(expected) >= 3, "the query finds candidates"
        assert _answers(compiled, fp, exclude=excluded, limit=10) == expected


@pytest.fixture(scope="module")
def dated_stores(stores):
    """The same corpus with 范文, years and dates, so precedence orders the pool."""
    from dataclasses import replace

    from corpus.document import REFERENCE, DocMeta

    def dated(i, p):
        meta = DocMeta(None, 2015 + i % 3, f"{2015 + i % 3}-0{1 + i % 5}-01" if i % 2 else None)
        role = REFERENCE if i % 7 == 3 else p.document.role
        return replace(p, document=replace(p.document, meta=meta, role=role))

    prepared = [dated(i, p) for i, p in enumerate(stores[2])]
    plain, compiled = _plain_and_compiled(prepared)
    assert len({compiled._precedence[i] for i in range(len(prepared))}) > 5
    return plain, compiled, prepared


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 10**6), limit=st.integers(1, 30), busy_every=st.sampled_from([0, 2, 5]))
def test_a_view_keeps_the_same_candidates_from_array_and_object_pools(dated_stores, which, limit, busy_every):
    """The compiled corpus gives the view its pool as arrays ranked over the
    corpus; the numpy one as candidate objects, ranked within the pool. The
    view keeps the same candidates, in the same order, from either."""
    from index.view import CorpusView

    plain, compiled, prepared = dated_stores
    assert compiled._kernels() is not None and plain._kernels() is None
    probe = prepared[which % len(prepared)]
    busy = np.unique(probe.fingerprints.grams[::busy_every]) if busy_every else None

    def kept(store):
        found = CorpusView([store]).candidates(probe.fingerprints, probe.document, busy=busy, limit=limit)
        return [(c.store, c.candidate.doc_id, c.candidate.score, tuple(c.candidate.hits.tolist())) for c in found]

    expected = kept(plain)
    assert expected, "the probe has candidates"
    assert kept(compiled) == expected
