"""Events: a row per event (time, status, tags, links to the metrics it names, its event metrics drawn
under it) and a timeline chart whose points link to the rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from metrics_build.view import status as st
from metrics_build.view import values
from metrics_build.view.cards import Card
from metrics_build.view.charts.common import Chart, ChartTimeAxis, axis, base_layout, text
from metrics_build.view.decimate import MAX_POINTS
from metrics_build.wire import metrics_pb2 as pb

MAX_ROWS = 5_000


@dataclass(frozen=True)
class EventMetric(st.Shows):
    """A metric an event names: a link to it, or (for the event's own scalar metrics, shown at their
    first event) the value itself, which then carries the metric's anchor."""

    anchor: str
    name: str
    value: str = ""
    status: int = 0
    home: bool = False


@dataclass
class EventRow(st.Shows):
    """One event as listed."""

    anchor: str
    name: str
    time: str
    status: int
    importance: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    metrics: list[EventMetric] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)


def _absolute(event: pb.Event) -> bool:
    if event.timestamp_type == pb.ABSOLUTE_TIMESTAMP:
        return True
    if event.timestamp_type == pb.RELATIVE_TIMESTAMP:
        return False
    return _ns(event) >= values.YEAR_2000_NS


def _ns(event: pb.Event) -> int:
    return event.timestamp.seconds * 1_000_000_000 + event.timestamp.nanos


def event_rows(msg: pb.JobMetrics, anchors: Sequence[str], metric_anchors: Mapping[str, str],
               cards: Mapping[str, Card]) -> list[EventRow]:
    """The events in time order (up to `MAX_ROWS`). Each event metric is shown at the first event naming
    it: a scalar's value inline, other kinds as a card under the row.

    Args:
        msg: the message.
        anchors: the anchor of each event, by position.
        metric_anchors: metric id -> the anchor of its card.
        cards: metric id -> its card.
    """
    rows, placed = [], set()
    order = sorted(range(len(msg.events)), key=lambda i: (_ns(msg.events[i]), msg.events[i].name))
    by_id = {m.metric_id.id.data: m for m in msg.job_level_metrics.metrics}
    for i in order[:MAX_ROWS]:
        event = msg.events[i]
        row = EventRow(anchors[i], event.name, values.when(_ns(event), _absolute(event)), event.status,
                       st.importance_label(event.importance), event.description, list(event.tags))
        for ref in event.metrics:
            key = ref.id.data
            metric = by_id.get(key)
            if metric is None:
                row.metrics.append(EventMetric("", f"(missing metric {key})"))
                continue
            card = cards.get(key)
            if not metric.event_metric or key in placed or card is None:
                row.metrics.append(EventMetric(metric_anchors[key], metric.name))
                continue
            placed.add(key)
            if card.value is not None and not card.notes:
                value = f"{card.value.value} {card.value.unit}".rstrip()
                row.metrics.append(EventMetric(card.anchor, metric.name, value, metric.status, home=True))
            else:
                row.metrics.append(EventMetric(metric_anchors[key], metric.name))
                row.cards.append(card)
        rows.append(row)
    return rows


def event_timeline(msg: pb.JobMetrics, anchors: Sequence[str]) -> Chart | None:
    """Events as points on a time axis, one lane per status; None without events."""
    if not msg.events:
        return None
    absolute = [_absolute(e) for e in msg.events]
    kind = sum(absolute) * 2 >= len(absolute)
    notes = []
    picked = [i for i, a in enumerate(absolute) if a == kind][:MAX_POINTS]
    left_out = len(msg.events) - len(picked)
    if left_out:
        notes.append(f"{left_out:,} events not on the timeline ({'relative' if kind else 'absolute'} times, "
                     f"or more than {MAX_POINTS:,})")
    time = ChartTimeAxis(kind)
    traces: list[dict[str, Any]] = []
    for status in sorted({msg.events[i].status for i in picked}, key=st.rank, reverse=True):
        mine = [i for i in picked if msg.events[i].status == status]
        traces.append({
            "type": "scatter", "mode": "markers", "name": st.label(status),
            "x": time.x(np.array([_ns(msg.events[i]) for i in mine], dtype=np.int64)),
            "y": [st.label(status)] * len(mine),
            "text": [text(msg.events[i].name) for i in mine], "customdata": [anchors[i] for i in mine],
            "hovertemplate": "%{text}<extra></extra>",
            "marker": {"color": st.color(status), "size": 11, "symbol": "diamond",
                       "line": {"width": 1, "color": "#ffffff"}},
        })
    layout = base_layout(xaxis=time.layout(), yaxis=axis(type="category"), showlegend=False)
    layout["height"] = 110 + 40 * len(traces)
    layout["margin"] = {"l": 110, "r": 20, "t": 10, "b": 40}
    return Chart({"data": traces, "layout": layout}, notes)
