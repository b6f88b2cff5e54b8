"""The Spark engine's audit beside the local engine's, on the same generated corpus.

    python -m bench.spark_engine --docs 10000 --keep /work/cc-bench
    python -m bench.spark_engine --docs 100000 --keep /work/cc-bench --json spark100k.json
    python -m bench.spark_engine --docs 10000 --keep /work/cc-bench --no-local   # Spark only
    python -m bench.spark_engine --docs 100000 --keep /work/cc-bench --max-key-docs 100   # the capped join

Run on demand (not part of pytest), from the repository root with the venv
active; it needs pyspark and Java 17+ (``pip install -e '.[spark]'``). The
corpus is ``--docs`` generated summaries (``evaluation.synth``,
``n_references=0``, ``--seed``), written as ``bench/scale.py`` writes them
(``DIR/docs-N``, reused when already there).

**Spark**: :func:`app.spark.run_spark_audit` on ``--master`` (``local[2]``)
writing the Parquet tables (``--parquet DIR`` of ``chachong audit --engine
spark``; no report is collected on the driver), in a process forked from
this small one. Per stage of :mod:`app.spark.pipeline` (each stage's Spark
jobs carry its name as job group): the wall time between the pipeline's
progress callbacks, and from Spark's status REST API
(:mod:`app.spark.metrics`) the task time and CPU time summed over its
tasks, the shuffle bytes written and read, the input bytes and the spills.
Memory: a thread here samples every 0.2 s or more (at most 2% of one core) the PSS of every process of the
run's tree (:mod:`bench.treemem`), split into the driver (the Python process
that runs the pipeline), the JVM (in local mode the driver and executor in
one) and the Python workers the JVM starts (where the kernels, alignment and
UDFs run); the peak of each and of their sum.

**Local**: the streaming local engine (:func:`bench.local_engine.measure`),
``--workers`` processes (default 2, the cores ``local[2]`` gets), in the
same run, so the two share the machine's load of the moment.

CPU time of each run's whole process tree and the load average are printed:
the machine is shared and the wall time depends on the load.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench import local_engine, treemem
from bench.scale import ensure_corpus, log, machine, machine_line


class RoleSampler(treemem.TreeSampler):
    """Peak PSS of the driver, the JVM and the Python workers of a Spark run, and of their sum."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.roles: dict[str, float] = {"driver": 0.0, "jvm": 0.0, "workers": 0.0}
        self.cpu: dict[int, tuple[str, float]] = {}  # pid -> (role, CPU seconds of it and its reaped children)
        self._found: dict[str, float] = {}  # this sample's PSS by role

    def sample(self) -> None:
        self._found = {"driver": 0.0, "jvm": 0.0, "workers": 0.0}
        super().sample()
        for role, mib in self._found.items():
            self.roles[role] = max(self.roles[role], mib)

    def seen(self, pid: int, pss_kib: int) -> None:
        role = self.role(pid)
        self._found[role] += pss_kib / 1024
        seconds = cpu_seconds(pid)
        if seconds is not None:
            self.cpu[pid] = (role, max(seconds, self.cpu.get(pid, (role, 0.0))[1]))

    def role(self, pid: int) -> str:
        if pid == self.pid:
            return "driver"
        try:
            command = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            return "workers"
        return "jvm" if command == "java" else "workers"


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and of its children it has waited for (/proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return sum(int(v) for v in fields[11:15]) / TICKS  # utime, stime, cutime, cstime


def _spark_child(send: Any, folder: str, spark: dict[str, Any], out: str, max_key_docs: int | None) -> None:
    """Run the Spark audit; send back its stage timeline, the REST API's stage metrics, its counts."""
    try:
        from app.audit import AuditParams
        from app.spark import SparkParams, SparkSettings, run_spark_audit
        from app.spark.metrics import executor_peaks, stage_metrics
        from app.spark.session import SparkRun
        from detector.compare import DetectorParams

        charged: dict[str, float] = {}
        last = [time.monotonic()]

        def progress(stage: str, done: int, total: int) -> None:  # called as each stage starts
            now = time.monotonic()
            previous = progress.stage  # type: ignore[attr-defined]
            if previous:
                charged[previous] = charged.get(previous, 0.0) + now - last[0]
            last[0] = now
            progress.stage = stage if done < total else ""  # type: ignore[attr-defined]

        progress.stage = ""  # type: ignore[attr-defined]
        start = time.monotonic()
        with SparkRun(SparkSettings(**spark)) as run:
            started = time.monotonic()
            outcome = run_spark_audit(
                [folder],
                params=SparkParams(AuditParams(detector=DetectorParams(max_key_docs=max_key_docs))),
                spark=run.spark,
                parquet=Path(out) / "tables",
                report=False,
                progress=progress,
            )
            charged["write"] = time.monotonic() - last[0]
            metrics = {name: vars(m) for name, m in stage_metrics(run.spark).items()}
            peaks = executor_peaks(run.spark)
        send.send(
            {
                "ok": {
                    "start": start,
                    "session_seconds": started - start,
                    "end": time.monotonic(),
                    "charged": charged,
                    "metrics": metrics,
                    "executor_peaks": peaks,
                    "counts": outcome.counts,
                }
            }
        )
    except BaseException:  # noqa: BLE001 - reported by the parent
        send.send({"error": traceback.format_exc()})
    finally:
        send.close()


def measure_spark(
    folder: Path, master: str, tmp: Path | None, max_key_docs: int | None = None, driver_memory: str = "4g"
) -> dict[str, Any]:
    """One Spark audit in a forked process, its process tree sampled from here."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    with tempfile.TemporaryDirectory(prefix="chachong-spark-", dir=tmp) as out:
        load_before = os.getloadavg()
        spark = {"master": master, "driver_memory": driver_memory}
        process = context.Process(target=_spark_child, args=(send, str(folder), spark, out, max_key_docs))
        process.start()
        send.close()
        sampler = RoleSampler(process.pid).start()
        try:
            payload = receive.recv()
        except EOFError:
            payload = {"error": f"the Spark audit process died (exit code {process.exitcode})"}
        sampler.stop()
        process.join()
        outputs = sum(p.stat().st_size for p in Path(out).rglob("*") if p.is_file())
    if "error" in payload:
        raise SystemExit(f"Spark audit of {folder} failed:\n{payload['error']}")
    run = payload["ok"]
    run.update(
        master=master,
        driver_memory=driver_memory,
        max_key_docs=max_key_docs,
        load_before=load_before,
        load_after=os.getloadavg(),
        output_bytes=outputs,
    )
    run["wall_seconds"] = run["end"] - run["start"]
    run["cpu_sampled"] = {
        role: sum(seconds for r, seconds in sampler.cpu.values() if r == role) for role in sampler.roles
    }
    run["peak"] = {**sampler.peak(), **{f"{role}_pss_mib": mib for role, mib in sampler.roles.items()}}
    return run


def _mb(value: float) -> str:
    return f"{value / 1e6:,.1f}"


def print_spark(name: str, run: dict[str, Any]) -> None:
    cap = run.get("max_key_docs")
    joined = f"keys held by more than {cap:,} documents dropped" if cap else "every key joined"
    where = f"{run['master']} (driver memory {run.get('driver_memory', '4g')})"
    print(f"## {name}: Spark engine on {where}, {run['counts'].get('results', 0):,} documents, {joined}")
    print()
    print("| stage | wall s | task s | task CPU s | shuffle write MB | shuffle read MB | input MB | spill (disk) MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| session start | {run['session_seconds']:.1f} | | | | | | |")
    for stage, seconds in run["charged"].items():
        m = run["metrics"].get(stage, {})
        sums = m.get("sums", {})
        print(
            f"| {stage} | {seconds:.1f} | {sums.get('executorRunTime', 0) / 1e3:.1f} | "
            f"{sums.get('executorCpuTime', 0) / 1e9:.1f} | {_mb(sums.get('shuffleWriteBytes', 0))} | "
            f"{_mb(sums.get('shuffleReadBytes', 0))} | {_mb(sums.get('inputBytes', 0))} | "
            f"{_mb(sums.get('diskBytesSpilled', 0))} |"
        )
    peak = run["peak"]
    print(f"| **total** | **{run['wall_seconds']:.1f}** | | | | | | |")
    print()
    print(
        f"peak PSS (MiB): all processes {peak['pss_mib']:,.0f} (RSS sum {peak['rss_mib']:,.0f}, "
        f"{peak['processes']} processes); driver (Python) {peak['driver_pss_mib']:,.0f}, JVM (driver + executor) "
        f"{peak['jvm_pss_mib']:,.0f}, Python workers {peak['workers_pss_mib']:,.0f}"
    )
    load = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(run["load_before"], run["load_after"]))
    counts = ", ".join(f"{k} {v:,}" for k, v in run["counts"].items())
    cpu = run["cpu_sampled"]
    print(
        f"CPU time (sampled from /proc, the last sample of each process): driver {cpu['driver']:.1f} s, JVM "
        f"{cpu['jvm']:.1f} s, Python workers {cpu['workers']:.1f} s, total {sum(cpu.values()):.1f} s"
    )
    print(f"{counts}; Parquet tables {_mb(run['output_bytes'])} MB; load average (1/5/15 min) before/after: {load}")
    print()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=10_000, help="generated summaries (default 10,000)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument(
        "--driver-memory", default="4g", help="the driver JVM's heap; on local[N] it is the executor too (default 4g)"
    )
    parser.add_argument("--workers", type=int, default=2, help="the local engine's processes (default 2)")
    parser.add_argument(
        "--max-key-docs", type=int, default=None, metavar="K", help="drop keys held by more than K documents"
    )
    parser.add_argument("--no-local", action="store_true", help="skip the local engine's run")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR", help="keep (and reuse) the corpus in DIR")
    parser.add_argument("--tmp", type=Path, default=None, metavar="DIR", help="where outputs and spill files go")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="also write every figure as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not treemem.available():
        raise SystemExit("this benchmark reads /proc/PID/smaps_rollup (Linux 4.14 or later)")
    with tempfile.TemporaryDirectory(prefix="chachong-spark-corpus-", dir=args.tmp) as scratch:
        folder = (args.keep or Path(scratch)) / f"docs-{args.docs}"
        info = ensure_corpus(folder, args.docs, args.seed)
        log(f"generated {args.docs:,}: {info['files']:,} files, {info['chars']:,} chars in {folder}")
        log(f"Spark audit on {args.master}")
        spark = measure_spark(folder, args.master, args.tmp, args.max_key_docs, args.driver_memory)
        local = None
        if not args.no_local:
            log(f"local (streaming) audit, {args.workers} workers")
            local = local_engine.measure("streaming", folder, local_engine.audit_params(args), args.tmp)
    name = f"generated {args.docs:,}"
    print(f"# chachong Spark engine beside the local engine: {name}")
    print()
    print(machine_line(machine()))
    print("memory: peak PSS of the run's process tree, sampled every 0.2 s or more (bench/treemem.py)")
    print()
    print_spark(name, spark)
    if local is not None:
        local_engine.print_run(name, local)
    if args.json:
        record = {"corpus": info, "name": name, "machine": machine(), "spark": spark, "local": local}
        args.json.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
