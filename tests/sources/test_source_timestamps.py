"""Timestamps: units by name and magnitude, ISO-8601 with zones and nanoseconds, range limits."""

from __future__ import annotations

import numpy as np
import pytest

from metrics_build.sources._timestamps import TimeAxis, parse_iso_ns, unit_from_name

SECOND = 1_000_000_000


@pytest.mark.parametrize("text, expected", [
    ("1970-01-01T00:00:00Z", 0),
    ("2024-05-01T12:00:00Z", 1_714_564_800 * SECOND),
    ("2024-05-01T12:00:00", 1_714_564_800 * SECOND),            # naive = UTC
    ("2024-05-01 14:00:00+02:00", 1_714_564_800 * SECOND),
    ("2024-05-01T12:00:00.5Z", 1_714_564_800 * SECOND + 500_000_000),
    ("2024-05-01T12:00:00.123456789Z", 1_714_564_800 * SECOND + 123_456_789),
    ("2024-05-01T12:00:00,25-0130", 1_714_564_800 * SECOND + 5_400 * SECOND + 250_000_000),
    ("2024-05-01", 1_714_521_600 * SECOND),
    ("1969-12-31T23:59:59Z", -SECOND),
])
def test_iso_8601(text: str, expected: int) -> None:
    assert parse_iso_ns(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "2024-05-01T25:00:00", "", "2024-05-01T12:00:00Q"])
def test_not_iso_8601(text: str) -> None:
    assert parse_iso_ns(text) is None


@pytest.mark.parametrize("name, unit", [("time_ns", 1), ("t_us", 1_000), ("stamp_ms", 1_000_000), ("time_s", SECOND),
                                        ("timestamp", None), ("Time_SEC", SECOND)])
def test_unit_from_name(name: str, unit: int | None) -> None:
    assert unit_from_name(name) == unit


@pytest.mark.parametrize("value, expected", [
    (1_700_000_000, 1_700_000_000 * SECOND),                 # seconds
    (1_700_000_000_123, 1_700_000_000_123_000_000),          # milliseconds
    (1_700_000_000_123_456, 1_700_000_000_123_456_000),      # microseconds
    (1_700_000_000_123_456_789, 1_700_000_000_123_456_789),  # nanoseconds
    (12.5, 12_500_000_000),                                  # small float seconds (sim time)
    (1700000000.05, 1_700_000_000_050_000_000),              # no float noise in the last digits
])
def test_numeric_unit_from_the_first_value(value: float, expected: int) -> None:
    assert TimeAxis().to_ns(value) == expected


def test_unit_is_fixed_once_per_file() -> None:
    axis = TimeAxis()
    assert axis.to_ns(0) == 0
    assert axis.to_ns(1_700_000_000_000) == 1_700_000_000_000_000_000  # ms, fixed now
    assert axis.to_ns(5) == 5_000_000                                 # still ms
    assert axis.to_ns("1700000000001") == 1_700_000_000_001_000_000


@pytest.mark.parametrize("value", [None, True, float("nan"), float("inf"), [1], {"a": 1}, 10**30, 1e300, "soon"])
def test_unusable_values(value: object) -> None:
    assert TimeAxis(per_unit=SECOND).to_ns(value) is None


def test_columns_match_single_values() -> None:
    raw = np.array([1700000000.0, 1700000000.05, 1700000000.123456, 1700000001.999999])
    column = TimeAxis().array_to_ns(raw)
    assert column is not None
    assert column.tolist() == [TimeAxis().to_ns(float(v)) for v in raw]
    ints = TimeAxis().array_to_ns(np.array([1_700_000_000_000, 1_700_000_000_001], dtype=np.int64))
    assert ints is not None and ints.tolist() == [1_700_000_000_000_000_000, 1_700_000_000_001_000_000]
    assert TimeAxis().array_to_ns(np.array([1.0, np.nan])) is None
    assert TimeAxis(per_unit=SECOND).array_to_ns(np.array([10**17], dtype=np.int64)) is None
