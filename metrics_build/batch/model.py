"""The fetched batch as plain data: what batch fetching produces and the aggregations consume.

Everything here is pure (no network, no files). Order is deterministic whatever the order in which
downloads completed: tests by (name, job id), metrics and data by (name, id).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from metrics_build.errors import InputError
from metrics_build.wire import metrics_pb2 as pb

_DOUBLE_TYPES = frozenset({pb.DOUBLE_SERIES_DATA_TYPE, pb.INDEXED_DOUBLE_SERIES_DATA_TYPE})
_STRING_TYPES = frozenset({pb.STRING_SERIES_DATA_TYPE, pb.INDEXED_STRING_SERIES_DATA_TYPE})


@dataclass(frozen=True)
class TestInfo:
    """One job (test) of the batch, as the jobs listing describes it.

    Attributes:
        job_id: The job's id as the API spells it.
        name: `experience_name` when the listing has one, else the job id (always non-empty).
        experience_name: The experience (test case) name, or None when the listing omits it.
        conflated_status: PASSED/WARNING/BLOCKER/ERROR/CANCELLED/QUEUED/RUNNING, or any newer
            string the platform sends (kept as is), or None.
        job_status: SUCCEEDED/ERROR/CANCELLED/... as sent, or None.
        job_metrics_status: The API MetricStatus of the job's metrics (PASSED/FAIL_WARN/...), or None.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class

    job_id: str
    name: str
    experience_name: str | None = None
    conflated_status: str | None = None
    job_status: str | None = None
    job_metrics_status: str | None = None


@dataclass(frozen=True)
class ScalarValue:
    """A SCALAR metric's value with its status (a `pb.MetricStatus` number) and unit ("" if unset)."""

    value: float
    status: int
    unit: str


def _id_text(message: pb.MetricsDataId | pb.MetricId) -> str:
    return message.id.data


def metric_id(metric: pb.Metric) -> str:
    """The metric's id text ("" when absent)."""
    return _id_text(metric.metric_id)


def data_id(data: pb.MetricsData) -> str:
    """The data's id text ("" when absent)."""
    return _id_text(data.metrics_data_id)


