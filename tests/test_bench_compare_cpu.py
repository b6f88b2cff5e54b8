"""bench.compare_cpu: the streaming audit's disk corpus gives the in-memory corpus's results."""

from __future__ import annotations

from bench import compare_cpu
from evaluation.benchmark import bench_config
from evaluation.synth import generate_corpus


def test_the_disk_corpus_and_the_in_memory_corpus_give_the_same_digests(tmp_path, capsys):
    """The figure the README quotes for the 100k corpus comes from ``--disk``:
    the same sampled submissions, compared as the audit's workers compare
    them, give every match the in-memory comparison gives."""
    generate_corpus(tmp_path / "corpus", bench_config(60, 4, 3))
    folder = tmp_path / "corpus" / "submissions"
    compare_cpu.main([str(folder), "--sample", "25", "--digest", str(tmp_path / "memory.txt")])
    compare_cpu.main([str(folder), "--sample", "25", "--digest", str(tmp_path / "disk.txt"), "--disk"])
    out = capsys.readouterr().out
    assert out.count("ms CPU a submission") == 2
    memory = (tmp_path / "memory.txt").read_text(encoding="utf-8").splitlines()
    disk = (tmp_path / "disk.txt").read_text(encoding="utf-8").splitlines()
    assert len(memory) == 25 and memory == disk
    assert sum("'copy'" in line for line in memory) >= 3  # copying is found: not an agreement on nothing


def test_under_a_cap_the_disk_and_in_memory_corpora_still_agree(tmp_path, capsys):
    """``--max-key-docs`` reaches both comparisons: a cap that changes the
    results changes them alike."""
    generate_corpus(tmp_path / "corpus", bench_config(60, 4, 3))
    folder = tmp_path / "corpus" / "submissions"
    runs = {
        name: [str(folder), "--sample", "25", "--digest", str(tmp_path / f"{name}.txt"), *extra]
        for name, extra in (
            ("every", []),
            ("memory", ["--max-key-docs", "3"]),
            ("disk", ["--max-key-docs", "3", "--disk"]),
        )
    }
    for argv in runs.values():
        compare_cpu.main(argv)
    assert capsys.readouterr().out.count("copy matches") == 3
    every, memory, disk = ((tmp_path / f"{n}.txt").read_text(encoding="utf-8") for n in runs)
    assert memory == disk and memory != every
