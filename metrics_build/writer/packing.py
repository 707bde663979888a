"""Typed metrics, data and events → a JobMetrics message (not validated; the writer validates).

Ids are derived, not random: `uuid5(job_id, "<kind>/<name>/<n>")` where n counts earlier objects
of the same kind and name. Packing order follows the platform's reference writer: metrics in
registration order, each followed by the data it references (depth-first, an index right after the
data it indexes, each data once), then data registered without a metric, then events.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence

from google.protobuf import json_format, struct_pb2

from metrics_build.model import data as md
from metrics_build.model import metrics as mm
from metrics_build.model.collection import ImportedJobMetrics
from metrics_build.model.enums import EXTERNAL_FILE_DATA_TYPE, Status, rollup
from metrics_build.model.times import split_ns, to_ns
from metrics_build.wire import metrics_pb2 as pb
from metrics_build.wire import uuid_pb2
from metrics_build.writer.encode import fill_series
from metrics_build.writer.imported import merge_imported, parse_imported

_INDEXED_OFFSET = 5


class Packer:
    """One build: assigns ids on first sight and emits each object once."""

    def __init__(self, job_id: uuid.UUID) -> None:
        self.job_id = job_id
        self.job_text = str(job_id)
        self.msg = pb.JobMetrics()
        self._ids: dict[int, str] = {}
        self._seen_names: Counter[tuple[str, str]] = Counter()
        self._packed: set[int] = set()

    def _id(self, kind: str, obj: object, name: str) -> str:
        key = id(obj)
        if key not in self._ids:
            self._ids[key] = self._new_id(kind, name)
        return self._ids[key]

    def _new_id(self, kind: str, name: str) -> str:
        """The next id for an object of `kind` called `name`: `uuid5(job, "<kind>/<name>/<n>")`."""
        n = self._seen_names[(kind, name)]
        self._seen_names[(kind, name)] += 1
        return str(uuid.uuid5(self.job_id, f"{kind}/{name}/{n}"))

    def pack(self, metrics: list[mm.Metric], data: list[md.Data], events: list[mm.Event],
             status_override: Status | None, imported: Sequence[ImportedJobMetrics] = ()) -> pb.JobMetrics:
        """The message for these objects; `imported` JobMetrics (e.g. from ReSim's writer) go last."""
        all_metrics = list(metrics)
        registered = {id(m) for m in all_metrics}
        for event in events:
            for m in event.metrics:
                if id(m) not in registered:
                    registered.add(id(m))
                    all_metrics.append(m)
        for position, metric in enumerate(all_metrics):
            self._metric(metric, position)
            for d in metric.data():
                self._data(d)
        for d in data:
            self._data(d)
        for event in events:
            self._event(event)
        statuses = [m.status for m in all_metrics]
        for item in imported:
            source = parse_imported(item.payload)
            statuses += [Status(s) for s in (m.status for m in source.job_level_metrics.metrics)
                         if s in Status._value2member_map_]
            merge_imported(self.msg, source, self._new_id, job_text=self.job_text,
                           first_position=len(self.msg.job_level_metrics.metrics))
        self.msg.job_id.id.data = self.job_text
        status = status_override or rollup(statuses)
        self.msg.metrics_status = status  # type: ignore[assignment]
        self.msg.job_level_metrics.metrics_status = status  # type: ignore[assignment]
        return self.msg

    # -- data ---------------------------------------------------------------------------------------

    def _data_ref(self, target: pb.MetricsDataId, d: md.Data) -> None:
        target.id.data = self._id("data", d, d.name)

    def _data(self, d: md.Data) -> None:
        if id(d) in self._packed:
            return
        self._packed.add(id(d))
        out = self.msg.metrics_data.add()
        self._data_ref(out.metrics_data_id, d)
        out.name = d.name
        if isinstance(d, md.ExternalFileData):
            out.data_type = EXTERNAL_FILE_DATA_TYPE  # type: ignore[assignment]
            out.external_file.path = d.path
            return
        out.data_type = d.kind + (_INDEXED_OFFSET if d.index is not None else 0)  # type: ignore[assignment]
        if d.unit:
            out.unit = d.unit
        if isinstance(d, md.GroupedData):
            out.is_per_category = True
            out.category_names.extend(d.categories)
            for category, values in d.categories.items():
                fill_series(out.series_per_category.category_to_series[category], d.kind, values)
            if not d.categories:
                out.series_per_category.SetInParent()
        else:
            fill_series(out.series, d.kind, d.values)
        if d.index is not None:
            out.is_indexed = True
            self._data_ref(out.index_data_id, d.index)
            index_type = d.index.kind + (_INDEXED_OFFSET if d.index.index is not None else 0)
            out.index_data_type = index_type  # type: ignore[assignment]
            self._data(d.index)

    # -- metrics ------------------------------------------------------------------------------------

    def _metric(self, metric: mm.Metric, position: int) -> None:
        out = self.msg.job_level_metrics.metrics.add()
        out.metric_id.id.data = self._id("metric", metric, metric.name)
        out.name = metric.name
        out.type = metric.TYPE  # type: ignore[assignment]
        if metric.description:
            out.description = metric.description
        out.status = metric.status  # type: ignore[assignment]
        if metric.should_display is not None:
            out.should_display = metric.should_display
        if metric.blocking is not None:
            out.blocking = metric.blocking
        out.importance = metric.importance  # type: ignore[assignment]
        out.job_id.id.data = self.job_text
        out.order = float(position) if metric.order is None else metric.order
        if metric.event_metric is not None:
            out.event_metric = metric.event_metric
        for key, value in metric.tags:
            out.tags.add(key=key, value=value)
        self._values(metric, out.metric_values)

    def _refs(self, target: Iterable[md.Data], field: object) -> None:
        for d in target:
            self._data_ref(field.add(), d)  # type: ignore[attr-defined]

    def _values(self, metric: mm.Metric, out: pb.MetricValues) -> None:
        if isinstance(metric, mm.ScalarMetric):
            v = out.scalar_metric_values
            v.value = metric.value
            if metric.failure is not None:
                _failure(v.failure_definition, metric.failure)
            if metric.unit is not None:
                v.unit = metric.unit
        elif isinstance(metric, mm.DoubleSummaryMetric):
            s = out.double_metric_values
            self._data_ref(s.value_data_id, metric.value)
            assert metric.value_status is not None  # filled at construction
            self._data_ref(s.status_data_id, metric.value_status)
            _summary_index(s, metric.index)
            if metric.failure is not None:
                _failure(s.failure_definition, metric.failure)
        elif isinstance(metric, mm.DoubleOverTimeMetric):
            t = out.double_over_time_metric_values
            self._refs(metric.series, t.doubles_over_time_data_id)
            self._refs(metric.statuses or [], t.statuses_over_time_data_id)
            for f in metric.failures or []:
                _failure(t.failure_definition.add(), f)
            if metric.start_time is not None:
                _timestamp(t.start_time, to_ns(metric.start_time))
            if metric.end_time is not None:
                _timestamp(t.end_time, to_ns(metric.end_time))
            if metric.y_axis_name is not None:
                t.y_axis_name = metric.y_axis_name
            t.legend_series_names.extend(_legend(metric.legend, metric.series))
        elif isinstance(metric, mm.LinePlotMetric):
            lp = out.line_plot_metric_values
            self._refs(metric.x, lp.x_doubles_data_id)
            self._refs(metric.y, lp.y_doubles_data_id)
            self._refs(metric.statuses or [], lp.statuses_data_id)
            if metric.x_axis_name is not None:
                lp.x_axis_name = metric.x_axis_name
            if metric.y_axis_name is not None:
                lp.y_axis_name = metric.y_axis_name
            lp.legend_series_names.extend(_legend(metric.legend, metric.y))
        elif isinstance(metric, mm.BarChartMetric):
            b = out.bar_chart_metric_values
            self._refs(metric.values, b.values_data_id)
            self._refs(metric.statuses or [], b.statuses_data_id)
            b.legend_series_names.extend(_legend(metric.legend, metric.values))
            if metric.x_axis_name is not None:
                b.x_axis_name = metric.x_axis_name
            if metric.y_axis_name is not None:
                b.y_axis_name = metric.y_axis_name
            if metric.stack_bars is not None:
                b.stack_bars = metric.stack_bars
        elif isinstance(metric, mm.BatchwiseBarChartMetric):
            bw = out.batchwise_bar_chart_metric_values
            self._refs(metric.times, bw.times_data_id)
            self._refs(metric.values, bw.values_data_id)
            self._refs(metric.statuses or [], bw.statuses_data_id)
            bw.categories.extend(metric.categories)
            bw.colors.extend(metric.colors)
            bw.x_axis_name = metric.x_axis_name
            bw.y_axis_name = metric.y_axis_name
            bw.stack_bars = metric.stack_bars
            bw.project_id.CopyFrom(uuid_pb2.UUID(data=str(uuid.UUID(str(metric.project_id)))))
        elif isinstance(metric, mm.StatesOverTimeMetric):
            so = out.states_over_time_metric_values
            self._refs(metric.states, so.states_over_time_data_id)
            self._refs(metric.statuses or [], so.statuses_over_time_data_id)
            so.states_set.extend(metric.states_set)
            so.failure_states.extend(metric.failure_states)
            so.legend_series_names.extend(_legend(metric.legend, metric.states))
        elif isinstance(metric, mm.HistogramMetric):
            h = out.histogram_metric_values
            self._data_ref(h.values_data_id, metric.values)
            assert metric.value_status is not None  # filled at construction
            self._data_ref(h.statuses_data_id, metric.value_status)
            for lower, upper in metric.buckets:
                h.buckets.add(lower=lower, upper=upper)
            if metric.lower_bound is not None:
                h.lower_bound = metric.lower_bound
            if metric.upper_bound is not None:
                h.upper_bound = metric.upper_bound
            if metric.x_axis_name is not None:
                h.x_axis_name = metric.x_axis_name
        elif isinstance(metric, mm.PlotlyMetric):
            figure = struct_pb2.Struct()
            json_format.ParseDict(metric.figure_dict(), figure)
            out.plotly_metric_values.json.CopyFrom(figure)
        elif isinstance(metric, mm.ImageMetric):
            self._data_ref(out.image_metric_values.image_data_id, metric.image)
        elif isinstance(metric, mm.ImageListMetric):
            self._refs(metric.images, out.image_list_metric_values.image_data_ids)
        elif isinstance(metric, mm.TextMetric):
            out.text_metric_values.text = metric.text
        else:
            raise TypeError(f"metric {metric.name!r}: unknown metric class {type(metric).__name__}")

    # -- events -------------------------------------------------------------------------------------

    def _event(self, event: mm.Event) -> None:
        out = self.msg.events.add()
        out.event_id.id.data = self._id("event", event, event.name)
        out.name = event.name
        if event.description:
            out.description = event.description
        out.tags.extend(event.tags)
        for metric in event.metrics:
            out.metrics.add().id.data = self._id("metric", metric, metric.name)
        out.status = event.status  # type: ignore[assignment]
        if event.timestamp is not None:
            _timestamp(out.timestamp, to_ns(event.timestamp))
        out.importance = event.importance  # type: ignore[assignment]
        out.timestamp_type = event.timestamp_type  # type: ignore[assignment]


def _timestamp(target: object, ns: int) -> None:
    seconds, nanos = split_ns(ns)
    target.seconds = seconds  # type: ignore[attr-defined]
    target.nanos = nanos  # type: ignore[attr-defined]


def _failure(target: pb.DoubleFailureDefinition, failure: mm.FailureDefinition) -> None:
    target.SetInParent()
    if failure.fails_above is not None:
        target.fails_above = failure.fails_above
    if failure.fails_below is not None:
        target.fails_below = failure.fails_below


def _legend(legend: Sequence[str | None] | None, series: Iterable[md.Data]) -> list[str]:
    """Legend entries; a None entry (or a missing legend) takes the series' data name."""
    names = [d.name for d in series]
    given = list(legend or [])
    given += [None] * (len(names) - len(given))
    return [entry if entry is not None else name for entry, name in zip(given, names, strict=False)]


def _summary_index(target: pb.DoubleSummaryMetricValues, index: object) -> None:
    if index is None:
        return
    if isinstance(index, bool):
        raise TypeError("a double summary index cannot be a bool")
    if isinstance(index, int):
        target.series_index = index
    elif isinstance(index, str):
        target.string_index = index
    elif isinstance(index, uuid.UUID):
        target.uuid_index.data = str(index)
    else:
        _timestamp(target.timestamp_index, to_ns(index))  # type: ignore[arg-type]
