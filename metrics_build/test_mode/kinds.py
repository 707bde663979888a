"""One builder per metric kind of the config: a spec and the loaded channels → model metrics (pure).

Statuses: a metric with thresholds is FAIL_BLOCK / FAIL_WARN (its `severity`) when its value, or any
sample it covers, is outside them, else PASSED; a metric without thresholds takes the configured
base status (PASSED, or RAW). A builder raises `NotApplicable` when the logs cannot answer it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from metrics_build import config as c
from metrics_build import model as m
from metrics_build.channels import Channel, ChannelKind
from metrics_build.test_mode import episodes as ep
from metrics_build.test_mode import events as ev
from metrics_build.test_mode.context import Context, fail_status, importance
from metrics_build.test_mode.reduce import NotApplicable, reduce_channel, unit_of
from metrics_build.test_mode.series import axis_ns, change_indices, minmax_indices, take


@dataclass
class Built:
    """What one spec produced: metrics in output order, and events still waiting for their times."""

    metrics: list[m.Metric] = field(default_factory=list)
    events: list[ev.PendingEvent] = field(default_factory=list)


def common(spec: Any) -> dict[str, Any]:
    """The Metric fields every spec sets the same way."""
    return {
        "name": spec.name,
        "description": spec.description,
        "importance": importance(spec.importance),
        "tags": tuple(sorted(spec.tags.items())),
        "order": spec.order,
        "should_display": spec.display,
    }


def failure_of(spec: Any) -> m.FailureDefinition | None:
    """The spec's thresholds as a failure definition, or None without thresholds."""
    if spec.fails_above is None and spec.fails_below is None:
        return None
    return m.FailureDefinition(fails_above=spec.fails_above, fails_below=spec.fails_below)


def verdict(ctx: Context, spec: Any, failure: m.FailureDefinition | None, values: npt.NDArray[Any]) -> m.Status:
    """The metric status: failing severity if any of `values` fails, PASSED if none, base without limits."""
    if failure is None:
        return ctx.base_status
    return fail_status(spec.severity) if bool(failure.failing(values).any()) else m.Status.PASSED


def point_statuses(ctx: Context, spec: Any, failure: m.FailureDefinition | None,
                   values: npt.NDArray[np.float64]) -> npt.NDArray[np.int8]:
    """Per-sample statuses: failing samples take the severity, the others PASSED (base without limits)."""
    if failure is None:
        return np.full(values.shape, ctx.base_status, dtype=np.int8)
    return np.where(failure.failing(values), fail_status(spec.severity), m.Status.PASSED).astype(np.int8)


def _style(ctx: Context, spec: Any, metric: m.Metric) -> ev.EventStyle:
    return ev.EventStyle(name=spec.name, severity=spec.severity, importance=importance(spec.importance),
                         linked=[metric], max_events=100)


def scalar(ctx: Context, spec: c.ScalarSpec) -> Built:
    """A reduction of a channel, or an eval-runner result."""
    failure = failure_of(spec)
    if spec.result is not None:
        value, unit = _result(ctx, spec.result, spec.job), ""
        channel = None
    else:
        assert spec.channel is not None and spec.reduce is not None  # guaranteed by ScalarSpec's validator
        channel = ctx.channel(spec.channel)
        value = reduce_channel(spec.reduce, channel)
        unit = unit_of(spec.reduce, channel)
    metric = m.ScalarMetric(value=value, unit=spec.unit if spec.unit is not None else unit, failure=failure,
                            status=verdict(ctx, spec, failure, np.array([value])), **common(spec))
    built = Built([metric])
    if spec.events and channel is not None and failure is not None and channel.kind is ChannelKind.NUMERIC:
        built.events = ev.threshold_events(ctx, channel, failure, _style(ctx, spec, metric))
    return built


