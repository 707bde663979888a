"""The batch's output from the folded state: declared (or default) aggregations, Python batch metrics,
a summary, and what could not be fetched; then the validating, atomic writer.

Pure apart from the Python entries and the second pass, which reads tests back through callables.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from metrics_build import model as m
from metrics_build.batch import defaults
from metrics_build.batch.engine import Aggregator, fill, python_results
from metrics_build.batch.fetch import SkippedObject
from metrics_build.batch.python import BatchTests
from metrics_build.batch.tally import Tally
from metrics_build.config import ScalarStatSpec
from metrics_build.errors import InvalidMetricsError
from metrics_build.platform import CONFLATED_STATUSES, export_name
from metrics_build.records import TestRecord
from metrics_build.writer import JobMetricsWriter, output_names, repeated_names

SKIPPED_METRIC = "skipped objects"
_MAX_SKIPPED_LINES = 50


class BatchOutput(m.MetricSet):
    """Everything batch mode writes: metrics (each with its data), data without a metric, events."""

    def writer(self, job_id: uuid.UUID | str) -> JobMetricsWriter:
        """A writer holding this output, ready to `write`."""
        return JobMetricsWriter(job_id).add_all(self)


@dataclass(frozen=True)
class BatchFacts:
    """What the fetch knows of the batch besides its tests.

    Attributes:
        project_id / batch_id: The batch.
        skipped: Objects skipped with partial results allowed (the first ones), and `skipped_count` of all.
    """

    project_id: str
    batch_id: str
    skipped: list[SkippedObject] = field(default_factory=list)
    skipped_count: int = 0


def _skipped_metric(facts: BatchFacts) -> m.TextMetric:
    lines = [f"- test `{s.test_name}` ({s.job_id}): {s.kind} {s.object_name!r}: {s.error}"
             for s in facts.skipped[:_MAX_SKIPPED_LINES]]
    if facts.skipped_count > len(lines):
        lines.append(f"- … and {facts.skipped_count - len(lines)} more")
    text = (f"{facts.skipped_count} objects still failed after retries and were skipped (partial results "
            "allowed); the aggregations above leave them out.\n\n" + "\n".join(lines))
    return m.TextMetric(name=SKIPPED_METRIC, text=text, status=m.Status.FAIL_WARN, importance=m.Importance.HIGH,
                        description="objects that could not be fetched")


def _status_line(tally: Tally) -> str:
    counts = tally.conflated_counts()
    order = [s for s in CONFLATED_STATUSES if s in counts] + [s for s in counts if s not in CONFLATED_STATUSES]
    return ", ".join(f"{s} {counts[s]}" for s in order)


def summary_text(tally: Tally, facts: BatchFacts, *, scalars: int, series: int) -> m.TextMetric:
    """A markdown summary of the batch; says so plainly when no test produced metrics.

    Status: NOT_APPLICABLE for an empty batch or one whose tests were all cancelled, FAIL_BLOCK when no
    test produced metrics and at least one errored, else PASSED.
    """
    n = tally.count
    lines = [f"**Batch {facts.batch_id}**: {n} test{'s' if n != 1 else ''}"
             + (f" ({_status_line(tally)})." if n else ".")]
    status = m.Status.PASSED
    if n == 0:
        lines.append("The batch has no tests: there is nothing to aggregate.")
        status = m.Status.NOT_APPLICABLE
    elif tally.produced == 0:
        lines.append(f"None of the {n} tests produced metrics: there is nothing to aggregate.")
        status = m.Status.FAIL_BLOCK if tally.errored else m.Status.NOT_APPLICABLE
    else:
        passed, failed = tally.job_verdicts[True], tally.job_verdicts[False]
        if passed + failed:
            lines.append(f"Pass rate: {100 * passed / (passed + failed):.1f}% ({passed} of {passed + failed} tests "
                         f"with a verdict).")
        lines.append(f"{tally.produced} tests produced metrics; aggregated {scalars} scalar metric"
                     f"{'s' if scalars != 1 else ''} and {series} exported series across tests.")
    if facts.skipped_count:
        lines.append(f"{facts.skipped_count} objects could not be fetched and were skipped (see `skipped objects`).")
    return m.TextMetric(name=defaults.SUMMARY_METRIC, text="\n\n".join(lines), status=status,
                        importance=m.Importance.HIGH, description="what this batch holds and what was aggregated")


def check_distinct_names(output: BatchOutput) -> None:
    """Raise InvalidMetricsError naming every name used twice: the platform's reader needs metric, data
    and event names distinct from each other within one output (as in test mode)."""
    dup = repeated_names(output)
    if dup:
        raise InvalidMetricsError([f"the name {n!r} is used by more than one metric, data or event "
                                   "(ReSim's reader refuses that)" for n in dup], what="batch output")


def compute_batch_metrics(aggregator: Aggregator, facts: BatchFacts, *,
                          second_pass: Callable[[frozenset[str]], Iterator[TestRecord]], batch: BatchTests,
                          extra: Sequence[m.Metric] = ()) -> BatchOutput:
    """The batch's metrics from its folded state.

    Declared metrics in order; with none declared and `use_defaults`, the built-in defaults (their
    histograms filled by `second_pass`, given the names of the data they read); then `extra` (the
    baseline comparison). Python entries follow. A `batch summary` text metric comes with the defaults,
    and whenever no test produced metrics; a `skipped objects` text metric when objects were skipped.

    Raises:
        InvalidMetricsError: two outputs share a name.
    """
    names = m.Names()
    histograms = aggregator.histograms()
    wanted = frozenset(n for h in histograms for n in (export_name(h.spec.channel), h.spec.channel))
    fill(histograms, second_pass(wanted) if histograms else iter(()))
    out = BatchOutput()
    out.metrics.extend(aggregator.aggregated(histograms, names))
    out.metrics.extend(extra)
    for name in [*output_names(out), defaults.SUMMARY_METRIC, SKIPPED_METRIC]:
        names.claim(name)
    out.extend(python_results(aggregator, batch, names))
    if aggregator.with_defaults or aggregator.tally.produced == 0:
        if aggregator.discovery is not None:
            scalars, series = len(aggregator.discovery.scalar_names()), len(histograms)
        else:
            specs = aggregator.section.metrics
            scalars = len({s.scalar for s in specs if isinstance(s, ScalarStatSpec)})
            series = len({s.channel for s in specs if s.kind == "histogram"})
        out.metrics.append(summary_text(aggregator.tally, facts, scalars=scalars, series=series))
    if facts.skipped_count:
        out.metrics.append(_skipped_metric(facts))
    check_distinct_names(out)
    return out


def write_batch_output(output: BatchOutput, path: Path, *, job_id: uuid.UUID | str) -> int:
    """Validate and atomically write `output` to `path` as a JobMetrics file; returns its size in bytes.

    Raises:
        InvalidMetricsError: the platform would reject the output (every problem listed).
        OutputError: the file cannot be written.
    """
    return output.writer(job_id).write(path)


__all__ = ["SKIPPED_METRIC", "BatchFacts", "BatchOutput", "check_distinct_names", "compute_batch_metrics",
           "summary_text", "write_batch_output"]
