"""Starting Spark for an audit: checks first, a quiet console, the settings the stages need.

pyspark and a Java runtime are optional (``pip install 'chachong[spark]'``);
without them :func:`require_spark` raises a one-line
:class:`~corpus.errors.MissingDependencyError` that names the fix. The JVM's
console output (log4j, JDK notices) goes to a log file, not to the user's
terminal: a failed run names that file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.errors import ConfigError, MissingDependencyError

INSTALL_HINT = "pip install 'chachong[spark]'"
JAVA_HINT = "a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless, or set JAVA_HOME)"
MIN_JAVA = 17
LOG4J = Path(__file__).with_name("log4j2.properties")


@dataclass(frozen=True)
class SparkSettings:
    """Where and how Spark runs."""

    master: str = "local[*]"
    app_name: str = "chachong-audit"
    driver_memory: str = "4g"  # local masters only: the driver JVM is the executor there
    conf: dict[str, str] = field(default_factory=dict)  # any further spark.* settings
    ui: bool = True  # the status UI and its REST API (stage metrics for the benchmark)


def require_spark() -> None:
    """Raise :class:`MissingDependencyError` unless pyspark and Java 17+ are available."""
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as err:
        raise MissingDependencyError(
            f"the Spark engine needs pyspark ({err.name} is missing): {INSTALL_HINT}"
        ) from None
    version = java_version()
    if version is None:
        raise MissingDependencyError(f"the Spark engine needs Java: install {JAVA_HINT}")
    if version < MIN_JAVA:
        raise MissingDependencyError(
            f"the Spark engine needs Java {MIN_JAVA}+, found Java {version}: install {JAVA_HINT}"
        )


def java_executable() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").is_file():
        return str(Path(home, "bin", "java"))
    return shutil.which("java")


def java_version() -> int | None:
    """The major version of the Java runtime Spark would start, or None."""
    java = java_executable()
    if java is None:
        return None
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


def is_local(master: str) -> bool:
    return master == "local" or master.startswith("local[") or master.startswith("local-cluster")


def conf_pairs(pairs: Sequence[str]) -> dict[str, str]:
    """``--spark-conf spark.KEY=VALUE`` settings (as spark-submit's ``--conf``), the last of a key winning."""
    conf: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = (part.strip() for part in pair.partition("="))
        if not equals or not key.startswith("spark.") or not value:
            raise ConfigError(f"--spark-conf takes spark.KEY=VALUE (spark.driver.memory=12g), not {pair!r}")
        conf[key] = value
    return conf


def spark_conf(settings: SparkSettings) -> dict[str, str]:
    """The settings the stages rely on; ``settings.conf`` overrides any of them."""
    quiet = f"-Dlog4j2.configurationFile={LOG4J.as_uri()}"
    conf = {
        "spark.app.name": settings.app_name,
        "spark.master": settings.master,
        "spark.ui.enabled": "true" if settings.ui else "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.extraJavaOptions": quiet,
        "spark.executor.extraJavaOptions": quiet,
        "spark.sql.execution.arrow.maxRecordsPerBatch": "1024",
        # Spark's 200 shuffle partitions, which adaptive execution coalesces on a small corpus: at
        # 100k summaries eight (four a core) gave each task an eighth of a stage's shuffled data, and
        # a hash aggregation of the candidates stage ran out of memory (AGGREGATE_OUT_OF_MEMORY)
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.adaptive.coalescePartitions.enabled": "true",
        # binaryFile: about 256 files per input partition, so each fingerprint batch is large
        # enough for the compiled kernels (index.fingerprint.BULK_CHARS)
        "spark.sql.files.openCostInBytes": str(512 * 1024),
        "spark.python.worker.reuse": "true",
        "spark.sql.session.timeZone": "UTC",
    }
    if is_local(settings.master):
        conf["spark.driver.memory"] = settings.driver_memory
    conf.update(settings.conf)
    return conf


class SparkRun:
    """A SparkSession for one audit (a context manager). A session already
    running in this process (a notebook, spark-submit, a test) is used and left
    running; otherwise one is started and stopped at the end."""

    def __init__(self, settings: SparkSettings = SparkSettings()) -> None:
        self.settings = settings
        self.log_path: Path | None = None
        self.spark: Any = None
        self._started = False

    def __enter__(self) -> SparkRun:
        require_spark()
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        if active is not None:
            self.spark = active
            return self
        self.spark = self._start()
        self._started = True
        return self

    def _start(self) -> Any:
        from pyspark import SparkConf, SparkContext
        from pyspark.java_gateway import launch_gateway
        from pyspark.sql import SparkSession

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        if is_local(self.settings.master):
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        conf = SparkConf(loadDefaults=True)
        for key, value in spark_conf(self.settings).items():
            conf.set(key, value)
        handle, name = tempfile.mkstemp(prefix="chachong-spark-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)
        with self.log_path.open("ab") as log:
            gateway = launch_gateway(conf, popen_kwargs={"stdout": log, "stderr": log})
        context = SparkContext(conf=conf, gateway=gateway)
        context.setLogLevel("ERROR")
        return SparkSession(context)

    def __exit__(self, *exc: object) -> None:
        if self._started and self.spark is not None:
            self.spark.stop()
        self.spark = None
