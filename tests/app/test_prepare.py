import numpy as np

from app.prepare import prepare_in_pool
from app.workers import batched
from corpus.document import Document
from evaluation.synth import SynthConfig, generate_texts
from index.fingerprint import FingerprintParams


def _documents(n: int) -> list[Document]:
    texts = [t for _, t in generate_texts(SynthConfig(n_units=n, n_references=0, seed=4))][:n]
    return [Document(f"d{i:02d}.txt", t, f"{i:064x}") for i, t in enumerate(texts)]


def test_pool_gives_every_batch_in_order_as_one_process_does():
    docs = _documents(11)
    params = FingerprintParams()
    alone = [p for batch in prepare_in_pool(docs, params, workers=1, batch_size=3) for p in batch]
    pooled = [p for batch in prepare_in_pool(iter(docs), params, workers=2, batch_size=3) for p in batch]
    assert [p.document.path for p in pooled] == [d.path for d in docs]
    for one, two in zip(alone, pooled, strict=True):
        assert np.array_equal(one.fingerprints.signature, two.fingerprints.signature)
        assert np.array_equal(one.fingerprints.window_bands, two.fingerprints.window_bands)
        assert np.array_equal(one.fingerprints.grams, two.fingerprints.grams)


def test_batches_cover_everything_once():
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 3)) == []
