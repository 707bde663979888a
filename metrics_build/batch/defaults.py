"""The built-in default batch metrics, used when `[batch]` declares none, in two layouts.

`summary` (the default): test status counts and the pass rate, with statuses that reflect blocked,
warned and errored tests; one SCALAR per scalar name (the mean across tests, trendable, its status the
worst of the tests whose thresholds judged it, RAW when none did), a per-test bar chart for each
judged scalar, one table of every scalar's statistics; a merged histogram of every exported series.

`per_statistic` (the layout before): for every scalar name its mean, min, max, p50 and p95 across
tests and how many tests had it, each its own SCALAR; status counts, pass rate and histograms.

Histogram edges cannot come from config here, so they come from the first pass (each exported
channel's finite min and max over all tests); a second pass over the fetch cache then bins every test
on those same edges.
"""

from __future__ import annotations

import math

import numpy as np

from metrics_build import model as m
from metrics_build.batch import metric_parts as mp
from metrics_build.batch.aggregate import CategoryCounts, Sample, Summary
from metrics_build.batch.declared import Fold, HistogramFold, PassRateFold, ScalarStatFold, fold_for
from metrics_build.batch.discovery import FirstPass, ScalarEntries, global_edges
from metrics_build.batch.tally import Tally
from metrics_build.config import (
    BatchHistogramSpec,
    BatchSection,
    PassRateSpec,
    ScalarStatSpec,
    StatusCountsSpec,
)
from metrics_build.platform import CONFLATED_STATUSES, NO_RUN_STATUSES

SUMMARY_METRIC = "batch summary"
STATUS_COUNTS_METRIC = "test status counts"
PASS_RATE_METRIC = "pass rate"
SCALAR_TABLE_METRIC = "scalar statistics"
DEFAULT_STATS = ("mean", "min", "max", "p50", "p95")
_FAILING = (m.Status.FAIL_WARN, m.Status.FAIL_BLOCK)
_MAX_NAMED_TESTS = 10


def stat_name(scalar: str, stat: str) -> str:
    """Name of a per-statistic default of a per-test scalar (`count` is called `tests`)."""
    return f"{scalar}: {'tests' if stat == 'count' else stat}"


def histogram_name(channel: str) -> str:
    """Name of the default merged histogram of an exported channel."""
    return f"{channel}: distribution"


def per_test_name(scalar: str) -> str:
    """Name of the per-test bar chart of a judged scalar (summary layout)."""
    return f"{scalar}: per test"


def histogram_folds(discovery: FirstPass, section: BatchSection, *, judged: bool) -> list[HistogramFold]:
    """The default histograms (second pass), one per exported numeric channel with a finite value.

    `judged=False` (summary layout) marks them RAW: no threshold judges them.
    """
    folds = []
    for channel, extent in sorted(discovery.extents.items()):
        edges = global_edges(extent, section.default_histogram_buckets)
        if edges is not None:
            spec = BatchHistogramSpec(kind="histogram", name=histogram_name(channel), channel=channel, edges=edges,
                                      max_samples=section.default_histogram_samples,
                                      description="edges from the global min and max over all tests")
            folds.append(HistogramFold(spec, mp.resolve(spec, section.nan_policy), raw=not judged))
    return folds


# -- the per-statistic layout (the layout before; `default_layout = "per_statistic"`) -------------------


def per_statistic(tally: Tally, discovery: FirstPass, section: BatchSection) -> list[Fold]:
    """The aggregations of the per-statistic layout, in output order, histograms excluded (second pass)."""
    status_spec = StatusCountsSpec(kind="status_counts", name=STATUS_COUNTS_METRIC,
                                   description="tests per conflated status")
    rate_spec = PassRateSpec(kind="pass_rate", name=PASS_RATE_METRIC, description="share of tests that passed")
    rate = PassRateFold(rate_spec, mp.resolve(rate_spec, section.nan_policy))
    rate.verdicts.update(tally.job_verdicts)
    folds: list[Fold] = [fold_for(status_spec, section.nan_policy), rate]
    for scalar in discovery.scalar_names():
        for stat in (*DEFAULT_STATS, "count"):
            spec = ScalarStatSpec(kind="scalar_stat", name=stat_name(scalar, stat), scalar=scalar, stat=stat)
            fold = ScalarStatFold(spec, mp.resolve(spec, section.nan_policy))
            fold.column.extend(discovery.column(scalar))
            folds.append(fold)
    return folds


