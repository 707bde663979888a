"""Reductions of one channel to one number, in pure NumPy (no per-sample Python).

NaN samples (kept only when `[sources] nonfinite = "keep"`) are ignored by every reduction; ±inf
take part. A reduction that has no answer (no samples, no time axis, a NaN result) raises
`NotApplicable` with the reason, and the metric becomes NOT_APPLICABLE.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from metrics_build.channels import Channel, ChannelKind

FloatArray = npt.NDArray[np.float64]
NS_PER_S = 1_000_000_000
# How reductions read in generated metric names ("speed p95", "speed max rate of change").
LABELS = {"max_rate_of_change": "max rate of change"}
# Reductions whose value has the channel's own unit.
SAME_UNIT = frozenset(("min", "max", "mean", "sum", "first", "last", "std", "p50", "p90", "p95", "p99"))
PERCENTILES = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}


class NotApplicable(Exception):
    """The metric cannot be computed from these logs; the message says why."""


def label(reduction: str) -> str:
    """The reduction as it reads in a metric name."""
    return LABELS.get(reduction, reduction)


def x_seconds(channel: Channel) -> tuple[FloatArray, str]:
    """The channel's x-axis in seconds from its first sample (timestamps), else its steps, else positions.

    Returns:
        The axis and its unit: "s" for timestamps, "step" otherwise.
    """
    if channel.timestamps_ns is not None:
        ts = channel.timestamps_ns
        return (ts - ts[0]).astype(np.float64) / NS_PER_S if ts.size else ts.astype(np.float64), "s"
    if channel.steps is not None:
        return channel.steps.astype(np.float64), "step"
    return np.arange(len(channel), dtype=np.float64), "step"


def unit_of(reduction: str, channel: Channel) -> str:
    """The unit of a reduction's value: the channel's for value-like ones, "s" for duration, ..."""
    if reduction in SAME_UNIT:
        return channel.unit
    if reduction == "duration":
        return "s"
    if reduction == "max_rate_of_change":
        per = "s" if channel.timestamps_ns is not None else "step"
        return f"{channel.unit}/{per}" if channel.unit else f"1/{per}"
    return ""


def _finite_mask(values: FloatArray) -> npt.NDArray[np.bool_] | None:
    """Mask of the non-NaN samples, or None when there is no NaN (the common, cheap case)."""
    nan = np.isnan(values)
    return ~nan if bool(nan.any()) else None


def reduce_channel(reduction: str, channel: Channel) -> float:
    """`reduction` of `channel` (see the module docstring for NaN and NOT_APPLICABLE).

    Raises:
        NotApplicable: no samples, a state channel with a numeric reduction, no time axis, ...
    """
    if channel.kind is ChannelKind.STATE:
        if reduction == "count":
            return float(len(channel))
        if reduction == "duration":
            return _duration(channel.timestamps_ns, channel.name)
        raise NotApplicable(f"channel {channel.name!r} holds states; {label(reduction)!r} needs numbers")
    values = channel.values
    mask = _finite_mask(values)
    if mask is not None:
        values = values[mask]
    if reduction == "count":
        return float(values.size)
    if values.size == 0:
        raise NotApplicable(f"channel {channel.name!r} has no samples")
    if reduction == "duration":
        ts = channel.timestamps_ns
        return _duration(ts if ts is None or mask is None else ts[mask], channel.name)
    if reduction == "max_rate_of_change":
        x, _ = x_seconds(channel)
        return _max_rate(values, x if mask is None else x[mask], channel.name)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is NaN, reported as not applicable
        value = reduce_values(reduction, values)
    return _checked(value, reduction, channel.name)


def reduce_values(reduction: str, values: FloatArray) -> float:
    """A value-only reduction (min ... p99, count) of a non-empty array without NaN."""
    if reduction == "count":
        return float(values.size)
    if reduction == "min":
        return float(values.min())
    if reduction == "max":
        return float(values.max())
    if reduction == "mean":
        return float(values.mean())
    if reduction == "sum":
        return float(values.sum())
    if reduction == "first":
        return float(values[0])
    if reduction == "last":
        return float(values[-1])
    if reduction == "std":
        return float(values.std())  # population (ddof=0)
    if reduction in PERCENTILES:
        return float(np.percentile(values, PERCENTILES[reduction]))
    raise NotApplicable(f"{label(reduction)!r} needs a time axis")


def _checked(value: float, reduction: str, name: str) -> float:
    if np.isnan(value):
        raise NotApplicable(f"{label(reduction)} of channel {name!r} is NaN (it mixes +inf and -inf)")
    return value


def _duration(ts: npt.NDArray[np.int64] | None, name: str) -> float:
    if ts is None:
        raise NotApplicable(f"channel {name!r} has no timestamps, so no duration")
    if ts.size == 0:
        raise NotApplicable(f"channel {name!r} has no samples")
    return float(int(ts[-1]) - int(ts[0])) / NS_PER_S


def _max_rate(values: FloatArray, x: FloatArray, name: str) -> float:
    dx = np.diff(x)
    dv = np.diff(values)
    keep = dx != 0
    if not bool(keep.any()):
        raise NotApplicable(f"channel {name!r} needs two samples at different times for a rate of change")
    with np.errstate(invalid="ignore", over="ignore"):
        rates = np.abs(dv[keep] / dx[keep])
    rates = rates[~np.isnan(rates)]
    if rates.size == 0:
        raise NotApplicable(f"the rate of change of channel {name!r} is NaN everywhere")
    return float(rates.max())

