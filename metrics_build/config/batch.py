"""The `[batch]` table of the config: which aggregations batch mode computes, and how.

`BatchSection` is the `batch` field of `MetricsConfig`; its default text is part of
`metrics_build.config.defaults`.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from metrics_build.config.common import FixedEdges, Frozen, ImportanceName, PythonEntry, Thresholds

NanPolicy = Literal["skip", "warn", "fail"]
"""What a NaN input does: `skip` drops it (counted in the description); `warn` / `fail` also drop it
but give the metric FAIL_WARN / FAIL_BLOCK."""

# mean | min | max | sum | std | count | median | p<q> with 0 <= q <= 100 (e.g. p5, p95, p99.9)
_STAT_RE = re.compile(r"^(mean|min|max|sum|std|count|median|p(100|\d{1,2}(\.\d+)?))$")


class _SpecBase(Thresholds):
    """Fields every declared aggregation has (thresholds from `Thresholds`)."""

    name: str = Field(min_length=1, description="metric name in the batch output (unique)")
    description: str = ""
    importance: ImportanceName = "medium"
    unit: str = ""
    nan_policy: NanPolicy | None = Field(default=None, description="overrides [batch].nan_policy")


class WeightedMeanSpec(_SpecBase):
    """Weighted mean across tests of a per-test SCALAR metric.

    `weight_by`: `equal` (every test weighs 1), `scalar` (the per-test scalar metric named `weight`),
    or `series_length` (the length of the exported series of channel `weight`).
    """

    kind: Literal["weighted_mean"]
    scalar: str = Field(min_length=1)
    weight_by: Literal["equal", "scalar", "series_length"] = "equal"
    weight: str | None = None

    @model_validator(mode="after")
    def _weight_named(self) -> WeightedMeanSpec:
        if self.weight_by != "equal" and not self.weight:
            raise ValueError(f"weight_by = {self.weight_by!r} needs `weight` (the name to weigh by)")
        if self.weight_by == "equal" and self.weight is not None:
            raise ValueError("`weight` is only used with weight_by = 'scalar' or 'series_length'")
        return self


class ScalarStatSpec(_SpecBase):
    """A statistic across tests of a per-test SCALAR metric: mean, min, max, sum, std, count, median,
    or a percentile `p<q>` (linear interpolation, as `numpy.percentile`)."""

    kind: Literal["scalar_stat"]
    scalar: str = Field(min_length=1)
    stat: str

    @field_validator("stat")
    @classmethod
    def _known_stat(cls, v: str) -> str:
        if not _STAT_RE.match(v):
            raise ValueError("must be mean, min, max, sum, std, count, median or p<q> with 0 <= q <= 100 (e.g. p95)")
        return v


class BatchHistogramSpec(_SpecBase, FixedEdges):
    """A histogram of every test's exported series of `channel`, merged on fixed bucket edges.

    Give `edges` (strictly increasing, at least two) or `lower`, `upper` and `count` (equal widths).
    Values outside the edges are counted as under/overflow (in the description), not binned.
    Thresholds apply to the values themselves: any value above `fails_above` / below `fails_below` fails.
    """

    kind: Literal["histogram"]
    channel: str = Field(min_length=1, description="channel name; test mode exports it as `export/<channel>`")
    x_axis_name: str | None = None
    max_samples: int = Field(default=100_000, ge=1000, le=10_000_000,
                             description="cap on values written for the platform to bin (counts scaled above it)")


class PassRateSpec(_SpecBase):
    """Fraction (0..1) of tests that passed.

    Without `metric`: by each test's metrics status. With `metric`: by that metric's status in each test.
    Passing statuses are PASSED and RAW (and FAIL_WARN when `warn_passes`). The denominator is the tests
    that have a verdict: errored/cancelled tests, tests without the metric and NOT_APPLICABLE ones are
    left out (and counted in the description).
    """

    kind: Literal["pass_rate"]
    metric: str | None = None
    warn_passes: bool = False


class StatusCountsSpec(_SpecBase):
    """A bar chart of how many tests ended in each conflated status (PASSED, WARNING, BLOCKER, ERROR,
    CANCELLED, then any other status seen). Thresholds apply to the counts of `checked_statuses`."""

    kind: Literal["status_counts"]
    checked_statuses: list[str] = Field(default_factory=lambda: ["WARNING", "BLOCKER", "ERROR", "CANCELLED"])


class PerTestBarSpec(_SpecBase):
    """A bar chart of a per-test SCALAR metric, one bar per test labelled by experience name.
    Thresholds apply to each bar; the metric takes the worst bar's status."""

    kind: Literal["per_test_bar"]
    scalar: str = Field(min_length=1)
    y_axis_name: str | None = None


