"""What every chart shares: the figure type, text escaped for Plotly, time axes, thresholds, failing
points and event lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from metrics_build.view import status as st
from metrics_build.view.decimate import MAX_POINTS, keep_indices
from metrics_build.view.lookup import Part
from metrics_build.wire import metrics_pb2 as pb

YEAR_2000_NS = 946_684_800 * 1_000_000_000
Figure = dict[str, Any]


@dataclass
class Chart:
    """A Plotly figure (`data`, `layout`) and the notes shown under it (decimation, missing data)."""

    figure: Figure
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EventMark:
    """An event drawn as a vertical line on the charts of the metrics it names."""

    time_ns: int
    absolute: bool
    name: str
    status: int


def text(value: str) -> str:
    """User text for Plotly, which reads a few HTML tags and entities in labels: shown as written."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def base_layout(**axes: Any) -> Figure:
    """The layout every chart starts from; `axes` are merged in (xaxis=..., yaxis=...)."""
    layout: Figure = {
        "height": 340, "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
        "legend": {"orientation": "h", "y": -0.22}, "hovermode": "closest",
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "#fbfbfd",
    }
    layout.update(axes)
    return layout


def axis(title: str = "", **more: Any) -> Figure:
    """An axis with an (escaped) title."""
    out: Figure = {"automargin": True, **more}
    if title:
        out["title"] = {"text": text(title)}
    return out


@dataclass(frozen=True)
class ChartTimeAxis:
    """Absolute times go on a date axis (UTC), relative ones on a seconds axis."""

    absolute: bool

    def x(self, ns: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
        """Positions on the axis for nanosecond times: ISO dates (Plotly reads small millisecond numbers
        on a date axis as years), else seconds."""
        if self.absolute:
            return np.datetime_as_string(ns.astype("datetime64[ns]"), unit="us")
        return ns / 1e9

    def at(self, ns: int) -> str | float:
        """One position on the axis."""
        return str(self.x(np.array([ns], dtype=np.int64))[0]) if self.absolute else ns / 1e9

    def span(self, ns: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """Durations in the axis's units (milliseconds on a date axis, else seconds), e.g. bar lengths."""
        return ns / (1e6 if self.absolute else 1e9)

    def layout(self) -> Figure:
        """The Plotly axis."""
        return axis(type="date") if self.absolute else axis("time (s)")


def time_axis(times: Sequence[npt.NDArray[np.int64]]) -> ChartTimeAxis:
    """Times from the year 2000 on are absolute; smaller ones are durations since the start."""
    lows = [int(t.min()) for t in times if t.size]
    return ChartTimeAxis(absolute=bool(lows) and min(lows) >= YEAR_2000_NS)


def label_of(legend: Sequence[str], i: int, fallback: str, part: Part) -> str:
    """A trace's name: the legend entry, else the data's name, plus the category of grouped data."""
    name = legend[i] if i < len(legend) and legend[i] else fallback
    return f"{name}: {part.category}" if part.category is not None else name


def thin(part: Part, columns: Sequence[npt.NDArray[np.float64]], notes: list[str], what: str
         ) -> npt.NDArray[np.intp]:
    """Positions to draw of a part (min/max per bucket, the worst status kept), noting any thinning."""
    worst = None
    if part.statuses is not None and part.statuses.size:
        worst = np.select([part.statuses == status for status in st.FAILING],
                          [float(st.severity(status)) for status in st.FAILING], 0.0)
    keep = keep_indices(columns, worst=worst, limit=MAX_POINTS)
    if keep.size < part.values.size:
        notes.append(f"{what}: {part.values.size:,} points drawn as {keep.size:,} (minima, maxima and failing "
                     "points kept)")
    return keep


def failing_markers(x: npt.NDArray[Any], y: npt.NDArray[Any], statuses: npt.NDArray[np.int32] | None,
                    name: str) -> list[Figure]:
    """A marker trace per failing status (FAIL_WARN, FAIL_BLOCK) at the points that have it."""
    if statuses is None:
        return []
    traces = []
    for status in (pb.FAIL_WARN_METRIC_STATUS, pb.FAIL_BLOCK_METRIC_STATUS):
        where = statuses == status
        if where.any():
            traces.append({"type": "scatter", "mode": "markers", "x": x[where], "y": y[where],
                           "name": text(f"{name} ({st.label(status)})"),
                           "marker": {"color": st.color(status), "size": 7, "symbol": "x"}})
    return traces


def threshold_shapes(definitions: Sequence[pb.DoubleFailureDefinition], horizontal: bool = True) -> list[Figure]:
    """Dashed lines at every distinct fails_above / fails_below value."""
    shapes, seen = [], set()
    for definition in definitions:
        for key, value in (("fails_above", definition.fails_above), ("fails_below", definition.fails_below)):
            if not definition.HasField(key) or (key, value) in seen or not np.isfinite(value):
                continue
            seen.add((key, value))
            line = {"color": st.COLORS[pb.FAIL_BLOCK_METRIC_STATUS], "dash": "dash", "width": 1.5}
            if horizontal:
                shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": value, "y1": value,
                               "line": line, "label": {"text": key.replace("_", " ") + f" {value:g}",
                                                       "textposition": "end", "font": {"size": 10}}})
            else:
                shapes.append({"type": "line", "yref": "paper", "y0": 0, "y1": 1, "x0": value, "x1": value,
                               "line": line, "label": {"text": key.replace("_", " ") + f" {value:g}",
                                                       "textposition": "end", "font": {"size": 10}}})
    return shapes


def event_shapes(events: Sequence[EventMark], time: ChartTimeAxis, limit: int = 200, labelled: int = 6
                 ) -> list[Figure]:
    """Dotted vertical lines at the events that name the metric (those on the chart's kind of time),
    named when there are only a few."""
    shapes = []
    mine = [e for e in events if e.absolute == time.absolute][:limit]
    for event in mine:
        x = time.at(event.time_ns)
        shape: Figure = {"type": "line", "yref": "paper", "y0": 0, "y1": 1, "x0": x, "x1": x,
                         "line": {"color": st.color(event.status), "dash": "dot", "width": 1}}
        if len(mine) <= labelled:
            shape["label"] = {"text": text(event.name), "textposition": "end", "textangle": 0,
                              "font": {"size": 10, "color": st.color(event.status)}, "yanchor": "top"}
        shapes.append(shape)
    return shapes
