"""Scale benchmark: every stage of chachong on N generated summaries, beside a
naive jieba + datasketch pipeline, with time, throughput and peak memory per stage.

    python bench/scale.py                                  # N = 1,000
    python bench/scale.py --docs 1000 3000 --json scale.json
    python bench/scale.py --docs 1000 10000 100000 --keep /data/chachong-scale --json scale.json
    python bench/scale.py --docs 1000 --no-audit --sample 50 --naive-docs 100   # quick look

Run on demand (not part of pytest), from the repository root with the venv
active. For each N it writes N summaries of ~3,000 characters
(``corpus.synth.generate_texts``, ``n_references=0``, ``--seed``) as UTF-8
files to ``DIR/docs-N/`` (a temporary folder, or ``--keep DIR``: a corpus
already there with the same N and seed is reused, not regenerated) and times:

* read+normalize: ``corpus.read.iter_documents`` (discover, decode,
  metadata) and ``corpus.normalize.normalize`` of every file;
* fingerprint: ``index.fingerprint.fingerprint_many`` over the normalized
  streams in batches of 256 documents, one core (one untimed warm-up batch
  first: the compiled kernels load once per process);
* index write: ``IndexStore.add`` of all prepared documents into a fresh
  SQLite file in a temporary folder (``--tmp``), as
  ``app.indexing.add_to_index`` (``chachong index add``) calls it: one
  generator, one transaction, unchanged paths skipped; closing the store
  (WAL checkpoint) is included. File size and bytes per document;
* stock frequencies / candidates / check: a fixed sample of ``--sample``
  (200) documents, drawn with ``--seed`` from the sorted paths, against that
  SQLite index: ``store.gram_frequencies`` over every gram of the document
  (the stock model's query in detector/compare.py), ``store.candidates`` with
  the arguments detector/compare.py passes it, and the whole
  ``detector.compare.compare_document`` (candidates + alignment + scoring; the
  alignment alone cannot be separated honestly);
* audit: ``detector.audit.run_audit`` over the folder (``--workers``, default
  one per core) in a forked process of its own, split by stage from its
  progress callback (each interval between two callbacks is charged to the
  stage of the callback that ends it: the callbacks come after the work; the
  in-memory corpus build lands in "compare", what follows the "families"
  callback is "clusters+edges"). Skip with ``--no-audit``;
* report: ``reports.json_report`` rendering of that audit result (audit_report
  + dumps), in the same process as the audit.

Peak memory: on Linux, "5" is written to /proc/self/clear_refs to reset the
peak RSS (VmHWM) before a stage and VmHWM is read after it; elsewhere the
output says it falls back to ``resource.getrusage`` (the process's lifetime
peak, not per stage). The audit's workers are forked processes whose memory
is not in their parent's VmHWM: the largest of them
(``RUSAGE_CHILDREN.ru_maxrss``) is printed beside the audit process's peak.
For each N the audit (with its report) and the other stages each run in a
process forked from this small main one (a forked child starts out with its
parent's resident pages), so memory figures compare across N.

The naive pipeline runs on a sample (``--naive-docs``, default the first 300
sorted documents) of the same corpus: ``jieba.lcut`` + word 3-shingles fed
one by one to ``datasketch.MinHash(num_perm=128).update`` (UTF-8 bytes), and
a ``datasketch.MinHashLSH(threshold=0.3, num_perm=128)`` in memory (insert
every sample document, then query ``--sample`` of them). Its figures are
throughputs on that sample, compared with chachong's on the whole corpus.

Progress goes to stderr, the tables to stdout; ``--json OUT`` writes every
figure as JSON too.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import platform
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MARKER = ".chachong-scale.json"  # hidden: discover_files skips it
GENERATOR = "corpus.synth.generate_texts(n_references=0)"
BATCH = 256  # documents per fingerprint_many call, as app/prepare.py batches
NAIVE_SHINGLE = 3  # word k-grams, chachong's own default for --shingle word
NAIVE_PERM = 128
NAIVE_THRESHOLD = 0.3

# the stage rows of the main table, in order
LIBRARY_STAGES = ("read+normalize", "fingerprint", "index write", "stock frequencies", "candidates", "check")
CHECK_LABEL = "check (candidates+alignment+scoring)"
AUDIT_LABELS = {  # the audit reads, normalizes and fingerprints in its workers: one stage
    "read submissions": "read+fingerprint",
    "read references": "read+fingerprint",
    "compare": "compare (incl. corpus build)",
    "families": "families",
}
AUDIT_TAIL = "clusters+edges"

_T0 = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _T0:7.1f} s] {message}", file=sys.stderr, flush=True)


# -- machine and memory -----------------------------------------------------------------


def machine() -> dict[str, Any]:
    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
                break
    except OSError:
        try:
            ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            pass
    try:
        from importlib.metadata import version

        numba = version("numba")
    except Exception:  # noqa: BLE001 - only for the machine line
        numba = None
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "ram_bytes": ram,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba,
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def _rusage_mib(who: int) -> float:
    peak = resource.getrusage(who).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


class MemoryProbe:
    """Peak resident memory of this process since the last :meth:`reset`."""

    def __init__(self) -> None:
        self.per_stage = False
        self.why = ""
        try:
            self._clear()
            if self._status_kib("VmHWM") is None:
                raise OSError("no VmHWM in /proc/self/status")
            self.per_stage = True
        except OSError as err:
            self.why = str(err)

    @staticmethod
    def _clear() -> None:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")

    @staticmethod
    def _status_kib(key: str) -> int | None:
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    def describe(self) -> str:
        if self.per_stage:
            return (
                "peak RSS per stage: VmHWM read after resetting it through /proc/self/clear_refs before the stage; "
                "Δ = peak − RSS at the start of the stage"
            )
        return (
            "peak RSS: resource.getrusage ru_maxrss, the process's high-water mark SO FAR, NOT per stage "
            f"(could not reset VmHWM: {self.why}); Δ is not available"
        )

    def reset(self) -> None:
        if self.per_stage:
            try:
                self._clear()
            except OSError as err:
                self.per_stage, self.why = False, str(err)

    def rss_mib(self) -> float | None:
        kib = self._status_kib("VmRSS") if self.per_stage else None
        return kib / 1024 if kib is not None else None

    def peak_mib(self) -> float:
        kib = self._status_kib("VmHWM") if self.per_stage else None
        return kib / 1024 if kib is not None else _rusage_mib(resource.RUSAGE_SELF)


@contextmanager
def measured(probe: MemoryProbe, record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Time the block and record the peak memory over it into ``record``."""
    gc.collect()
    probe.reset()
    start = probe.rss_mib()
    t0 = time.perf_counter()
    yield record
    record["seconds"] = time.perf_counter() - t0
    record["peak_mib"] = probe.peak_mib()
    record["delta_mib"] = record["peak_mib"] - start if start is not None else None


