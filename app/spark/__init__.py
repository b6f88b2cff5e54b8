"""The audit on Apache Spark (``chachong audit ... --engine spark``).

The same audit as :func:`app.audit.run_audit`, as Spark stages, with the
same code doing the work in the executors:

0. **read**: folders through Spark's ``binaryFile`` source (local paths or
   any URI Spark reads), decoded with the project's decoders; or a table
   (Parquet, JSON lines) of ``path, text, unit, year, submitted``.
1. **fingerprint**: normalize and fingerprint each partition in one batch
   (``mapInArrow``; the numpy/numba kernels).
2. **sample**: the corpus sample the stock model counts over, broadcast.
3. **stock**: each submission's stock model and busy grams.
4. **candidates**: band keys and grams exploded and joined by shuffle, the
   shared keys sent to their submission, each submission's pairs counted
   in numpy, its candidate pool and the candidates kept of it.
5. **compare**: alignment, stock classification and scores per submission
   in the executors (:func:`detector.compare.compare_document`, unchanged).
6. **relations**: who copied whom, clusters and families by connected
   components computed in Spark.

With every key joined (the default) each submission's originality, sources
and matches are the local engine's (a test holds them equal). pyspark is
imported only when a run starts: this package imports without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.audit import AuditParams, AuditResult
from app.check import CorpusInfo
from app.spark.pipeline import SparkParams
from app.spark.session import SparkRun, SparkSettings, conf_pairs, require_spark
from corpus.errors import ChachongError, ConfigError, InputError
from corpus.progress import Progress, no_progress


@dataclass
class SparkOutcome:
    """A Spark audit: the report's result when one was asked for, the tables written, the counts."""

    result: AuditResult | None
    errors: list[InputError]
    counts: dict[str, int] = field(default_factory=dict)
    tables: list[str] = field(default_factory=list)
    log: Path | None = None

    @property
    def has_copies(self) -> bool:
        return self.counts.get("with_copies", 0) > 0


def run_spark_audit(
    submissions: Sequence[str | Path],
    references: Sequence[str | Path] = (),
    *,
    params: SparkParams = SparkParams(),
    settings: SparkSettings = SparkSettings(),
    parquet: str | Path | None = None,
    report: bool | None = True,
    texts: bool = False,
    spark: Any = None,
    progress: Progress = no_progress,
) -> SparkOutcome:
    """Audit on Spark. ``report``: collect the results for a report (JSON,
    CSV, terminal), which holds at most :data:`~app.spark.output.REPORT_LIMIT`
    submissions (more are an error; with None, no result then), ``texts``
    too for the HTML report; ``parquet``: write the tables there (any size).
    ``spark``: a running session to use (else one is started for the run
    and stopped after it)."""
    if spark is not None:
        return _run(spark, submissions, references, params, parquet, report, texts, progress, None)
    with SparkRun(settings) as run:
        return _run(run.spark, submissions, references, params, parquet, report, texts, progress, run.log_path)


def _run(
    spark: Any,
    submissions: Sequence[str | Path],
    references: Sequence[str | Path],
    params: SparkParams,
    parquet: str | Path | None,
    report: bool | None,
    texts: bool,
    progress: Progress,
    log: Path | None,
) -> SparkOutcome:
    from app.spark.output import REPORT_LIMIT, audit_result, write_tables
    from app.spark.pipeline import run_stages

    tables = run_stages(spark, submissions, references, params, progress)
    try:
        written = write_tables(spark, tables, parquet) if parquet is not None else []
        if report is None:
            report = tables.counts.get("results", 0) <= REPORT_LIMIT
        result = audit_result(tables, texts) if report else None
    finally:
        tables.unpersist()
    return SparkOutcome(result, tables.errors, dict(tables.counts), written, log)


class SparkAudit:
    """``chachong audit --engine spark``: checks the options, runs, says what it wrote."""

    def __init__(
        self,
        dirs: Sequence[str],
        refs: Sequence[str],
        params: AuditParams,
        master: str,
        parquet: str | None,
        reports: Sequence[object | None],
        conf: dict[str, str] | None = None,
    ) -> None:
        self.dirs, self.refs, self.parquet = list(dirs), list(refs), parquet
        self.params = SparkParams(params)
        self.settings = SparkSettings(master=master, conf=dict(conf or {}))
        self.reports = [r for r in reports if r is not None]
        self.html = len(reports) > 1 and reports[1] is not None
        self.outcome: SparkOutcome | None = None

    def run(self, progress: Progress = no_progress) -> tuple[AuditResult | None, CorpusInfo]:
        """The result for the reports (None when there are more submissions than a
        report holds and only tables were asked for) and what was compared."""
        try:
            outcome = self.outcome = self._run(progress)
        except ChachongError:
            raise
        except Exception as err:  # a failure inside Spark (Py4J, a lost executor, an exception in a worker)
            raise ChachongError(f"the Spark run failed: {_first_line(err)}") from err
        return outcome.result, CorpusInfo(":memory:", outcome.counts.get("documents", 0))

    def _run(self, progress: Progress) -> SparkOutcome:
        return run_spark_audit(
            self.dirs,
            self.refs,
            params=self.params,
            settings=self.settings,
            parquet=self.parquet,
            report=True if self.reports else None,
            texts=self.html,
            progress=progress,
        )

    @property
    def errors(self) -> list[InputError]:
        return self.outcome.errors if self.outcome is not None else []

    def summary(self) -> str:
        counts = self.outcome.counts if self.outcome is not None else {}
        where = (
            ", ".join(self.outcome.tables)
            if self.outcome is not None and self.outcome.tables
            else "nowhere (no --parquet)"
        )
        return (
            f"{counts.get('results', 0)} submissions audited, {counts.get('with_copies', 0)} with copied passages; "
            f"{counts.get('families', 0)} families, {counts.get('clusters', 0)} clusters, {counts.get('edges', 0)} edges; "
            f"tables: {where}"
        )

    def exit_code(self, exit_zero: bool) -> int:
        if self.errors:
            return 2
        return 1 if self.outcome is not None and self.outcome.has_copies and not exit_zero else 0


def _first_line(err: Exception) -> str:
    """One line for a Spark failure: a Python worker's own exception (the
    traceback's last line), else the first line."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    python = [line for line in lines if line.startswith(("Traceback", "File "))]
    return (lines[-1] if python else lines[0])[:300]


def audit_on_spark(
    dirs: Sequence[str],
    refs: Sequence[str],
    params: AuditParams,
    engine: str,
    master: str,
    parquet: str | None,
    index: Path | None,
    reports: Sequence[object | None],
    conf: Sequence[str] = (),
) -> SparkAudit:
    """The command line's Spark audit, its options checked (``reports``: the
    JSON, HTML and CSV outputs asked for; ``conf``: ``spark.KEY=VALUE`` settings)."""
    settings = conf_pairs(conf)
    if engine != "spark":
        raise ConfigError(f"--engine must be local or spark, not {engine!r}")
    if index is not None:
        raise ConfigError("--index works with --engine local only (--engine spark audits the folders and tables given)")
    require_spark()
    return SparkAudit(dirs, refs, params, master, parquet, reports, settings)


__all__ = [
    "SparkAudit",
    "SparkOutcome",
    "SparkParams",
    "SparkSettings",
    "audit_on_spark",
    "require_spark",
    "run_spark_audit",
]
