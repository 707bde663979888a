"""Rules for each Metric (§2.2, rules 15-24) and for the Events that reference metrics (§2.4)."""

from __future__ import annotations

from metrics_build.validation.context import Checks, enum_name, is_valid_uuid, known_values, label
from metrics_build.validation.metric_values import check_values
from metrics_build.wire import metrics_pb2 as pb

_TYPE_MEMBER: dict[int, str] = {
    pb.DOUBLE_SUMMARY_METRIC_TYPE: "double_metric_values",
    pb.DOUBLE_OVER_TIME_METRIC_TYPE: "double_over_time_metric_values",
    pb.LINE_PLOT_METRIC_TYPE: "line_plot_metric_values",
    pb.BAR_CHART_METRIC_TYPE: "bar_chart_metric_values",
    pb.BATCHWISE_BAR_CHART_METRIC_TYPE: "batchwise_bar_chart_metric_values",
    pb.STATES_OVER_TIME_METRIC_TYPE: "states_over_time_metric_values",
    pb.HISTOGRAM_METRIC_TYPE: "histogram_metric_values",
    pb.SCALAR_METRIC_TYPE: "scalar_metric_values",
    pb.PLOTLY_METRIC_TYPE: "plotly_metric_values",
    pb.TEXT_METRIC_TYPE: "text_metric_values",
    pb.IMAGE_LIST_METRIC_TYPE: "image_list_metric_values",
}
_TYPES = known_values(pb.MetricType)
_STATUSES = known_values(pb.MetricStatus)
_IMPORTANCES = known_values(pb.MetricImportance)
_TIMESTAMP_TYPES = known_values(pb.TimestampType)


def expected_member(metric_type: int) -> str:
    """The values member a metric type needs (the platform sends IMAGE and unknown types to images)."""
    return _TYPE_MEMBER.get(metric_type, "image_metric_values")


def check_enum(ctx: Checks, where: str, rule: str, field: str, value: int, enum: object,
               known: frozenset[int]) -> None:
    """Zero is the platform's "unset" (rule `rule`); other unknown numbers are our extra rule."""
    if value == 0:
        ctx.add(rule, where, f"{field} is {enum_name(enum, 0)}")
    elif value not in known:
        ctx.add("extra:enum.unknown-value", where, f"{field} {value} is not a known value")


def check_metric(ctx: Checks, metric: pb.Metric, position: int, event_metric_ids: set[str]) -> None:
    """Every per-metric rule for one Metric (its id is checked with the other ids)."""
    where = label("metric", metric.name, position)
    if not metric.name:
        ctx.add("16 metric.name", where, "name is empty")
    check_enum(ctx, where, "17 metric.type", "type", metric.type, pb.MetricType, _TYPES)
    check_enum(ctx, where, "18 metric.status", "status", metric.status, pb.MetricStatus, _STATUSES)
    member = metric.metric_values.WhichOneof("metric_values")
    if member is None:
        ctx.add("19 metric.values", where, "metric_values holds no values")
    else:
        check_values(ctx, where, metric.metric_values, member)
    check_enum(ctx, where, "20 metric.importance", "importance", metric.importance, pb.MetricImportance,
               _IMPORTANCES)
    if not metric.HasField("job_id"):
        ctx.add("21 metric.job-id", where, "job_id is not set")
    elif not is_valid_uuid(metric.job_id.id.data):
        ctx.add("21 metric.job-id", where, f"job_id {metric.job_id.id.data!r} is not a valid UUID")
    for i, tag in enumerate(metric.tags):
        if not tag.key or not tag.value:
            ctx.add("22 metric.tag", where, f"tag {i} ({tag.key!r}: {tag.value!r}) has an empty key or value")
    if metric.event_metric and metric.metric_id.id.data not in event_metric_ids:
        ctx.add("extra:metric.event-metric-unreferenced", where, "is an event metric but no event references it")
    if metric.type != 0 and member is not None and member != expected_member(metric.type):
        ctx.add("24 metric.type-values", where,
                f"type {enum_name(pb.MetricType, metric.type)} needs {expected_member(metric.type)}, "
                f"but metric_values holds {member}")


def check_event(ctx: Checks, event: pb.Event, position: int) -> None:
    """Every per-event rule for one Event (its id and name uniqueness are checked elsewhere)."""
    where = label("event", event.name, position)
    if not event.name:
        ctx.add("32 event.name", where, "name is empty")
    names: dict[str, str] = {}
    for ref in event.metrics:
        text = ref.id.data
        if not is_valid_uuid(text):
            ctx.add("33 event.metric-id", where, f"metric id {text!r} is not a valid UUID")
            continue
        metric = ctx.metric_by_id.get(text)
        if metric is None:
            ctx.add("33 event.metric-missing", where, f"metric {text} is not in this file")
            continue
        if metric.name in names:
            ctx.add("33 event.metric-names", where,
                    f"references two metrics named {metric.name!r} ({names[metric.name]} and {text})")
        names.setdefault(metric.name, text)
    check_enum(ctx, where, "34 event.status", "status", event.status, pb.MetricStatus, _STATUSES)
    check_enum(ctx, where, "35 event.timestamp-type", "timestamp_type", event.timestamp_type,
               pb.TimestampType, _TIMESTAMP_TYPES)
    ts = event.timestamp
    if ts.seconds < 0 or not 0 <= ts.nanos < 1_000_000_000:
        ctx.add("36 event.timestamp", where,
                f"timestamp ({ts.seconds} s, {ts.nanos} ns) needs seconds >= 0 and 0 <= nanos < 1e9")
    check_enum(ctx, where, "37 event.importance", "importance", event.importance, pb.MetricImportance,
               _IMPORTANCES)
