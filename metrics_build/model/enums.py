"""Statuses, importances, series kinds and timestamp types, numbered exactly as on the wire."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum


class Status(IntEnum):
    """A metric's (or a point's, or the job's) verdict; NO_METRIC_STATUS (0) is never valid."""

    PASSED = 1
    FAIL_WARN = 2
    NOT_APPLICABLE = 3
    RAW = 4
    FAIL_BLOCK = 5


class Importance(IntEnum):
    """How prominently the platform shows a metric or event."""

    ZERO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    CRITICAL = 5


class SeriesKind(IntEnum):
    """Element kind of a series; the value is the un-indexed MetricsDataType number.

    The INDEXED_ variant of a kind is `kind + 5` on the wire.
    """

    DOUBLE = 1
    TIMESTAMP = 2
    UUID = 3
    STRING = 4
    STATUS = 5


class TimestampType(IntEnum):
    """Whether an event's timestamp is wall-clock (absolute) or from the start of the test (relative)."""

    ABSOLUTE = 1
    RELATIVE = 2


EXTERNAL_FILE_DATA_TYPE = 11


def rollup(statuses: Iterable[Status]) -> Status:
    """Job status: any FAIL_BLOCK → FAIL_BLOCK, else any FAIL_WARN → FAIL_WARN, else PASSED."""
    seen = set(statuses)
    if Status.FAIL_BLOCK in seen:
        return Status.FAIL_BLOCK
    if Status.FAIL_WARN in seen:
        return Status.FAIL_WARN
    return Status.PASSED
