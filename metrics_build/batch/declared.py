"""One declared aggregation (a `[[batch.metrics]]` spec) over the batch → model metrics.

Each kind folds every test into its mergeable state (`batch.aggregate`), computes, then applies
thresholds and the NaN policy. An aggregation with no value becomes a NOT_APPLICABLE text metric
saying why, since a SCALAR cannot be NaN on the platform.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from metrics_build import model as m
from metrics_build.batch.aggregate import CategoryCounts, Histogram, Labelled, PassCount, Sample, Summary, WeightedMean
from metrics_build.batch.model import TestMetrics
from metrics_build.batch.view import BatchView
from metrics_build.config import (
    BatchHistogramSpec,
    BatchMetricSpec,
    NanPolicy,
    PassRateSpec,
    PerTestBarSpec,
    ScalarStatSpec,
    StatusCountsSpec,
    WeightedMeanSpec,
)
from metrics_build.platform import CONFLATED_STATUSES, export_name
from metrics_build.wire import metrics_pb2 as pb

_NO_RUN = frozenset({"ERROR", "CANCELLED"})
_PASSING: dict[int, bool] = {m.Status.PASSED: True, m.Status.RAW: True, m.Status.FAIL_BLOCK: False}
# The jobs listing's metrics status (API strings), and the conflated status as a fallback.
_API_STATUS: dict[str, int] = {s.name: s.value for s in (m.Status.PASSED, m.Status.RAW, m.Status.FAIL_WARN,
                                                        m.Status.FAIL_BLOCK)}
_CONFLATED_VERDICT: dict[str, int] = {"PASSED": m.Status.PASSED, "WARNING": m.Status.FAIL_WARN,
                                      "BLOCKER": m.Status.FAIL_BLOCK}


@dataclass(frozen=True)
class Spec:
    """The parts of a spec every kind uses, with the section's NaN policy resolved."""

    name: str
    description: str
    importance: m.Importance
    unit: str
    failure: m.FailureDefinition | None
    failing_status: m.Status
    nan_policy: NanPolicy


def resolve(spec: BatchMetricSpec, default_nan_policy: NanPolicy) -> Spec:
    """The common fields of `spec`, ready to use."""
    failure = None
    if spec.fails_above is not None or spec.fails_below is not None:
        failure = m.FailureDefinition(fails_above=spec.fails_above, fails_below=spec.fails_below)
    return Spec(
        name=spec.name,
        description=spec.description,
        importance=m.Importance[spec.importance.upper()],
        unit=spec.unit,
        failure=failure,
        failing_status=m.Status.FAIL_WARN if spec.severity == "warn" else m.Status.FAIL_BLOCK,
        nan_policy=spec.nan_policy or default_nan_policy,
    )


def _describe(s: Spec, detail: str) -> str:
    return f"{s.description} ({detail})" if s.description else detail


def _nan_note(count: int, what: str = "NaN value") -> str:
    return f"; {count} {what}{'s' if count != 1 else ''} left out" if count else ""


def _nan_status(s: Spec, nan_count: int) -> m.Status:
    if nan_count and s.nan_policy == "warn":
        return m.Status.FAIL_WARN
    if nan_count and s.nan_policy == "fail":
        return m.Status.FAIL_BLOCK
    return m.Status.PASSED


def _threshold_status(s: Spec, values: Iterable[float]) -> m.Status:
    if s.failure is None:
        return m.Status.PASSED
    arr = np.asarray(list(values), dtype=np.float64)
    return s.failing_status if bool(s.failure.failing(arr).any()) else m.Status.PASSED


def no_value(s: Spec, reason: str, nan_count: int = 0) -> m.TextMetric:
    """A text metric standing in for an aggregation that has no value (NOT_APPLICABLE unless the NaN
    policy fails it)."""
    status = _nan_status(s, nan_count)
    return m.TextMetric(name=s.name, text=f"No value: {reason}{_nan_note(nan_count)}.",
                        status=m.Status.NOT_APPLICABLE if status is m.Status.PASSED else status,
                        importance=s.importance, description=_describe(s, "no value"))


def _scalar(s: Spec, value: float, detail: str, nan_count: int, unit: str) -> m.Metric:
    status = m.rollup([_threshold_status(s, [value]), _nan_status(s, nan_count)])
    return m.ScalarMetric(name=s.name, value=value, unit=unit or None, failure=s.failure, status=status,
                          importance=s.importance, description=_describe(s, detail + _nan_note(nan_count)))


def _scalar_values(view: BatchView, name: str) -> tuple[list[float], str, int]:
    """Per-test values of SCALAR `name` (tests without it left out), its unit, and how many tests had it."""
    found = view.scalars(name)
    unit = next((v.unit for _, v in found if v.unit), "")
    return [v.value for _, v in found], unit, len(found)


