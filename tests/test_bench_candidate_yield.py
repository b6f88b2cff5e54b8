"""bench.candidate_yield: it classes the very pairs the comparison aligns."""

from __future__ import annotations

import random
import re

from bench import candidate_yield, compare_cpu
from detector.model import COPY
from evaluation.benchmark import bench_config
from evaluation.synth import generate_corpus


def test_the_pairs_classed_are_the_pairs_a_comparison_aligns(tmp_path):
    """Each submission's pairs, in order, are its result's sources, and a
    pair is a copy exactly when the result has a copy match from its source."""
    generate_corpus(tmp_path / "corpus", bench_config(60, 4, 3))
    comparison, documents = compare_cpu.comparison_of(tmp_path / "corpus" / "submissions")
    copies = 0
    for document in random.Random(3).sample(documents, 20):
        pairs = list(candidate_yield.pair_yields(comparison, document))
        result = comparison.compare(document)
        assert [p.rank for p in pairs] == list(range(len(pairs)))
        found = {m.source for m in result.matches}
        copied = {m.source for m in result.matches if m.kind == COPY}
        assert sum(p.outcome != "nothing" for p in pairs) == len(found)
        assert sum(p.outcome == "copy" for p in pairs) == len(copied)
        assert all(p.rarity > 0 for p in pairs)
        copies += len(copied)
    assert copies >= 3  # copying is found: not an agreement on nothing


def test_the_report_accounts_for_every_pair(tmp_path, capsys):
    generate_corpus(tmp_path / "corpus", bench_config(60, 4, 3))
    candidate_yield.main([str(tmp_path / "corpus" / "submissions"), "--sample", "20"])
    out = capsys.readouterr().out
    pairs = int(re.search(r"([\d,]+) aligned pairs", out).group(1).replace(",", ""))
    shares = [float(s) for s in re.findall(r"^  (?:copy|stock|nothing) +([\d.]+)%", out, re.M)]
    assert pairs > 20 and len(shares) == 3 and abs(sum(shares) - 100) < 0.2
    by_rank = [int(n) for n in re.findall(r"\d+-\d+: (\d+)", out.split("copy pairs by rank")[1].splitlines()[0])]
    assert sum(by_rank) > 0
    assert "ROC AUC of rarity" in out
