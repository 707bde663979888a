"""Render any JobMetrics message as plain-text tables: metrics, events and (optionally) data.

Pure: a message in, a string out. Metrics are listed in the platform's display order (`order`
ascending, ties by name, unset last); values are summarised, never dumped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from metrics_build.validate import Violation, validate_job_metrics
from metrics_build.validation.context import data_type_name, enum_name
from metrics_build.wire import metrics_pb2 as pb

_MAX_CELL = 48
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_METRIC_HEADER = ["NAME", "TYPE", "STATUS", "IMPORTANCE", "VALUE / SUMMARY", "DATA", "EVENTS"]
_EVENT_HEADER = ["NAME", "TIME", "STATUS", "IMPORTANCE", "METRICS", "TAGS"]
_DATA_HEADER = ["NAME", "TYPE", "UNIT", "SIZE", "INDEX"]


def _clean(text: str) -> str:
    text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    cells = [[_clean(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells)
    return lines


def _num(value: float) -> str:
    return f"{value:.6g}"


def _time(ts: object) -> str:
    seconds, nanos = ts.seconds, ts.nanos  # type: ignore[attr-defined]
    return f"{seconds}.{nanos:09d}".rstrip("0").rstrip(".") + " s"


def _plotly_title(figure: object) -> str:
    """The figure's layout title (a string, or {"text": ...}), or "" when there is none."""
    layout = figure.fields.get("layout")  # type: ignore[attr-defined]
    if layout is None or layout.WhichOneof("kind") != "struct_value":
        return ""
    title = layout.struct_value.fields.get("title")
    if title is None:
        return ""
    if title.WhichOneof("kind") == "struct_value":
        title = title.struct_value.fields.get("text")
    return str(title.string_value) if title is not None and title.WhichOneof("kind") == "string_value" else ""


def _short(enum: object, value: int, suffix: str) -> str:
    return enum_name(enum, value, suffix) if value else "-"


class _Index:
    """Lookups over one message: data by id, event names by metric id."""

    def __init__(self, msg: pb.JobMetrics) -> None:
        self.data = {d.metrics_data_id.id.data: d for d in msg.metrics_data}
        self.events: dict[str, list[str]] = {}
        for event in msg.events:
            for ref in event.metrics:
                self.events.setdefault(ref.id.data, []).append(event.name)

    def name(self, ref: pb.MetricsDataId) -> str:
        data = self.data.get(ref.id.data)
        return repr(data.name) if data is not None else f"<missing {ref.id.data}>"


def _points(data: pb.MetricsData) -> int:
    if data.WhichOneof("data") == "series":
        kind = data.series.WhichOneof("series")
        return len(getattr(data.series, kind).series) if kind else 0
    total = 0
    for series in data.series_per_category.category_to_series.values():
        kind = series.WhichOneof("series")
        total += len(getattr(series, kind).series) if kind else 0
    return total


def _refs(values: object) -> list[pb.MetricsDataId]:
    """Every MetricsDataId a values message holds, in field order."""
    out: list[pb.MetricsDataId] = []
    for field, value in values.ListFields():  # type: ignore[attr-defined]
        if field.message_type is not None and field.message_type.name == "MetricsDataId":
            out.extend(value if field.is_repeated else [value])
    return out


def _doubles_range(index: _Index, ref: pb.MetricsDataId) -> str:
    data = index.data.get(ref.id.data)
    if data is None or data.WhichOneof("data") != "series" or data.series.WhichOneof("series") != "doubles":
        return index.name(ref)
    values = np.asarray(data.series.doubles.series, dtype=np.float64)
    finite = values[np.isfinite(values)]
    span = f"{_num(float(finite.min()))} … {_num(float(finite.max()))}" if finite.size else "no finite values"
    return f"{index.name(ref)}: {values.size} pts, {span}"