# -- corpus -----------------------------------------------------------------------------


def _count_files(folder: Path) -> int:
    return sum(
        1 for p in folder.rglob("*.txt") if not any(part.startswith(".") for part in p.parts[len(folder.parts) :])
    )


def ensure_corpus(folder: Path, docs: int, seed: int) -> dict[str, Any]:
    """N generated summaries in ``folder``; reuse them when the marker says so."""
    marker = folder / MARKER
    if marker.is_file():
        try:
            info = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {}
        if (
            info.get("docs") == docs
            and info.get("seed") == seed
            and info.get("generator") == GENERATOR
            and _count_files(folder) == info.get("files")
        ):
            return {**info, "reused": True, "generate_seconds": 0.0}
    if folder.exists() and any(folder.iterdir()):
        if not marker.is_file():
            raise SystemExit(f"{folder} is not empty and holds no scale corpus ({MARKER}); not overwriting it")
        shutil.rmtree(folder)  # a corpus of ours with another N or seed
    folder.mkdir(parents=True, exist_ok=True)

    from evaluation.synth import SynthConfig, generate_texts

    t0 = time.perf_counter()
    chars = files = 0
    used: set[str] = set()
    for rel, text in generate_texts(SynthConfig(n_units=docs, n_references=0, seed=seed)):
        if files >= docs:
            break
        name = rel
        if name in used:  # never overwrite a document: the corpus must have N files
            stem, dot, suffix = rel.rpartition(".")
            name = f"{stem}_{files}{dot}{suffix}"
        used.add(name)
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        chars += len(text)
        files += 1
        if files % 10_000 == 0:
            log(f"  generated {files:,}/{docs:,}")
    info = {"docs": docs, "seed": seed, "generator": GENERATOR, "files": files, "chars": chars}
    marker.write_text(json.dumps(info), encoding="utf-8")
    return {**info, "reused": False, "generate_seconds": time.perf_counter() - t0}


