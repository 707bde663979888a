"""Builders of the plot kinds: double over time, line plot, histogram, states over time (pure).

Plots are decimated to `max_points` (see `series`); thresholds and failure states are judged on every
sample, and the metric's status says whether any sample failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from metrics_build import config as c
from metrics_build import model as m
from metrics_build.channels import Channel, ChannelKind
from metrics_build.test_mode import events as ev
from metrics_build.test_mode.building import (
    Built,
    common,
    failure_of,
    metric_event_style,
    point_statuses,
    verdict,
)
from metrics_build.test_mode.context import BuildContext, fail_status
from metrics_build.test_mode.reduce import NotApplicable
from metrics_build.test_mode.series import axis_ns, change_indices, minmax_indices, take


def double_over_time(ctx: BuildContext, spec: c.DoubleOverTimeSpec) -> Built:
    """Channels over a timestamp index, decimated to `max_points`; thresholds judge every sample."""
    channels = [ctx.numeric(name) for name in spec.channels]
    failure = failure_of(spec)
    limit = spec.max_points or ctx.max_plot_points
    series: list[m.Data] = []
    failing = False
    for ch in channels:
        if bool(np.isnan(ch.values).all()):
            raise NotApplicable(f"channel {ch.name!r} has only NaN samples")
        idx = minmax_indices(ch.values, limit)
        index = ctx.time_index(ch, take(axis_ns(ch), idx))
        series.append(m.doubles(ctx.names.unique(ch.name), take(ch.values, idx), unit=ch.unit, index=index))
        failing = failing or (failure is not None and bool(failure.failing(ch.values).any()))
    status = fail_status(spec.severity) if failing else (ctx.base_status if failure is None else m.Status.PASSED)
    units = sorted({ch.unit for ch in channels if ch.unit})
    metric = m.DoubleOverTimeMetric(
        series=series, failures=[failure or m.FailureDefinition() for _ in series], status=status,
        y_axis_name=spec.y_axis_name if spec.y_axis_name is not None else (", ".join(units) or None),
        legend=[ch.name for ch in channels], **common(spec),
    )
    built = Built([metric])
    if spec.events and failure is not None:
        for ch in channels:
            built.events += ev.threshold_events(ctx, ch, failure, metric_event_style(ctx, spec, metric))
    return built


def line_plot(ctx: BuildContext, spec: c.LinePlotSpec) -> Built:
    """Each channel (y) against `x`: "step", "time" (seconds from the first sample) or a channel."""
    ys = [ctx.numeric(name) for name in spec.channels]
    failure = failure_of(spec)
    limit = spec.max_points or ctx.max_plot_points
    origin = _origin(ys) if spec.x == "time" else 0
    lines = []
    failing = False
    for ch in ys:
        x, y = _x_for(ctx, spec.x, ch, origin)
        idx = minmax_indices(y, limit)
        fail_mask = failure.failing(y) if failure is not None else np.zeros(y.shape, dtype=bool)
        failing = failing or bool(fail_mask.any())
        lines.append((ch, take(x, idx), take(y, idx), take(fail_mask, idx)))
    status = fail_status(spec.severity) if failing else (ctx.base_status if failure is None else m.Status.PASSED)
    xs: list[m.Data] = []
    yd: list[m.Data] = []
    statuses: list[m.Data] = []
    for ch, x, y, mask in lines:
        xs.append(m.doubles(ctx.names.unique(f"{ch.name} {spec.x}"), x))
        y_data = m.doubles(ctx.names.unique(ch.name), y, unit=ch.unit)
        yd.append(y_data)
        ok = m.Status.PASSED if failure is not None else ctx.base_status
        per_point = np.where(mask, fail_status(spec.severity), ok).astype(np.int8)
        statuses.append(m.same_shape_statuses(f"{y_data.name} status ({spec.name})", y_data, per_point))
    metric = m.LinePlotMetric(x=xs, y=yd, statuses=statuses, status=status,
                              x_axis_name=spec.x_axis_name if spec.x_axis_name is not None else spec.x,
                              y_axis_name=spec.y_axis_name, legend=[ch.name for ch in ys], **common(spec))
    return Built([metric])


def _origin(channels: Sequence[Channel]) -> int:
    firsts = [int(ch.timestamps_ns[0]) for ch in channels if ch.timestamps_ns is not None]
    if len(firsts) != len(channels):
        raise NotApplicable("x = \"time\" needs timestamps, and not every channel has them")
    return min(firsts)


def _x_for(ctx: BuildContext, x: str, ch: Channel,
           origin: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(x, y) arrays of equal length for one line."""
    if x == "time":
        assert ch.timestamps_ns is not None  # checked by _origin
        return (ch.timestamps_ns - origin).astype(np.float64) / 1e9, ch.values
    if x == "step":
        steps = ch.steps if ch.steps is not None else np.arange(len(ch), dtype=np.int64)
        return steps.astype(np.float64), ch.values
    other = ctx.numeric(x)
    for axis in ("timestamps_ns", "steps"):
        a, b = getattr(other, axis), getattr(ch, axis)
        if a is not None and b is not None:
            _, ia, ib = np.intersect1d(a, b, assume_unique=False, return_indices=True)
            if ia.size == 0:
                break
            return other.values[ia], ch.values[ib]
    raise NotApplicable(f"channels {x!r} and {ch.name!r} share no timestamps or steps to pair samples")