def _summary_point(index: _Index, v: pb.DoubleSummaryMetricValues) -> str:
    data = index.data.get(v.value_data_id.id.data)
    which = v.WhichOneof("index")
    if data is None or data.series.WhichOneof("series") != "doubles":
        return index.name(v.value_data_id)
    values = data.series.doubles.series
    position: int | None = None
    label = ""
    if which == "series_index" or which is None:
        position, label = v.series_index, f"#{v.series_index}"
    else:
        keyed = index.data.get(data.index_data_id.id.data)
        series = keyed.series if keyed is not None else pb.Series()
        if which == "string_index":
            label = repr(v.string_index)
            keys: list[object] = list(series.strings.series)
            wanted: object = v.string_index
        elif which == "uuid_index":
            label, keys, wanted = v.uuid_index.data, [u.data for u in series.uuids.series], v.uuid_index.data
        else:
            ts = v.timestamp_index
            label = _time(ts)
            keys = [(t.seconds, t.nanos) for t in series.timestamps.series]
            wanted = (ts.seconds, ts.nanos)
        position = keys.index(wanted) if wanted in keys else None
    if position is None or position >= len(values):
        return f"{index.name(v.value_data_id)} @ {label} (not found)"
    return f"{_num(values[position])} @ {label}"


def _value(index: _Index, metric: pb.Metric) -> str:
    mv = metric.metric_values
    member = mv.WhichOneof("metric_values")
    if member == "scalar_metric_values":
        s = mv.scalar_metric_values
        return f"{_num(s.value)} {s.unit}".rstrip() if s.HasField("value") else "(no value)"
    if member == "text_metric_values":
        return mv.text_metric_values.text.split("\n", 1)[0]
    if member == "plotly_metric_values":
        title = _plotly_title(mv.plotly_metric_values.json)
        return f"plotly figure: {title}" if title else "plotly figure"
    if member == "image_metric_values":
        data = index.data.get(mv.image_metric_values.image_data_id.id.data)
        return data.external_file.path if data is not None else "(image missing)"
    if member == "image_list_metric_values":
        return f"{len(mv.image_list_metric_values.image_data_ids)} images"
    if member == "double_metric_values":
        return _summary_point(index, mv.double_metric_values)
    if member == "double_over_time_metric_values":
        ids = mv.double_over_time_metric_values.doubles_over_time_data_id
        more = f" (+{len(ids) - 1} series)" if len(ids) > 1 else ""
        return (_doubles_range(index, ids[0]) + more) if ids else "no series"
    if member == "line_plot_metric_values":
        ys = mv.line_plot_metric_values.y_doubles_data_id
        return f"{len(ys)} line(s); y {_doubles_range(index, ys[0])}" if ys else "no lines"
    if member == "bar_chart_metric_values":
        return f"{len(mv.bar_chart_metric_values.values_data_id)} bar series"
    if member == "batchwise_bar_chart_metric_values":
        return "categories: " + ", ".join(mv.batchwise_bar_chart_metric_values.categories)
    if member == "states_over_time_metric_values":
        return "states: " + ", ".join(mv.states_over_time_metric_values.states_set)
    if member == "histogram_metric_values":
        h = mv.histogram_metric_values
        return f"{len(h.buckets)} buckets over [{_num(h.lower_bound)}, {_num(h.upper_bound)}]"
    return "(no values)"


def _display_key(metric: pb.Metric) -> tuple[int, float, str]:
    if metric.HasField("order") and metric.order == metric.order:  # NaN sorts with the unset ones
        return (0, metric.order, metric.name)
    return (1, 0.0, metric.name)


