"""States over time as a timeline: one row per state, a bar for each stretch of time spent in it.

A stretch runs from a sample to the next sample. With more stretches than a chart should draw, time is
cut into equal slices and a state's bar covers every slice in which it occurs, so short visits to a
(failure) state stay visible at any length.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from metrics_build.view import status as st
from metrics_build.view.charts.common import (
    Chart,
    EventMark,
    axis,
    base_layout,
    event_shapes,
    label_of,
    text,
    time_axis,
)
from metrics_build.view.decimate import MAX_POINTS
from metrics_build.view.lookup import Lookup
from metrics_build.wire import metrics_pb2 as pb

_PALETTE = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#e377c2"]


def _stretches(times: npt.NDArray[np.int64], states: npt.NDArray[Any], limit: int
               ) -> tuple[dict[str, tuple[list[int], list[int]]], bool]:
    """Per state, the (starts, ends) of its bars in nanoseconds; True when slices replaced exact stretches."""
    order = np.argsort(times, kind="stable")
    times, states = times[order], states[order]
    ends = np.append(times[1:], times[-1])
    change = np.flatnonzero(np.append(True, states[1:] != states[:-1]))
    out: dict[str, tuple[list[int], list[int]]] = {}
    if change.size <= limit:
        stop = np.append(change[1:], times.size) - 1
        for begin, end in zip(change, stop, strict=True):
            starts, finishes = out.setdefault(str(states[begin]), ([], []))
            starts.append(int(times[begin]))
            finishes.append(int(ends[end]))
        return out, False
    edges = np.linspace(times[0], times[-1], limit + 1).astype(np.int64)
    slot = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, limit - 1)
    for state in np.unique(states):
        used = np.unique(slot[states == state])
        breaks = np.flatnonzero(np.diff(used) > 1)
        first = np.append(used[0], used[breaks + 1])
        last = np.append(used[breaks], used[-1])
        out[str(state)] = (edges[first].tolist(), edges[last + 1].tolist())
    return out, True


def states_over_time(v: pb.StatesOverTimeMetricValues, lookup: Lookup, events: Sequence[EventMark]) -> Chart:
    """A Gantt-like timeline; failure states in the FAIL_BLOCK colour."""
    notes: list[str] = []
    series = []
    for i, ref in enumerate(v.states_over_time_data_id):
        for part in lookup.parts(ref):
            if part.index is None or part.index_kind != "timestamps" or part.kind != "strings" or not part.values.size:
                notes.append(f"{lookup.name(ref)}: not states over a timestamp index, not drawn")
                continue
            series.append((label_of(v.legend_series_names, i, lookup.name(ref), part), part.values, part.index))
    time = time_axis([index for _, _, index in series])
    failure = set(v.failure_states)
    known = list(v.states_set)
    rows: list[str] = []
    traces = []
    for name, values, index in series:
        bars, sliced = _stretches(index, values, MAX_POINTS // 2)
        if sliced:
            notes.append(f"{name}: {values.size:,} samples drawn on {MAX_POINTS // 2:,} time slices")
        for state in sorted(bars, key=lambda s: (known.index(s) if s in known else len(known), s)):
            starts, finishes = bars[state]
            row = f"{name}: {state}" if len(series) > 1 else state
            rows.append(row)
            color = st.COLORS[pb.FAIL_BLOCK_METRIC_STATUS] if state in failure else \
                _PALETTE[known.index(state) % len(_PALETTE) if state in known else 0]
            begin = np.asarray(starts, dtype=np.int64)
            duration = time.span(np.asarray(finishes, dtype=np.int64) - begin)
            traces.append({"type": "bar", "orientation": "h", "name": text(row), "y": [text(row)] * len(starts),
                           "base": time.x(begin), "x": duration, "marker": {"color": color}, "showlegend": False,
                           "hovertemplate": text(row) + "<extra></extra>"})
    layout = base_layout(xaxis=time.layout(), yaxis=axis(autorange="reversed", type="category"),
                         barmode="overlay", bargap=0.35)
    layout["height"] = max(200, 90 + 34 * len(rows))
    layout["shapes"] = event_shapes(events, time)
    if failure:
        notes.append("failure states: " + ", ".join(sorted(failure)))
    return Chart({"data": traces, "layout": layout}, notes)
