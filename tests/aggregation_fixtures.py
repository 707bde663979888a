"""Build `TestMetrics` / `FetchedBatch` values for the aggregation tests.

Each test's objects are written with the project's writer (validated), serialized, parsed back and
split into metrics and data exactly as batch fetching delivers them, so aggregations see real protos.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from metrics_build import model as m
from metrics_build.batch.model import FetchedBatch, SkippedObject, TestInfo, TestMetrics
from metrics_build.platform import export_name
from metrics_build.wire import metrics_pb2 as pb
from metrics_build.writer import JobMetricsWriter

_NS = uuid.UUID("5d6c1f0e-3b1a-4c55-9a43-5f1b9a0c7e21")
_CONFLATED = {m.Status.PASSED: "PASSED", m.Status.FAIL_WARN: "WARNING", m.Status.FAIL_BLOCK: "BLOCKER"}


def job_id(name: str) -> str:
    """A stable job id for a test name."""
    return str(uuid.uuid5(_NS, name))


def make_test(
    name: str,
    *,
    scalars: Mapping[str, float | tuple[float, m.Status]] | None = None,
    series: Mapping[str, Sequence[float] | Any] | None = None,
    states: Mapping[str, Sequence[str]] | None = None,
    metrics: Sequence[m.Metric] = (),
    conflated: str | None = None,
    job_metrics_status: str | None = None,
    experience: str | None = None,
    jid: str | None = None,
) -> TestMetrics:
    """One test that ran: scalar metrics (value or (value, status)), exported series and states.

    The conflated and metrics statuses default to the rollup of the scalars' statuses.
    """
    writer = JobMetricsWriter(jid or job_id(name))
    statuses = []
    for metric_name, spec in (scalars or {}).items():
        value, status = spec if isinstance(spec, tuple) else (spec, m.Status.PASSED)
        statuses.append(status)
        writer.add_metric(m.ScalarMetric(name=metric_name, value=value, status=status, unit="m"))
    for metric in metrics:
        writer.add_metric(metric)
    for channel, values in (series or {}).items():
        writer.add_data(m.doubles(export_name(channel), values))
    for channel, labels in (states or {}).items():
        writer.add_data(m.strings(export_name(channel), labels))
    msg = pb.JobMetrics.FromString(writer.serialize())
    rolled = m.rollup(statuses)
    info = TestInfo(job_id=jid or job_id(name), name=experience or name, experience_name=experience or name,
                    conflated_status=conflated or _CONFLATED[rolled], job_status="SUCCEEDED",
                    job_metrics_status=job_metrics_status or rolled.name)
    return TestMetrics(info=info, metrics=list(msg.job_level_metrics.metrics), data=list(msg.metrics_data))


def errored_test(name: str, status: str = "ERROR") -> TestMetrics:
    """A test that errored (or was cancelled) and has no metrics."""
    return TestMetrics(info=TestInfo(job_id=job_id(name), name=name, experience_name=name, conflated_status=status,
                                     job_status=status, job_metrics_status=None))


def make_batch(tests: Sequence[TestMetrics], skipped: Sequence[SkippedObject] = ()) -> FetchedBatch:
    """A batch of `tests` with fixed project and batch ids."""
    return FetchedBatch(project_id="0b0e4b4c-8a55-4f5e-9b1e-1d2f3a4b5c6d",
                        batch_id="b4c1e2d3-0000-4000-8000-000000000001",
                        tests=list(tests), skipped=list(skipped))


__all__ = ["errored_test", "job_id", "make_batch", "make_test"]
