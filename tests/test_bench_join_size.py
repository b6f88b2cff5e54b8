"""bench/join_size.py counts the candidate join's rows exactly (checked against a count by sets)."""

from __future__ import annotations

import numpy as np
import pytest

from app.compare import compiled_seeding
from bench import join_size
from detector.compare import DetectorParams, compare_document, stock_model
from evaluation.synth import SynthConfig, generate_texts
from index.corpus import QueryKeys
from index.fingerprint import fingerprint_many
from index.view import CorpusView

pytest.importorskip("numba")


@pytest.fixture(scope="module")
def disk(tmp_path_factory):
    folder = tmp_path_factory.mktemp("subs")
    for i, (_, text) in enumerate(generate_texts(SynthConfig(n_units=40, n_references=0, seed=9, doc_chars=1500))):
        (folder / f"{i:03}.txt").write_text(text, encoding="utf-8")
    corpus = join_size.disk_corpus(folder, tmp_path_factory.mktemp("work"))
    yield corpus
    corpus.close()


def _keys_by_document(disk) -> list[tuple[set[int], set[int]]]:
    out = []
    for i in range(len(disk.documents)):
        fp = fingerprint_many([disk.text_and_normalized(i)[1].text], disk.params)[0]
        out.append((set(np.unique(fp.window_bands).tolist()), set(np.asarray(fp.grams).tolist())))
    return out


def test_join_rows_are_the_other_holders_of_each_query_key(disk, monkeypatch):
    monkeypatch.setattr(join_size, "SAMPLE", 8)
    sizes = np.array([15, len(disk.documents)])
    rank = join_size.sampled(len(disk.documents), seed=2)
    holders = join_size.query_holders(disk, rank, sizes)
    held, view = _keys_by_document(disk), CorpusView([disk])
    for cap in (None, 2, 5):
        expected = np.zeros(len(sizes))
        for doc_id in np.argsort(rank)[:8].tolist():
            document = disk.document(doc_id)
            _, busy = stock_model(document, disk.text_and_normalized(doc_id)[1], view, DetectorParams().stock)
            bands, grams = QueryKeys.of(
                fingerprint_many([disk.text_and_normalized(doc_id)[1].text], disk.params)[0], busy
            )
            for s, size in enumerate(sizes):
                subset = [held[d] for d in range(len(held)) if rank[d] < size]
                for kind, keys in ((0, bands), (1, grams)):
                    for key in keys.tolist():
                        count = sum(key in h[kind] for h in subset)
                        expected[s] += 0 if cap is not None and count > cap else count - 1
        assert np.allclose(join_size.rows_per_submission(holders, cap), expected / 8), cap
    assert join_size.rows_per_submission(holders, None)[1] > join_size.rows_per_submission(holders, 2)[1]


def test_with_every_key_the_capped_comparison_is_the_audits(disk):
    doc_ids = [0, 7, 21]
    found = join_size.capped_results(disk, doc_ids, [None, 1])
    view = CorpusView([disk])
    with compiled_seeding(True):
        for doc_id, row in zip(doc_ids, found[None]):
            result = compare_document(disk.document(doc_id), view)
            assert row == (result.copied_chars, len(result.copies), result.originality)
    assert found[1] != found[None], "a cap of one holder leaves no key to propose candidates"
    assert all(row[0] == 0 for row in found[1])
