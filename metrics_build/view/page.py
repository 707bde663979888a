"""The page model of one JobMetrics message: a header with counts, why it failed, the metrics grouped
by status (failing first, then by importance), events with their metrics, the input report and the data
no metric draws. Pure: a message in, plain objects out; every chart's figure goes to a shared `Figures`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrics_build.platform import INPUT_REPORT_METRIC
from metrics_build.validate import validate_job_metrics
from metrics_build.validation.context import data_type_name
from metrics_build.view import status as st
from metrics_build.view import values, why
from metrics_build.view.cards import Card, Link
from metrics_build.view.charts import Chart, EventMark, chart_for
from metrics_build.view.events import event_rows, event_timeline
from metrics_build.view.images import Image, ImageLoader
from metrics_build.view.lookup import Lookup
from metrics_build.wire import metrics_pb2 as pb

MAX_DATA_ROWS = 500


class Figures:
    """Every chart of a page by element id, in the order drawn; ids are positional, so deterministic."""

    def __init__(self) -> None:
        self.figures: dict[str, dict[str, Any]] = {}

    def add(self, chart: Chart) -> str:
        """Keep a chart's figure; returns the id of the element to draw it in."""
        chart_id = f"chart-{len(self.figures) + 1}"
        self.figures[chart_id] = chart.figure
        return chart_id


@dataclass
class Group:
    """Metrics of one status."""

    title: str
    css: str
    cards: list[Card]


@dataclass(frozen=True)
class Reason:
    """A line of "why it failed"."""

    link: Link
    status: int
    text: str


@dataclass
class Section(st.Shows):
    """Everything shown for one metrics file."""

    anchor: str
    title: str
    job_id: str
    status: int
    counts: list[tuple[str, str, int]]
    events_count: int
    data_count: int
    problems: int
    reasons: list[Reason] = field(default_factory=list)
    failing_events: list[Link] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    hidden: list[Card] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    timeline_id: str = ""
    input_report: Card | None = None
    data_rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _display_key(metric: pb.Metric) -> tuple[int, float, str]:
    if metric.HasField("order") and metric.order == metric.order:  # NaN sorts with the unset ones
        return (0, metric.order, metric.name)
    return (1, 0.0, metric.name)


def _refs(message: Any) -> list[pb.MetricsDataId]:
    """Every MetricsDataId a values message holds."""
    out: list[pb.MetricsDataId] = []
    for fd, value in message.ListFields():
        if fd.message_type is not None and fd.message_type.name == "MetricsDataId":
            out.extend(value if fd.is_repeated else [value])
    return out


def _type_name(metric: pb.Metric) -> str:
    name = pb.MetricType.Name(metric.type) if metric.type in pb.MetricType.values() else str(metric.type)
    return name.removesuffix("_METRIC_TYPE")


class _Builder:
    def __init__(self, msg: pb.JobMetrics, prefix: str, figures: Figures, images: ImageLoader) -> None:
        self.msg, self.prefix, self.figures, self.images = msg, prefix, figures, images
        self.lookup = Lookup(msg)
        self.metric_anchor = {m.metric_id.id.data: f"{prefix}-m{i}"
                              for i, m in enumerate(msg.job_level_metrics.metrics)}
        self.event_anchor = [f"{prefix}-e{i}" for i in range(len(msg.events))]

    def marks(self, metric: pb.Metric) -> list[EventMark]:
        out = []
        for i in self.lookup.events_of.get(metric.metric_id.id.data, []):
            event = self.msg.events[i]
            ns = event.timestamp.seconds * 1_000_000_000 + event.timestamp.nanos
            absolute = event.timestamp_type == pb.ABSOLUTE_TIMESTAMP or (
                event.timestamp_type != pb.RELATIVE_TIMESTAMP and ns >= values.YEAR_2000_NS)
            out.append(EventMark(ns, absolute, event.name, event.status))
        return out

    def card(self, position: int, metric: pb.Metric) -> Card:
        card = Card(anchor=f"{self.prefix}-m{position}", name=metric.name, type=_type_name(metric),
                    status=metric.status, importance=st.importance_label(metric.importance),
                    description=metric.description, tags=[(t.key, t.value) for t in metric.tags],
                    event_metric=metric.event_metric,
                    events=[Link(self.event_anchor[i], self.msg.events[i].name)
                            for i in self.lookup.events_of.get(metric.metric_id.id.data, [])])
        before = len(self.lookup.notes)
        chart = chart_for(metric, self.lookup, self.marks(metric))
        mv = metric.metric_values
        member = mv.WhichOneof("metric_values")
        if chart is not None:
            card.chart_id = self.figures.add(chart)
            card.notes += chart.notes
        elif member == "scalar_metric_values":
            card.value = values.scalar(mv.scalar_metric_values)
        elif member == "double_metric_values":
            card.value = values.summary(mv.double_metric_values, self.lookup)
        elif member == "text_metric_values":
            card.text, cut = values.markdown(mv.text_metric_values.text)
            if cut:
                card.notes.append(f"text cut at {values.MAX_TEXT:,} characters")
        elif member in ("image_metric_values", "image_list_metric_values"):
            refs = _refs(getattr(mv, member))
            for ref in refs:
                data = self.lookup.data(ref)
                if data is not None and data.WhichOneof("data") == "external_file":
                    card.images.append(self.images.load(data.name, data.external_file.path))
                else:
                    card.images.append(Image(self.lookup.name(ref), "", problem="not an external file"))
        else:
            card.notes.append("this metric has no values")
        card.notes += self.lookup.notes[before:]
        return card


