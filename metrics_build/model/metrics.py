"""Every metric type the platform knows, as typed dataclasses over `Data` objects.

Value/status pairs: where a metric type needs a status data per value data and none is given, one
of the same shape is made at construction, named `<value name> status (<metric name>)`. Its points are PASSED,
except points outside the failure definition (or in the failure states), which take the metric's
failing status (FAIL_BLOCK if the metric is FAIL_BLOCK, else FAIL_WARN); without a failure
definition every point takes the metric's own status.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from metrics_build.model.data import Data, ExternalFileData, GroupedData, SeriesData, same_shape_statuses
from metrics_build.model.enums import Importance, Status
from metrics_build.model.times import TimeLike


@dataclass(frozen=True)
class FailureDefinition:
    """A metric fails when its value is above `fails_above` or below `fails_below` (either optional)."""

    fails_above: float | None = None
    fails_below: float | None = None

    def failing(self, values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Boolean mask of the values this definition fails."""
        mask = np.zeros(values.shape, dtype=bool)
        if self.fails_above is not None:
            mask |= values > self.fails_above
        if self.fails_below is not None:
            mask |= values < self.fails_below
        return mask


@dataclass(eq=False, kw_only=True)
class Metric:
    """Fields every metric has. `order` None means: the writer uses the metric's position."""

    TYPE: ClassVar[int] = 0
    name: str
    status: Status = Status.PASSED
    importance: Importance = Importance.MEDIUM
    description: str = ""
    should_display: bool | None = True
    blocking: bool | None = None
    order: float | None = None
    tags: Sequence[tuple[str, str]] = ()
    event_metric: bool | None = None

    def data(self) -> list[Data]:
        """The data this metric references, in the order the writer packs them."""
        return []


def _status_name(metric: Metric, value: Data) -> str:
    return f"{value.name} status ({metric.name})"


