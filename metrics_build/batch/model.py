"""The fetched batch as plain data: what batch fetching produces and the aggregations consume.

Everything here is pure (no network, no files). Order is deterministic whatever the order in which
downloads completed: tests by (name, job id), metrics and data by (name, id).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

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


class StoredObject(NamedTuple):
    """One downloaded Metric or MetricsData kept serialized (about a third of a parsed message's memory)."""

    name: str
    id: str
    body: bytes


def stored_metric(metric: pb.Metric, body: bytes | None = None) -> StoredObject:
    """`metric` as a `StoredObject`: `body` when given (the bytes it was parsed from), else serialized."""
    return StoredObject(sys.intern(metric.name), metric_id(metric),
                        metric.SerializeToString(deterministic=True) if body is None else body)


def stored_data(data: pb.MetricsData, body: bytes | None = None) -> StoredObject:
    """`data` as a `StoredObject`: `body` when given (the bytes it was parsed from), else serialized."""
    return StoredObject(sys.intern(data.name), data_id(data),
                        data.SerializeToString(deterministic=True) if body is None else body)


class TestMetrics:
    """One test's downloaded objects, resolved and deterministically ordered by (name, id).

    The fetcher keeps objects serialized (`from_stored`) and they are parsed when asked for: a batch
    of 1,000 tests of 35 objects then takes about 30 MB instead of about 80 MB. Such accessors return
    freshly parsed messages, so hold on to a list you need repeatedly rather than calling `data` in a
    loop; the by-name and by-id lookups parse only what they return. Messages given to the
    constructor are kept and returned as they are. Duplicate names are tolerated (the platform allows
    a data to share a metric's name, event metrics to share names); for duplicate ids the first in
    order wins.

    Attributes:
        info: The job this test ran as.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class

    def __init__(self, info: TestInfo, metrics: Iterable[pb.Metric] = (), data: Iterable[pb.MetricsData] = ()) -> None:
        """A test from parsed messages (kept as given)."""
        self._init(info, [(m.name, metric_id(m), m) for m in metrics], [(d.name, data_id(d), d) for d in data])

    @classmethod
    def from_stored(cls, info: TestInfo, metrics: Iterable[StoredObject], data: Iterable[StoredObject]) -> TestMetrics:
        """A test from serialized objects (what the fetcher keeps), parsed on access."""
        test = cls.__new__(cls)
        test._init(info, [(s.name, s.id, s.body) for s in metrics], [(s.name, s.id, s.body) for s in data])
        return test

    def _init(self, info: TestInfo, metrics: list[tuple[str, str, pb.Metric | bytes]],
              data: list[tuple[str, str, pb.MetricsData | bytes]]) -> None:
        self.info = info
        self._metrics = sorted(metrics, key=lambda e: (e[0], e[1]))
        self._data = sorted(data, key=lambda e: (e[0], e[1]))
        self._data_at: dict[str, int] = {}
        for position, (_, id_text, _) in enumerate(self._data):
            self._data_at.setdefault(id_text, position)

    def __repr__(self) -> str:
        return f"TestMetrics(name={self.name!r}, metrics={len(self._metrics)}, data={len(self._data)})"

    @staticmethod
    def _metric(item: pb.Metric | bytes) -> pb.Metric:
        return pb.Metric.FromString(item) if isinstance(item, bytes) else item

    @staticmethod
    def _datum(item: pb.MetricsData | bytes) -> pb.MetricsData:
        return pb.MetricsData.FromString(item) if isinstance(item, bytes) else item

    @property
    def name(self) -> str:
        """The test's display name (`info.name`)."""
        return self.info.name

    @property
    def metrics(self) -> list[pb.Metric]:
        """Every downloaded Metric except IMAGE / IMAGE_LIST ones, in (name, id) order."""
        return [self._metric(item) for _, _, item in self._metrics]

    @property
    def data(self) -> list[pb.MetricsData]:
        """Every downloaded STANDARD MetricsData, in (name, id) order."""
        return [self._datum(item) for _, _, item in self._data]

    @property
    def metric_names(self) -> list[str]:
        """Names of `metrics`, in order, without parsing anything."""
        return [name for name, _, _ in self._metrics]

    @property
    def data_names(self) -> list[str]:
        """Names of `data`, in order, without parsing anything."""
        return [name for name, _, _ in self._data]

    @property
    def object_count(self) -> int:
        """How many metrics and data were downloaded for this test."""
        return len(self._metrics) + len(self._data)

    def data_by_id(self, id_text: str) -> pb.MetricsData | None:
        """The data with this id, or None when the test has none."""
        position = self._data_at.get(id_text)
        return None if position is None else self._datum(self._data[position][2])

    def data_named(self, name: str) -> list[pb.MetricsData]:
        """Every data called `name`, in (name, id) order (usually zero or one)."""
        return [self._datum(item) for n, _, item in self._data if n == name]

    def metrics_named(self, name: str) -> list[pb.Metric]:
        """Every metric called `name`, in (name, id) order."""
        return [self._metric(item) for n, _, item in self._metrics if n == name]

    def index_of(self, data: pb.MetricsData) -> pb.MetricsData | None:
        """The data's index when it is indexed and the index was fetched, else None."""
        if not data.is_indexed:
            return None
        return self.data_by_id(data.index_data_id.id.data)

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
        return [t for t in self.tests if t.object_count == 0]


def sort_tests(tests: Iterable[TestMetrics]) -> list[TestMetrics]:
    """`tests` in the batch's deterministic order, (name, job id)."""
    return sorted(tests, key=lambda t: (t.info.name, t.info.job_id))


__all__ = [
    "FetchedBatch",
    "ScalarValue",
    "SkippedObject",
    "StoredObject",
    "TestInfo",
    "TestMetrics",
    "data_id",
    "metric_id",
    "sort_tests",
    "stored_data",
    "stored_metric",
]