BatchMetricSpec = Annotated[
    WeightedMeanSpec | ScalarStatSpec | BatchHistogramSpec | PassRateSpec | StatusCountsSpec | PerTestBarSpec,
    Field(discriminator="kind"),
]


class BaselineSpec(Frozen):
    """`[batch.baseline]`: compare this batch with a baseline batch and add the comparison's metrics.

    Give `batch_id` (that batch), or `branch` (the latest finished batch of the same test suite on that
    branch created before this one). The statistics follow the `[compare]` table.

    Attributes:
        batch_id: The baseline batch.
        branch: The branch whose latest earlier finished batch is the baseline.
        prefix: Put before every comparison metric's name (keeps them apart from the batch's own).
        required: Fail the run (exit 3) when no baseline is found; else say so in one text metric.
    """

    batch_id: uuid.UUID | None = None
    branch: str | None = Field(default=None, min_length=1)
    prefix: str = "vs baseline: "
    required: bool = False

    @model_validator(mode="after")
    def _one_way(self) -> BaselineSpec:
        if (self.batch_id is None) == (self.branch is None):
            raise ValueError("give `batch_id` or `branch` (one of them)")
        return self


class BatchSection(Frozen):
    """The `[batch]` table.

    Attributes:
        allow_partial: skip objects that still fail after retries (reported) instead of failing the run.
        max_workers: concurrent downloads (None: the client's default).
        nan_policy: default NaN policy of every aggregation (see `NanPolicy`).
        metrics: declared aggregations, in output order.
        python: Python batch metrics.
        use_defaults: run the built-in default aggregations when no `metrics` are declared.
        baseline: compare with a baseline batch (`[batch.baseline]`), adding the comparison's metrics.
        default_layout: "summary" (one metric per scalar name, statuses from the tests' thresholds) or
            "per_statistic" (mean, min, max, p50, p95 and a test count per scalar name, each its own
            SCALAR: the layout before, for users who trend the individual statistics).
        default_histogram_buckets: bucket count of the default histograms (edges from the global min/max).
        default_histogram_samples: values written per default histogram for the platform to bin (the
            merged counts, scaled proportionally above it); keeps the output small for big batches.
    """

    allow_partial: bool = False
    max_workers: int | None = Field(default=None, ge=1, le=256)
    nan_policy: NanPolicy = "skip"
    metrics: list[BatchMetricSpec] = Field(default_factory=list)
    python: list[PythonEntry] = Field(default_factory=list)
    use_defaults: bool = True
    baseline: BaselineSpec | None = None
    default_layout: Literal["summary", "per_statistic"] = "summary"
    default_histogram_buckets: int = Field(default=20, ge=1, le=1000)
    default_histogram_samples: int = Field(default=10_000, ge=1000, le=10_000_000)


__all__ = [
    "BaselineSpec",
    "BatchHistogramSpec",
    "BatchMetricSpec",
    "BatchSection",
    "NanPolicy",
    "PassRateSpec",
    "PerTestBarSpec",
    "ScalarStatSpec",
    "StatusCountsSpec",
    "WeightedMeanSpec",
]
