"""The streaming local engine gives what the in-memory engine gave (issue 15).

:func:`app.audit.run_audit` now spills its corpus and results to a work
folder; :func:`app.audit.run_audit_in_memory` is the engine that held
everything in one process. On the demo corpus and on a generated corpus of a
few hundred dated summaries (families, next-year reuse, .docx), with and
without a persistent index, in one process and in forked workers, every
document's figures, sources and matches, the families, clusters and edges,
and the documents a report names are the same.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.audit import AuditParams, audit_streaming, run_audit, run_audit_in_memory
from app.demo import write_demo
from corpus.errors import ChachongError
from evaluation.benchmark import bench_config
from evaluation.synth import generate_corpus
from index.sqlite import IndexStore


def _assert_same(streamed, in_memory) -> None:
    assert [r.path for r in streamed.results] == [r.path for r in in_memory.results]
    for mine, theirs in zip(streamed.results, in_memory.results):
        assert mine.originality == theirs.originality, mine.path
        assert mine.sources == theirs.sources, mine.path
        assert mine.matches == theirs.matches, mine.path
        assert mine == theirs, mine.path  # every figure: copied, stock, own, ratios, sections, copied_by
    assert streamed.families == in_memory.families
    assert streamed.clusters == in_memory.clusters
    assert streamed.edges == in_memory.edges
    assert streamed.references == in_memory.references
    assert [(e.path, e.reason) for e in streamed.errors] == [(e.path, e.reason) for e in in_memory.errors]
    assert streamed.documents == in_memory.documents


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    write_demo(out)
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate_corpus(out, bench_config(240, 8, 5))
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_the_demo_corpus_gives_the_same_audit(demo, workers):
    params = AuditParams(workers=workers)
    streamed = run_audit([demo / "submissions"], [demo / "references"], params=params)
    in_memory = run_audit_in_memory([demo / "submissions"], [demo / "references"], params=params)
    _assert_same(streamed, in_memory)
    assert sum(r.has_copies for r in streamed.results) >= 6  # the planted copying is found, not an empty agreement
    assert streamed.families


@pytest.mark.slow
def test_a_generated_corpus_of_a_few_hundred_summaries_gives_the_same_audit(generated, tmp_path):
    streamed = run_audit([generated / "submissions"], [generated / "references"], workdir=tmp_path / "work")
    in_memory = run_audit_in_memory([generated / "submissions"], [generated / "references"])
    _assert_same(streamed, in_memory)
    assert len(streamed.results) >= 240
    assert sum(len(r.copies) for r in streamed.results) > 100
    assert len(streamed.families) >= 3 and streamed.edges
    assert any(m.later for r in streamed.results for m in r.matches)  # dated: direction is exercised
    assert not any((tmp_path / "work").iterdir())  # the work folder's files are gone


def test_with_a_persistent_index_the_audits_agree_and_extend_it_alike(demo, tmp_path):
    for name in ("a.db", "b.db"):
        with IndexStore(tmp_path / name) as store:
            from app.indexing import add_to_index

            add_to_index(store, [demo / "references"])
    with IndexStore(tmp_path / "a.db") as a, IndexStore(tmp_path / "b.db") as b:
        streamed = run_audit([demo / "submissions"], [], index=a)
        in_memory = run_audit_in_memory([demo / "submissions"], [], index=b)
        _assert_same(streamed, in_memory)
        assert a.paths() == b.paths() and a.document_count() > 4
    assert any(m.source.endswith(".txt") and "references" in m.source for r in streamed.results for m in r.matches)


def test_the_streamed_audit_reads_its_results_back_from_the_work_folder(demo, tmp_path):
    work = tmp_path / "work"
    with audit_streaming([demo / "submissions"], [demo / "references"], workdir=work) as audit:
        (folder,) = work.iterdir()
        assert (folder / "corpus" / "records.bin").stat().st_size > 0
        assert any((folder / "results").iterdir())
        paths = [r.path for r in audit.results()]
        assert paths == sorted(paths) and len(paths) == audit.submissions == 12
        assert audit.summary()["documents"] == 12 and audit.families
        document = audit.documents()[paths[0]]
        assert document.text and audit.documents(texts=False)[paths[0]].text == ""
    assert not any(work.iterdir())


@pytest.mark.parametrize("kept_chars", [0, 5_000, 10**9])
def test_the_run_s_documents_give_their_texts_however_few_it_keeps(demo, tmp_path, monkeypatch, kept_chars):
    """Families read their members' texts through the run's documents,
    which keep the texts read last up to a number of characters: the texts
    are the corpus's whatever that number, and a text kept is not read again."""
    import app.streaming

    monkeypatch.setattr(app.streaming, "TEXT_CACHE_CHARS", kept_chars)
    with audit_streaming([demo / "submissions"], [demo / "references"], workdir=tmp_path / "work") as audit:
        documents, reads = audit.documents(), []
        read = audit.disk.text
        monkeypatch.setattr(audit.disk, "text", lambda doc_id: reads.append(doc_id) or read(doc_id))
        paths = [header.path for header in audit.disk.documents]
        for path in [*paths, *reversed(paths)]:
            assert documents[path].text == read(audit.disk.document_id(path))
        if kept_chars > 10**8:  # all kept: each read once
            assert len(reads) == len(paths)
        elif kept_chars == 0:  # only the last: read again but for the first asked twice in a row
            assert len(reads) == 2 * len(paths) - 1
        else:
            assert len(paths) < len(reads) < 2 * len(paths)