def histogram(ctx: BuildContext, spec: c.HistogramSpec) -> Built:
    """The channel's samples in fixed buckets; thresholds judge every sample."""
    channel = ctx.numeric(spec.channel)
    values = channel.values
    nan = np.isnan(values)
    if bool(nan.any()):
        values = values[~nan]
        if values.size == 0:
            raise NotApplicable(f"channel {channel.name!r} has only NaN samples")
        data = m.doubles(ctx.names.unique(channel.name), values, unit=channel.unit)
    else:
        data = ctx.values_data(channel)
    failure = failure_of(spec)
    status = verdict(ctx, spec, failure, values)
    value_status = m.same_shape_statuses(f"{data.name} status ({spec.name})", data,
                                         point_statuses(ctx, spec, failure, values))
    metric = m.HistogramMetric(values=data, value_status=value_status, buckets=m.histogram_buckets(spec.bucket_edges()),
                               x_axis_name=spec.x_axis_name if spec.x_axis_name is not None else (channel.unit or None),
                               status=status, **common(spec))
    return Built([metric])


def cased(values: npt.NDArray[Any], case: str) -> npt.NDArray[np.str_]:
    """State words in the configured letter case ("keep", "lower", "upper")."""
    arr = np.asarray(values, dtype=np.str_)
    if case == "lower":
        return np.char.lower(arr)
    if case == "upper":
        return np.char.upper(arr)
    return arr


def states_over_time(ctx: BuildContext, spec: c.StatesOverTimeSpec) -> Built:
    """State channels over a timestamp index; the metric fails when a failure state occurs."""
    channels = [ctx.channel(name) for name in spec.channels]
    for ch in channels:
        if ch.kind is not ChannelKind.STATE:
            raise NotApplicable(f"channel {ch.name!r} holds numbers, not states")
    words = [cased(ch.values, spec.case) for ch in channels]
    seen = sorted(set().union(*(np.unique(w).tolist() for w in words)))
    states_set = list(spec.states) if spec.states is not None else sorted(set(seen) | set(spec.failure_states))
    extra = [s for s in seen if s not in states_set]
    description = spec.description
    if extra:
        states_set += extra
        description = (description + " " if description else "") + f"(states not in the config: {', '.join(extra)})"
    limit = spec.max_points or ctx.max_plot_points
    series: list[m.Data] = []
    bad = np.asarray(spec.failure_states, dtype=np.str_)
    failing = any(bool(np.isin(w, bad).any()) for w in words)
    for ch, w in zip(channels, words, strict=True):
        idx = change_indices(w, limit)
        index = ctx.time_index(ch, take(axis_ns(ch), idx))
        series.append(m.strings(ctx.names.unique(ch.name), take(w, idx), unit=ch.unit, index=index))
    status = fail_status(spec.severity) if failing else (ctx.base_status if not spec.failure_states
                                                          else m.Status.PASSED)
    fields = {**common(spec), "description": description}
    metric = m.StatesOverTimeMetric(states=series, states_set=states_set, failure_states=list(spec.failure_states),
                                    status=status, legend=[ch.name for ch in channels], **fields)
    built = Built([metric])
    if spec.events:
        for ch, w in zip(channels, words, strict=True):
            built.events += ev.state_events(ctx, ch, w, spec.failure_states, metric_event_style(ctx, spec, metric))
    return built
