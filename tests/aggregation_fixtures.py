"""Build `TestRecord`s and small batches for the aggregation tests.

Each test's objects are written with the project's writer (validated), serialized, parsed back and
decoded exactly as batch fetching decodes them, so aggregations see what a real fetch gives.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrics_build import model as m
from metrics_build.batch.compute import BatchFacts, BatchOutput
from metrics_build.batch.fetch import SkippedObject
from metrics_build.batch.local import aggregate_tests
from metrics_build.config import BatchSection
from metrics_build.platform import export_name
from metrics_build.reader import parse_job_metrics, record_from_job_metrics
from metrics_build.records import TestInfo, TestRecord
from metrics_build.writer import JobMetricsWriter

_NS = uuid.UUID("5d6c1f0e-3b1a-4c55-9a43-5f1b9a0c7e21")
_CONFLATED = {m.Status.PASSED: "PASSED", m.Status.FAIL_WARN: "WARNING", m.Status.FAIL_BLOCK: "BLOCKER"}
PROJECT = "0b0e4b4c-8a55-4f5e-9b1e-1d2f3a4b5c6d"
BATCH = "b4c1e2d3-0000-4000-8000-000000000001"


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
) -> TestRecord:
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
    msg = parse_job_metrics(writer.serialize(), name)
    rolled = m.rollup(statuses)
    info = TestInfo(job_id=jid or job_id(name), name=experience or name, experience_name=experience or name,
                    conflated_status=conflated or _CONFLATED[rolled], job_status="SUCCEEDED",
                    job_metrics_status=job_metrics_status or rolled.name)
    return record_from_job_metrics(info, msg)


def errored_test(name: str, status: str = "ERROR") -> TestRecord:
    """A test that errored (or was cancelled) and has no metrics."""
    return TestRecord(info=TestInfo(job_id=job_id(name), name=name, experience_name=name, conflated_status=status,
                                    job_status=status, job_metrics_status=None))


@dataclass
class Batch:
    """Tests at hand, as a fetch would yield them (in the batch's order)."""

    tests: list[TestRecord]
    skipped: list[SkippedObject] = field(default_factory=list)
    project_id: str = PROJECT
    batch_id: str = BATCH

    def read(self) -> Iterator[TestRecord]:
        return iter(self.tests)

    @property
    def facts(self) -> BatchFacts:
        return BatchFacts(project_id=self.project_id, batch_id=self.batch_id, skipped=list(self.skipped),
                          skipped_count=len(self.skipped))


def make_batch(tests: Sequence[TestRecord], skipped: Sequence[SkippedObject] = ()) -> Batch:
    """A batch of `tests` (sorted as the fetch sorts them) with fixed project and batch ids."""
    ordered = sorted(tests, key=lambda t: t.info.sort_key)
    return Batch(ordered, sorted(skipped, key=lambda s: (s.test_name, s.job_id, s.kind, s.object_name, s.error)))


def compute(batch: Batch, section: BatchSection, *, config_dir: Path | None = None) -> BatchOutput:
    """Batch mode's output for `batch` (the same aggregation, second pass and Python entries)."""
    return aggregate_tests(batch.read, [t.info for t in batch.tests], batch.facts, section, config_dir=config_dir)


__all__ = ["Batch", "compute", "errored_test", "job_id", "make_batch", "make_test"]
