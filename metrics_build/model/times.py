"""Conversion of user timestamps (datetime64, int nanoseconds, float seconds) to int64 nanoseconds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt

NS_PER_S = 1_000_000_000

TimeLike = int | float | np.integer[Any] | np.floating[Any] | np.datetime64 | dt.datetime


def to_ns_array(values: Any) -> npt.NDArray[np.int64]:
    """Nanoseconds since the epoch (or since the start, for relative times) as an int64 array.

    datetime64 of any unit is converted exactly; integers are taken as nanoseconds; floats as
    seconds, split into whole seconds and a rounded fraction so that epoch-sized values keep
    their sub-microsecond part (a float64 of ~1.7e18 ns would not).
    """
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        ns: npt.NDArray[np.int64] = arr.astype("datetime64[ns]").view(np.int64).copy()
        return ns
    if arr.dtype.kind in "iub":
        return arr.astype(np.int64)
    if arr.dtype.kind == "f":
        whole = np.floor(arr)
        frac_ns = np.rint((arr - whole) * NS_PER_S).astype(np.int64)
        total: npt.NDArray[np.int64] = whole.astype(np.int64) * NS_PER_S + frac_ns
        return total
    if arr.dtype.kind == "O" and all(isinstance(v, dt.datetime) for v in arr.ravel()):
        return np.array([to_ns(v) for v in arr.ravel()], dtype=np.int64).reshape(arr.shape)
    raise TypeError(f"timestamps must be datetime64, integer nanoseconds or float seconds, not {arr.dtype}")


def to_ns(value: TimeLike) -> int:
    """One timestamp as int nanoseconds (see `to_ns_array`); naive datetimes are taken as UTC."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        return (delta.days * 86_400 + delta.seconds) * NS_PER_S + delta.microseconds * 1_000
    return int(to_ns_array(np.asarray([value]))[0])


def split_ns(ns: int) -> tuple[int, int]:
    """(seconds, nanos) with 0 <= nanos < 1e9, as google.protobuf.Timestamp wants."""
    seconds, nanos = divmod(int(ns), NS_PER_S)
    return seconds, nanos
