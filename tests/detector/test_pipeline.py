import numpy as np

from corpus.metadata import DocMeta
from corpus.readers import DecodedDocument
from corpus.synth import SynthConfig, generate_texts
from detector.pipeline import _batches, prepare_in_pool
from index.fingerprint import FingerprintParams


def _documents(n: int) -> list[tuple[DecodedDocument, DocMeta]]:
    texts = [t for _, t in generate_texts(SynthConfig(n_units=n, n_references=0, seed=4))][:n]
    return [
        (DecodedDocument(f"d{i:02d}.txt", t, "utf-8", "txt", f"{i:064x}", len(t)), DocMeta())
        for i, t in enumerate(texts)
    ]


def test_pool_gives_every_batch_in_order_as_one_process_does():
    docs = _documents(11)
    params = FingerprintParams()
    alone = [p for batch in prepare_in_pool(_batches(docs, 3), params, workers=1) for p in batch]
    pooled = [p for batch in prepare_in_pool(_batches(iter(docs), 3), params, workers=2) for p in batch]
    assert [p.decoded.path for p in pooled] == [d.path for d, _ in docs]
    for one, two in zip(alone, pooled, strict=True):
        assert np.array_equal(one.fingerprints.signature, two.fingerprints.signature)
        assert np.array_equal(one.fingerprints.window_bands, two.fingerprints.window_bands)
        assert np.array_equal(one.fingerprints.grams, two.fingerprints.grams)


def test_batches_cover_everything_once():
    assert list(_batches(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(_batches([], 3)) == []
