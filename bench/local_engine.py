"""The local engine's audit: wall time and peak memory of all its processes, per stage.

    python -m bench.local_engine --corpus generated --docs 10000 --keep /data/cc
    python -m bench.local_engine --corpus generated --docs 100000 --keep /data/cc --json gen100k.json
    python -m bench.local_engine --corpus dense --keep /data/cc [--sentences FILE]
    python -m bench.local_engine --corpus dense --keep /data/cc --engine memory     # the in-memory engine

Run on demand (not part of pytest), from the repository root with the venv
active. The corpus is ``--docs`` generated summaries (``evaluation.synth``,
``n_references=0``, ``--seed``; as ``bench/scale.py`` writes them, in
``DIR/docs-N``) or the dense corpus of :mod:`bench.dense` (10,000 mosaics of
24,000 real sentences, each in 30 documents, in ``DIR/dense-10000``; it
needs ``--sentences``, by default ``../shared/realdata/sentences.txt``).
Without ``--keep`` the corpus goes to a temporary folder and is removed.

Each run is the library call behind ``chachong audit DIR --csv OUT``
(``--engine streaming``, the default: :func:`app.audit.audit_streaming`,
then the ranking CSV and the JSONL tables it writes; ``--engine memory``:
:func:`app.audit.run_audit`'s in-memory engine and the ranking CSV), in a
process forked from this small one. Meanwhile a thread here samples every
0.2 s or more (the sampling may take at most 2% of one core) the PSS and the RSS of that process and all its workers
(:mod:`bench.treemem`): **peak memory is the peak of the PSS summed over the
process tree** (shared pages counted once), the RSS sum beside it (shared
pages counted once per process). Time is split by stage from the audit's
progress callbacks: the interval between two callbacks is charged to the
stage of the one that ends it (reading and fingerprinting overlap: reading
feeds the fingerprint pool). The CPU time of the whole tree (user + system,
``RUSAGE_CHILDREN`` around the run) and the load average before and after
are printed too: on a shared machine the wall time depends on the load.
The wall time ends when the outputs are written (what ``chachong audit``
does); the counts printed (copy matches, families ...) are read after that,
from the work folder, and are not in the wall time (the CPU time includes
them: a few seconds at 100k).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench import treemem
from bench.dense import DEFAULT_SENTENCES, ensure_dense
from bench.scale import ensure_corpus, log, machine, machine_line


def _engine_memory(folder: str, params: Any, out: Path, progress: Any) -> dict[str, Any]:
    from app.audit import run_audit
    from app.check import CorpusInfo
    from reports.csv_report import CsvFormatter
    from reports.model import audit_report

    result = run_audit([folder], [], params=params, progress=progress)
    report = audit_report(result, CorpusInfo(":memory:", len(result.results)))
    (out / "ranking.csv").write_text(CsvFormatter().render(report), encoding="utf-8")
    progress("outputs", 1, 1)
    return {
        "documents": len(result.results),
        "copy_matches": sum(len(r.copies) for r in result.results),
        "families": len(result.families),
        "clusters": len(result.clusters),
        "edges": len(result.edges),
    }


def _engine_streaming(folder: str, params: Any, out: Path, progress: Any) -> dict[str, Any]:
    from app.audit import audit_streaming
    from cli_output import write_audit_tables

    with audit_streaming([folder], [], params=params, workdir=out / "work", progress=progress) as audit:
        write_audit_tables(audit, out / "tables", csv=out / "ranking.csv")
        progress("outputs", 1, 1)
        return audit.summary()


ENGINES = {"memory": _engine_memory, "streaming": _engine_streaming}


def _child(send: Any, engine: str, folder: str, params: Any, out: str) -> None:
    """Run the audit; send back its stage timeline and summary."""
    try:
        timeline: list[tuple[float, str]] = []  # (time.monotonic(), stage) at each change of stage
        charged: dict[str, float] = {}
        last = [time.monotonic()]
        start = last[0]

        def progress(stage: str, done: int, total: int) -> None:
            now = time.monotonic()
            charged[stage] = charged.get(stage, 0.0) + now - last[0]
            last[0] = now
            if not timeline or timeline[-1][1] != stage:
                timeline.append((now, stage))

        summary = ENGINES[engine](folder, params, Path(out), progress)
        end = last[0]  # the outputs written: the counts of the summary are the benchmark's, read after
        send.send({"ok": {"start": start, "end": end, "timeline": timeline, "charged": charged, **summary}})
    except BaseException:  # noqa: BLE001 - reported by the parent
        send.send({"error": traceback.format_exc()})
    finally:
        send.close()


def measure(engine: str, folder: Path, params: Any, tmp: Path | None) -> dict[str, Any]:
    """One audit (``params``: an :class:`app.audit.AuditParams`) in a forked process, its process tree sampled from here."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    with tempfile.TemporaryDirectory(prefix="chachong-engine-", dir=tmp) as out:
        load_before = os.getloadavg()
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        process = context.Process(target=_child, args=(send, engine, str(folder), params, out))
        process.start()
        send.close()
        sampler = treemem.TreeSampler(process.pid).start()
        try:
            payload = receive.recv()
        except EOFError:
            payload = {"error": f"the audit process died (exit code {process.exitcode})"}
        sampler.stop()
        process.join()
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        outputs = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file() and "work" not in p.parts)
    if "error" in payload:
        raise SystemExit(f"{engine} audit of {folder} failed:\n{payload['error']}")
    run = payload["ok"]
    run.update(engine=engine, load_before=load_before, load_after=os.getloadavg(), output_bytes=outputs)
    run["wall_seconds"] = run["end"] - run["start"]
    run["cpu_seconds"] = sum(getattr(cpu_after, f) - getattr(cpu_before, f) for f in ("ru_utime", "ru_stime"))
    run["peak"] = sampler.peak()
    run["sampler"] = {"samples": len(sampler.samples), "cpu_seconds": sampler.cpu_seconds}
    run["stages"] = _stages(run, sampler)
    return run


