"""Double over time and line plots: one line per series, thresholds, failing points, event lines."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from metrics_build.view.charts.common import (
    Chart,
    EventMark,
    axis,
    base_layout,
    event_shapes,
    failing_markers,
    label_of,
    text,
    thin,
    threshold_shapes,
    time_axis,
)
from metrics_build.view.lookup import Lookup, Part
from metrics_build.wire import metrics_pb2 as pb


def double_over_time(v: pb.DoubleOverTimeMetricValues, lookup: Lookup, events: Sequence[EventMark]) -> Chart:
    """Each series against its timestamp index; start/end time set the visible range."""
    notes: list[str] = []
    series: list[tuple[str, Part, npt.NDArray[np.int64]]] = []
    for i, ref in enumerate(v.doubles_over_time_data_id):
        status = v.statuses_over_time_data_id[i] if i < len(v.statuses_over_time_data_id) else None
        for part in lookup.parts(ref, status):
            if part.index is None or part.index_kind != "timestamps" or part.kind != "doubles":
                notes.append(f"{lookup.name(ref)}: not doubles over a timestamp index, not drawn")
                continue
            series.append((label_of(v.legend_series_names, i, lookup.name(ref), part), part, part.index))
    time = time_axis([index for _, _, index in series])
    traces = []
    for name, part, index in series:
        keep = thin(part, [part.values], notes, name)
        x, y = time.x(index[keep]), part.values[keep]
        statuses = part.statuses[keep] if part.statuses is not None else None
        traces.append({"type": "scatter", "mode": "lines", "name": text(name), "x": x, "y": y})
        traces.extend(failing_markers(x, y, statuses, name))
    x_axis = time.layout()
    ends = [time.at(t.seconds * 1_000_000_000 + t.nanos) if v.HasField(f) else None
            for f, t in (("start_time", v.start_time), ("end_time", v.end_time))]
    if all(e is not None for e in ends) and ends[0] != ends[1]:
        x_axis["range"] = ends
    y_name = v.y_axis_name if v.HasField("y_axis_name") else ""
    if not y_name and v.doubles_over_time_data_id:
        y_name = lookup.unit(v.doubles_over_time_data_id[0])
    layout = base_layout(xaxis=x_axis, yaxis=axis(y_name))
    layout["shapes"] = threshold_shapes(v.failure_definition) + event_shapes(events, time)
    return Chart({"data": traces, "layout": layout}, notes)


def line_plot(v: pb.LinePlotMetricValues, lookup: Lookup) -> Chart:
    """Each (x, y) pair as a line in its own order (a path may turn back on itself)."""
    notes: list[str] = []
    traces = []
    for i, (x_ref, y_ref) in enumerate(zip(v.x_doubles_data_id, v.y_doubles_data_id, strict=False)):
        status = v.statuses_data_id[i] if i < len(v.statuses_data_id) else None
        xs = {p.category: p for p in lookup.parts(x_ref)}
        for part in lookup.parts(y_ref, status):
            x_part = xs.get(part.category)
            if x_part is None or x_part.values.size != part.values.size or part.kind != "doubles":
                notes.append(f"{lookup.name(y_ref)}: x and y do not line up, not drawn")
                continue
            name = label_of(v.legend_series_names, i, lookup.name(y_ref), part)
            x, y = x_part.values.astype(np.float64), part.values
            keep = thin(part, [x, y], notes, name)
            statuses = part.statuses[keep] if part.statuses is not None else None
            traces.append({"type": "scatter", "mode": "lines+markers" if keep.size <= 50 else "lines",
                           "name": text(name), "x": x[keep], "y": y[keep]})
            traces.extend(failing_markers(x[keep], y[keep], statuses, name))
    x_name = v.x_axis_name if v.HasField("x_axis_name") else ""
    y_name = v.y_axis_name if v.HasField("y_axis_name") else ""
    return Chart({"data": traces, "layout": base_layout(xaxis=axis(x_name), yaxis=axis(y_name))}, notes)