@dataclass(eq=False)
class TestMetrics:
    """One test's downloaded objects, resolved and deterministically ordered.

    Construction sorts `metrics` and `data` by (name, id) and indexes data by id; do not mutate
    the lists afterwards. Duplicate names are tolerated (the platform allows a data to share a
    metric's name, event metrics to share names); for duplicate ids the first in order wins.

    Attributes:
        info: The job this test ran as.
        metrics: Every downloaded Metric except IMAGE / IMAGE_LIST ones.
        data: Every downloaded STANDARD MetricsData.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class

    info: TestInfo
    metrics: list[pb.Metric] = field(default_factory=list)
    data: list[pb.MetricsData] = field(default_factory=list)
    _by_id: dict[str, pb.MetricsData] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.metrics.sort(key=lambda m: (m.name, metric_id(m)))
        self.data.sort(key=lambda d: (d.name, data_id(d)))
        for d in self.data:
            self._by_id.setdefault(data_id(d), d)

    @property
    def name(self) -> str:
        """The test's display name (`info.name`)."""
        return self.info.name

    def data_by_id(self, id_text: str) -> pb.MetricsData | None:
        """The data with this id, or None when the test has none."""
        return self._by_id.get(id_text)

    def data_named(self, name: str) -> list[pb.MetricsData]:
        """Every data called `name`, in (name, id) order (usually zero or one)."""
        return [d for d in self.data if d.name == name]

    def metrics_named(self, name: str) -> list[pb.Metric]:
        """Every metric called `name`, in (name, id) order."""
        return [m for m in self.metrics if m.name == name]

    def index_of(self, data: pb.MetricsData) -> pb.MetricsData | None:
        """The data's index when it is indexed and the index was fetched, else None."""
        if not data.is_indexed:
            return None
        return self._by_id.get(data.index_data_id.id.data)

    def index_chain(self, data: pb.MetricsData) -> list[pb.MetricsData]:
        """The indexes of `data`, nearest first, excluding `data` itself.

        Cycle-safe: stops at a missing index or at the first data already seen (a self-indexed data
        or an index cycle is accepted by the platform's validator).
        """
        chain: list[pb.MetricsData] = []
        seen = {data_id(data)}
        current = self.index_of(data)
        while current is not None and data_id(current) not in seen:
            chain.append(current)
            seen.add(data_id(current))
            current = self.index_of(current)
        return chain

    def doubles(self, data: pb.MetricsData) -> npt.NDArray[np.float64]:
        """The values of a DOUBLE or INDEXED_DOUBLE (non per-category) series as float64.

        Raises:
            InputError: when `data` holds anything else.
        """
        if data.data_type not in _DOUBLE_TYPES or data.WhichOneof("data") != "series":
            raise InputError(f"test {self.name!r}: data {data.name!r} is not a double series "
                             f"(type {_type_name(data.data_type)})")
        return np.array(data.series.doubles.series, dtype=np.float64)

    def strings(self, data: pb.MetricsData) -> list[str]:
        """The values of a STRING or INDEXED_STRING (non per-category) series.

        Raises:
            InputError: when `data` holds anything else.
        """
        if data.data_type not in _STRING_TYPES or data.WhichOneof("data") != "series":
            raise InputError(f"test {self.name!r}: data {data.name!r} is not a string series "
                             f"(type {_type_name(data.data_type)})")
        return list(data.series.strings.series)

    def scalar(self, metric_name: str) -> ScalarValue | None:
        """The first SCALAR metric called `metric_name` that has a value, or None."""
        for m in self.metrics_named(metric_name):
            kind = m.metric_values.WhichOneof("metric_values")
            if m.type != pb.SCALAR_METRIC_TYPE or kind != "scalar_metric_values":
                continue
            values = m.metric_values.scalar_metric_values
            if values.HasField("value"):
                return ScalarValue(value=values.value, status=int(m.status), unit=values.unit)
        return None


def _type_name(data_type: int) -> str:
    try:
        return pb.MetricsDataType.Name(data_type)
    except ValueError:
        return str(data_type)


@dataclass(frozen=True)
class SkippedObject:
    """An object that still failed after retries and was skipped because partial results were allowed.

    Attributes:
        job_id: The job the object belongs to.
        test_name: That job's `TestInfo.name`.
        kind: "metric", "metricsData", "metrics listing" or "metricsData listing".
        object_name: The object's name (or id) from the listing; "" for a listing.
        error: What went wrong (status code or transport error); never a URL with its signature.
    """

    job_id: str
    test_name: str
    kind: str
    object_name: str
    error: str


@dataclass
class FetchedBatch:
    """Everything batch mode fetched: one `TestMetrics` per job of the batch, including jobs with no
    metrics and errored or cancelled jobs, ordered by (name, job id)."""

    project_id: str
    batch_id: str
    tests: list[TestMetrics] = field(default_factory=list)
    skipped: list[SkippedObject] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tests.sort(key=lambda t: (t.info.name, t.info.job_id))
        self.skipped.sort(key=lambda s: (s.test_name, s.job_id, s.kind, s.object_name, s.error))

    def conflated_status_counts(self) -> dict[str, int]:
        """Number of tests per conflated status ("UNKNOWN" when the listing has none), sorted by status."""
        counts = Counter(t.info.conflated_status or "UNKNOWN" for t in self.tests)
        return dict(sorted(counts.items()))

    def tests_without_metrics(self) -> list[TestMetrics]:
        """Tests for which nothing was downloaded (no metrics and no data)."""
        return [t for t in self.tests if not t.metrics and not t.data]


def sort_tests(tests: Iterable[TestMetrics]) -> list[TestMetrics]:
    """`tests` in the batch's deterministic order, (name, job id)."""
    return sorted(tests, key=lambda t: (t.info.name, t.info.job_id))


__all__ = [
    "FetchedBatch",
    "ScalarValue",
    "SkippedObject",
    "TestInfo",
    "TestMetrics",
    "data_id",
    "metric_id",
    "sort_tests",
]