def _stages(run: dict[str, Any], sampler: treemem.TreeSampler) -> dict[str, dict[str, float]]:
    """Seconds charged to each stage and the peak memory while it ran."""
    edges = [*run["timeline"], (run["end"], "")]
    stages: dict[str, dict[str, float]] = {}
    previous = run["start"]
    for (when, stage), (after, _) in zip(edges, edges[1:]):
        peak = sampler.peak(previous, after)
        found = stages.setdefault(stage, {"seconds": run["charged"].get(stage, 0.0), "pss_mib": 0.0, "rss_mib": 0.0})
        found["pss_mib"] = max(found["pss_mib"], peak["pss_mib"])
        found["rss_mib"] = max(found["rss_mib"], peak["rss_mib"])
        previous = when
    return stages


def print_run(name: str, run: dict[str, Any]) -> None:
    peak = run["peak"]
    print(f"## {name}: {run['engine']} engine, {run['documents']:,} documents")
    print()
    print("| stage | seconds | peak PSS, all processes (MiB) | peak RSS sum (MiB) |")
    print("|---|---:|---:|---:|")
    for stage, figures in run["stages"].items():
        print(f"| {stage} | {figures['seconds']:.1f} | {figures['pss_mib']:,.0f} | {figures['rss_mib']:,.0f} |")
    print(f"| **total** | **{run['wall_seconds']:.1f}** | **{peak['pss_mib']:,.0f}** | {peak['rss_mib']:,.0f} |")
    print()
    load = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(run["load_before"], run["load_after"]))
    print(
        f"CPU time of all processes {run['cpu_seconds']:.1f} s; processes at the peak: {peak['processes']}; copy matches {run['copy_matches']:,}, families "
        f"{run['families']:,}, clusters {run['clusters']:,}, edges {run['edges']:,}; outputs "
        f"{run['output_bytes'] / 1e6:,.1f} MB; load average (1/5/15 min) before/after: {load}; memory samples "
        f"{run['sampler']['samples']:,}, costing {run['sampler']['cpu_seconds']:.1f} s CPU"
    )
    print()


def corpus_folder(args: argparse.Namespace, root: Path) -> tuple[str, Path, dict[str, Any]]:
    if args.corpus == "dense":
        folder = root / f"dense-{args.docs}"
        info = ensure_dense(folder, args.sentences, docs=args.docs)
        return f"dense {args.docs:,}", folder, info
    folder = root / f"docs-{args.docs}"
    return f"generated {args.docs:,}", folder, ensure_corpus(folder, args.docs, args.seed)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", choices=("generated", "dense"), default="generated")
    parser.add_argument("--docs", type=int, default=None, help="documents (generated: 10,000; dense: 10,000)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (generated corpus)")
    parser.add_argument("--sentences", type=Path, default=DEFAULT_SENTENCES, help="sentence pool of the dense corpus")
    parser.add_argument("--engine", choices=tuple(ENGINES), default="streaming")
    parser.add_argument("--workers", type=int, default=0, help="processes (default 0: one per core)")
    parser.add_argument("--max-key-docs", type=int, default=None, metavar="K", help="the audit's --max-key-docs")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the audit on the same corpus")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR", help="keep (and reuse) the corpus in DIR")
    parser.add_argument("--tmp", type=Path, default=None, metavar="DIR", help="where the outputs and spill files go")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="also write every figure as JSON")
    args = parser.parse_args(argv)
    args.docs = args.docs or 10_000
    return args


def audit_params(args: argparse.Namespace) -> Any:
    """The audit's settings from the benchmark's options."""
    from app.audit import AuditParams
    from detector.compare import DetectorParams

    return AuditParams(detector=DetectorParams(max_key_docs=args.max_key_docs), workers=args.workers)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not treemem.available():
        raise SystemExit("this benchmark reads /proc/PID/smaps_rollup (Linux 4.14 or later)")
    runs = []
    with tempfile.TemporaryDirectory(prefix="chachong-engine-corpus-", dir=args.tmp) as scratch:
        name, folder, info = corpus_folder(args, args.keep or Path(scratch))
        log(f"{name}: {info['files']:,} files, {info['chars']:,} chars in {folder}")
        for i in range(args.repeat):
            log(f"{args.engine} audit, run {i + 1} of {args.repeat}")
            runs.append(measure(args.engine, folder, audit_params(args), args.tmp))
    cap = f", --max-key-docs {args.max_key_docs}" if args.max_key_docs else ""
    print(f"# chachong local engine: {name}{cap}")
    print()
    print(machine_line(machine()))
    print("memory: peak PSS summed over the audit process and its workers, sampled every 0.2 s or more "
          "(the sampling takes at most 2% of one core; bench/treemem.py)")
    print()
    for i, run in enumerate(runs, 1):
        print_run(f"{name}, run {i}", run)
    if args.json:
        record = {"corpus": info, "name": name, "machine": machine(), "runs": runs}
        args.json.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
