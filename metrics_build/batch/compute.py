"""Batch metrics from a fetched batch: declared (or default) aggregations, then Python batch metrics.

Pure apart from importing the Python entries: `compute_batch_metrics` returns a `BatchOutput` (model
metrics, data and events) that `write_batch_output` hands to the validating, atomic writer.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from metrics_build import model as m
from metrics_build.batch import defaults
from metrics_build.batch.declared import aggregate_spec
from metrics_build.batch.model import FetchedBatch
from metrics_build.batch.view import BatchView
from metrics_build.config import BatchHistogramSpec, BatchSection, ScalarStatSpec
from metrics_build.errors import InvalidMetricsError
from metrics_build.user_code import run_entries
from metrics_build.writer import JobMetricsWriter, output_names, repeated_names

SKIPPED_METRIC = "skipped objects"
_MAX_SKIPPED_LINES = 50


class BatchOutput(m.MetricSet):
    """Everything batch mode writes: metrics (each with its data), data without a metric, events."""

    def writer(self, job_id: uuid.UUID | str) -> JobMetricsWriter:
        """A writer holding this output, ready to `write`."""
        return JobMetricsWriter(job_id).add_all(self)


def _skipped_metric(batch: FetchedBatch) -> m.TextMetric:
    lines = [f"- test `{s.test_name}` ({s.job_id}): {s.kind} {s.object_name!r}: {s.error}"
             for s in batch.skipped[:_MAX_SKIPPED_LINES]]
    if len(batch.skipped) > _MAX_SKIPPED_LINES:
        lines.append(f"- … and {len(batch.skipped) - _MAX_SKIPPED_LINES} more")
    text = (f"{len(batch.skipped)} objects still failed after retries and were skipped (partial results "
            "allowed); the aggregations above leave them out.\n\n" + "\n".join(lines))
    return m.TextMetric(name=SKIPPED_METRIC, text=text, status=m.Status.FAIL_WARN, importance=m.Importance.HIGH,
                        description="objects that could not be fetched")


def check_distinct_names(output: BatchOutput) -> None:
    """Raise InvalidMetricsError naming every name used twice: the platform's reader needs metric, data
    and event names distinct from each other within one output (as in test mode)."""
    dup = repeated_names(output)
    if dup:
        raise InvalidMetricsError([f"the name {n!r} is used by more than one metric, data or event "
                                   "(ReSim's reader refuses that)" for n in dup], what="batch output")


def compute_batch_metrics(batch: FetchedBatch, section: BatchSection, *, config_dir: Path | None) -> BatchOutput:
    """The batch metrics of `batch` as `section` declares them.

    Declared `metrics` run in order; with none declared and `use_defaults`, the built-in defaults run
    (see `metrics_build.batch.defaults`). Python entries follow. A `batch summary` text metric is added
    with the defaults, and whenever no test produced metrics; a `skipped objects` text metric when
    objects were skipped.

    Args:
        batch: every test's fetched metrics.
        section: the `[batch]` config section.
        config_dir: the config file's directory (put on `sys.path` for Python entries), or None.

    Returns:
        The model objects to write.

    Raises:
        InvalidMetricsError: two outputs share a name.
    """
    out = BatchOutput()
    specs = list(section.metrics)
    view = BatchView(batch)
    with_defaults = not specs and section.use_defaults
    if with_defaults:
        specs = defaults.default_specs(view, section)
    out.metrics.extend(aggregate_spec(view, spec, section.nan_policy) for spec in specs)

    names = m.Names()
    for name in [*output_names(out), defaults.SUMMARY_METRIC, SKIPPED_METRIC]:
        names.claim(name)
    python = run_entries(section.python, lambda func, entry: func(batch, **entry.args), config_dir=config_dir,
                         names=names, what="Python batch metric")
    out.extend(python)

    if with_defaults or not any(defaults.ran(t) for t in batch.tests):
        scalars = len({s.scalar for s in specs if isinstance(s, ScalarStatSpec)})
        series = len({s.channel for s in specs if isinstance(s, BatchHistogramSpec)})
        out.metrics.append(defaults.summary_text(batch, scalars=scalars, series=series))
    if batch.skipped:
        out.metrics.append(_skipped_metric(batch))
    check_distinct_names(out)
    return out


def write_batch_output(output: BatchOutput, path: Path, *, job_id: uuid.UUID | str) -> int:
    """Validate and atomically write `output` to `path` as a JobMetrics file; returns its size in bytes.

    Raises:
        InvalidMetricsError: the platform would reject the output (every problem listed).
        InputError: the file cannot be written.
    """
    return output.writer(job_id).write(path)


__all__ = ["SKIPPED_METRIC", "BatchOutput", "check_distinct_names", "compute_batch_metrics",
           "write_batch_output"]
