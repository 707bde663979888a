"""Timestamps of any common spelling to int64 nanoseconds since the Unix epoch.

Accepted: numbers (seconds, milliseconds, microseconds or nanoseconds) and ISO-8601 text (a naive
time is UTC). The unit of numbers comes from the field name's suffix (`_s`, `_ms`, `_us`, `_ns`) or,
failing that, is fixed once per file from the first non-zero value's magnitude: below 1e11 seconds,
below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds. A time outside int64
nanoseconds (before 1677-09-21 or after 2262-04-11) is unusable, like a missing one.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from metrics_build.sources._numbers import parse_number

# Marks "no timestamp" inside int64 arrays; never a real time (it is before year 1678).
MISSING_NS = np.iinfo(np.int64).min

NS_PER = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
_SUFFIXES = (
    ("_ns", "ns"), ("_nsec", "ns"), ("_us", "us"), ("_usec", "us"), ("_ms", "ms"), ("_msec", "ms"),
    ("_s", "s"), ("_sec", "s"), ("_secs", "s"), ("_seconds", "s"),
)
_INT64_MAX = int(np.iinfo(np.int64).max)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ISO = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?"
)


def unit_from_name(name: str | None) -> int | None:
    """Nanoseconds per unit named by the field's suffix (`t_ms` -> 1e6), or None."""
    if not name:
        return None
    lower = name.lower()
    for suffix, unit in _SUFFIXES:
        if lower.endswith(suffix):
            return NS_PER[unit]
    return None


def unit_from_magnitude(value: float) -> int:
    """Nanoseconds per unit guessed from an epoch-like number's size."""
    size = abs(value)
    if size < 1e11:
        return NS_PER["s"]
    if size < 1e14:
        return NS_PER["ms"]
    if size < 1e17:
        return NS_PER["us"]
    return NS_PER["ns"]


def parse_iso_ns(text: str) -> int | None:
    """ISO-8601 date or date-time (nanosecond fractions kept; naive = UTC) -> ns, or None."""
    match = _ISO.fullmatch(text.strip())
    if match is None:
        return None
    date, clock, fraction, zone = match.groups()
    zone = "+00:00" if zone in (None, "Z", "z") else zone
    try:
        moment = datetime.fromisoformat(f"{date}T{clock or '00:00'}{zone}")
    except ValueError:
        return None
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    frac_ns = int((fraction or "").ljust(9, "0")[:9])
    ns = micros * 1000 + frac_ns
    return ns if -_INT64_MAX <= ns <= _INT64_MAX else None


def _scale(value: float, per_unit: int) -> int:
    # Large float times (epoch seconds) only carry microseconds; rounding there first keeps
    # 1700000000.05 s at ...050000000 ns instead of float noise in the last digits.
    if per_unit >= 1000 and abs(value) * per_unit >= 2.0**53:
        return round(value * (per_unit // 1000)) * 1000
    return round(value * per_unit)


class TimeAxis:
    """Converts one file's timestamps to ns, fixing the numeric unit on the first non-zero number."""

    def __init__(self, name: str | None = None, per_unit: int | None = None) -> None:
        self.per_unit = per_unit if per_unit is not None else unit_from_name(name)

    def use_name(self, name: str) -> None:
        """Take the unit from a time field's name suffix (`time_ms`) unless one is already fixed."""
        if self.per_unit is None:
            self.per_unit = unit_from_name(name)

    def _unit_for(self, value: float) -> int:
        if self.per_unit is None:
            if value == 0:
                return NS_PER["s"]
            self.per_unit = unit_from_magnitude(value)
        return self.per_unit

    def to_ns(self, value: Any) -> int | None:
        """One value (number, numeric text or ISO-8601 text) -> ns, or None when unusable."""
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int):
            ns = value * self._unit_for(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                return None
            ns = _scale(value, self._unit_for(value))
        elif isinstance(value, str):
            number = parse_number(value.strip())
            if number is not None:
                return self.to_ns(number) if math.isfinite(number) else None
            return parse_iso_ns(value)
        else:
            return None
        return ns if -_INT64_MAX <= ns <= _INT64_MAX else None

    def array_to_ns(self, raw: npt.NDArray[Any]) -> npt.NDArray[np.int64] | None:
        """A whole int64 or float64 column -> int64 ns; None when any value is out of range."""
        if raw.size == 0:
            return raw.astype(np.int64)
        nonzero = raw[raw != 0]
        unit = self._unit_for(float(nonzero[0]) if nonzero.size else 0.0)
        if raw.dtype.kind in "iu":
            limit = _INT64_MAX // unit
            if int(raw.max()) > limit or int(raw.min()) < -limit:
                return None
            return raw.astype(np.int64) * np.int64(unit)
        if not bool(np.isfinite(raw).all()):
            return None
        if bool((np.abs(raw) * unit >= 2.0**63).any()):
            return None
        big = np.abs(raw) * unit >= 2.0**53
        if unit >= 1000 and bool(big.any()):
            micros = np.round(raw * (unit // 1000)).astype(np.int64) * np.int64(1000)
            return np.where(big, micros, np.round(raw * unit).astype(np.int64))
        return np.round(raw * unit).astype(np.int64)