def sample_indices(total: int, size: int, seed: int) -> list[int]:
    """A fixed sample of positions in the sorted document list, sorted."""
    return sorted(random.Random(seed).sample(range(total), min(size, total)))


# -- audit + report (in a forked process of their own) ----------------------------------


def _audit_run(folder: str, workers: int) -> dict[str, Any]:
    from app.audit import AuditParams, run_audit
    from app.check import CorpusInfo
    from reports.json_report import dumps
    from reports.model import audit_report

    probe = MemoryProbe()
    events: list[tuple[float, str]] = []
    shown = [None, 0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        events.append((now, stage))
        if stage != shown[0] or now - shown[1] > 30:
            log(f"  audit: {stage} {done:,}/{total:,}")
            shown[0], shown[1] = stage, now

    audit: dict[str, Any] = {"stage": "audit"}
    with measured(probe, audit):
        t0 = time.perf_counter()
        result = run_audit([folder], [], params=AuditParams(workers=workers), progress=progress)
        t1 = time.perf_counter()
    audit["child_peak_mib"] = _rusage_mib(resource.RUSAGE_CHILDREN) or None  # None: no worker processes
    audit["workers"] = workers or os.cpu_count() or 1
    split: dict[str, float] = {}
    previous = t0
    for when, stage in events:
        label = AUDIT_LABELS.get(stage, stage)
        split[label] = split.get(label, 0.0) + when - previous
        previous = when
    split[AUDIT_TAIL] = split.get(AUDIT_TAIL, 0.0) + t1 - previous
    audit["split"] = split
    audit["documents"] = len(result.results)
    audit["chars"] = sum(r.chars for r in result.results)
    audit["errors"] = len(result.errors)
    audit["copy_matches"] = sum(1 for r in result.results for m in r.matches if m.kind == "copy")
    audit["families"] = len(result.families)
    audit["clusters"] = len(result.clusters)
    audit["edges"] = len(result.edges)

    report: dict[str, Any] = {"stage": "report"}
    with measured(probe, report):
        rendered = dumps(audit_report(result, CorpusInfo(":memory:", len(result.results) + len(result.references))))
    report["bytes"] = len(rendered.encode("utf-8"))
    report["docs"] = len(result.results)
    report["chars"] = audit["chars"]
    return {"audit": audit, "report": report, "memory_method": probe.describe()}


def _child(conn: Any, fn: Callable[..., Any], args: tuple) -> None:
    try:
        conn.send({"ok": fn(*args)})
    except BaseException:  # noqa: BLE001 - reported by the parent
        conn.send({"error": traceback.format_exc()})
    finally:
        conn.close()


def in_fork(what: str, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a forked process started from this (small) one: its
    VmHWM and its children's ru_maxrss are its own, whatever ran before."""
    if "fork" not in multiprocessing.get_all_start_methods():
        log(f"  (no fork: {what} in this process; its memory figures include what ran before)")
        return fn(*args)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, fn, args))
    process.start()
    send.close()
    try:
        payload = receive.recv()
    except EOFError:
        payload = None
    process.join()
    if payload is None:
        raise RuntimeError(f"{what}: the process died (exit code {process.exitcode})")
    if "error" in payload:
        raise RuntimeError(f"{what} failed:\n" + payload["error"])
    return payload["ok"]


# -- chachong's library stages, one at a time --------------------------------------------


def measure_library(folder: Path, args: argparse.Namespace, n: int) -> dict[str, Any]:
    """chachong's stages, then the naive pipeline on the first streams (run in
    a forked process of its own)."""
    probe = MemoryProbe()
    stages, naive_streams = library_stages(folder, args, probe, n)
    naive = naive_stages(naive_streams, args, probe, n) if args.naive_docs else None
    return {"stages": stages, "naive": naive, "memory_method": probe.describe()}


