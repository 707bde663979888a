"""Plotly figures for the metric types the platform draws as charts; `chart_for` picks the builder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf import json_format

from metrics_build.view.charts.bars import bar_chart, batchwise_bar_chart, histogram
from metrics_build.view.charts.common import Chart, EventMark
from metrics_build.view.charts.lines import double_over_time, line_plot
from metrics_build.view.charts.states import states_over_time
from metrics_build.view.lookup import Lookup
from metrics_build.wire import metrics_pb2 as pb

CHART_TYPES = frozenset({
    pb.DOUBLE_OVER_TIME_METRIC_TYPE, pb.LINE_PLOT_METRIC_TYPE, pb.BAR_CHART_METRIC_TYPE,
    pb.BATCHWISE_BAR_CHART_METRIC_TYPE, pb.STATES_OVER_TIME_METRIC_TYPE, pb.HISTOGRAM_METRIC_TYPE,
    pb.PLOTLY_METRIC_TYPE,
})
"""Metric types drawn as one chart each."""

_MEMBERS = {
    "double_over_time_metric_values", "line_plot_metric_values", "bar_chart_metric_values",
    "batchwise_bar_chart_metric_values", "states_over_time_metric_values", "histogram_metric_values",
    "plotly_metric_values",
}


def is_chart(metric: pb.Metric) -> bool:
    """True when the metric's values are of a charted kind (the values decide, not the type field)."""
    return metric.metric_values.WhichOneof("metric_values") in _MEMBERS


def _title_objects(layout: dict[str, Any]) -> None:
    # plotly.js 3 draws only {"text": ...} titles; figures made with older plotly.py often hold plain
    # strings (as the platform's own examples do), which would otherwise lose their titles.
    for key, value in layout.items():
        if key == "title" and isinstance(value, str):
            layout[key] = {"text": value}
        elif key.startswith(("xaxis", "yaxis", "zaxis")) and isinstance(value, dict) \
                and isinstance(value.get("title"), str):
            value["title"] = {"text": value["title"]}


def plotly_figure(v: pb.PlotlyMetricValues) -> Chart:
    """The stored figure as is (its data, layout, frames and config), titles in the form plotly.js 3 reads."""
    figure: dict[str, Any] = json_format.MessageToDict(v.json)
    if "data" not in figure:
        figure["data"] = []
    if isinstance(figure.get("layout"), dict):
        _title_objects(figure["layout"])
    return Chart(figure, [] if figure["data"] else ["the stored figure has no data"])


def chart_for(metric: pb.Metric, lookup: Lookup, events: Sequence[EventMark]) -> Chart | None:
    """The metric's chart, or None when it is not a charted kind.

    Args:
        metric: the metric.
        lookup: the message it belongs to.
        events: events naming this metric, drawn on time axes.
    """
    mv = metric.metric_values
    member = mv.WhichOneof("metric_values")
    if member == "double_over_time_metric_values":
        return double_over_time(mv.double_over_time_metric_values, lookup, events)
    if member == "states_over_time_metric_values":
        return states_over_time(mv.states_over_time_metric_values, lookup, events)
    if member == "line_plot_metric_values":
        return line_plot(mv.line_plot_metric_values, lookup)
    if member == "bar_chart_metric_values":
        return bar_chart(mv.bar_chart_metric_values, lookup)
    if member == "batchwise_bar_chart_metric_values":
        return batchwise_bar_chart(mv.batchwise_bar_chart_metric_values, lookup)
    if member == "histogram_metric_values":
        return histogram(mv.histogram_metric_values, lookup)
    if member == "plotly_metric_values":
        return plotly_figure(mv.plotly_metric_values)
    return None


__all__ = ["CHART_TYPES", "Chart", "EventMark", "chart_for", "is_chart"]
