"""What the built-in defaults learn of a batch in their first pass: every scalar name with each test's
value and status, and every exported numeric channel's extent (for histogram edges).

One entry per test and scalar name, never a series; merging a later shard appends, so any sharding
gives the same table.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

import numpy as np

from metrics_build import model as m
from metrics_build.batch.declared import ScalarColumn
from metrics_build.platform import channel_of_export
from metrics_build.records import TestRecord


@dataclass
class ScalarEntries:
    """One SCALAR name across tests: each test's value and status, in test order.

    Attributes:
        column: The values (and first unit seen).
        keys: (test name, job id) of each value.
        statuses: Each value's status (a `Status` number).
        judged: Whether a threshold judged the metric, per value (1) or not (0).
    """

    column: ScalarColumn = field(default_factory=ScalarColumn)
    keys: list[tuple[str, str]] = field(default_factory=list)
    statuses: bytearray = field(default_factory=bytearray)
    judged: bytearray = field(default_factory=bytearray)

    def extend(self, other: ScalarEntries) -> None:
        self.column.extend(other.column)
        self.keys += other.keys
        self.statuses += other.statuses
        self.judged += other.judged

    @property
    def any_judged(self) -> bool:
        """Whether a threshold judged this metric in at least one test."""
        return any(self.judged)

    def worst_judged_status(self) -> m.Status | None:
        """The worst status among the tests whose thresholds judged the metric; None if none did."""
        judged = [m.Status(s) for s, j in zip(self.statuses, self.judged, strict=True) if j]
        return m.rollup(judged) if judged else None

    def failing_keys(self) -> list[tuple[str, str]]:
        """The tests whose (judged) metric failed, in test order."""
        failing = (m.Status.FAIL_WARN, m.Status.FAIL_BLOCK)
        return [k for k, s, j in zip(self.keys, self.statuses, self.judged, strict=True) if j and s in failing]


@dataclass
class Extent:
    """The finite range of one exported channel over the batch (exact under any merge order)."""

    count: int = 0
    minimum: float = math.inf
    maximum: float = -math.inf

    def update(self, values: np.ndarray) -> None:
        finite = values[np.isfinite(values)]
        if finite.size:
            self.count += int(finite.size)
            self.minimum = min(self.minimum, float(finite.min()))
            self.maximum = max(self.maximum, float(finite.max()))

    def merge(self, other: Extent) -> None:
        self.count += other.count
        self.minimum = min(self.minimum, other.minimum)
        self.maximum = max(self.maximum, other.maximum)


@dataclass
class FirstPass:
    """The first pass of the defaults: scalars by name and exported channels' extents."""

    scalars: dict[str, ScalarEntries] = field(default_factory=dict)
    non_event: set[str] = field(default_factory=set)
    extents: dict[str, Extent] = field(default_factory=dict)

    def update(self, test: TestRecord) -> None:
        """Fold in one test."""
        seen: set[str] = set()
        key = (test.info.name, test.info.job_id)
        for metric in test.metrics:  # (name, id) order: the first with a value wins, as `TestRecord.scalar`
            if metric.type != "SCALAR" or metric.value is None or not isinstance(metric.status, m.Status):
                continue
            if metric.name not in seen:
                seen.add(metric.name)
                entries = self.scalars.setdefault(metric.name, ScalarEntries())
                entries.column.add(metric.value, metric.unit)
                entries.keys.append(key)
                entries.statuses.append(int(metric.status))
                entries.judged.append(int(metric.judged))
            if not metric.event:
                self.non_event.add(metric.name)
        for name, series in test.series.items():
            channel = channel_of_export(name)
            if channel is not None and series.numeric:
                self.extents.setdefault(channel, Extent()).update(series.values)

    def merge(self, other: FirstPass) -> None:
        """Fold in a later shard."""
        for name, entries in other.scalars.items():
            self.scalars.setdefault(name, ScalarEntries()).extend(entries)
        self.non_event |= other.non_event
        for channel, extent in other.extents.items():
            self.extents.setdefault(channel, Extent()).merge(extent)

    def scalar_names(self) -> list[str]:
        """Every non-event SCALAR name with a value in at least one test, sorted."""
        return sorted(self.non_event & set(self.scalars))

    def column(self, name: str) -> ScalarColumn:
        """Each test's value of scalar `name` (empty when no test has it)."""
        entries = self.scalars.get(name)
        return entries.column if entries is not None else ScalarColumn(array("d"))


def global_edges(extent: Extent, buckets: int) -> list[float] | None:
    """`buckets` equal-width edges from the extent's min to max (±0.5 around a single value); None
    when the channel has no finite value."""
    if extent.count == 0:
        return None
    lo, hi = extent.minimum, extent.maximum
    if hi == lo:
        return [lo - 0.5, hi + 0.5] if lo - 0.5 < hi + 0.5 else [lo - abs(lo) * 1e-9, hi + abs(hi) * 1e-9]
    with np.errstate(all="ignore"):  # ranges near the float limits overflow: fall back to one bucket
        edges = np.linspace(lo, hi, buckets + 1)
        if not (np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0)):
            edges = np.asarray([lo, hi])
    return [float(e) for e in edges]


__all__ = ["Extent", "FirstPass", "ScalarEntries", "global_edges"]
