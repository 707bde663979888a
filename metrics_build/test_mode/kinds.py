"""One builder per metric kind of the config: a spec and the loaded channels → model metrics (pure).

Scalars, double summaries, bar charts and text live here; the plot kinds in `plots`. `build` runs the
builder of a spec's kind and turns `NotApplicable` into a NOT_APPLICABLE text metric.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from metrics_build import config as c
from metrics_build import model as m
from metrics_build.channels import ChannelKind
from metrics_build.test_mode import episodes as ep
from metrics_build.test_mode import events as ev
from metrics_build.test_mode import plots
from metrics_build.test_mode.building import (
    Built,
    common,
    failure_of,
    metric_event_style,
    point_statuses,
    verdict,
)
from metrics_build.test_mode.context import BuildContext
from metrics_build.test_mode.reduce import NotApplicable, reduce_channel, unit_of


def scalar(ctx: BuildContext, spec: c.ScalarSpec) -> Built:
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
        built.events = ev.threshold_events(ctx, channel, failure, metric_event_style(ctx, spec, metric))
    return built


def _result(ctx: BuildContext, name: str, job: str | None) -> float:
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


def double_summary(ctx: BuildContext, spec: c.DoubleSummarySpec) -> Built:
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


def bar_chart(ctx: BuildContext, spec: c.BarChartSpec) -> Built:
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


def text(ctx: BuildContext, spec: c.TextSpec) -> Built:
    """Markdown text, followed by a summary table of `channels` when given."""
    from metrics_build.test_mode.report import channel_table

    parts = [spec.text.strip()] if spec.text.strip() else []
    if spec.channels:
        parts.append(channel_table([ctx.loaded.channels.get(name) for name in spec.channels], spec.channels))
    return Built([m.TextMetric(text="\n\n".join(parts), status=ctx.base_status, **common(spec))])


BUILDERS: dict[str, Any] = {
    "scalar": scalar,
    "double_summary": double_summary,
    "double_over_time": plots.double_over_time,
    "line_plot": plots.line_plot,
    "histogram": plots.histogram,
    "states_over_time": plots.states_over_time,
    "bar_chart": bar_chart,
    "text": text,
}


def build(ctx: BuildContext, spec: c.MetricSpec) -> Built:
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
