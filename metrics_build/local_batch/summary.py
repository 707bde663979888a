"""The table a local batch prints at the end: tests passed, warned, blocked and failed; the batch metrics."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from metrics_build.errors import InputError
from metrics_build.local_batch.manifest import Manifest, StepStatus
from metrics_build.reader import read_job_metrics
from metrics_build.validation.context import enum_name
from metrics_build.wire import metrics_pb2 as pb

_OUTCOME_OF_STATUS: dict[int, str] = {
    pb.FAIL_BLOCK_METRIC_STATUS: "blocked",
    pb.FAIL_WARN_METRIC_STATUS: "warned",
}
OUTCOMES = ("passed", "warned", "blocked", "failed")
# The batch's first metrics (its headline: status counts, pass rate...); `inspect` shows them all.
MAX_BATCH_ROWS = 20


@dataclass(frozen=True)
class SummaryRow:
    """One metric of a JobMetrics as shown in the table."""

    name: str
    type: str
    status: str
    value: str


@dataclass(frozen=True)
class JobSummary:
    """A JobMetrics file reduced to its job status and its metrics."""

    status: int
    metrics: tuple[SummaryRow, ...]

    @property
    def status_name(self) -> str:
        return enum_name(pb.MetricStatus, self.status, "_METRIC_STATUS")


def _value_text(metric: pb.Metric) -> str:
    if metric.type != pb.SCALAR_METRIC_TYPE or not metric.metric_values.scalar_metric_values.HasField("value"):
        return ""
    values = metric.metric_values.scalar_metric_values
    number = values.value
    text = str(number) if math.isnan(number) or math.isinf(number) else f"{number:.6g}"
    return f"{text} {values.unit}".rstrip() if values.HasField("unit") else text


def read_job_summary(path: Path) -> JobSummary | None:
    """The status and metrics of the JobMetrics file at `path`; None when absent or not a JobMetrics."""
    try:
        message = read_job_metrics(path)
    except InputError:
        return None
    rows = tuple(
        SummaryRow(
            name=m.name,
            type=enum_name(pb.MetricType, m.type, "_METRIC_TYPE"),
            status=enum_name(pb.MetricStatus, m.status, "_METRIC_STATUS"),
            value=_value_text(m),
        )
        for m in message.job_level_metrics.metrics
    )
    return JobSummary(status=message.metrics_status, metrics=rows)


def outcomes_by_test(manifest: Manifest, output_dir: Path) -> dict[str, list[str]]:
    """Test names per outcome: a test that produced metrics is passed, warned or blocked by its job
    status; one that failed (or whose output cannot be read) is failed."""
    outcomes: dict[str, list[str]] = {name: [] for name in OUTCOMES}
    for name, record in manifest.tests.items():
        summary = None
        if record.status in (StepStatus.SUCCESS, StepStatus.SKIPPED) and record.output is not None:
            summary = read_job_summary(output_dir / record.output)
        outcome = "failed" if summary is None else _OUTCOME_OF_STATUS.get(summary.status, "passed")
        outcomes[outcome].append(name)
    return outcomes


def _table(rows: Sequence[tuple[str, ...]], indent: str = "  ") -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def render_summary(manifest: Manifest, output_dir: Path) -> str:
    """The end-of-run report: per-outcome counts (naming the failed tests and why), then the batch."""
    outcomes = outcomes_by_test(manifest, output_dir)
    totals = manifest.totals()
    lines = [f"local batch: {totals['total']} tests ({totals['success']} run, {totals['skipped']} already done, "
             f"{totals['failed']} failed) -> {output_dir}"]
    lines += _table([("tests", "count")] + [(outcome, str(len(outcomes[outcome]))) for outcome in OUTCOMES])
    for name in outcomes["failed"]:
        lines.append(f"  failed: {name}: {manifest.tests[name].error or 'no readable metrics'}")
    batch = manifest.batch
    batch_summary = read_job_summary(output_dir / batch.output) if batch.output else None
    if batch.status is not StepStatus.SUCCESS or batch_summary is None:
        lines.append(f"batch: {batch.status.value}: {batch.error or 'no batch metrics'}")
    else:
        lines.append(f"batch: {batch_summary.status_name} ({len(batch_summary.metrics)} metrics) -> "
                     f"{output_dir / (batch.output or '')}")
        shown = batch_summary.metrics[:MAX_BATCH_ROWS]
        if shown:
            header = ("metric", "type", "status", "value")
            lines += _table([header] + [(m.name, m.type, m.status, m.value) for m in shown])
        hidden = len(batch_summary.metrics) - len(shown)
        if hidden:
            lines.append(f"  ... {hidden} more: metrics-build inspect {output_dir / (batch.output or '')}")
    return "\n".join(lines) + "\n"