def library_stages(folder: Path, args: argparse.Namespace, probe: MemoryProbe, n: int) -> tuple[dict, list[str]]:
    """read+normalize, fingerprint, index write, stock frequencies, candidates,
    check. Returns the stage records and the first ``--naive-docs`` streams."""
    from corpus.normalize import normalize
    from detector.compare import DetectorParams, compare_document
    from index.corpus import Fingerprinted
    from index.fingerprint import FingerprintParams, all_grams, fingerprint
    from index.sqlite import IndexStore

    params = FingerprintParams()
    stages: dict[str, dict[str, Any]] = {}

    docs, streams = _read_stage(folder, stages, probe, n)
    fps = _fingerprint_stage(streams, params, stages, probe, n)

    log(f"[N={n:,}] index write")
    workdir = Path(tempfile.mkdtemp(prefix="chachong-scale-", dir=args.tmp))
    try:
        db = workdir / "index.db"
        prepared = [Fingerprinted(d, f) for d, f in zip(docs, fps)]
        del fps
        write = stages["index write"] = {"docs": len(prepared), "chars": stages["read+normalize"]["chars"]}
        with measured(probe, write):
            store = IndexStore(db, params)
            outcome = store.add(p for p in prepared if store.known_hash(p.document) != p.document.sha256)
            store.close()
        del prepared
        size = sum(p.stat().st_size for p in workdir.iterdir() if p.name.startswith("index.db"))
        write.update(file_bytes=size, bytes_per_doc=size / len(docs), added=len(outcome.added))
        write["notes"] = f"one transaction; {size / 1e6:,.1f} MB file, {size / len(docs):,.0f} B/doc"

        picks = sample_indices(len(docs), args.sample, args.seed)
        with IndexStore(db, create=False) as store:
            sample_stages(store, [docs[i] for i in picks], stages, probe, n, normalize, fingerprint, all_grams)
            detector = DetectorParams()
            log(f"[N={n:,}] check of {len(picks)} sample documents")
            check = stages["check"] = {"docs": len(picks), "chars": sum(len(docs[i].text) for i in picks)}
            matches = 0
            with measured(probe, check):
                for i in picks:
                    matches += len(compare_document(docs[i], store, detector).matches)
            check["notes"] = f"{matches / len(picks):.1f} matches/doc"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return stages, streams[: args.naive_docs]


def _read_stage(folder: Path, stages: dict, probe: MemoryProbe, n: int) -> tuple[list, list[str]]:
    """read+normalize: every document decoded (discover, decode, metadata) and normalized."""
    from corpus.normalize import normalize
    from corpus.read import iter_documents

    log(f"[N={n:,}] read+normalize")
    errors: list = []
    docs: list = []
    streams: list[str] = []
    read = stages["read+normalize"] = {}
    with measured(probe, read):
        t_norm = 0.0
        for doc in iter_documents([folder], errors):
            t = time.perf_counter()
            streams.append(normalize(doc.text).text)
            t_norm += time.perf_counter() - t
            docs.append(doc)
    read.update(docs=len(docs), chars=sum(len(d.text) for d in docs), normalize_seconds=t_norm, errors=len(errors))
    if errors:
        log(f"  {len(errors)} unreadable files, e.g. {errors[0].path}: {errors[0].reason}")
    if not docs:
        raise SystemExit(f"no readable documents under {folder}")
    read["notes"] = f"read {read['seconds'] - t_norm:.2f} s, normalize {t_norm:.2f} s"
    return docs, streams


def _fingerprint_stage(streams: list[str], params, stages: dict, probe: MemoryProbe, n: int) -> list:  # noqa: ANN001
    """fingerprint: batches of BATCH streams on one core, after an untimed warm-up batch."""
    from index.fingerprint import fingerprint_many

    log(f"[N={n:,}] fingerprint")
    t = time.perf_counter()
    fingerprint_many(streams[:BATCH], params)  # loads the compiled kernels (once per process)
    warm = time.perf_counter() - t
    fps: list = []
    fp = stages["fingerprint"] = {"docs": len(streams), "chars": sum(len(s) for s in streams)}
    with measured(probe, fp):
        for lo in range(0, len(streams), BATCH):
            fps.extend(fingerprint_many(streams[lo : lo + BATCH], params))
    fp["warmup_seconds"] = warm
    fp["notes"] = f"normalized chars; batches of {BATCH}, one core; warm-up batch {warm:.2f} s not counted"
    return fps