def _series(t: TestMetrics, channel: str) -> npt.NDArray[np.float64] | None:
    """The test's exported double series of `channel`, or None when it has none (or a string series)."""
    for d in t.data_named(export_name(channel)):
        if d.data_type in (pb.DOUBLE_SERIES_DATA_TYPE, pb.INDEXED_DOUBLE_SERIES_DATA_TYPE) \
                and d.WhichOneof("data") == "series":
            return t.doubles(d)
    return None


def _series_length(t: TestMetrics, channel: str) -> float:
    for d in t.data_named(export_name(channel)):
        if d.WhichOneof("data") == "series":
            which = d.series.WhichOneof("series")
            return float(len(getattr(d.series, which).series)) if which else 0.0
    return math.nan


def weighted_mean(view: BatchView, spec: WeightedMeanSpec, s: Spec) -> m.Metric:
    """Weighted mean across tests of a per-test scalar."""
    values: list[float] = []
    weights: list[float] = []
    unit = ""
    for i, got in view.scalars(spec.scalar):
        unit = unit or got.unit
        values.append(got.value)
        if spec.weight_by == "equal":
            weights.append(1.0)
        elif spec.weight_by == "scalar":
            w = view.scalar(i, spec.weight or "")
            weights.append(w.value if w is not None else math.nan)
        else:
            weights.append(_series_length(view.tests[i], spec.weight or ""))
    state = WeightedMean().update(values, weights)
    value = state.compute()
    weighing = "equal weights" if spec.weight_by == "equal" else f"weighted by {spec.weight_by} {spec.weight!r}"
    detail = f"mean of {spec.scalar!r} over {state.count} of {len(view.tests)} tests, {weighing}"
    detail += _nan_note(state.bad_weight_count, "test with a missing or invalid weight")
    if value is None:
        return no_value(s, f"no test had {spec.scalar!r} with a positive weight", state.nan_count)
    return _scalar(s, value, detail, state.nan_count, s.unit or unit)


def scalar_stat(view: BatchView, spec: ScalarStatSpec, s: Spec) -> m.Metric:
    """A statistic across tests of a per-test scalar."""
    values, unit, had = _scalar_values(view, spec.scalar)
    if spec.stat == "count":
        return _scalar(s, float(had), f"tests with {spec.scalar!r}, of {len(view.tests)}", 0, s.unit)
    detail = f"{spec.stat} of {spec.scalar!r} over {had} of {len(view.tests)} tests"
    value: float | None
    if spec.stat == "median" or spec.stat.startswith("p"):
        sample = Sample().update(values)
        value = sample.compute(50.0 if spec.stat == "median" else float(spec.stat[1:]))
        nan_count = sample.nan_count
    else:
        summary = Summary().update(values)
        value = summary.compute(spec.stat)
        nan_count = summary.nan_count
    if value is None or had == nan_count:  # e.g. a sum over no values is 0, but says nothing here
        return no_value(s, f"no test had a value of {spec.scalar!r}", nan_count)
    return _scalar(s, value, detail, nan_count, s.unit or unit)


def histogram(view: BatchView, spec: BatchHistogramSpec, s: Spec) -> m.Metric:
    """A histogram of every test's exported series, merged on the spec's fixed edges."""
    state = Histogram.empty(spec.bucket_edges())
    had = 0
    for t in view.tests:
        series = _series(t, spec.channel)
        if series is not None:
            had += 1
            state = state.update(series)
    if state.binned == 0:
        outside = state.underflow + state.overflow
        reason = (f"none of the {len(view.tests)} tests exported a numeric series {spec.channel!r}" if had == 0
                  else f"no value of {spec.channel!r} inside the edges ({outside} outside)")
        return no_value(s, reason, state.nan_count)
    values, scale = state.representatives(spec.max_samples)
    detail = f"{state.binned} values of {spec.channel!r} from {had} of {len(view.tests)} tests"
    if state.underflow or state.overflow:
        detail += f"; {state.underflow} below and {state.overflow} above the edges not shown"
    if scale != 1.0:
        detail += f"; counts scaled by {scale:.6g} to {values.size} values"
    status = m.rollup([_threshold_status(s, [state.minimum, state.maximum]), _nan_status(s, state.nan_count)])
    return m.HistogramMetric(
        name=s.name, values=m.doubles(f"{s.name} values", values, unit=s.unit),
        buckets=m.histogram_buckets(state.edges), x_axis_name=spec.x_axis_name or spec.channel, status=status,
        importance=s.importance, description=_describe(s, detail + _nan_note(state.nan_count)),
    )


