"""What a comparison reads of one test: its outcome, job status and scalar metrics.

The narrow seam between where tests come from (a directory today, the platform API later) and the
statistics; the core `records.py` the lead is adding replaces these types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from metrics_build.model.enums import Status


class Outcome(StrEnum):
    """How a test ended: with metrics, or without (errored, or cancelled before it ran)."""

    OK = "ok"
    ERRORED = "errored"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Scalar:
    """One SCALAR metric of a test.

    Attributes:
        value: The value (may be ±inf; NaN never reaches here).
        status: The metric's status.
        unit: The unit, "" when unset.
        fails_above / fails_below: The metric's thresholds, when it has them.
        blocking: The metric's `blocking` flag, when set.
    """

    value: float
    status: Status
    unit: str = ""
    fails_above: float | None = None
    fails_below: float | None = None
    blocking: bool | None = None


@dataclass(frozen=True)
class SideTest:
    """One test of one side.

    Attributes:
        name: The key tests are matched by (experience or directory name; the job id when no name).
        outcome: OK when it has metrics; else why not.
        status: The job's metrics status (None unless OK).
        scalars: Scalar metrics by name (event metrics left out).
        job_id: The job id, when known.
        reason: Why the test has no metrics (errored or cancelled), one line.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class

    name: str
    outcome: Outcome
    status: Status | None = None
    scalars: Mapping[str, Scalar] = field(default_factory=dict)
    job_id: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Side:
    """One side of a comparison, its tests (any iterable, read once) and where they came from.

    An API-backed side plugs in by yielding `SideTest`s from a paged client.

    Attributes:
        label: Its role in messages ("baseline" or "candidate").
        tests: The tests.
        source: Where they came from, for people (a directory, a batch id).
    """

    label: str
    tests: Iterable[SideTest]
    source: str = ""


def is_failing(status: Status | None) -> bool:
    """True for FAIL_WARN and FAIL_BLOCK, the statuses that count as a failure in pass rates and flips."""
    return status in (Status.FAIL_WARN, Status.FAIL_BLOCK)
