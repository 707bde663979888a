"""The declared aggregations (`[[batch.metrics]]`), each a fold over the batch's tests: `update` with one
test, `merge` a later shard, `result` → one model metric.

Folds keep one scalar (or count) per test, never a test's series, and do their floating-point work in
`result`, in test order: the outcome is the same whichever way the tests were sharded. A kind with no
value becomes a NOT_APPLICABLE text metric saying why, since a SCALAR cannot be NaN on the platform.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol, cast

from metrics_build import model as m
from metrics_build.batch import metric_parts as mp
from metrics_build.batch.aggregate import CategoryCounts, Histogram, PassCount, Sample, Summary, WeightedMean
from metrics_build.batch.tally import Tally, verdict_of
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
from metrics_build.records import TestRecord


class Fold(Protocol):
    """One batch metric's mergeable computation."""

    def update(self, test: TestRecord) -> None:
        """Fold in the next test."""

    def merge(self, other: Fold) -> None:
        """Fold in a later shard's state (of the same spec)."""

    def result(self, tally: Tally) -> m.Metric:
        """The metric, given the whole batch's tally."""


@dataclass
class ScalarColumn:
    """One value per test that has a scalar: the values, and the first unit seen."""

    values: array[float] = field(default_factory=lambda: array("d"))
    unit: str = ""

    def add(self, value: float, unit: str) -> None:
        self.values.append(value)
        self.unit = self.unit or unit

    def extend(self, other: ScalarColumn) -> None:
        self.values.extend(other.values)
        self.unit = self.unit or other.unit


def _series_length(test: TestRecord, channel: str) -> float:
    found = test.series.get(export_name(channel)) or test.series.get(channel)
    return float(len(found)) if found is not None else math.nan


@dataclass
class WeightedMeanFold:
    """Weighted mean across tests of a per-test scalar."""

    spec: WeightedMeanSpec
    s: mp.Spec
    column: ScalarColumn = field(default_factory=ScalarColumn)
    weights: array[float] = field(default_factory=lambda: array("d"))

    def update(self, test: TestRecord) -> None:
        got = test.scalar(self.spec.scalar)
        if got is None:
            return
        self.column.add(got.value, got.unit)
        if self.spec.weight_by == "equal":
            self.weights.append(1.0)
        elif self.spec.weight_by == "scalar":
            w = test.scalar(self.spec.weight or "")
            self.weights.append(w.value if w is not None else math.nan)
        else:
            self.weights.append(_series_length(test, self.spec.weight or ""))

    def merge(self, other: Fold) -> None:
        o = cast(WeightedMeanFold, other)
        self.column.extend(o.column)
        self.weights.extend(o.weights)

    def result(self, tally: Tally) -> m.Metric:
        spec, s = self.spec, self.s
        state = WeightedMean().update(list(self.column.values), list(self.weights))
        value = state.compute()
        weighing = "equal weights" if spec.weight_by == "equal" else f"weighted by {spec.weight_by} {spec.weight!r}"
        detail = f"mean of {spec.scalar!r} over {state.count} of {tally.count} tests, {weighing}"
        detail += mp.nan_note(state.bad_weight_count, "test with a missing or invalid weight")
        if value is None:
            return mp.no_value(s, f"no test had {spec.scalar!r} with a positive weight", state.nan_count)
        return mp.scalar(s, value, detail, state.nan_count, s.unit or self.column.unit)


@dataclass
class ScalarStatFold:
    """A statistic across tests of a per-test scalar."""

    spec: ScalarStatSpec
    s: mp.Spec
    column: ScalarColumn = field(default_factory=ScalarColumn)

    def update(self, test: TestRecord) -> None:
        got = test.scalar(self.spec.scalar)
        if got is not None:
            self.column.add(got.value, got.unit)

    def merge(self, other: Fold) -> None:
        o = cast(ScalarStatFold, other)
        self.column.extend(o.column)

    def result(self, tally: Tally) -> m.Metric:
        spec, s = self.spec, self.s
        values, had = list(self.column.values), len(self.column.values)
        if spec.stat == "count":
            return mp.scalar(s, float(had), f"tests with {spec.scalar!r}, of {tally.count}", 0, s.unit)
        detail = f"{spec.stat} of {spec.scalar!r} over {had} of {tally.count} tests"
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
            return mp.no_value(s, f"no test had a value of {spec.scalar!r}", nan_count)
        return mp.scalar(s, value, detail, nan_count, s.unit or self.column.unit)


