"""What each stage of a Spark audit cost, from Spark's own status REST API.

Every job a stage of :mod:`app.spark.pipeline` runs carries that stage's
name as its job group; the API's jobs and stages are summed per group:
task time, shuffle bytes written and read, input bytes, spills, and the
largest peak execution memory of a task.
"""

from __future__ import annotations

import json
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

SUMMED = (
    "executorRunTime",
    "executorCpuTime",
    "inputBytes",
    "outputBytes",
    "shuffleReadBytes",
    "shuffleWriteBytes",
    "shuffleWriteRecords",
    "memoryBytesSpilled",
    "diskBytesSpilled",
)


@dataclass
class GroupMetrics:
    """The sums over one job group's stages (times in ms, sizes in bytes)."""

    group: str
    jobs: int = 0
    stages: int = 0
    tasks: int = 0
    sums: dict[str, int] = field(default_factory=dict)
    peak_execution_memory: int = 0


def _get(base: str, path: str) -> Any:
    with urllib.request.urlopen(f"{base}/api/v1/{path}", timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


def stage_metrics(spark: Any) -> dict[str, GroupMetrics]:
    """Per job group, the sums over its completed stages (empty when the UI is off)."""
    base = spark.sparkContext.uiWebUrl
    if not base:
        return {}
    app = spark.sparkContext.applicationId
    jobs = _get(base, f"applications/{app}/jobs")
    stages = {s["stageId"]: s for s in _get(base, f"applications/{app}/stages") if s.get("status") == "COMPLETE"}
    found: dict[str, GroupMetrics] = {}
    seen: set[int] = set()
    for job in jobs:
        group = job.get("jobGroup") or "(none)"
        metrics = found.setdefault(group, GroupMetrics(group))
        metrics.jobs += 1
        for stage_id in job.get("stageIds", []):
            stage = stages.get(stage_id)
            if stage is None or stage_id in seen:  # skipped (reused shuffle output) or counted
                continue
            seen.add(stage_id)
            metrics.stages += 1
            metrics.tasks += stage.get("numCompleteTasks", 0)
            for key in SUMMED:
                metrics.sums[key] = metrics.sums.get(key, 0) + int(stage.get(key, 0) or 0)
            metrics.peak_execution_memory = max(
                metrics.peak_execution_memory, int(stage.get("peakExecutionMemory", 0) or 0)
            )
    return found


def executor_peaks(spark: Any) -> dict[str, dict[str, int]]:
    """Each executor's peak memory metrics as Spark reports them (JVM heap, off-heap, Python workers)."""
    base = spark.sparkContext.uiWebUrl
    if not base:
        return {}
    app = spark.sparkContext.applicationId
    peaks: dict[str, dict[str, int]] = defaultdict(dict)
    for executor in _get(base, f"applications/{app}/executors"):
        for key, value in (executor.get("peakMemoryMetrics") or {}).items():
            peaks[executor["id"]][key] = int(value)
    return dict(peaks)