def _point_statuses(metric: Metric, value: Data, failure: FailureDefinition | None, name: str) -> Data:
    failing_status = Status.FAIL_BLOCK if metric.status is Status.FAIL_BLOCK else Status.FAIL_WARN
    if failure is None or (failure.fails_above is None and failure.fails_below is None):
        return same_shape_statuses(name, value, metric.status)

    def per(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.where(failure.failing(values), failing_status, Status.PASSED).astype(np.int8)

    if isinstance(value, GroupedData):
        return same_shape_statuses(name, value, {c: per(v) for c, v in value.categories.items()})
    if isinstance(value, SeriesData):
        return same_shape_statuses(name, value, per(value.values))
    raise TypeError(f"metric {metric.name!r}: data {value.name!r} is an external file, not a series")


def _fill(metric: Metric, values: Sequence[Data], given: Sequence[Data] | None,
          failures: Sequence[FailureDefinition | None]) -> list[Data]:
    if given is not None:
        return list(given)
    return [_point_statuses(metric, v, f, _status_name(metric, v)) for v, f in zip(values, failures, strict=False)]


@dataclass(eq=False, kw_only=True)
class ScalarMetric(Metric):
    """One number; NaN is refused by the platform, ±inf is allowed."""

    TYPE: ClassVar[int] = 7
    value: float
    unit: str | None = None
    failure: FailureDefinition | None = None


@dataclass(eq=False, kw_only=True)
class DoubleSummaryMetric(Metric):
    """One element of a double series, picked by `index` (position, string, UUID or timestamp label)."""

    TYPE: ClassVar[int] = 1
    value: Data
    value_status: Data | None = None
    index: int | str | uuid.UUID | np.datetime64 | dt.datetime | None = None
    failure: FailureDefinition | None = None

    def __post_init__(self) -> None:
        if self.value_status is None:
            self.value_status = _fill(self, [self.value], None, [self.failure])[0]

    def data(self) -> list[Data]:
        assert self.value_status is not None  # set in __post_init__
        return [self.value, self.value_status]


@dataclass(eq=False, kw_only=True)
class DoubleOverTimeMetric(Metric):
    """Double series over a timestamp index (INDEXED_DOUBLE by TIMESTAMP), one failure definition each."""

    TYPE: ClassVar[int] = 2
    series: Sequence[Data]
    statuses: Sequence[Data] | None = None
    failures: Sequence[FailureDefinition] | None = None
    start_time: TimeLike | None = None
    end_time: TimeLike | None = None
    y_axis_name: str | None = None
    legend: Sequence[str | None] | None = None

    def __post_init__(self) -> None:
        if self.failures is None:
            self.failures = [FailureDefinition() for _ in self.series]
        self.statuses = _fill(self, self.series, self.statuses, self.failures)

    def data(self) -> list[Data]:
        return [*self.series, *(self.statuses or [])]


@dataclass(eq=False, kw_only=True)
class LinePlotMetric(Metric):
    """Lines of (x, y) doubles, each with a status data of the same shape."""

    TYPE: ClassVar[int] = 3
    x: Sequence[Data]
    y: Sequence[Data]
    statuses: Sequence[Data] | None = None
    x_axis_name: str | None = None
    y_axis_name: str | None = None
    legend: Sequence[str | None] | None = None

    def __post_init__(self) -> None:
        self.statuses = _fill(self, self.y, self.statuses, [None] * len(self.y))

    def data(self) -> list[Data]:
        return [*self.x, *self.y, *(self.statuses or [])]


@dataclass(eq=False, kw_only=True)
class BarChartMetric(Metric):
    """Bars: INDEXED_DOUBLE values over a STRING (label) index, one status data per value data."""

    TYPE: ClassVar[int] = 4
    values: Sequence[Data]
    statuses: Sequence[Data] | None = None
    legend: Sequence[str | None] | None = None
    x_axis_name: str | None = None
    y_axis_name: str | None = None
    stack_bars: bool | None = None

    def __post_init__(self) -> None:
        self.statuses = _fill(self, self.values, self.statuses, [None] * len(self.values))

    def data(self) -> list[Data]:
        return [*self.values, *(self.statuses or [])]


@dataclass(eq=False, kw_only=True)
class BatchwiseBarChartMetric(Metric):
    """Per category: times, values and statuses over one UUID index (conventionally batch ids)."""

    TYPE: ClassVar[int] = 10
    times: Sequence[Data]
    values: Sequence[Data]
    categories: Sequence[str]
    project_id: uuid.UUID | str
    statuses: Sequence[Data] | None = None
    colors: Sequence[str] = ()
    x_axis_name: str = ""
    y_axis_name: str = ""
    stack_bars: bool = False

    def __post_init__(self) -> None:
        self.statuses = _fill(self, self.values, self.statuses, [None] * len(self.values))

    def data(self) -> list[Data]:
        return [*self.times, *self.values, *(self.statuses or [])]


@dataclass(eq=False, kw_only=True)
class StatesOverTimeMetric(Metric):
    """State strings over a timestamp index; every state must be in `states_set`."""

    TYPE: ClassVar[int] = 5
    states: Sequence[Data]
    states_set: Sequence[str]
    failure_states: Sequence[str] = ()
    statuses: Sequence[Data] | None = None
    legend: Sequence[str | None] | None = None

    def __post_init__(self) -> None:
        if self.statuses is None:
            failing = Status.FAIL_BLOCK if self.status is Status.FAIL_BLOCK else Status.FAIL_WARN
            bad = np.asarray(list(self.failure_states), dtype=object)
            made: list[Data] = []
            for s in self.states:
                if isinstance(s, GroupedData):
                    per: Any = {c: np.where(np.isin(v, bad), failing, Status.PASSED) for c, v in s.categories.items()}
                elif isinstance(s, SeriesData):
                    per = np.where(np.isin(s.values, bad), failing, Status.PASSED)
                else:
                    raise TypeError(f"metric {self.name!r}: states data {s.name!r} is not a series")
                made.append(same_shape_statuses(_status_name(self, s), s, per))
            self.statuses = made

    def data(self) -> list[Data]:
        return [*self.states, *(self.statuses or [])]


@dataclass(eq=False, kw_only=True)
class HistogramMetric(Metric):
    """Counts of `values` in contiguous buckets from `lower_bound` to `upper_bound`.

    `buckets` are (lower, upper) pairs; `histogram_buckets(edges)` makes them from edges.
    Bounds default to the first lower and last upper edge.
    """

    TYPE: ClassVar[int] = 6
    values: Data
    buckets: Sequence[tuple[float, float]]
    value_status: Data | None = None
    lower_bound: float | None = None
    upper_bound: float | None = None
    x_axis_name: str | None = None

    def __post_init__(self) -> None:
        if self.value_status is None:
            self.value_status = _fill(self, [self.values], None, [None])[0]
        if self.buckets:
            if self.lower_bound is None:
                self.lower_bound = float(self.buckets[0][0])
            if self.upper_bound is None:
                self.upper_bound = float(self.buckets[-1][1])

    def data(self) -> list[Data]:
        assert self.value_status is not None  # set in __post_init__
        return [self.values, self.value_status]


def histogram_buckets(edges: Sequence[float] | np.ndarray[Any, Any]) -> list[tuple[float, float]]:
    """Contiguous (lower, upper) buckets from increasing edges."""
    e = [float(x) for x in edges]
    return list(itertools.pairwise(e))


@dataclass(eq=False, kw_only=True)
class PlotlyMetric(Metric):
    """A Plotly figure, as a JSON-compatible mapping or its JSON text."""

    TYPE: ClassVar[int] = 8
    figure: Mapping[str, Any] | str = field(default_factory=dict)

    def figure_dict(self) -> dict[str, Any]:
        """The figure as a dict (JSON text is parsed)."""
        parsed = json.loads(self.figure) if isinstance(self.figure, str) else dict(self.figure)
        if not isinstance(parsed, dict):
            raise TypeError(f"metric {self.name!r}: a Plotly figure must be a JSON object")
        return parsed


@dataclass(eq=False, kw_only=True)
class ImageMetric(Metric):
    """One image file next to metrics.binproto."""

    TYPE: ClassVar[int] = 9
    image: ExternalFileData

    def data(self) -> list[Data]:
        return [self.image]


@dataclass(eq=False, kw_only=True)
class ImageListMetric(Metric):
    """Several image files next to metrics.binproto."""

    TYPE: ClassVar[int] = 12
    images: Sequence[ExternalFileData]

    def data(self) -> list[Data]:
        return list(self.images)


@dataclass(eq=False, kw_only=True)
class TextMetric(Metric):
    """Markdown text; the platform refuses empty text."""

    TYPE: ClassVar[int] = 11
    text: str


@dataclass(eq=False, kw_only=True)
class Event:
    """Something that happened at a time, linking the metrics that describe it."""

    name: str
    timestamp: TimeLike | None = None
    timestamp_type: int = 1
    metrics: Sequence[Metric] = ()
    status: Status = Status.PASSED
    importance: Importance = Importance.MEDIUM
    description: str = ""
    tags: Sequence[str] = ()
