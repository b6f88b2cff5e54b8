"""The run's corpus on disk (index/disk) answers as the in-memory corpus does."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.document import REFERENCE, Document
from corpus.normalize import normalize
from evaluation.synth import SynthConfig, generate_texts
from index.corpus import QueryKeys, prepare_many
from index.disk import DiskIndexWriter, prepare_batch
from index.disk.postings import sort_postings
from index.disk.records import decode, decode_text, encode
from index.errors import IndexStoreError
from index.fingerprint import FingerprintParams
from index.memory import MemoryIndex
from tests.kernels_loaded import kernels_loaded

PARAMS = FingerprintParams()


def _documents(count: int) -> list[Document]:
    texts = generate_texts(SynthConfig(n_units=count, n_references=0, seed=3))
    documents = []
    for i, (name, text) in zip(range(count), texts):
        role = REFERENCE if i % 5 == 0 else "submission"
        documents.append(Document(f"c/{i:03d}-{name}", text, f"{i:064x}", role=role, key=f"/abs/c/{i:03d}"))
    return documents


def _both(tmp_path, documents, batch=7):
    memory = MemoryIndex.build(prepare_many(documents, PARAMS, keep_normalized=True), PARAMS)
    writer = DiskIndexWriter(tmp_path / "disk", PARAMS)
    for lo in range(0, len(documents), batch):
        writer.add(prepare_batch(documents[lo : lo + batch], PARAMS))
    return memory, writer.finish()


def _described(candidates):
    return [(c.doc_id, c.band_hits, c.gram_hits, c.identity, c.precedence, tuple(c.hits.tolist())) for c in candidates]


def test_the_disk_corpus_gives_the_in_memory_corpus_answers(tmp_path):
    documents = _documents(60)
    memory, disk = _both(tmp_path, documents)
    try:
        assert np.array_equal(memory.gram_keys, disk.gram_keys) and np.array_equal(memory.band_keys, disk.band_keys)
        assert disk.document_count() == 60 and disk.identities() == memory.identities()
        prepared = prepare_many(documents, PARAMS, keep_normalized=True)
        for i, p in enumerate(prepared):
            assert disk.document(i) == documents[i]
            text, normalized = disk.text_and_normalized(i)
            assert text == documents[i].text and normalized.text == p.normalized.text and disk.text(i) == text
            busy = np.unique(p.fingerprints.grams)[:3]
            kept, computed = QueryKeys.of(disk.query_keys(i), busy), QueryKeys.of(p.fingerprints, busy)
            assert all(np.array_equal(a, b) for a, b in zip(kept, computed)), "the keys the read stage kept"
            for limit in (3, 100):
                wanted = memory.candidates(QueryKeys.of(p.fingerprints, busy), exclude={i}, limit=limit)
                assert _described(disk.candidates(QueryKeys.of(p.fingerprints, busy), exclude={i}, limit=limit)) == _described(
                    wanted
                )
        sample = [(m.rank, m.identity, m.doc_id, m.grams.tolist()) for m in disk.sample(40)]
        assert sample == [(m.rank, m.identity, m.doc_id, m.grams.tolist()) for m in memory.sample(40)]
        assert disk.document_by_identity("/abs/c/007") == 7 and disk.document_id(documents[9].path) == 9
    finally:
        disk.close()


@pytest.mark.parametrize("order", ["forward", "reversed"])
def test_key_ranges_sorted_in_worker_processes_in_any_order_give_the_same_arrays(tmp_path, order):
    """The postings' key ranges may be sorted by a pool, each written at its
    own offset: whichever range is written first, the arrays are the ones
    the in-memory corpus sorts in one go."""
    from app.workers import pool_map

    documents = _documents(40)
    memory = MemoryIndex.build(prepare_many(documents, PARAMS, keep_normalized=True), PARAMS)
    writer = DiskIndexWriter(tmp_path / "disk", PARAMS)
    writer.add(prepare_batch(documents, PARAMS))

    def reversed_map(function, items):
        return reversed([function(item) for item in reversed(list(items))])

    disk = writer.finish(pool_map(2, chunksize=1) if order == "forward" else reversed_map)
    try:
        assert np.array_equal(memory.gram_keys, disk.gram_keys) and np.array_equal(memory.band_keys, disk.band_keys)
        for keys, docs, expected_keys, expected_docs in (
            (disk.gram_keys, disk.gram_docs, memory.gram_keys, memory.gram_docs),
            (disk.band_keys, disk.band_docs, memory.band_keys, memory.band_docs),
        ):
            assert sorted(zip(keys.tolist(), docs.tolist())) == sorted(zip(expected_keys.tolist(), expected_docs.tolist()))
        assert not list((tmp_path / "disk").glob("*-[0-9][0-9].[kd]"))  # the ranges' spill files are gone
    finally:
        disk.close()


def test_a_path_given_twice_is_refused_as_in_memory(tmp_path):
    (document,) = _documents(1)
    writer = DiskIndexWriter(tmp_path / "disk", PARAMS)
    writer.add(prepare_batch([document], PARAMS))
    try:
        writer.add(prepare_batch([document], PARAMS))
        raise AssertionError("a second copy of a path was accepted")
    except IndexStoreError as err:
        assert "given twice" in str(err)


def test_an_empty_disk_corpus_answers_nothing(tmp_path):
    disk = DiskIndexWriter(tmp_path / "disk", PARAMS).finish()
    assert disk.document_count() == 0 and disk.sample(5) == []
    assert disk.candidates(QueryKeys.of(prepare_many(_documents(1), PARAMS)[0].fingerprints)) == []


TEXTS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300) | st.sampled_from(
    ["", "２０２３年 12.5% 1,200人 XX局 20xx年", "穩(wěn)定\n搜索\n第 3 页\n正文。", "a" * 70_000 + "1" * 300, "年" + "1" * 70_000]
    + ["𠀀𪚥 astral 字 2023年"]
)


@settings(max_examples=150, deadline=None)
@given(TEXTS)
def test_a_record_gives_back_the_text_and_its_normalized_stream_exactly(text):
    """In numpy and in the compiled decoding bulk runs use (maps of one, two
    and four bytes a number: the 70,000 ``a`` need two, the 70,000 digits four)."""
    normalized = normalize(text)
    record = encode(text, normalized)
    for compiled in (False, True):
        with kernels_loaded(compiled):
            back, stream = decode(record)
        assert back == text and decode_text(record) == text
        assert stream.text == normalized.text and stream.source_length == normalized.source_length
        for name in ("starts", "ends", "meaningful"):
            mine, theirs = getattr(stream, name), getattr(normalized, name)
            assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), name


@pytest.mark.parametrize("text", ["前\udc80后 2023年", "\ud83d\ude00 二〇二三 \ud83d\ude00", "尾\ud800"])
def test_a_record_keeps_lone_surrogates_exactly(text):
    """UTF-16 cannot hold a lone surrogate apart from its neighbours (a
    pair's halves written as two code points would come back as one)."""
    normalized = normalize(text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace"))
    back, stream = decode(encode(text, normalized))
    assert back == text and len(back) == len(text) and decode_text(encode(text, normalized)) == text
    assert stream.text == normalized.text and np.array_equal(stream.ends, normalized.ends)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(-(2**63), 2**63 - 1) | st.integers(-40, 40), max_size=400),
    st.integers(0, (1 << 5) - 1),
)
def test_a_key_range_s_postings_sort_by_key_then_keep_their_order(keys, top):
    """As one key range holds them (the top five bits of the keys' signed
    order alike: the range ``top``), in numpy and in the compiled radix sort
    bulk runs use: the keys ascending, a key's documents in the order they came."""
    sign = np.uint64(1 << 63)
    low = np.asarray(keys, dtype=np.int64).view(np.uint64) & np.uint64((1 << 59) - 1)
    ranged = ((low | (np.uint64(top) << np.uint64(59))) ^ sign).view(np.int64)
    docs = np.arange(len(keys), dtype=np.int32)[::-1].copy()
    order = np.argsort(ranged, kind="stable")
    for compiled in (False, True):
        with kernels_loaded(compiled):
            got_keys, got_docs = sort_postings(ranged.copy(), docs.copy())
        assert np.array_equal(got_keys, ranged[order]) and np.array_equal(got_docs, docs[order])