# -- the summary layout (the default) ------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _status_of_tests(tally: Tally) -> m.Status:
    """FAIL_BLOCK when a test was blocked or errored, FAIL_WARN when one warned or was cancelled, else PASSED."""
    seen = tally.conflated
    if seen["BLOCKER"] or seen["ERROR"]:
        return m.Status.FAIL_BLOCK
    if seen["WARNING"] or seen["CANCELLED"]:
        return m.Status.FAIL_WARN
    return m.Status.PASSED


_BAR_STATUS = {"BLOCKER": m.Status.FAIL_BLOCK, "ERROR": m.Status.FAIL_BLOCK, "WARNING": m.Status.FAIL_WARN,
               "CANCELLED": m.Status.FAIL_WARN}


def status_counts(tally: Tally) -> m.Metric:
    """Tests per conflated status; each bar, and the metric, take the status its tests mean."""
    counts = CategoryCounts(tally.conflated_counts()).compute(order=CONFLATED_STATUSES)
    labels = m.strings(f"{STATUS_COUNTS_METRIC} labels", list(counts))
    values = m.doubles(f"{STATUS_COUNTS_METRIC} values", np.array(list(counts.values()), dtype=np.float64),
                       index=labels)
    per_bar = np.array([_BAR_STATUS.get(label, m.Status.PASSED) for label in counts], dtype=np.int8)
    statuses = m.statuses(f"{STATUS_COUNTS_METRIC} statuses", per_bar, index=labels)
    return m.BarChartMetric(name=STATUS_COUNTS_METRIC, values=[values], statuses=[statuses],
                            status=_status_of_tests(tally), importance=m.Importance.HIGH, y_axis_name="tests",
                            description=f"{tally.count} tests by conflated status (blocked or errored tests "
                            "make it FAIL_BLOCK, warned or cancelled ones FAIL_WARN)")


def pass_rate(tally: Tally) -> m.Metric:
    """Share of tests with a verdict that passed; FAIL_BLOCK / FAIL_WARN when tests were blocked / warned."""
    passed, failed, none = tally.job_verdicts[True], tally.job_verdicts[False], tally.job_verdicts[None]
    statuses = tally.metrics_statuses
    blocked = statuses["FAIL_BLOCK"] + statuses["BLOCKER"]
    warned = statuses["FAIL_WARN"] + statuses["WARNING"]
    no_run = sum(tally.conflated[s] for s in NO_RUN_STATUSES)
    detail = (f"{passed} of {passed + failed} tests with a verdict passed ({_plural(blocked, 'blocked test')}, "
              f"{_plural(warned, 'warned test')}); {none} without a verdict left out"
              + (f", {no_run} of them errored or cancelled" if no_run else ""))
    if passed + failed == 0:
        return m.TextMetric(name=PASS_RATE_METRIC, text=f"No value: none of the {tally.count} tests has a verdict.",
                            status=m.Status.NOT_APPLICABLE, importance=m.Importance.HIGH,
                            description="share of tests that passed (no value)")
    status = m.Status.FAIL_BLOCK if blocked else m.Status.FAIL_WARN if warned else m.Status.PASSED
    return m.ScalarMetric(name=PASS_RATE_METRIC, value=passed / (passed + failed), status=status,
                          importance=m.Importance.HIGH, description=f"share of tests that passed: {detail}")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def _statistics(entries: ScalarEntries) -> dict[str, float | None]:
    values = list(entries.column.values)
    summary = Summary().update(values)
    sample = Sample().update(values)
    return {"mean": summary.compute("mean"), "min": summary.compute("min"), "p50": sample.compute(50.0),
            "p95": sample.compute(95.0), "max": summary.compute("max"), "nan": float(summary.nan_count)}


