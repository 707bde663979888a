"""Match the tests of two sides by name and collect, per scalar metric, the paired values and statuses.

Every test is accounted for: compared, errored, cancelled, or present on one side only.
"""

from __future__ import annotations

import fnmatch
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from metrics_build.compare.records import Outcome, Scalar, Side, SideTest, is_failing
from metrics_build.errors import InputError
from metrics_build.model.enums import Status


@dataclass
class MetricPairs:
    """One scalar metric over the tests where both sides have it (in test-name order).

    Attributes:
        tests / baseline / candidate: Test names and their finite values on each side.
        baseline_status / candidate_status: The metric's status on each side, same order.
        units: Every unit seen (normally one).
        fails_above / fails_below: Whether any test had that threshold on the metric.
        statuses: Every status seen on either side (tells how severe failing it is).
        blocking: The metric's `blocking` flag where set.
        unpaired: Tests with metrics on both sides where only one side has this metric.
        nonfinite: Pairs left out because a value is ±inf.
    """

    name: str
    tests: list[str] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    candidate: list[float] = field(default_factory=list)
    baseline_status: list[Status] = field(default_factory=list)
    candidate_status: list[Status] = field(default_factory=list)
    units: set[str] = field(default_factory=set)
    fails_above: bool = False
    fails_below: bool = False
    statuses: set[Status] = field(default_factory=set)
    blocking: set[bool] = field(default_factory=set)
    unpaired: int = 0
    nonfinite: int = 0

    def _seen(self, scalar: Scalar) -> None:
        if scalar.unit:
            self.units.add(scalar.unit)
        self.fails_above |= scalar.fails_above is not None
        self.fails_below |= scalar.fails_below is not None
        self.statuses.add(scalar.status)
        if scalar.blocking is not None:
            self.blocking.add(scalar.blocking)

    def add(self, test: str, baseline: Scalar | None, candidate: Scalar | None) -> None:
        """Record one test's values of this metric (either may be absent)."""
        for scalar in (baseline, candidate):
            if scalar is not None:
                self._seen(scalar)
        if baseline is None or candidate is None:
            self.unpaired += 1
        elif not (math.isfinite(baseline.value) and math.isfinite(candidate.value)):
            self.nonfinite += 1
        else:
            self.tests.append(test)
            self.baseline.append(baseline.value)
            self.candidate.append(candidate.value)
            self.baseline_status.append(baseline.status)
            self.candidate_status.append(candidate.status)


@dataclass(frozen=True)
class SideCounts:
    """How the tests of one side ended; `missing` counts tests only the other side has."""

    ok: int
    errored: int
    cancelled: int
    missing: int


@dataclass(frozen=True)
class Pairing:
    """Both sides matched.

    Attributes:
        names: Every test name on either side, sorted.
        baseline / candidate: Each side's records by name.
        metrics: Per scalar metric name (sorted), its pairs over tests that are OK on both sides.
    """

    names: list[str]
    baseline: dict[str, SideTest]
    candidate: dict[str, SideTest]
    metrics: dict[str, MetricPairs]

    def only_in(self, side: str) -> list[str]:
        """Tests present on `side` ("baseline" or "candidate") only."""
        mine, other = (self.baseline, self.candidate) if side == "baseline" else (self.candidate, self.baseline)
        return [n for n in self.names if n in mine and n not in other]

    def counts(self, side: str) -> SideCounts:
        """How the tests of `side` ended."""
        records = self.baseline if side == "baseline" else self.candidate
        outcomes = Counter(r.outcome for r in records.values())
        return SideCounts(outcomes[Outcome.OK], outcomes[Outcome.ERRORED], outcomes[Outcome.CANCELLED],
                          len(self.names) - len(records))

    def test_state(self, side: str, name: str, count_as_fail: bool) -> bool | None:
        """True failing, False passing, None left out: a test without metrics (errored, cancelled or
        missing) is failing when `count_as_fail`, else left out."""
        record = (self.baseline if side == "baseline" else self.candidate).get(name)
        if record is None or record.outcome is not Outcome.OK:
            return True if count_as_fail else None
        return is_failing(record.status)


def _collect(side: Side) -> dict[str, SideTest]:
    records: dict[str, SideTest] = {}
    for record in side.tests:
        if record.name in records:
            raise InputError(f"{side.label}: two tests named {record.name!r}; tests are matched by name")
        records[record.name] = record
    if not records:
        raise InputError(f"{side.label}: no tests")
    return records


def pair_sides(baseline: Side, candidate: Side, exclude: Sequence[str] = ()) -> Pairing:
    """Read both sides and match their tests by name.

    Args:
        baseline / candidate: The sides (each iterated once).
        exclude: Glob patterns of metric names to leave out.

    Raises:
        InputError: A side has no tests, or two tests with the same name.
    """
    b, c = _collect(baseline), _collect(candidate)
    names = sorted(set(b) | set(c))
    metrics: dict[str, MetricPairs] = {}
    for name in names:
        rb, rc = b.get(name), c.get(name)
        if rb is None or rc is None or rb.outcome is not Outcome.OK or rc.outcome is not Outcome.OK:
            continue
        for metric in sorted(set(rb.scalars) | set(rc.scalars)):
            if any(fnmatch.fnmatchcase(metric, pattern) for pattern in exclude):
                continue
            pairs = metrics.setdefault(metric, MetricPairs(metric))
            pairs.add(name, rb.scalars.get(metric), rc.scalars.get(metric))
    return Pairing(names, b, c, dict(sorted(metrics.items())))