def sample_stages(store, sample, stages, probe, n, normalize, fingerprint, all_grams) -> None:
    """The two index queries of a check, timed alone on the sample: the
    document frequencies of every gram (the stock model's evidence) and the
    candidate query."""
    import numpy as np

    from detector.compare import DetectorParams, stock_model
    from index.corpus import QueryKeys
    from index.view import CorpusView

    detector = DetectorParams()
    view = CorpusView([store])
    view.statistics()  # the sample index is built once per run, not per check
    inputs = []
    for doc in sample:  # what compare_document computes before it queries (not timed)
        normalized = normalize(doc.text)
        inputs.append(
            (doc, normalized, fingerprint(normalized, store.params), all_grams(normalized.text, store.params))
        )

    log(f"[N={n:,}] stock frequencies of {len(sample)} sample documents")
    freq = stages["stock frequencies"] = {"docs": len(sample), "chars": sum(len(d.text) for d in sample)}
    with measured(probe, freq):
        for doc, _, _, grams in inputs:
            view.document_frequencies(np.unique(grams), doc)
    freq["notes"] = "document frequencies of every gram over the sample (part of check)"

    queries = [(doc, fp, stock_model(doc, normalized, view, detector.stock)[1]) for doc, normalized, fp, _ in inputs]
    log(f"[N={n:,}] candidates of {len(sample)} sample documents")
    cand = stages["candidates"] = {"docs": len(sample), "chars": freq["chars"]}
    found = 0
    with measured(probe, cand):
        for doc, fp, busy in queries:
            found += len(view.candidates(fp, doc, busy=busy, limit=detector.max_candidates))
    shared = sum(
        len(store.candidates(QueryKeys.of(fp, busy), exclude=view.excluded(doc)[0], limit=10**9)) for doc, fp, busy in queries
    )
    cand["shared_per_doc"] = shared / len(sample)
    cand["notes"] = (
        f"CorpusView.candidates, {found / len(sample):.1f} returned/doc (limit {detector.max_candidates}) of "
        f"{shared / len(sample):,.0f} documents sharing a band or a gram"
    )


# -- the naive pipeline ------------------------------------------------------------------


def naive_stages(streams: list[str], args: argparse.Namespace, probe: MemoryProbe, n: int) -> dict[str, Any]:
    import jieba
    from datasketch import MinHash, MinHashLSH

    jieba.setLogLevel(60)
    t = time.perf_counter()
    jieba.initialize()
    init = time.perf_counter() - t
    log(f"[N={n:,}] naive: jieba + MinHash on {len(streams)} documents")
    k = NAIVE_SHINGLE
    stages: dict[str, Any] = {"jieba_init_seconds": init}
    sketches = []
    tok = stages["tokenize+MinHash"] = {"docs": len(streams), "chars": sum(len(s) for s in streams)}
    t_jieba = 0.0
    shingles = 0
    with measured(probe, tok):
        for stream in streams:
            t = time.perf_counter()
            tokens = jieba.lcut(stream)
            t_jieba += time.perf_counter() - t
            m = MinHash(num_perm=NAIVE_PERM)
            for i in range(max(1, len(tokens) - k + 1)):
                m.update(" ".join(tokens[i : i + k]).encode("utf-8"))
                shingles += 1
            sketches.append(m)
    tok["notes"] = (
        f"normalized chars; jieba {t_jieba:.2f} s, MinHash {tok['seconds'] - t_jieba:.2f} s "
        f"({shingles / len(streams):,.0f} shingles/doc); jieba init {init:.2f} s not counted"
    )

    lsh = MinHashLSH(threshold=NAIVE_THRESHOLD, num_perm=NAIVE_PERM)
    insert = stages["LSH insert"] = {"docs": len(sketches), "chars": tok["chars"]}
    with measured(probe, insert):
        for i, m in enumerate(sketches):
            lsh.insert(f"doc{i:06d}", m)
    b, r = lsh.b, lsh.r
    insert["notes"] = f"in memory, {b} bands x {r} rows"

    picks = sample_indices(len(sketches), args.sample, args.seed)
    query = stages["LSH query"] = {"docs": len(picks), "chars": sum(len(streams[i]) for i in picks)}
    hits = 0
    with measured(probe, query):
        for i in picks:
            hits += len(lsh.query(sketches[i]))
    query["notes"] = f"{hits / len(picks):.1f} found/doc (itself included) among {len(sketches)}"
    return stages


