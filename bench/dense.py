"""A dense corpus: every document a mosaic of real sentences, every sentence in ~30 documents.

    python -m bench.dense OUT_DIR [--sentences FILE] [--docs 10000] [--pool 24000] [--recurrence 30]

The generator's summaries share little with each other; a real collection
shares much more (the same 政府工作报告 sentences quoted everywhere). Here
``--pool`` sentences are drawn (``--seed``) from the report prose of
``FILE`` (its first :data:`REPORT_LINES` lines: government and Party
reports), each is written into exactly ``--recurrence`` documents, and the
``--docs`` documents get about the same number of characters each (~3,000
with the defaults), in paragraphs of a few sentences. Deterministic: the same
file, counts and seed give the same corpus, byte for byte.

The sentences are real text that must not be committed: the default FILE is
``../shared/realdata/sentences.txt`` relative to the repository, and a run
without it says so and stops.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SENTENCES = REPO.parent / "shared" / "realdata" / "sentences.txt"
REPORT_LINES = 34_691  # the first lines of sentences.txt are report prose (the rest is news)
MARKER = ".chachong-dense.json"  # hidden: discover_files skips it
PARAGRAPH = 5  # sentences per paragraph


class MissingSentences(SystemExit):
    pass


def read_pool(sentences: Path, pool: int, seed: int) -> list[str]:
    """``pool`` distinct sentences of the report prose, drawn with ``seed`` from the sorted lines."""
    if not sentences.is_file():
        raise MissingSentences(
            f"dense corpus: no sentence file at {sentences} (the real-sentence pool is not part of the repository;"
            " pass --sentences FILE, one sentence a line)"
        )
    with sentences.open(encoding="utf-8") as f:
        lines = [line.strip() for _, line in zip(range(REPORT_LINES), f)]
    distinct = sorted({line for line in lines if line})
    if len(distinct) < pool:
        raise SystemExit(
            f"dense corpus: {sentences} has {len(distinct):,} report sentences, fewer than --pool {pool:,}"
        )
    return sorted(random.Random(seed).sample(distinct, pool))


def mosaics(pool: list[str], docs: int, recurrence: int, seed: int) -> Iterator[list[str]]:
    """``docs`` lists of sentences: each sentence of ``pool`` in ``recurrence``
    of them, the characters shared out evenly."""
    slots = [s for s in pool for _ in range(recurrence)]
    random.Random(seed + 1).shuffle(slots)
    total = sum(len(s) for s in slots)
    at = written = 0
    for i in range(docs):
        target = total * (i + 1) // docs
        document: list[str] = []
        while at < len(slots) and (written < target or not document):
            document.append(slots[at])
            written += len(slots[at])
            at += 1
        yield document


def as_text(sentences: list[str]) -> str:
    paragraphs = ["".join(sentences[i : i + PARAGRAPH]) for i in range(0, len(sentences), PARAGRAPH)]
    return "".join(f"\u3000\u3000{p}\n" for p in paragraphs)


def ensure_dense(
    folder: Path, sentences: Path, docs: int = 10_000, pool: int = 24_000, recurrence: int = 30, seed: int = 15
) -> dict:
    """The dense corpus in ``folder`` (reused when its marker matches)."""
    wanted = {"docs": docs, "pool": pool, "recurrence": recurrence, "seed": seed, "sentences": str(sentences)}
    marker = folder / MARKER
    if marker.is_file():
        info = json.loads(marker.read_text(encoding="utf-8"))
        if {k: info.get(k) for k in wanted} == wanted:
            return {**info, "reused": True}
    if folder.exists() and any(folder.iterdir()):
        if not marker.is_file():
            raise SystemExit(f"{folder} is not empty and holds no dense corpus ({MARKER}); not overwriting it")
        shutil.rmtree(folder)
    chosen = read_pool(sentences, pool, seed)
    folder.mkdir(parents=True, exist_ok=True)
    chars = 0
    for i, document in enumerate(mosaics(chosen, docs, recurrence, seed)):
        text = as_text(document)
        (folder / f"dense-{i:05d}.txt").write_text(text, encoding="utf-8")
        chars += len(text)
    info = {**wanted, "files": docs, "chars": chars, "mean_sentence": sum(map(len, chosen)) / len(chosen)}
    marker.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    return {**info, "reused": False}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--sentences", type=Path, default=DEFAULT_SENTENCES)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--pool", type=int, default=24_000)
    parser.add_argument("--recurrence", type=int, default=30)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    info = ensure_dense(args.out, args.sentences, args.docs, args.pool, args.recurrence, args.seed)
    print(json.dumps(info, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
