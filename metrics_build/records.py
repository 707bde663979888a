"""The typed contract between the modes: one test as the other modes read it, decoded once.

Test mode writes a JobMetrics; batch, report and compare modes read each test back as a `TestRecord`:
its job (from the platform's jobs listing), its metrics as summaries (scalars with status, unit and
thresholds), and its series by data name (test mode's exports are `export/<channel>`, see
`metrics_build.platform`). The decoding from protobuf happens at the fetch boundary
(`metrics_build.reader.records`); nothing past it sees protobuf. Everything here is plain data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from metrics_build.model.enums import Importance, Status
from metrics_build.platform import export_name


@dataclass(frozen=True)
class TestInfo:
    """One job (test) of a batch, as the jobs listing describes it.

    Attributes:
        job_id: The job's id as the API spells it.
        name: `experience_name` when the listing has one, else the job id (always non-empty).
        experience_name: The experience (test case) name, or None when the listing omits it.
        experience_id: The experience's id, or None.
        conflated_status: PASSED/WARNING/BLOCKER/ERROR/CANCELLED/QUEUED/RUNNING, or any newer string
            the platform sends (kept as is), or None.
        job_status: SUCCEEDED/ERROR/CANCELLED/... as sent, or None.
        job_metrics_status: The API MetricStatus of the job's metrics (PASSED/FAIL_WARN/...), or None.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class

    job_id: str
    name: str
    experience_name: str | None = None
    experience_id: str | None = None
    conflated_status: str | None = None
    job_status: str | None = None
    job_metrics_status: str | None = None

    @property
    def sort_key(self) -> tuple[str, str]:
        """The deterministic order of tests in every mode: by name, then job id."""
        return (self.name, self.job_id)


@dataclass(frozen=True)
class ScalarValue:
    """A SCALAR metric's value with its status and unit ("" if unset)."""

    value: float
    status: Status
    unit: str


@dataclass(frozen=True)
class MetricSummary:
    """One metric of a test, without its data.

    Attributes:
        name: The metric's name.
        type: Its MetricType without the suffix ("SCALAR", "HISTOGRAM", ...; the number for unknown types).
        status: Its status (a model `Status`, or the raw number for values the model does not know).
        importance: Its importance, likewise.
        event: Whether it is an event metric.
        value: A SCALAR's value when it has one, else None.
        unit: A SCALAR's unit ("" if unset or not a scalar).
        fails_above / fails_below: A SCALAR's (or double summary's) thresholds, when set.
        blocking: The metric's `blocking` flag, when set.
    """

    name: str
    type: str
    status: Status | int
    importance: Importance | int = Importance.MEDIUM
    event: bool = False
    value: float | None = None
    unit: str = ""
    fails_above: float | None = None
    fails_below: float | None = None
    blocking: bool | None = None

    @property
    def judged(self) -> bool:
        """Whether a threshold decided this metric's status (it has `fails_above` or `fails_below`)."""
        return self.fails_above is not None or self.fails_below is not None


@dataclass(frozen=True)
class Series:
    """One un-grouped series of a test (DOUBLE, STRING and their INDEXED forms).

    Attributes:
        name: The data's name.
        values: float64 for doubles, a NumPy `str` array for strings.
        unit: Its unit ("" if unset).
    """

    name: str
    values: npt.NDArray[Any]
    unit: str = ""

    @property
    def numeric(self) -> bool:
        """True for a double series."""
        return bool(self.values.dtype == np.float64)

    def __len__(self) -> int:
        return int(self.values.shape[0])


@dataclass(frozen=True)
class TestRecord:
    """One test as batch, report and compare modes read it.

    Metrics are in (name, id) order; `series` holds, per data name, the first series of that name in
    (name, id) order. Per-category and external-file data are not kept (no aggregation reads them).

    Attributes:
        info: The job this test ran as.
        metrics: Every metric (image metrics left out), without data.
        series: Double and string series by data name.
        object_count: How many objects (metrics and data) the test had.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class

    info: TestInfo
    metrics: tuple[MetricSummary, ...] = ()
    series: Mapping[str, Series] = field(default_factory=dict)
    object_count: int = 0

    @property
    def name(self) -> str:
        """The test's display name (`info.name`)."""
        return self.info.name

    @property
    def ran(self) -> bool:
        """Whether the test produced anything (a metric or data)."""
        return self.object_count > 0

    def metric(self, name: str) -> MetricSummary | None:
        """The first metric called `name`, or None."""
        return next((m for m in self.metrics if m.name == name), None)

    def scalar(self, name: str) -> ScalarValue | None:
        """The first SCALAR metric called `name` that has a value, or None."""
        for m in self.metrics:
            if m.name == name and m.type == "SCALAR" and m.value is not None and isinstance(m.status, Status):
                return ScalarValue(m.value, m.status, m.unit)
        return None

    def doubles(self, data_name: str) -> npt.NDArray[np.float64] | None:
        """The double series called `data_name`, or None (also when that data holds strings)."""
        found = self.series.get(data_name)
        return found.values if found is not None and found.numeric else None

    def strings(self, data_name: str) -> npt.NDArray[np.str_] | None:
        """The string series called `data_name`, or None (also when that data holds numbers)."""
        found = self.series.get(data_name)
        return found.values if found is not None and not found.numeric else None

    def exported(self, channel: str) -> npt.NDArray[np.float64] | None:
        """The numeric series test mode exported for `channel` (`export/<channel>`), or None."""
        return self.doubles(export_name(channel))

    def named_doubles(self, name: str) -> npt.NDArray[np.float64] | None:
        """The numeric series `name` refers to: test mode's export of channel `name`, else any double
        data called exactly `name` (what ReSim's writer and other tools write)."""
        exported = self.exported(name)
        return exported if exported is not None else self.doubles(name)


__all__ = ["MetricSummary", "ScalarValue", "Series", "TestInfo", "TestRecord"]