# -- figures and tables --------------------------------------------------------------------


def finish(record: dict[str, Any], rate: str) -> dict[str, Any]:
    """Derived figures: ms/doc, docs/s, M chars/s and the headline rate."""
    seconds = max(record["seconds"], 1e-9)
    record["ms_per_doc"] = 1000 * seconds / record["docs"] if record.get("docs") else None
    record["docs_per_s"] = record["docs"] / seconds if record.get("docs") else None
    record["mchars_per_s"] = record["chars"] / seconds / 1e6 if record.get("chars") else None
    record["rate"] = rate  # "chars" | "docs" | "ms"
    return record


def throughput(record: dict[str, Any]) -> str:
    if record["rate"] == "chars":
        return f"{record['mchars_per_s']:.3g} M chars/s"
    if record["rate"] == "docs":
        return f"{record['docs_per_s']:,.0f} docs/s"
    return f"{record['ms_per_doc']:.3g} ms/doc"


def _mib(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+,.0f}" if signed else f"{value:,.0f}"


RATES = {
    "read+normalize": "chars",
    "fingerprint": "chars",
    "index write": "docs",
    "stock frequencies": "docs",
    "candidates": "docs",
    "check": "docs",
    "audit": "chars",
    "report": "docs",
    "tokenize+MinHash": "chars",
    "LSH insert": "docs",
    "LSH query": "docs",
}