def verdict_of(t: TestMetrics, metric: str | None, warn_passes: bool) -> bool | None:
    """Whether test `t` passed (by its metrics status, or by `metric`'s status); None: no verdict."""
    if (t.info.conflated_status or "") in _NO_RUN:
        return None
    status: int | None
    if metric is None:
        if t.info.job_metrics_status == "NOT_APPLICABLE":
            return None
        status = _API_STATUS.get(t.info.job_metrics_status or "")
        if status is None:  # no (or an unknown) metrics status: judge by the conflated status
            status = _CONFLATED_VERDICT.get(t.info.conflated_status or "")
    else:
        found = t.metrics_named(metric)
        status = int(found[0].status) if found else None
    if status == m.Status.FAIL_WARN:
        return warn_passes
    return _PASSING.get(status) if status is not None else None


def pass_rate(view: BatchView, spec: PassRateSpec, s: Spec) -> m.Metric:
    """Fraction of tests with a verdict that passed."""
    state = PassCount().update(verdict_of(t, spec.metric, spec.warn_passes) for t in view.tests)
    value = state.compute()
    by = f"status of {spec.metric!r}" if spec.metric else "test metrics status"
    if value is None:
        return no_value(s, f"none of the {len(view.tests)} tests has a verdict ({by})")
    detail = (f"{state.passed} of {state.passed + state.failed} tests passed by {by}; "
              f"{state.excluded} without a verdict left out")
    return _scalar(s, value, detail, 0, s.unit)


def _bars(s: Spec, labels: list[str], values: list[float], checked: list[bool], detail: str,
          y_axis: str | None) -> m.Metric:
    arr = np.asarray(values, dtype=np.float64)
    fail = s.failure.failing(arr) & np.asarray(checked, dtype=bool) if s.failure else np.zeros(arr.shape, bool)
    per_bar = np.where(fail, s.failing_status, m.Status.PASSED).astype(np.int8)
    status = s.failing_status if bool(fail.any()) else m.Status.PASSED
    index = m.strings(f"{s.name} labels", labels)
    value_data = m.doubles(f"{s.name} values", arr, unit=s.unit, index=index)
    bar_statuses = m.statuses(f"{s.name} values status ({s.name})", per_bar, index=index)
    return m.BarChartMetric(name=s.name, values=[value_data], statuses=[bar_statuses], status=status,
                            importance=s.importance, description=_describe(s, detail), y_axis_name=y_axis)


def status_counts(view: BatchView, spec: StatusCountsSpec, s: Spec) -> m.Metric:
    """A bar chart of how many tests ended in each conflated status."""
    counts = CategoryCounts().update(t.info.conflated_status or "UNKNOWN" for t in view.tests).compute(
        order=CONFLATED_STATUSES)
    labels = list(counts)
    checked = [label in spec.checked_statuses for label in labels]
    detail = f"{len(view.tests)} tests by conflated status"
    return _bars(s, labels, [float(c) for c in counts.values()], checked, detail, "tests")


def per_test_bar(view: BatchView, spec: PerTestBarSpec, s: Spec) -> m.Metric:
    """One bar per test with the scalar, labelled by experience name (job id added to duplicates)."""
    state = Labelled()
    names = [t.name for t in view.tests]
    duplicated = {n for n in names if names.count(n) > 1}
    for i, got in view.scalars(spec.scalar):
        t = view.tests[i]
        label = f"{t.name} ({t.info.job_id})" if t.name in duplicated else t.name
        state = state.update((t.name, t.info.job_id), label, got.value)
    pairs = state.compute()
    nan_count = sum(1 for _, v in pairs if math.isnan(v))
    pairs = [(label, v) for label, v in pairs if not math.isnan(v)]
    if not pairs:
        return no_value(s, f"no test had a value of {spec.scalar!r}", nan_count)
    detail = f"{spec.scalar!r} in {len(pairs)} of {len(view.tests)} tests" + _nan_note(nan_count)
    metric = _bars(s, [p[0] for p in pairs], [p[1] for p in pairs], [True] * len(pairs), detail,
                   spec.y_axis_name or spec.scalar)
    metric.status = m.rollup([metric.status, _nan_status(s, nan_count)])
    return metric


def aggregate_spec(view: BatchView, spec: BatchMetricSpec, default_nan_policy: NanPolicy) -> m.Metric:
    """The metric one declared aggregation gives over the batch `view` shows."""
    s = resolve(spec, default_nan_policy)
    if isinstance(spec, WeightedMeanSpec):
        return weighted_mean(view, spec, s)
    if isinstance(spec, ScalarStatSpec):
        return scalar_stat(view, spec, s)
    if isinstance(spec, BatchHistogramSpec):
        return histogram(view, spec, s)
    if isinstance(spec, PassRateSpec):
        return pass_rate(view, spec, s)
    if isinstance(spec, StatusCountsSpec):
        return status_counts(view, spec, s)
    return per_test_bar(view, spec, s)


__all__ = ["Spec", "aggregate_spec", "no_value", "resolve", "verdict_of"]
