"""The sample of a SQLite index: its documents of lowest rank, with their grams.

The ``sample`` table holds the gram set of each document among the
:data:`~index.corpus.SAMPLE_SIZE` + 1 of lowest (rank, identity); it is
brought up to date at the end of every add or remove, in the same
transaction. Asked for more members than it keeps, the index computes the
others' grams from their stored text.
"""

from __future__ import annotations

import sqlite3

import numpy as np

from index.corpus import SAMPLE_SIZE, SampleMember, distinct_grams
from index.fingerprint import FingerprintParams
from index.sqlite.textcodec import decode_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS sample (doc_id INTEGER PRIMARY KEY, grams BLOB NOT NULL);
"""


def refresh_sample(db: sqlite3.Connection, params: FingerprintParams, size: int = SAMPLE_SIZE + 1) -> None:
    """Keep exactly the gram sets of the ``size`` documents of lowest rank."""
    wanted = [int(r[0]) for r in db.execute("SELECT id FROM documents ORDER BY rank, key LIMIT ?", (size,))]
    have = {int(r[0]) for r in db.execute("SELECT doc_id FROM sample")}
    db.executemany("DELETE FROM sample WHERE doc_id = ?", [(i,) for i in sorted(have - set(wanted))])
    for doc_id in wanted:
        if doc_id not in have:
            (text,) = db.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
            grams = distinct_grams(decode_text(text), params)
            db.execute("INSERT INTO sample(doc_id, grams) VALUES (?, ?)", (doc_id, grams.astype("<i8").tobytes()))


def read_sample(db: sqlite3.Connection, params: FingerprintParams, count: int) -> list[SampleMember]:
    """The ``count`` documents of lowest (rank, identity) with their grams."""
    members = []
    rows = db.execute(
        "SELECT d.id, d.rank, d.key, s.grams, CASE WHEN s.grams IS NULL THEN d.text END"
        " FROM documents d LEFT JOIN sample s ON s.doc_id = d.id ORDER BY d.rank, d.key LIMIT ?",
        (count,),
    )
    for doc_id, rank, key, grams, text in rows:
        if grams is not None:
            found = np.frombuffer(grams, dtype="<i8").astype(np.int64)
        else:
            found = distinct_grams(decode_text(text), params)
        members.append(SampleMember(int(rank), key, found, int(doc_id)))
    return members