def print_run(run: dict[str, Any], out: Callable[[str], None]) -> None:
    corpus = run["corpus"]
    n = run["docs"]
    normalized = run["stages"]["fingerprint"]["chars"]
    how = "reused" if corpus["reused"] else f"generated in {corpus['generate_seconds']:.1f} s"
    out("")
    out(
        f"## N = {n:,} documents: {corpus['chars']:,} chars decoded ({corpus['chars'] / n:,.0f}/doc), "
        f"{normalized:,} normalized; corpus {how}"
    )
    out("")
    out("| stage | docs | seconds | throughput | ms/doc | peak RSS MiB | Δ MiB | workers' peak MiB | notes |")
    out("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    rows = [(CHECK_LABEL if s == "check" else s, run["stages"][s]) for s in LIBRARY_STAGES]
    if "audit" in run:
        audit = run["audit"]
        rows.append(("audit", audit))
        for label, seconds in audit["split"].items():
            share = {"seconds": seconds, "docs": audit["docs"], "chars": audit["chars"]}
            rows.append((f"  audit: {label}", finish(share, "chars")))
        rows.append(("report (JSON)", run["report"]))
    for label, r in rows:
        child = _mib(r.get("child_peak_mib")) if "child_peak_mib" in r else "-"
        peak = _mib(r.get("peak_mib")) if "peak_mib" in r else ""
        delta = _mib(r.get("delta_mib"), signed=True) if "peak_mib" in r else ""
        out(
            f"| {label} | {r['docs']:,} | {r['seconds']:.2f} | {throughput(r)} | {r['ms_per_doc']:.3g} "
            f"| {peak} | {delta} | {child} | {r.get('notes', '')} |"
        )
    naive = run.get("naive")
    if not naive:
        return
    out("")
    out(
        f"Naive pipeline, ON A SAMPLE of the first {naive['tokenize+MinHash']['docs']:,} sorted documents (not the "
        f"whole corpus): jieba.lcut, word {NAIVE_SHINGLE}-shingles fed one by one to "
        f"datasketch MinHash({NAIVE_PERM}).update, MinHashLSH(threshold={NAIVE_THRESHOLD}) in memory. "
        "chachong/naive = chachong's throughput on all N ÷ the naive throughput on the sample (>1: chachong "
        "faster). Not the same jobs: the LSH holds only the sample, in memory, and keeps nothing else; chachong "
        "writes and queries an SQLite index of all N documents (text, windows, LSH buckets, gram postings)."
    )
    out("")
    out(
        "| naive stage | docs | seconds | throughput | ms/doc | peak RSS MiB | Δ MiB | vs chachong stage | chachong | chachong/naive | notes |"
    )
    out("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|")
    for label, r in ((s, naive[s]) for s in ("tokenize+MinHash", "LSH insert", "LSH query")):
        other_label, ratio = run["ratios"][label]
        other = run["stages"][other_label]
        out(
            f"| {label} | {r['docs']:,} | {r['seconds']:.2f} | {throughput(r)} | {r['ms_per_doc']:.3g} "
            f"| {_mib(r['peak_mib'])} | {_mib(r['delta_mib'], signed=True)} | {other_label} | {throughput(other)} "
            f"| {ratio:,.3g}x | {r.get('notes', '')} |"
        )


def ratios(run: dict[str, Any]) -> dict[str, tuple[str, float]]:
    naive, stages = run["naive"], run["stages"]
    return {
        "tokenize+MinHash": (
            "fingerprint",
            stages["fingerprint"]["mchars_per_s"] / naive["tokenize+MinHash"]["mchars_per_s"],
        ),
        "LSH insert": ("index write", stages["index write"]["docs_per_s"] / naive["LSH insert"]["docs_per_s"]),
        "LSH query": ("candidates", naive["LSH query"]["ms_per_doc"] / stages["candidates"]["ms_per_doc"]),
    }


def growth(runs: list[dict[str, Any]]) -> dict[str, dict[int, float]]:
    """Time per document at each N ÷ at the smallest N, per stage."""

    def per_doc(run: dict[str, Any]) -> dict[str, float]:
        out = {(CHECK_LABEL if s == "check" else s): run["stages"][s]["ms_per_doc"] for s in LIBRARY_STAGES}
        if "audit" in run:
            out["audit"] = run["audit"]["ms_per_doc"]
            for label, seconds in run["audit"]["split"].items():
                out[f"  audit: {label}"] = 1000 * seconds / run["audit"]["docs"]
            out["report (JSON)"] = run["report"]["ms_per_doc"]
        return out

    base = per_doc(runs[0])
    table: dict[str, dict[int, float]] = {}
    for run in runs:
        for stage, value in per_doc(run).items():
            if base.get(stage):
                table.setdefault(stage, {})[run["docs"]] = value / base[stage]
    return table


def print_growth(runs: list[dict[str, Any]], table: dict[str, dict[int, float]], out: Callable[[str], None]) -> None:
    ns = [run["docs"] for run in runs]
    out("")
    out(
        f"## Cost growth: time per document at N ÷ at N = {ns[0]:,} (1.00 = total cost linear in N; "
        "the sample stages are per sample document, against an index of N)"
    )
    out("")
    out("| stage | " + " | ".join(f"N = {n:,}" for n in ns) + " |")
    out("|---|" + "---:|" * len(ns))
    for stage, by_n in table.items():
        out(f"| {stage} | " + " | ".join(f"{by_n[n]:.2f}" if n in by_n else "-" for n in ns) + " |")
    if any("audit" in run for run in runs):
        out("")
        out(
            "The audit rows include one-time costs per run (each fingerprint worker loads the compiled kernels, "
            "families loads jieba's dictionary for the substitution kinds): their cost per document falls as N grows."
        )


def machine_line(info: dict[str, Any]) -> str:
    ram = f"{info['ram_bytes'] / 2**30:.1f} GiB RAM" if info["ram_bytes"] else "RAM unknown"
    return (
        f"machine: {info['cores']} cores (os.cpu_count), {info['cpu']}, {ram}; Python {info['python']}, "
        f"numpy {info['numpy']}, numba {info['numba']}, SQLite {info['sqlite']}"
    )


# -- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--docs", type=int, nargs="+", default=[1000], metavar="N", help="corpus sizes N (default 1000)"
    )
    parser.add_argument("--seed", type=int, default=7, help="generator and sample seed (default 7)")
    parser.add_argument(
        "--sample", type=int, default=200, help="documents for the candidates/check stages and LSH queries"
    )
    parser.add_argument(
        "--naive-docs", type=int, default=300, help="first N sorted documents for the naive pipeline (0: skip it)"
    )
    parser.add_argument("--no-audit", action="store_true", help="skip the audit and report stages")
    parser.add_argument("--workers", type=int, default=0, help="audit processes (default 0: one per core)")
    parser.add_argument(
        "--keep", type=Path, default=None, metavar="DIR", help="keep (and reuse) the corpora in DIR/docs-N/"
    )
    parser.add_argument(
        "--tmp", type=Path, default=None, metavar="DIR", help="where temporary corpora and SQLite indexes go"
    )
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="also write every figure as JSON")
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.docs) or args.sample < 1 or args.naive_docs < 0:
        parser.error("--docs and --sample must be positive, --naive-docs not negative")
    args.docs = sorted(set(args.docs))
    return args