@dataclass
class HistogramFold:
    """A histogram of every test's series `channel` (test mode's export, or any double data so named),
    merged on the spec's fixed edges: counts are integers, so shards merge exactly. `raw`: the status is
    RAW rather than PASSED when nothing fails (no threshold judged it)."""

    spec: BatchHistogramSpec
    s: mp.Spec
    raw: bool = False
    state: Histogram = field(init=False)
    had: int = 0

    def __post_init__(self) -> None:
        self.state = Histogram.empty(self.spec.bucket_edges())

    def update(self, test: TestRecord) -> None:
        series = test.named_doubles(self.spec.channel)
        if series is not None:
            self.had += 1
            self.state = self.state.update(series)

    def merge(self, other: Fold) -> None:
        o = cast(HistogramFold, other)
        self.state = self.state.merge(o.state)
        self.had += o.had

    def result(self, tally: Tally) -> m.Metric:
        spec, s, state = self.spec, self.s, self.state
        if state.binned == 0:
            outside = state.underflow + state.overflow
            reason = (f"none of the {tally.count} tests exported a numeric series {spec.channel!r}" if self.had == 0
                      else f"no value of {spec.channel!r} inside the edges ({outside} outside)")
            return mp.no_value(s, reason, state.nan_count)
        values, scale = state.representatives(spec.max_samples)
        detail = f"{state.binned} values of {spec.channel!r} from {self.had} of {tally.count} tests"
        if state.underflow or state.overflow:
            detail += f"; {state.underflow} below and {state.overflow} above the edges not shown"
        if scale != 1.0:
            detail += f"; counts scaled by {scale:.6g} to {values.size} values"
        status = m.rollup([mp.threshold_status(s, [state.minimum, state.maximum]), mp.nan_status(s, state.nan_count)])
        if self.raw and status is m.Status.PASSED:
            status = m.Status.RAW  # nothing judged it
        return m.HistogramMetric(
            name=s.name, values=m.doubles(f"{s.name} values", values, unit=s.unit),
            buckets=m.histogram_buckets(state.edges), x_axis_name=spec.x_axis_name or spec.channel, status=status,
            importance=s.importance, description=mp.describe(s, detail + mp.nan_note(state.nan_count)),
        )


@dataclass
class PassRateFold:
    """Fraction of tests with a verdict that passed."""

    spec: PassRateSpec
    s: mp.Spec
    verdicts: Counter[bool | None] = field(default_factory=Counter)

    def update(self, test: TestRecord) -> None:
        self.verdicts[verdict_of(test, self.spec.metric, self.spec.warn_passes)] += 1

    def merge(self, other: Fold) -> None:
        o = cast(PassRateFold, other)
        self.verdicts.update(o.verdicts)

    def result(self, tally: Tally) -> m.Metric:
        spec, s = self.spec, self.s
        state = PassCount(self.verdicts[True], self.verdicts[False], self.verdicts[None])
        value = state.compute()
        by = f"status of {spec.metric!r}" if spec.metric else "test metrics status"
        if value is None:
            return mp.no_value(s, f"none of the {tally.count} tests has a verdict ({by})")
        detail = (f"{state.passed} of {state.passed + state.failed} tests passed by {by}; "
                  f"{state.excluded} without a verdict left out")
        return mp.scalar(s, value, detail, 0, s.unit)


@dataclass
class StatusCountsFold:
    """A bar chart of how many tests ended in each conflated status (read from the tally)."""

    spec: StatusCountsSpec
    s: mp.Spec

    def update(self, test: TestRecord) -> None:
        return None

    def merge(self, other: Fold) -> None:
        return None

    def result(self, tally: Tally) -> m.Metric:
        counts = CategoryCounts(tally.conflated_counts()).compute(order=CONFLATED_STATUSES)
        labels = list(counts)
        checked = [label in self.spec.checked_statuses for label in labels]
        detail = f"{tally.count} tests by conflated status"
        return mp.bars(self.s, labels, [float(c) for c in counts.values()], checked, detail, "tests")


@dataclass
class PerTestBarFold:
    """One bar per test with the scalar, labelled by test name (the job id added to duplicated names)."""

    spec: PerTestBarSpec
    s: mp.Spec
    keys: list[tuple[str, str]] = field(default_factory=list)
    column: ScalarColumn = field(default_factory=ScalarColumn)

    def update(self, test: TestRecord) -> None:
        got = test.scalar(self.spec.scalar)
        if got is not None:
            self.keys.append((test.info.name, test.info.job_id))
            self.column.add(got.value, got.unit)

    def merge(self, other: Fold) -> None:
        o = cast(PerTestBarFold, other)
        self.keys += o.keys
        self.column.extend(o.column)

    def result(self, tally: Tally) -> m.Metric:
        spec, s = self.spec, self.s
        duplicated = tally.duplicated_names()
        triples = sorted(((name, job), f"{name} ({job})" if name in duplicated else name, value)
                         for (name, job), value in zip(self.keys, self.column.values, strict=True))
        nan_count = sum(1 for *_, v in triples if math.isnan(v))
        pairs = [(label, v) for _, label, v in triples if not math.isnan(v)]
        if not pairs:
            return mp.no_value(s, f"no test had a value of {spec.scalar!r}", nan_count)
        detail = f"{spec.scalar!r} in {len(pairs)} of {tally.count} tests" + mp.nan_note(nan_count)
        metric = mp.bars(s, [p[0] for p in pairs], [p[1] for p in pairs], [True] * len(pairs), detail,
                         spec.y_axis_name or spec.scalar)
        metric.status = m.rollup([metric.status, mp.nan_status(s, nan_count)])
        return metric


def fold_for(spec: BatchMetricSpec, default_nan_policy: NanPolicy) -> Fold:
    """The fold computing one declared aggregation."""
    s = mp.resolve(spec, default_nan_policy)
    if isinstance(spec, WeightedMeanSpec):
        return WeightedMeanFold(spec, s)
    if isinstance(spec, ScalarStatSpec):
        return ScalarStatFold(spec, s)
    if isinstance(spec, BatchHistogramSpec):
        return HistogramFold(spec, s)
    if isinstance(spec, PassRateSpec):
        return PassRateFold(spec, s)
    if isinstance(spec, StatusCountsSpec):
        return StatusCountsFold(spec, s)
    return PerTestBarFold(spec, s)


__all__ = ["Fold", "ScalarColumn", "fold_for"]