def test_unreadable_files_are_reported_and_the_rest_audited(demo, tmp_path):
    folder = tmp_path / "subs"
    shutil.copytree(demo / "submissions", folder)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    (folder / "empty.docx").write_bytes(b"")
    streamed = run_audit([folder], [demo / "references"])
    in_memory = run_audit_in_memory([folder], [demo / "references"])
    _assert_same(streamed, in_memory)
    assert {Path(e.path).name for e in streamed.errors} >= {"broken.pdf", "empty.docx"}
    assert len(streamed.results) == 12


def test_files_read_in_workers_a_few_at_a_time_give_the_same_documents_and_errors_in_order(
    demo, tmp_path, monkeypatch
):
    """Reading happens in the worker processes, a batch of files each: with
    batches of three, broken files spread over several batches, a path that
    is not there and a reference also given as a submission, the documents,
    their ids and the errors (which come back pickled from the workers) are
    what the in-memory engine, reading everything in one process, reports."""
    import app.streaming

    monkeypatch.setattr(app.streaming, "READ_BATCH", 3)
    folder = tmp_path / "subs"
    shutil.copytree(demo / "submissions", folder)
    for name in ("a-broken.pdf", "m-empty.docx", "z-broken.docx"):
        (folder / name).write_bytes(b"%PDF-1.4 not really a pdf" if name.endswith(".pdf") else b"")
    shutil.copy(demo / "references" / sorted(p.name for p in (demo / "references").iterdir())[0], folder / "ref-copy.txt")
    given = [folder, tmp_path / "not-there"]
    references = [demo / "references", folder / "ref-copy.txt", tmp_path / "no-reference-here"]
    params = AuditParams(workers=2)
    streamed = run_audit(given, references, params=params)
    in_memory = run_audit_in_memory(given, references, params=params)
    _assert_same(streamed, in_memory)
    assert [Path(e.path).name for e in streamed.errors] == [
        "not-there", "a-broken.pdf", "m-empty.docx", "z-broken.docx", "no-reference-here"
    ]
    assert len(streamed.results) == 13 and "ref-copy.txt" not in {Path(p).name for p in streamed.references}


def test_an_unusable_work_folder_is_a_clear_error(demo, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ChachongError, match="work folder"):
        run_audit([demo / "submissions"], [], workdir=blocker / "work")


def test_an_empty_folder_audits_to_nothing(tmp_path):
    (tmp_path / "none").mkdir()
    result = run_audit([tmp_path / "none"], [])
    assert result.results == [] and result.families == [] and result.edges == []
