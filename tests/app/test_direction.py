"""Who copied whom, on a generated corpus with a dated manifest (issue 13, direction).

The generator dates every copier after its source. Text a submission shares
with a later one never counts against it; the later one lists it as a source
and the earlier one names the later under ``copied_by``; the earliest holder
of a passage keeps its originality.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.audit import run_audit
from detector.compare import date_order
from evaluation.benchmark import bench_config
from evaluation.synth import generate_corpus


@pytest.fixture(scope="module", params=[5, 8])
def dated_audit(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"dated-{request.param}")
    truth = generate_corpus(out, bench_config(40, 4, request.param))
    result = run_audit([out / "submissions"], [out / "references"])
    by_path = {Path(r.path).relative_to(out).as_posix(): r for r in result.results}
    return out, truth, result, by_path


def test_no_copied_character_comes_from_a_later_document(dated_audit):
    out, truth, _, by_path = dated_audit
    dated = {d["path"]: d for d in truth["documents"]}
    later_seen = 0
    for path, r in by_path.items():
        for m in r.matches:
            source = Path(m.source).relative_to(out).as_posix()
            assert m.later == _later(dated[source], dated[path]), (path, source)
            later_seen += m.later
        counted = {Path(s.source).relative_to(out).as_posix() for s in r.sources}
        assert not any(_later(dated[s], dated[path]) for s in counted), path
        assert all(not m.later for m in r.copies)
    assert later_seen  # the corpus does have text shared with later documents


def test_the_earliest_holder_keeps_its_originality_and_names_its_copiers(dated_audit):
    out, truth, _, by_path = dated_audit
    dated = {d["path"]: d for d in truth["documents"]}
    originals = {
        c["source"]
        for c in truth["cases"]
        if c["source"].startswith("submissions/") and dated[c["source"]]["copied_chars"] == 0
    }
    assert originals, "the generator planted no submission-to-submission copying"
    for source in sorted(originals):
        assert by_path[source].originality >= 0.97, source
    copied_by = {
        (source, Path(c.source).relative_to(out).as_posix()) for source in originals for c in by_path[source].copied_by
    }
    planted = {
        (c["source"], c["suspicious"])
        for c in truth["cases"]
        if c["source"] in originals and _later(dated[c["suspicious"]], dated[c["source"]])
    }
    assert planted and planted <= copied_by


def test_a_copier_dated_after_its_source_lists_the_source(dated_audit):
    out, truth, _, by_path = dated_audit
    dated = {d["path"]: d for d in truth["documents"]}
    cases = [
        c
        for c in truth["cases"]
        if c["source"].startswith("submissions/") and _later(dated[c["suspicious"]], dated[c["source"]])
    ]
    assert cases
    for case in cases:
        sources = {Path(s.source).relative_to(out).as_posix() for s in by_path[case["suspicious"]].sources}
        assert case["source"] in sources, case["id"]


def _later(a: dict, b: dict) -> bool:
    from corpus.document import DocMeta

    order = date_order(
        DocMeta(a.get("unit"), a.get("year"), a.get("submitted")),
        DocMeta(b.get("unit"), b.get("year"), b.get("submitted")),
    )
    return order is not None and order > 0
