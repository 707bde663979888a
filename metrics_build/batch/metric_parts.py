"""Building blocks every batch metric shares: a spec's common fields resolved, thresholds and NaN policy
as statuses, "no value" stand-ins, scalars and bar charts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from metrics_build import model as m
from metrics_build.config import BatchMetricSpec, NanPolicy
from metrics_build.platform import failing_status, importance_of


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
    return Spec(name=spec.name, description=spec.description, importance=importance_of(spec.importance),
                unit=spec.unit, failure=failure, failing_status=failing_status(spec.severity),
                nan_policy=spec.nan_policy or default_nan_policy)


def describe(s: Spec, detail: str) -> str:
    """The metric's description: the user's, with what was computed in brackets."""
    return f"{s.description} ({detail})" if s.description else detail


def nan_note(count: int, what: str = "NaN value") -> str:
    """"; 3 NaN values left out" (nothing when none)."""
    return f"; {count} {what}{'s' if count != 1 else ''} left out" if count else ""


def nan_status(s: Spec, nan_count: int) -> m.Status:
    """FAIL_WARN / FAIL_BLOCK when NaNs were seen under the warn / fail policy, else PASSED."""
    if nan_count and s.nan_policy == "warn":
        return m.Status.FAIL_WARN
    if nan_count and s.nan_policy == "fail":
        return m.Status.FAIL_BLOCK
    return m.Status.PASSED


def threshold_status(s: Spec, values: Iterable[float]) -> m.Status:
    """The failing status when any value crosses a threshold, else PASSED."""
    if s.failure is None:
        return m.Status.PASSED
    arr = np.asarray(list(values), dtype=np.float64)
    return s.failing_status if bool(s.failure.failing(arr).any()) else m.Status.PASSED


def no_value(s: Spec, reason: str, nan_count: int = 0) -> m.TextMetric:
    """A text metric standing in for an aggregation that has no value (NOT_APPLICABLE unless the NaN
    policy fails it): a SCALAR cannot be NaN on the platform."""
    status = nan_status(s, nan_count)
    return m.TextMetric(name=s.name, text=f"No value: {reason}{nan_note(nan_count)}.",
                        status=m.Status.NOT_APPLICABLE if status is m.Status.PASSED else status,
                        importance=s.importance, description=describe(s, "no value"))


def scalar(s: Spec, value: float, detail: str, nan_count: int, unit: str) -> m.Metric:
    """A SCALAR with the spec's thresholds and NaN policy applied."""
    status = m.rollup([threshold_status(s, [value]), nan_status(s, nan_count)])
    return m.ScalarMetric(name=s.name, value=value, unit=unit or None, failure=s.failure, status=status,
                          importance=s.importance, description=describe(s, detail + nan_note(nan_count)))


def bars(s: Spec, labels: list[str], values: list[float], checked: list[bool], detail: str,
         y_axis: str | None) -> m.BarChartMetric:
    """A bar chart, one bar per label; thresholds judge the `checked` bars, each bar gets its status."""
    arr = np.asarray(values, dtype=np.float64)
    fail = s.failure.failing(arr) & np.asarray(checked, dtype=bool) if s.failure else np.zeros(arr.shape, bool)
    per_bar = np.where(fail, s.failing_status, m.Status.PASSED).astype(np.int8)
    status = s.failing_status if bool(fail.any()) else m.Status.PASSED
    index = m.strings(f"{s.name} labels", labels)
    value_data = m.doubles(f"{s.name} values", arr, unit=s.unit, index=index)
    bar_statuses = m.statuses(f"{s.name} values status ({s.name})", per_bar, index=index)
    return m.BarChartMetric(name=s.name, values=[value_data], statuses=[bar_statuses], status=status,
                            importance=s.importance, description=describe(s, detail), y_axis_name=y_axis)


__all__ = ["Spec", "bars", "describe", "nan_note", "nan_status", "no_value", "resolve", "scalar",
           "threshold_status"]