def _named(keys: list[tuple[str, str]]) -> str:
    names = [name for name, _ in keys[:_MAX_NAMED_TESTS]]
    more = len(keys) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def scalar_metric(name: str, entries: ScalarEntries, tally: Tally) -> m.Metric:
    """The mean of scalar `name` across tests, carrying its statistics in the description."""
    stats = _statistics(entries)
    mean = stats["mean"]
    had = len(entries.column.values)
    judged = entries.worst_judged_status()
    if mean is None:
        return m.TextMetric(name=name, text=f"No value: no test had a value of {name!r}.",
                            status=m.Status.NOT_APPLICABLE, description="mean across tests (no value)")
    detail = (f"mean over {had} of {tally.count} tests; min {_fmt(stats['min'])}, p50 {_fmt(stats['p50'])}, "
              f"p95 {_fmt(stats['p95'])}, max {_fmt(stats['max'])}")
    nan = int(stats["nan"] or 0)
    if nan:
        detail += f"; {_plural(nan, 'NaN value')} left out"
    failing = entries.failing_keys()
    if failing:
        detail += f"; failed its thresholds in {_plural(len(failing), 'test')}: {_named(failing)}"
    elif judged is None:
        detail += "; no threshold judged it in any test (RAW)"
    return m.ScalarMetric(name=name, value=mean, unit=entries.column.unit or None,
                          status=judged if judged is not None else m.Status.RAW, description=detail)


def per_test_bars(name: str, entries: ScalarEntries, duplicated: set[str]) -> m.Metric:
    """One bar per test with scalar `name`, each with that test's status of it (judged scalars only)."""
    rows = sorted(((key, f"{key[0]} ({key[1]})" if key[0] in duplicated else key[0], value, status)
                   for key, value, status in zip(entries.keys, entries.column.values, entries.statuses, strict=True)
                   if not math.isnan(value)))
    labels = m.strings(f"{per_test_name(name)} labels", [label for _, label, _, _ in rows])
    values = m.doubles(f"{per_test_name(name)} values", np.array([v for _, _, v, _ in rows], dtype=np.float64),
                       unit=entries.column.unit, index=labels)
    statuses = m.statuses(f"{per_test_name(name)} statuses", np.array([s for *_, s in rows], dtype=np.int8),
                          index=labels)
    status = m.rollup(m.Status(s) for *_, s in rows)
    return m.BarChartMetric(name=per_test_name(name), values=[values], statuses=[statuses], status=status,
                            y_axis_name=name, description=f"{name!r} in each of {len(rows)} tests, with its status")


def scalar_table(discovery: FirstPass, tally: Tally) -> m.Metric | None:
    """A markdown table of every scalar's statistics across tests; None when there is no scalar."""
    names = discovery.scalar_names()
    if not names:
        return None
    lines = ["| scalar | unit | tests | mean | min | p50 | p95 | max | failing tests |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in names:
        entries = discovery.scalars[name]
        stats = _statistics(entries)
        failing = len(entries.failing_keys()) if entries.any_judged else "-"
        cells = [name.replace("|", "\\|"), entries.column.unit.replace("|", "\\|") or "-",
                 str(len(entries.column.values)), *(_fmt(stats[k]) for k in ("mean", "min", "p50", "p95", "max")),
                 str(failing)]
        lines.append("| " + " | ".join(cells) + " |")
    return m.TextMetric(name=SCALAR_TABLE_METRIC, text="\n".join(lines), status=m.Status.RAW,
                        description=f"statistics of {_plural(len(names), 'scalar metric')} across {tally.count} tests")


def summary_layout(tally: Tally, discovery: FirstPass, section: BatchSection, names: m.Names) -> list[m.Metric]:
    """The metrics of the summary layout, histograms excluded (second pass). Scalar metrics keep their
    test-level names unless a fixed name of this layout has it (then `name (2)`)."""
    metrics = [status_counts(tally), pass_rate(tally)]
    for fixed in (STATUS_COUNTS_METRIC, PASS_RATE_METRIC, SCALAR_TABLE_METRIC, SUMMARY_METRIC):
        names.claim(fixed)
    duplicated = tally.duplicated_names()
    for name in discovery.scalar_names():
        entries = discovery.scalars[name]
        metric = scalar_metric(name, entries, tally)
        metric.name = names.unique(name)
        metrics.append(metric)
        if entries.any_judged and any(not math.isnan(v) for v in entries.column.values):
            bars = per_test_bars(name, entries, duplicated)
            bars.name = names.unique(bars.name)
            metrics.append(bars)
    table = scalar_table(discovery, tally)
    if table is not None:
        metrics.append(table)
    return metrics


__all__ = [
    "DEFAULT_STATS",
    "PASS_RATE_METRIC",
    "SCALAR_TABLE_METRIC",
    "STATUS_COUNTS_METRIC",
    "SUMMARY_METRIC",
    "histogram_folds",
    "histogram_name",
    "pass_rate",
    "per_statistic",
    "per_test_name",
    "scalar_metric",
    "stat_name",
    "status_counts",
    "summary_layout",
]