def _result(ctx: Context, name: str, job: str | None) -> float:
    results = ctx.loaded.results
    jobs = [job] if job is not None else [j for j, values in results.items() if name in values]
    if not jobs or jobs[0] not in results or name not in results[jobs[0]]:
        where = f" of job {job!r}" if job is not None else ""
        raise NotApplicable(f"result {name!r}{where} was not found in the logs")
    if len(jobs) > 1:
        raise NotApplicable(f"result {name!r} is in several jobs ({', '.join(sorted(jobs))}); set `job`")
    value = results[jobs[0]][name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NotApplicable(f"result {name!r} is not a number")
    if np.isnan(value):
        raise NotApplicable(f"result {name!r} is NaN")
    return float(value)


def double_summary(ctx: Context, spec: c.DoubleSummarySpec) -> Built:
    """A reduction shown as one element of a double series: the sample itself for min/max/first/last."""
    channel = ctx.numeric(spec.channel)
    value = reduce_channel(spec.reduce, channel)
    failure = failure_of(spec)
    position = _position(spec.reduce, channel.values)
    if position is not None:
        data = ctx.values_data(channel)
    else:
        data = m.doubles(ctx.names.unique(f"{spec.name} value"), [value], unit=unit_of(spec.reduce, channel))
        position = 0
    value_status = m.same_shape_statuses(f"{data.name} status ({spec.name})", data,
                                         point_statuses(ctx, spec, failure, data.values))
    metric = m.DoubleSummaryMetric(value=data, value_status=value_status, index=position, failure=failure,
                                   status=verdict(ctx, spec, failure, np.array([value])), **common(spec))
    return Built([metric])


def _position(reduction: str, values: npt.NDArray[np.float64]) -> int | None:
    """Where the reduction's value sits in the series (min, max, first, last), else None."""
    finite = np.flatnonzero(~np.isnan(values))
    if finite.size == 0:
        return None
    if reduction == "first":
        return int(finite[0])
    if reduction == "last":
        return int(finite[-1])
    if reduction in ("min", "max"):
        return int(np.nanargmin(values) if reduction == "min" else np.nanargmax(values))
    return None


def double_over_time(ctx: Context, spec: c.DoubleOverTimeSpec) -> Built:
    """Channels over a timestamp index, decimated to `max_points`; thresholds judge every sample."""
    channels = [ctx.numeric(name) for name in spec.channels]
    failure = failure_of(spec)
    limit = spec.max_points or ctx.max_plot_points
    series: list[m.Data] = []
    failing = False
    for ch in channels:
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
            built.events += ev.threshold_events(ctx, ch, failure, _style(ctx, spec, metric))
    return built


def line_plot(ctx: Context, spec: c.LinePlotSpec) -> Built:
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


def _x_for(ctx: Context, x: str, ch: Channel, origin: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
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


def histogram(ctx: Context, spec: c.HistogramSpec) -> Built:
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


def states_over_time(ctx: Context, spec: c.StatesOverTimeSpec) -> Built:
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
            built.events += ev.state_events(ctx, ch, w, spec.failure_states, _style(ctx, spec, metric))
    return built


def bar_chart(ctx: Context, spec: c.BarChartSpec) -> Built:
    """Bars of a reduction: one per channel, or one per episode (a series per channel)."""
    failure = failure_of(spec)
    channels = [ctx.channel(name) for name in spec.channels]
    if spec.per_episode:
        labels, table = ep.per_episode(ctx.loaded.episodes, channels, spec.reduce)
        columns = [table[:, i] for i in range(len(channels))]
        legend = [ch.name for ch in channels]
    else:
        labels = [ch.name for ch in channels]
        columns = [np.array([reduce_channel(spec.reduce, ch) for ch in channels])]
        legend = [spec.name]
    label_data = m.strings(ctx.names.unique(f"{spec.name} labels"), labels)
    status = verdict(ctx, spec, failure, np.concatenate(columns))
    values: list[m.Data] = []
    statuses: list[m.Data] = []
    for name, column in zip(legend, columns, strict=True):
        data = m.doubles(ctx.names.unique(f"{spec.name}: {name}" if spec.per_episode else f"{spec.name} values"),
                         column, index=label_data)
        st = m.same_shape_statuses(f"{data.name} status ({spec.name})", data,
                                   point_statuses(ctx, spec, failure, column))
        values.append(data)
        statuses.append(st)
    metric = m.BarChartMetric(values=values, statuses=statuses, legend=legend, status=status,
                              x_axis_name=spec.x_axis_name if spec.x_axis_name is not None else
                              ("episode" if spec.per_episode else "channel"),
                              y_axis_name=spec.y_axis_name, **common(spec))
    return Built([metric])


def text(ctx: Context, spec: c.TextSpec) -> Built:
    """Markdown text, followed by a summary table of `channels` when given."""
    from metrics_build.test_mode.report import channel_table

    parts = [spec.text.strip()] if spec.text.strip() else []
    if spec.channels:
        parts.append(channel_table([ctx.loaded.channels.get(name) for name in spec.channels], spec.channels))
    return Built([m.TextMetric(text="\n\n".join(parts), status=ctx.base_status, **common(spec))])


BUILDERS: dict[str, Any] = {
    "scalar": scalar,
    "double_summary": double_summary,
    "double_over_time": double_over_time,
    "line_plot": line_plot,
    "histogram": histogram,
    "states_over_time": states_over_time,
    "bar_chart": bar_chart,
    "text": text,
}


def build(ctx: Context, spec: c.MetricSpec) -> Built:
    """Run the builder of `spec.kind`; a `NotApplicable` becomes a NOT_APPLICABLE text metric."""
    try:
        built: Built = BUILDERS[spec.kind](ctx, spec)
    except NotApplicable as reason:
        fields = common(spec)
        note = f"Not applicable: {reason}."
        return Built([m.TextMetric(text=note, status=m.Status.NOT_APPLICABLE, **fields)])
    for metric in built.metrics:
        for data in metric.data():
            if isinstance(data, m.SeriesData) and data.name.endswith(f" status ({metric.name})"):
                ctx.names.claim(data.name)
    return built
