"""The quality benchmark end to end on a small generated corpus."""

import pytest
from typer.testing import CliRunner

from evaluation.benchmark import format_table, format_worst, run_benchmark
from evaluation.synth import SynthConfig, generate_corpus


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    truth = generate_corpus(out, SynthConfig(n_units=16, n_references=3, seed=5))
    return truth, run_benchmark(out)


def test_both_detectors_are_measured_on_every_case(small_run):
    truth, result = small_run
    submissions = [d for d in truth["documents"] if d["role"] == "submission"]
    assert result.submissions == len(submissions)
    assert result.documents == len(truth["documents"])
    assert result.chachong.cases == result.baseline.cases == len(truth["cases"]) > 0
    for measures in (result.chachong, result.baseline):
        assert 0.0 <= measures.precision <= 1.0 and 0.0 <= measures.recall <= 1.0
        assert measures.granularity >= 1.0
    # the baseline reports every 13-character run on its own: more pieces per case
    assert result.baseline.granularity > result.chachong.granularity
    assert result.chachong.plagdet > result.baseline.plagdet
    # merging its runs across short gaps can only join pieces
    assert result.merged_baseline.granularity <= result.baseline.granularity
    assert result.merged_baseline.cases == result.baseline.cases


def test_document_scores_list_every_submission_and_rank_the_worst(small_run):
    truth, result = small_run
    docs = result.chachong_docs
    assert len(docs.documents) == result.submissions
    errors = [d.error for d in docs.documents]
    assert max(errors) == pytest.approx(docs.originality_error_max)
    assert sum(errors) / len(errors) == pytest.approx(docs.originality_error_mean)
    worst = docs.worst(3)
    assert [d.error for d in worst] == sorted(errors, reverse=True)[:3]
    copied = {c["suspicious"] for c in truth["cases"]}
    clean = [d for d in docs.documents if d.path not in copied]
    assert all(d.true_originality == 1.0 for d in clean)
    assert min(d.found_originality for d in clean) == pytest.approx(docs.clean_min_originality)
    table = format_worst(docs, 3)
    assert table.count("\n") == 1 + 3 and worst[0].path in table


def test_the_table_has_both_rows_and_every_obfuscation(small_run):
    _, result = small_run
    table = format_table(result)
    assert "| chachong |" in table and "| baseline 13-char |" in table and "| baseline 13-char, merged |" in table
    for label in result.chachong.recall_by_label:
        assert f"| {label} |" in table


def test_bench_command_prints_the_worst_submissions():
    from cli import app

    result = CliRunner().invoke(app, ["bench", "--units", "8", "--references", "2", "--seed", "3", "--worst", "2"])
    assert result.exit_code == 0, result.output
    assert "| chachong |" in result.stdout
    worst = result.stdout.split("| submission | true originality | reported | error |")[1]
    assert worst.count("submissions/") == 2
