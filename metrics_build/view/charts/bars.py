"""Bar charts (labelled by their string index), batchwise bar charts (over time, per category) and
histograms (counts of the values in the metric's buckets)."""

from __future__ import annotations

import re

import numpy as np

from metrics_build.view import status as st
from metrics_build.view.charts.common import Chart, axis, base_layout, label_of, text, time_axis
from metrics_build.view.decimate import MAX_POINTS
from metrics_build.view.lookup import Lookup
from metrics_build.wire import metrics_pb2 as pb

_COLOR = re.compile(r"#([0-9a-fA-F]{2}){3,4}")


def _bar_colors(statuses: np.ndarray | None) -> list[str] | None:
    if statuses is None or not np.isin(statuses, st.FAILING).any():
        return None
    return [st.color(int(s)) if int(s) in st.FAILING else st.COLORS[pb.PASSED_METRIC_STATUS] for s in statuses]


def bar_chart(v: pb.BarChartMetricValues, lookup: Lookup) -> Chart:
    """One trace per values series; bars coloured by status when any fails."""
    notes: list[str] = []
    traces = []
    for i, ref in enumerate(v.values_data_id):
        status = v.statuses_data_id[i] if i < len(v.statuses_data_id) else None
        for part in lookup.parts(ref, status):
            labels = part.index if part.index is not None else np.arange(part.values.size).astype(str)
            if part.kind != "doubles" or part.values.size > MAX_POINTS:
                notes.append(f"{lookup.name(ref)}: not drawn ({part.values.size:,} {part.kind or 'empty'} values)")
                continue
            trace = {"type": "bar", "name": text(label_of(v.legend_series_names, i, lookup.name(ref), part)),
                     "x": [text(str(label)) for label in labels], "y": part.values}
            colors = _bar_colors(part.statuses)
            if colors:
                trace["marker"] = {"color": colors}
            traces.append(trace)
    x_name = v.x_axis_name if v.HasField("x_axis_name") else ""
    y_name = v.y_axis_name if v.HasField("y_axis_name") else ""
    layout = base_layout(xaxis=axis(x_name, type="category"), yaxis=axis(y_name),
                         barmode="stack" if v.stack_bars else "group")
    return Chart({"data": traces, "layout": layout}, notes)


def _rgba(color: str) -> str:
    """#RRGGBB or #RRGGBBAA as a CSS colour Plotly reads; anything else is not used."""
    if not _COLOR.fullmatch(color):
        return ""
    channels = [int(color[i:i + 2], 16) for i in range(1, len(color), 2)]
    alpha = channels[3] / 255 if len(channels) == 4 else 1.0
    return f"rgba({channels[0]},{channels[1]},{channels[2]},{alpha:.3g})"


def batchwise_bar_chart(v: pb.BatchwiseBarChartMetricValues, lookup: Lookup) -> Chart:
    """Per category, a bar per batch at the batch's time; categories stacked when the metric says so."""
    notes: list[str] = []
    found = []
    for i, category in enumerate(v.categories):
        if i >= len(v.values_data_id) or i >= len(v.times_data_id):
            notes.append(f"category {category}: no data")
            continue
        value_parts = {p.category: p for p in lookup.parts(v.values_data_id[i])}
        time_parts = {p.category: p for p in lookup.parts(v.times_data_id[i])}
        key = category if category in value_parts else next(iter(value_parts), None)
        value, time = value_parts.get(key), time_parts.get(key)
        if value is None or time is None or time.kind != "timestamps" or time.values.size != value.values.size:
            notes.append(f"category {category}: times and values do not line up, not drawn")
            continue
        found.append((i, category, value.values, time.values))
    axis_time = time_axis([t for *_, t in found])
    traces = []
    for i, category, values, times in found:
        trace = {"type": "bar", "name": text(category), "x": axis_time.x(times), "y": values}
        color = _rgba(v.colors[i]) if i < len(v.colors) else ""
        if color:
            trace["marker"] = {"color": color}
        traces.append(trace)
    x_name = v.x_axis_name if v.HasField("x_axis_name") else ""
    y_name = v.y_axis_name if v.HasField("y_axis_name") else ""
    x_axis = axis_time.layout()
    if x_name:
        x_axis["title"] = {"text": text(x_name)}
    layout = base_layout(xaxis=x_axis, yaxis=axis(y_name), barmode="stack" if v.stack_bars else "group")
    return Chart({"data": traces, "layout": layout}, notes)


def histogram(v: pb.HistogramMetricValues, lookup: Lookup) -> Chart:
    """The values counted into the metric's buckets (the last bucket closed, as the platform bins)."""
    notes: list[str] = []
    edges = [b.lower for b in v.buckets] + ([v.buckets[-1].upper] if v.buckets else [])
    values = np.concatenate([p.values for p in lookup.parts(v.values_data_id) if p.kind == "doubles"] or
                            [np.zeros(0)])
    traces = []
    if len(edges) >= 2 and np.all(np.diff(edges) > 0):
        finite = values[np.isfinite(values)]
        counts, _ = np.histogram(finite, bins=edges)
        outside = int(((finite < edges[0]) | (finite > edges[-1])).sum())
        if outside or finite.size < values.size:
            notes.append(f"{outside + values.size - finite.size:,} of {values.size:,} values outside the buckets "
                         "or not finite")
        lower, upper = np.asarray(edges[:-1]), np.asarray(edges[1:])
        traces.append({"type": "bar", "x": (lower + upper) / 2, "y": counts, "width": upper - lower,
                       "name": "count", "customdata": np.stack([lower, upper], axis=1),
                       "hovertemplate": "[%{customdata[0]:.4g}, %{customdata[1]:.4g}): %{y}<extra></extra>",
                       "marker": {"line": {"width": 1, "color": "#ffffff"}}})
    else:
        notes.append("the buckets are not contiguous and increasing, not drawn")
    x_name = v.x_axis_name if v.HasField("x_axis_name") else lookup.unit(v.values_data_id)
    layout = base_layout(xaxis=axis(x_name), yaxis=axis("count"), bargap=0)
    return Chart({"data": traces, "layout": layout}, notes)