def _data_rows(msg: pb.JobMetrics, lookup: Lookup) -> tuple[list[tuple[str, str, str, str]], int]:
    """The data no metric refers to (directly or as an index), e.g. test mode's exports."""
    used: set[str] = set()
    for metric in msg.job_level_metrics.metrics:
        member = metric.metric_values.WhichOneof("metric_values")
        if member:
            used.update(r.id.data for r in _refs(getattr(metric.metric_values, member)))
    by_id = {d.metrics_data_id.id.data: d for d in msg.metrics_data}
    todo = list(used)
    while todo:
        data = by_id.get(todo.pop())
        if data is not None and data.is_indexed and data.index_data_id.id.data not in used:
            used.add(data.index_data_id.id.data)
            todo.append(data.index_data_id.id.data)
    rows = []
    free = [d for d in msg.metrics_data if d.metrics_data_id.id.data not in used]
    for data in free[:MAX_DATA_ROWS]:
        size = sum(p.values.size for p in lookup.parts(data.metrics_data_id)) if data.WhichOneof("data") != \
            "external_file" else 0
        where = data.external_file.path if data.WhichOneof("data") == "external_file" else f"{size:,} points"
        rows.append((data.name, data_type_name(data.data_type), data.unit, where))
    return rows, len(free)


def build_section(msg: pb.JobMetrics, *, title: str, prefix: str, figures: Figures, base: Path | None
                  ) -> Section:
    """The section of one message.

    Args:
        msg: the JobMetrics message.
        title: what to call it (usually the file's path).
        prefix: unique per page; starts every anchor of the section.
        figures: where the section's charts go.
        base: the directory images are read from (the metrics file's), or None.
    """
    b = _Builder(msg, prefix, figures, ImageLoader(base))
    metrics = list(msg.job_level_metrics.metrics)
    in_events = {ref.id.data for e in msg.events for ref in e.metrics}
    counts: dict[int, int] = {}
    section = Section(anchor=prefix, title=title, job_id=msg.job_id.id.data, status=msg.metrics_status,
                      counts=[], events_count=len(msg.events), data_count=len(msg.metrics_data),
                      problems=len(validate_job_metrics(msg)))
    cards: dict[str, Card] = {}
    main: list[tuple[pb.Metric, Card]] = []
    for position, metric in sorted(enumerate(metrics), key=lambda pm: _display_key(pm[1])):
        card = b.card(position, metric)
        cards[metric.metric_id.id.data] = card
        hidden = metric.HasField("should_display") and not metric.should_display
        if metric.name == INPUT_REPORT_METRIC and metric.type == pb.TEXT_METRIC_TYPE and \
                section.input_report is None:
            section.input_report = card
        elif hidden:
            section.hidden.append(card)
        elif not (metric.event_metric and metric.metric_id.id.data in in_events):
            main.append((metric, card))
        if not metric.event_metric:
            counts[metric.status] = counts.get(metric.status, 0) + 1
            if metric.status in st.FAILING:
                section.reasons.append(Reason(Link(card.anchor, metric.name), metric.status,
                                              why.reason(metric, b.lookup)))
    section.counts = [(st.label(s), st.css(s), counts[s]) for s in sorted(counts, key=st.rank)]
    section.reasons.sort(key=lambda r: st.rank(r.status))
    main.sort(key=lambda mc: (st.rank(mc[0].status), -mc[0].importance))
    for status in sorted({m.status for m, _ in main}, key=st.rank):
        group = [c for m, c in main if m.status == status]
        section.groups.append(Group(f"{st.label(status)} ({len(group)})", st.css(status), group))
    section.events = event_rows(msg, b.event_anchor, b.metric_anchor, cards)
    section.failing_events = [Link(row.anchor, f"{row.name} at {row.time}") for row in section.events
                              if row.status in st.FAILING]
    timeline = event_timeline(msg, b.event_anchor)
    if timeline is not None:
        section.timeline_id = figures.add(timeline)
        section.notes += timeline.notes
    section.data_rows, free = _data_rows(msg, b.lookup)
    if free > len(section.data_rows):
        section.notes.append(f"{free - len(section.data_rows):,} more data without a metric not listed")
    return section