def prepare_corpora(args: argparse.Namespace, root: Path) -> list[dict[str, Any]]:
    """One corpus folder per N (generated, or reused from ``--keep``)."""
    runs: list[dict[str, Any]] = []
    for n in args.docs:
        folder = root / f"docs-{n}"
        log(f"[N={n:,}] corpus in {folder}")
        corpus = ensure_corpus(folder, n, args.seed)
        log(f"  {'reused' if corpus['reused'] else 'generated'} {corpus['files']:,} files, {corpus['chars']:,} chars")
        runs.append({"docs": n, "corpus": corpus, "folder": str(folder)})
    return runs


def measure_run(run: dict[str, Any], args: argparse.Namespace) -> None:
    """Every figure of one N, each part in a process forked from this small
    one, so the memory figures compare across N."""
    n, folder = run["docs"], Path(run["folder"])
    if not args.no_audit:
        log(f"[N={n:,}] audit")
        payload = in_fork("audit", _audit_run, str(folder), args.workers)
        run["audit"] = finish({**payload["audit"], "docs": payload["audit"]["documents"]}, "chars")
        run["audit"]["notes"] = (
            f"{run['audit']['workers']} workers; {run['audit']['copy_matches']:,} copy matches, "
            f"{run['audit']['families']} families, {run['audit']['clusters']} clusters; "
            "workers' RSS includes pages shared copy-on-write"
        )
        run["report"] = finish(payload["report"], "docs")
        run["report"]["notes"] = f"{payload['report']['bytes'] / 1e6:,.1f} MB of JSON"
    measured_run = in_fork("library stages", measure_library, folder, args, n)
    run["memory_method"] = measured_run["memory_method"]
    run["stages"] = {name: finish(measured_run["stages"][name], RATES[name]) for name in LIBRARY_STAGES}
    if measured_run["naive"]:
        naive = measured_run["naive"]
        run["naive"] = {k: finish(v, RATES[k]) if isinstance(v, dict) else v for k, v in naive.items()}
        run["ratios"] = ratios(run)


def print_report(
    runs: list[dict[str, Any]], args: argparse.Namespace, info: dict[str, Any], probe: MemoryProbe
) -> dict:
    """The tables on stdout; returns the growth table."""
    out = print  # the tables go to stdout, everything else to stderr
    out("# chachong scale benchmark")
    out("")
    out(machine_line(info))
    out(runs[0]["memory_method"] if runs else probe.describe())
    out(
        "each N runs in processes forked from a small parent (one for the audit and its report, one for the other "
        "stages), so the figures compare across N; audit workers' peak = the largest worker "
        "(RUSAGE_CHILDREN ru_maxrss), not their sum"
    )
    out(
        f"seed {args.seed}; sample stages: {args.sample:,} documents (all, when N is smaller) drawn with the seed from the sorted paths"
    )
    for run in runs:
        print_run(run, out)
    if len(runs) < 2:
        return {}
    table = growth(runs)
    print_growth(runs, table, out)
    return {stage: {str(n): v for n, v in by_n.items()} for stage, by_n in table.items()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    info = machine()
    probe = MemoryProbe()
    report: dict[str, Any] = {"machine": info, "arguments": {k: str(v) for k, v in vars(args).items()}, "runs": []}
    with tempfile.TemporaryDirectory(prefix="chachong-scale-corpus-", dir=args.tmp) as scratch:
        runs = prepare_corpora(args, args.keep or Path(scratch))
        for run in runs:
            measure_run(run, args)
    growth_table = print_report(runs, args, info, probe)
    if growth_table:
        report["growth"] = growth_table
    report["memory_method"] = runs[0]["memory_method"] if runs else probe.describe()
    report["runs"] = runs
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        log(f"JSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
