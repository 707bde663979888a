"""The built-in default batch aggregations, used when the `[batch]` section declares none.

For every SCALAR metric name found across tests: its mean, min, max, p50 and p95 across tests and how
many tests had it; test status counts and the pass rate; a merged histogram of every exported numeric
series; a summary text. Default histogram edges cannot come from config, so they are derived from a
first mergeable pass (the finite min and max of that series over all tests), then every test is binned
on those same edges: `default_histogram_buckets` equal widths from the global min to the global max.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from metrics_build import model as m
from metrics_build.batch.aggregate import PassCount, Summary
from metrics_build.batch.declared import verdict_of
from metrics_build.batch.model import FetchedBatch, TestMetrics
from metrics_build.batch.view import BatchView
from metrics_build.config import (
    BatchHistogramSpec,
    BatchMetricSpec,
    BatchSection,
    PassRateSpec,
    ScalarStatSpec,
    StatusCountsSpec,
)
from metrics_build.platform import CONFLATED_STATUSES, channel_of_export
from metrics_build.wire import metrics_pb2 as pb

SUMMARY_METRIC = "batch summary"
STATUS_COUNTS_METRIC = "test status counts"
PASS_RATE_METRIC = "pass rate"
DEFAULT_STATS = ("mean", "min", "max", "p50", "p95")
_DOUBLE = (pb.DOUBLE_SERIES_DATA_TYPE, pb.INDEXED_DOUBLE_SERIES_DATA_TYPE)


def stat_name(scalar: str, stat: str) -> str:
    """Name of a default statistic of a per-test scalar (`count` is called `tests`)."""
    return f"{scalar}: {'tests' if stat == 'count' else stat}"


def histogram_name(channel: str) -> str:
    """Name of the default merged histogram of an exported channel."""
    return f"{channel}: distribution"


def _exported_doubles(t: TestMetrics) -> Iterable[tuple[str, pb.MetricsData]]:
    for d in t.data:
        channel = channel_of_export(d.name)
        if channel is not None and d.data_type in _DOUBLE and d.WhichOneof("data") == "series":
            yield channel, d


def series_extents(batch: FetchedBatch) -> dict[str, Summary]:
    """First pass: per exported numeric channel, the merged Summary of its finite values over all tests."""
    extents: dict[str, Summary] = {}
    for t in batch.tests:
        for channel, d in _exported_doubles(t):
            values = t.doubles(d)
            extents[channel] = extents.get(channel, Summary()).update(values[np.isfinite(values)])
    return dict(sorted(extents.items()))


def global_edges(extent: Summary, buckets: int) -> list[float] | None:
    """`buckets` equal-width edges from the extent's min to max (±0.5 around a single value); None
    when the channel has no finite value."""
    if extent.count == 0:
        return None
    lo, hi = extent.minimum, extent.maximum
    if hi == lo:
        return [lo - 0.5, hi + 0.5] if lo - 0.5 < hi + 0.5 else [lo - abs(lo) * 1e-9, hi + abs(hi) * 1e-9]
    with np.errstate(all="ignore"):  # ranges near the float limits overflow: fall back to one bucket
        edges = np.linspace(lo, hi, buckets + 1)
        if not (np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0)):
            edges = np.asarray([lo, hi])
    return [float(e) for e in edges]


def default_specs(view: BatchView, section: BatchSection) -> list[BatchMetricSpec]:
    """The aggregations the built-in default runs over the batch `view` shows, in output order."""
    specs: list[BatchMetricSpec] = [
        StatusCountsSpec(kind="status_counts", name=STATUS_COUNTS_METRIC, description="tests per conflated status"),
        PassRateSpec(kind="pass_rate", name=PASS_RATE_METRIC, description="share of tests that passed"),
    ]
    for scalar in view.scalar_names():
        for stat in (*DEFAULT_STATS, "count"):
            specs.append(ScalarStatSpec(kind="scalar_stat", name=stat_name(scalar, stat), scalar=scalar, stat=stat))
    for channel, extent in series_extents(view.batch).items():
        edges = global_edges(extent, section.default_histogram_buckets)
        if edges is not None:
            specs.append(BatchHistogramSpec(kind="histogram", name=histogram_name(channel), channel=channel,
                                            edges=edges, max_samples=section.default_histogram_samples,
                                            description="edges from the global min and max over all tests"))
    return specs


def ran(t: TestMetrics) -> bool:
    """Whether a test produced anything to aggregate (any metric or data)."""
    return bool(t.metrics or t.data)


def _status_line(batch: FetchedBatch) -> str:
    counts = batch.conflated_status_counts()
    order = [s for s in CONFLATED_STATUSES if s in counts] + [s for s in counts if s not in CONFLATED_STATUSES]
    return ", ".join(f"{s} {counts[s]}" for s in order)


def summary_text(batch: FetchedBatch, *, scalars: int, series: int) -> m.TextMetric:
    """A markdown summary of the batch; says so plainly when no test produced metrics.

    Status: NOT_APPLICABLE for an empty batch or one whose tests were all cancelled, FAIL_BLOCK when no
    test produced metrics and at least one errored, else PASSED.
    """
    n = len(batch.tests)
    lines = [f"**Batch {batch.batch_id}**: {n} test{'s' if n != 1 else ''}"
             + (f" ({_status_line(batch)})." if n else ".")]
    status = m.Status.PASSED
    produced = sum(1 for t in batch.tests if ran(t))
    if n == 0:
        lines.append("The batch has no tests: there is nothing to aggregate.")
        status = m.Status.NOT_APPLICABLE
    elif produced == 0:
        lines.append(f"None of the {n} tests produced metrics: there is nothing to aggregate.")
        errored = any((t.info.conflated_status or "") == "ERROR" for t in batch.tests)
        status = m.Status.FAIL_BLOCK if errored else m.Status.NOT_APPLICABLE
    else:
        rate = PassCount().update(verdict_of(t, None, False) for t in batch.tests)
        value = rate.compute()
        if value is not None:
            lines.append(f"Pass rate: {100 * value:.1f}% ({rate.passed} of {rate.passed + rate.failed} tests "
                         f"with a verdict).")
        lines.append(f"{produced} tests produced metrics; aggregated {scalars} scalar metric"
                     f"{'s' if scalars != 1 else ''} and {series} exported series across tests.")
    if batch.skipped:
        lines.append(f"{len(batch.skipped)} objects could not be fetched and were skipped (see `skipped objects`).")
    return m.TextMetric(name=SUMMARY_METRIC, text="\n\n".join(lines), status=status, importance=m.Importance.HIGH,
                        description="what this batch holds and what was aggregated")


__all__ = [
    "DEFAULT_STATS",
    "PASS_RATE_METRIC",
    "STATUS_COUNTS_METRIC",
    "SUMMARY_METRIC",
    "default_specs",
    "global_edges",
    "histogram_name",
    "ran",
    "series_extents",
    "stat_name",
    "summary_text",
]
