"""The report's output from the folded history: the built-in metrics (overview, trends, insights), the
declared trends, the Python report metrics, and what could not be fetched.

Pure apart from the Python entries (which may fetch through the history they are given).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from metrics_build import model as m
from metrics_build.config import BATCH_METRIC_PREFIX, DEFAULT_REPORT_METRICS, JOB_METRIC_PREFIX
from metrics_build.errors import InvalidMetricsError
from metrics_build.report import insights, overview, trends
from metrics_build.report import text as t
from metrics_build.report.fetch import Skipped
from metrics_build.report.fold import HistoryState
from metrics_build.report.history import ReportInfo
from metrics_build.writer import JobMetricsWriter, output_names, repeated_names

log = logging.getLogger("metrics_build.report")

SKIPPED_METRIC = "skipped requests"
_MAX_SKIPPED_LINES = 50


class ReportOutput(m.MetricSet):
    """Everything report mode writes."""


def _defaults(state: HistoryState, report: ReportInfo, skipped: int) -> list[m.Metric]:
    s = state.section
    complete = state.complete_rows
    tags = state.selected_tags()
    out: list[m.Metric | None] = [
        overview.status_over_time(state, report.project_id),
        overview.summary(state, report, skipped),
    ]
    if not state.rows:
        return [metric for metric in out if metric is not None]
    out += [
        trends.pass_rate_over_time(complete, s.confidence),
        overview.batch_table(state),
        overview.experience_statuses(state),
        overview.experience_table(state),
        insights.pass_rate_histogram(state),
        insights.flaky_table(state),
        insights.flaky_bars(state),
        insights.onset_table(state),
        insights.tag_table(state, tags),
        trends.tag_pass_rates(complete, tags),
        overview.metric_status_table(state.job_metric_statuses, "job metric status counts", "job metrics",
                                     s.max_rows),
        overview.metric_status_table(state.batch_metric_statuses, "batch metric status counts", "batch metrics",
                                     s.max_rows),
    ]
    job_names = sorted({n for r in state.rows for n in r.job_metrics})
    batch_names = sorted({n for r in state.rows for n in r.batch_metrics})
    for name in job_names[: s.max_metric_trends]:
        out.append(trends.job_metric_trend(complete, name, state.units.get(name, ""), name=JOB_METRIC_PREFIX + name))
    for name in batch_names[: s.max_metric_trends]:
        out.append(trends.batch_metric_trend(complete, name, state.batch_units.get(name, ""),
                                             name=BATCH_METRIC_PREFIX + name))
    notes = []
    left = len(job_names) + len(batch_names) - len(job_names[: s.max_metric_trends]) \
        - len(batch_names[: s.max_metric_trends])
    if left:
        notes.append(f"{t.plural(left, 'metric name')} got no trend of its own "
                     f"(`[report] max_metric_trends` = {s.max_metric_trends}).")
    kept, dropped = _without_clashes([metric for metric in out if metric is not None])
    if dropped:
        notes.append(f"Left out because their names clash with other metrics' (metric names are the users'): "
                     f"{t.cell(', '.join(dropped))}.")
    summary = next((metric for metric in kept if metric.name == "report summary"), None)
    if notes and isinstance(summary, m.TextMetric):
        summary.text += "".join(f"\n\n{note}" for note in notes)
    return kept


def _without_clashes(metrics: list[m.Metric]) -> tuple[list[m.Metric], list[str]]:
    """`metrics` without those whose metric or data names an earlier one already took (a job metric called
    `x: min` would clash with the data of `job metric: x`), and the names of those left out."""
    taken = m.Names()
    kept: list[m.Metric] = []
    dropped: list[str] = []
    for metric in metrics:
        used = m.MetricSet(metrics=[metric]).names()
        if len(set(used)) < len(used) or any(name in taken for name in used):
            log.warning("leaving out the report metric %r: its names clash with another metric's", metric.name)
            dropped.append(metric.name)
            continue
        for name in used:
            taken.claim(name)
        kept.append(metric)
    return kept, dropped


def _skipped_metric(skipped: list[Skipped], count: int) -> m.TextMetric:
    lines = [f"- {s.what}: {s.error}" for s in skipped[:_MAX_SKIPPED_LINES]]
    if count > len(lines):
        lines.append(f"- … and {count - len(lines)} more")
    text = (f"{t.plural(count, 'request')} still failed after retries and were skipped (partial results allowed); "
            "the metrics above leave out what they would have brought.\n\n" + "\n".join(lines))
    return m.TextMetric(name=SKIPPED_METRIC, text=text, status=m.Status.FAIL_WARN, importance=m.Importance.HIGH,
                        description="requests that could not be fetched")


def compute_report(state: HistoryState, report: ReportInfo, *, skipped: list[Skipped], skipped_count: int,
                   python: Callable[[m.Names], m.MetricSet] | None = None) -> ReportOutput:
    """The report's metrics: built-in ones (with `use_defaults`), declared trends, Python report metrics
    (`python(names)`), then `skipped requests` when requests were skipped.

    Raises:
        InvalidMetricsError: two outputs share a name (e.g. a Python metric's data and a built-in one).
    """
    s = state.section
    out = ReportOutput()
    if s.use_defaults:
        out.metrics.extend(_defaults(state, report, skipped_count))
    complete = state.complete_rows

    def unit_of(metric: str, batch: bool) -> str:
        return (state.batch_units if batch else state.units).get(metric, "")

    out.metrics.extend(trends.declared(spec, complete, s.confidence, unit_of) for spec in s.trends)
    if not out.metrics and not s.python:
        out.metrics.append(overview.summary(state, report, skipped_count))
    names = m.Names()
    for name in [*output_names(out), *DEFAULT_REPORT_METRICS]:
        names.claim(name)
    if python is not None:
        out.extend(python(names))
    if skipped_count:
        out.metrics.append(_skipped_metric(skipped, skipped_count))
    duplicates = repeated_names(out)
    if duplicates:
        raise InvalidMetricsError([f"the name {n!r} is used by more than one metric, data or event (ReSim's reader "
                                   "refuses that)" for n in duplicates], what="report output")
    return out


def write_report(output: ReportOutput, path: Path, *, job_id: str) -> int:
    """Validate and atomically write the report; returns its size in bytes.

    Raises:
        InvalidMetricsError: the platform would reject it (every problem listed).
        OutputError: it cannot be written.
    """
    return JobMetricsWriter(job_id).add_all(output).write(path)


__all__ = ["SKIPPED_METRIC", "ReportOutput", "compute_report", "write_report"]