def _metric_rows(index: _Index, msg: pb.JobMetrics) -> list[list[str]]:
    rows = []
    for metric in sorted(msg.job_level_metrics.metrics, key=_display_key):
        refs = _refs(getattr(metric.metric_values, metric.metric_values.WhichOneof("metric_values") or "",
                             pb.MetricValues()))
        found = [index.data[r.id.data] for r in refs if r.id.data in index.data]
        files = sum(d.WhichOneof("data") == "external_file" for d in found)
        if not refs:
            data = "-"
        elif files == len(refs):
            data = f"{files} file" + ("s" if files > 1 else "")
        else:
            data = f"{len(refs)} data, {sum(_points(d) for d in found)} pts"
        name = metric.name + (" (event metric)" if metric.event_metric else "")
        rows.append([name, _short(pb.MetricType, metric.type, "_METRIC_TYPE"),
                     _short(pb.MetricStatus, metric.status, "_METRIC_STATUS"),
                     _short(pb.MetricImportance, metric.importance, "_IMPORTANCE"),
                     _value(index, metric), data, ", ".join(index.events.get(metric.metric_id.id.data, [])) or "-"])
    return rows


def _event_rows(msg: pb.JobMetrics, metric_names: dict[str, str]) -> list[list[str]]:
    rows = []
    for event in msg.events:
        when = _time(event.timestamp)
        kind = {pb.ABSOLUTE_TIMESTAMP: "absolute", pb.RELATIVE_TIMESTAMP: "relative"}.get(event.timestamp_type, "?")
        metrics = ", ".join(metric_names.get(r.id.data, f"<missing {r.id.data}>") for r in event.metrics)
        rows.append([event.name, f"{when} ({kind})", _short(pb.MetricStatus, event.status, "_METRIC_STATUS"),
                     _short(pb.MetricImportance, event.importance, "_IMPORTANCE"), metrics or "-",
                     ", ".join(event.tags) or "-"])
    return rows


def _data_rows(index: _Index, msg: pb.JobMetrics) -> list[list[str]]:
    rows = []
    for data in msg.metrics_data:
        if data.WhichOneof("data") == "external_file":
            size = data.external_file.path
        elif data.is_per_category:
            size = f"{len(data.series_per_category.category_to_series)} categories, {_points(data)} pts"
        else:
            size = f"{_points(data)} pts"
        rows.append([data.name, data_type_name(data.data_type), data.unit or "-", size,
                     index.name(data.index_data_id) if data.is_indexed else "-"])
    return rows


def render(msg: pb.JobMetrics, *, show_data: bool) -> str:
    """The whole report: a header line, the metrics table, events, data (if asked) and validity."""
    index = _Index(msg)
    status = _short(pb.MetricStatus, msg.metrics_status, "_METRIC_STATUS")
    inner = _short(pb.MetricStatus, msg.job_level_metrics.metrics_status, "_METRIC_STATUS")
    metrics = msg.job_level_metrics.metrics
    lines = [f"job {msg.job_id.id.data or '(none)'}  status {status}"
             + (f" (job_level_metrics says {inner})" if inner != status else "")
             + f"  {len(metrics)} metrics, {len(msg.metrics_data)} data, {len(msg.events)} events", ""]
    if metrics:
        lines += [*_table(_METRIC_HEADER, _metric_rows(index, msg)), ""]
    if msg.events:
        names = {m.metric_id.id.data: m.name for m in metrics}
        lines += ["Events:", *_table(_EVENT_HEADER, _event_rows(msg, names)), ""]
    if show_data and msg.metrics_data:
        lines += ["Data:", *_table(_DATA_HEADER, _data_rows(index, msg)), ""]
    lines.append(validity_line(validate_job_metrics(msg)))
    return "\n".join(lines) + "\n"


def validity_line(problems: list[Violation]) -> str:
    """What the platform would say of the file, and what our stricter rules add (as warnings)."""
    platform = [p for p in problems if not p.is_extra]
    extra = len(problems) - len(platform)
    warnings = (f"; {extra} warning{'s' if extra != 1 else ''} from our stricter rules "
                "(`metrics-build validate` lists them)") if extra else ""
    if platform:
        return (f"valid: no, the platform would reject it: {len(platform)} problem{'s' if len(platform) != 1 else ''} "
                f"(run `metrics-build validate` to list them){warnings}")
    return f"valid: yes, the platform accepts it{warnings}"
