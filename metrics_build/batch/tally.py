"""What every batch metric may need of the batch as a whole, folded one test at a time: how many tests,
their names, their statuses, which produced metrics, and each test's verdict."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from metrics_build import model as m
from metrics_build.platform import NO_RUN_STATUSES, passes, status_from_api, verdict_status
from metrics_build.records import TestRecord


def verdict_of(test: TestRecord, metric: str | None, warn_passes: bool) -> bool | None:
    """Whether `test` passed, by its metrics status (or by `metric`'s status); None: no verdict.

    Errored and cancelled tests have no verdict; without a metrics status in the listing, the conflated
    status decides; a missing metric, NOT_APPLICABLE and unknown statuses give no verdict.
    """
    if (test.info.conflated_status or "") in NO_RUN_STATUSES:
        return None
    status: m.Status | None
    if metric is None:
        if test.info.job_metrics_status == "NOT_APPLICABLE":
            return None
        status = status_from_api(test.info.job_metrics_status) or verdict_status(test.info.conflated_status)
    else:
        found = test.metric(metric)
        status = found.status if found is not None and isinstance(found.status, m.Status) else None
    return None if status is None else passes(status, warn_passes=warn_passes)


@dataclass
class Tally:
    """The batch's tests, counted (one small entry per test; merge appends a later shard).

    Attributes:
        keys: (name, job id) of every test, in order.
        conflated: Tests per conflated status ("UNKNOWN" when the listing has none).
        produced: Tests that produced any metric or data.
        errored: Tests whose conflated status is ERROR.
        job_verdicts: Passed / failed / no verdict by each test's metrics status (warnings fail).
        metrics_statuses: Tests that ran, per metrics status (the API string, else the conflated status).
    """

    keys: list[tuple[str, str]] = field(default_factory=list)
    conflated: Counter[str] = field(default_factory=Counter)
    produced: int = 0
    errored: int = 0
    job_verdicts: Counter[bool | None] = field(default_factory=Counter)
    metrics_statuses: Counter[str] = field(default_factory=Counter)

    def update(self, test: TestRecord) -> None:
        """Count one test."""
        self.keys.append((test.info.name, test.info.job_id))
        conflated = test.info.conflated_status or "UNKNOWN"
        self.conflated[conflated] += 1
        self.produced += test.ran
        self.errored += conflated == "ERROR"
        self.job_verdicts[verdict_of(test, None, False)] += 1
        if conflated not in NO_RUN_STATUSES:
            self.metrics_statuses[test.info.job_metrics_status or conflated] += 1

    def merge(self, other: Tally) -> None:
        """Add a later shard's tests."""
        self.keys += other.keys
        self.conflated.update(other.conflated)
        self.produced += other.produced
        self.errored += other.errored
        self.job_verdicts.update(other.job_verdicts)
        self.metrics_statuses.update(other.metrics_statuses)

    @property
    def count(self) -> int:
        """How many tests the batch has."""
        return len(self.keys)

    def conflated_counts(self) -> dict[str, int]:
        """Tests per conflated status, sorted by status."""
        return dict(sorted(self.conflated.items()))

    def duplicated_names(self) -> set[str]:
        """Names that more than one test has."""
        seen = Counter(name for name, _ in self.keys)
        return {name for name, n in seen.items() if n > 1}


__all__ = ["Tally", "verdict_of"]
