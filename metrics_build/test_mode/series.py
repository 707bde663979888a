"""Plot axes and plot-sized series: the time axis of a channel, min/max decimation, state change points.

Over-time plots need a TIMESTAMP index. A channel with timestamps uses them (absolute time); a
channel with only steps (or neither) uses step n as n seconds from t = 0 (relative time). Plots
keep at most `max_plot_points` points: numeric series keep the minimum and maximum of each of
`max_plot_points / 2` equal slices (so spikes and threshold crossings stay visible), state series
keep the samples where the state changes. Exports for batch mode are never decimated.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from metrics_build.channels import Channel

IntArray = npt.NDArray[np.int64]
IndexArray = npt.NDArray[np.intp]
NS_PER_S = 1_000_000_000


def axis_ns(channel: Channel) -> IntArray:
    """Nanoseconds per sample: timestamps, else steps (or positions) as seconds from t = 0."""
    if channel.timestamps_ns is not None:
        return channel.timestamps_ns
    steps = channel.steps if channel.steps is not None else np.arange(len(channel), dtype=np.int64)
    return steps.astype(np.int64) * NS_PER_S


def minmax_indices(values: npt.NDArray[np.float64], max_points: int) -> IndexArray | None:
    """Sorted sample positions keeping each slice's min and max (at most `max_points`), or None for all.

    The first and last sample are always kept. NaN samples may be kept as a slice's extreme.
    """
    n = int(values.shape[0])
    if n <= max_points:
        return None
    slices = max(1, (max_points - 2) // 2)
    width = -(-n // slices)  # ceil
    slices = -(-n // width)
    padded = values
    if slices * width != n:
        padded = np.concatenate([values, np.full(slices * width - n, values[-1])])
    blocks = padded.reshape(slices, width)
    base = np.arange(slices, dtype=np.intp) * width
    lows = base + np.argmin(blocks, axis=1)
    highs = base + np.argmax(blocks, axis=1)
    keep = np.concatenate([lows, highs, np.array([0, n - 1], dtype=np.intp)])
    return np.unique(np.minimum(keep, n - 1))


def change_indices(states: npt.NDArray[Any], max_points: int) -> IndexArray | None:
    """Positions where a state series changes (plus first and last), or None when it is short enough.

    When even the change points are more than `max_points`, an evenly spaced subset of them is kept.
    """
    n = int(states.shape[0])
    if n <= max_points:
        return None
    changes = np.flatnonzero(states[1:] != states[:-1]) + 1
    keep = np.unique(np.concatenate([np.array([0, n - 1], dtype=np.intp), changes.astype(np.intp)]))
    if keep.size > max_points:
        keep = keep[np.unique(np.linspace(0, keep.size - 1, max_points).astype(np.intp))]
    return keep


def take(array: npt.NDArray[Any], idx: IndexArray | None) -> npt.NDArray[Any]:
    """`array[idx]`, or `array` itself when `idx` is None (no copy)."""
    return array if idx is None else array[idx]


def step_slice(channel: Channel, start_step: int, end_step: int) -> Channel | None:
    """The samples of `channel` with start_step <= step <= end_step, or None when it has no steps.

    Steps are expected in order (as sources write them); unordered steps are sorted first.
    """
    steps = channel.steps
    if steps is None:
        return None
    order: IndexArray | None = None
    if steps.size > 1 and bool((steps[1:] < steps[:-1]).any()):
        order = np.argsort(steps, kind="stable")
        steps = steps[order]
    a = int(np.searchsorted(steps, start_step, side="left"))
    b = int(np.searchsorted(steps, end_step, side="right"))
    sel: Any = slice(a, b) if order is None else order[a:b]
    ts = channel.timestamps_ns
    return Channel(
        name=channel.name, kind=channel.kind, values=channel.values[sel],
        timestamps_ns=None if ts is None else ts[sel], steps=channel.steps[sel] if channel.steps is not None else None,
        unit=channel.unit, source=channel.source,
    )
