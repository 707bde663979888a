"""The `[report]` table of the config: what report mode computes over a test suite's history of batches.

`ReportSection` is the `report` field of `MetricsConfig`. The names the built-in report metrics take
are fixed here too, so a declared trend that would take one of them is refused when the config loads.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from metrics_build.config.common import Frozen, ImportanceName, NonEmpty, PythonEntry, Severity, Thresholds

# mean | min | max | sum | std | count | median | p<q> with 0 <= q <= 100 | pass_rate
_STAT_RE = re.compile(r"^(mean|min|max|sum|std|count|median|pass_rate|p(100|\d{1,2}(\.\d+)?))$")

JOB_METRIC_PREFIX = "job metric: "
"""The built-in trend of a job metric `x` (its distribution per batch) is called `job metric: x`."""
BATCH_METRIC_PREFIX = "batch metric: "
"""The built-in trend of a batch metric `x` is called `batch metric: x`."""
DEFAULT_REPORT_METRICS = (
    "test status over time", "report summary", "pass rate over time", "pass rate per batch",
    "experience statuses", "experience status counts", "experience pass rates", "flaky experiences",
    "flaky experiences: status changes", "regression onset", "tags", "pass rate by tag",
    "job metric status counts", "batch metric status counts", "skipped requests",
)
"""Names of the built-in report metrics (besides the `job metric: ` and `batch metric: ` ones)."""


class _TrendBase(Thresholds):
    """Fields every declared trend has: thresholds on each batch's value (from `Thresholds`), and
    thresholds on its change from the previous batch.

    A point fails when its value is above `fails_above` or below `fails_below`, or when it is more than
    `max_drop` below (or `max_rise` above) the previous point. The metric takes the status of the newest
    point: where the suite stands now. A failing point is FAIL_WARN unless `severity = "block"`.
    """

    severity: Severity = "warn"
    name: NonEmpty | None = Field(default=None, description="metric name (default: derived from the trend)")
    description: str = ""
    importance: ImportanceName = "high"
    max_drop: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    max_rise: float | None = Field(default=None, ge=0, allow_inf_nan=False)

    @property
    def judged(self) -> bool:
        """Whether any threshold (absolute or on the change) is set."""
        return self.has_thresholds or self.max_drop is not None or self.max_rise is not None


class PassRateTrend(_TrendBase):
    """The pass rate of each batch in percent (of all tests, or of the tests of experiences tagged `tag`),
    with its Wilson interval."""

    kind: Literal["pass_rate"]
    tag: NonEmpty | None = None

    def default_name(self) -> str:
        """`pass rate trend`, or `pass rate trend [<tag>]`."""
        return "pass rate trend" + (f" [{self.tag}]" if self.tag else "")


class JobMetricTrend(_TrendBase):
    """A statistic, per batch, of a SCALAR job metric across the batch's tests: mean, min, max, sum, std,
    count, median, a percentile `p<q>`, or `pass_rate` (percent of tests whose metric passed)."""

    kind: Literal["job_metric"]
    metric: NonEmpty
    stat: str = "mean"

    @field_validator("stat")
    @classmethod
    def _known_stat(cls, v: str) -> str:
        if not _STAT_RE.match(v):
            raise ValueError("must be mean, min, max, sum, std, count, median, pass_rate or p<q> with "
                             "0 <= q <= 100 (e.g. p95)")
        return v

    def default_name(self) -> str:
        """`<metric>: <stat> trend`."""
        return f"{self.metric}: {self.stat} trend"


class BatchMetricTrend(_TrendBase):
    """The value of a SCALAR batch metric (a batch-mode output) in each batch that has it."""

    kind: Literal["batch_metric"]
    metric: NonEmpty

    def default_name(self) -> str:
        """`<metric>: trend`."""
        return f"{self.metric}: trend"


TrendSpec = Annotated[PassRateTrend | JobMetricTrend | BatchMetricTrend, Field(discriminator="kind")]


def trend_name(spec: PassRateTrend | JobMetricTrend | BatchMetricTrend) -> str:
    """The output name of a declared trend: its `name`, else the one derived from it."""
    return spec.name or spec.default_name()


def _reserved(name: str) -> str | None:
    if name in DEFAULT_REPORT_METRICS:
        return f"{name!r} is the name of a built-in report metric"
    if name.startswith((JOB_METRIC_PREFIX, BATCH_METRIC_PREFIX)):
        return f"names starting with {JOB_METRIC_PREFIX!r} or {BATCH_METRIC_PREFIX!r} are the built-in trends'"
    return None


class ReportSection(Frozen):
    """The `[report]` table.

    Attributes:
        use_defaults: Write the built-in report metrics (declared trends and Python metrics follow them).
        trends: Declared trends, in output order.
        tags: Experience tags to slice by; None: the `max_tags` tags with the most experiences.
        max_tags: How many tags are sliced by when `tags` is not given.
        last_batches: Only the newest N batches of the report (None: all of them).
        warn_passes: A test that warned counts as passed (else as failed).
        errors_fail: A test that errored counts as failed (else it has no verdict, like a cancelled one).
        confidence: Confidence level of the pass rates' Wilson intervals.
        max_rows: Most rows a table shows (the worst or newest first; the rest are counted).
        max_metric_trends: Most job and batch metric names that get a built-in trend each (by name).
        max_workers: Concurrent API requests (None: the client's default).
        allow_partial: Skip listings that still fail after retries (reported) instead of failing the run.
        python: Python report metrics, `module:function` called with the history.
    """

    use_defaults: bool = True
    trends: list[TrendSpec] = Field(default_factory=list)
    tags: list[NonEmpty] | None = None
    max_tags: int = Field(default=20, ge=0, le=1000)
    last_batches: int | None = Field(default=None, ge=1, le=100_000)
    warn_passes: bool = False
    errors_fail: bool = False
    confidence: float = Field(default=0.95, ge=0.5, lt=1.0)
    max_rows: int = Field(default=100, ge=1, le=10_000)
    max_metric_trends: int = Field(default=100, ge=0, le=10_000)
    max_workers: int | None = Field(default=None, ge=1, le=256)
    allow_partial: bool = False
    python: list[PythonEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _trend_names(self) -> ReportSection:
        seen: dict[str, int] = {}
        for i, spec in enumerate(self.trends):
            name = trend_name(spec)
            why = _reserved(name)
            if why:
                raise ValueError(f'trends[{i}] ("{name}").name: {why}')
            if name in seen:
                raise ValueError(f'trends[{i}] ("{name}").name: the name is already used by trends[{seen[name]}]')
            seen[name] = i
        return self


__all__ = [
    "BATCH_METRIC_PREFIX",
    "DEFAULT_REPORT_METRICS",
    "JOB_METRIC_PREFIX",
    "BatchMetricTrend",
    "JobMetricTrend",
    "PassRateTrend",
    "ReportSection",
    "TrendSpec",
    "trend_name",
]
