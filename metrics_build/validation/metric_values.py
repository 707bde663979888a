"""Rules for each metric type's values message (§2.5, rules 38-49) and our extras for them."""

from __future__ import annotations

import re
from collections.abc import Sized

from metrics_build.validation.context import Checks, data_type_name, is_nan, is_valid_uuid
from metrics_build.validation.pairs import PairRule, check_pair, referenced
from metrics_build.validation.series import (
    ALL_SERIES_TYPES,
    DOUBLE,
    EXTERNAL_FILE,
    INDEXED_DOUBLE,
    INDEXED_STRING,
    INDEXED_TIMESTAMP,
    INDEXED_UUID,
    STRING,
    TIMESTAMP,
    UUID,
    series_length,
)
from metrics_build.wire import metrics_pb2 as pb

# values member -> (§2 rule number, slug used in rule ids)
MEMBER_RULES = {
    "double_metric_values": (38, "double-summary"),
    "double_over_time_metric_values": (39, "double-over-time"),
    "line_plot_metric_values": (40, "line-plot"),
    "bar_chart_metric_values": (41, "bar-chart"),
    "batchwise_bar_chart_metric_values": (42, "batchwise-bar-chart"),
    "states_over_time_metric_values": (43, "states-over-time"),
    "histogram_metric_values": (44, "histogram"),
    "scalar_metric_values": (45, "scalar"),
    "plotly_metric_values": (46, "plotly"),
    "text_metric_values": (47, "text"),
    "image_metric_values": (48, "image"),
    "image_list_metric_values": (49, "image-list"),
}
T = frozenset({TIMESTAMP, INDEXED_TIMESTAMP})
U = frozenset({UUID, INDEXED_UUID})
S = frozenset({STRING, INDEXED_STRING})
_DOUBLES = frozenset({DOUBLE, INDEXED_DOUBLE})
_ONLY_INDEXED_DOUBLE = frozenset({INDEXED_DOUBLE})
# The platform's pattern is r"^#([0-9a-fA-F]{2}){3,4}$", whose `$` also matches before a final newline.
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{2}){3,4}")
_PLATFORM_COLOR = re.compile(r"^#([0-9a-fA-F]{2}){3,4}$")


def _prefix(member: str) -> str:
    number, slug = MEMBER_RULES[member]
    return f"{number} {slug}"


def _lengths(ctx: Checks, where: str, prefix: str, **lists: Sized) -> int:
    """Require equally long parallel lists; returns how many complete tuples there are."""
    sizes = {name: len(values) for name, values in lists.items()}
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{size} {name}" for name, size in sizes.items())
        ctx.add(f"{prefix}.lengths", where, f"parallel lists differ in length: {detail}")
    return min(sizes.values())


def _legend(ctx: Checks, where: str, member: str, legend: Sized, series_count: int) -> None:
    if len(legend) and len(legend) != series_count:
        ctx.add(f"extra:{MEMBER_RULES[member][1]}.legend-length", where,
                f"legend_series_names has {len(legend)} names for {series_count} series")


def _failure(ctx: Checks, where: str, member: str, failure: pb.DoubleFailureDefinition, what: str) -> None:
    for field in ("fails_above", "fails_below"):
        if failure.HasField(field) and is_nan(getattr(failure, field)):
            ctx.add(f"extra:{MEMBER_RULES[member][1]}.failure-nan", where, f"{what}.{field} is NaN")


def _double_summary(ctx: Checks, where: str, v: pb.DoubleSummaryMetricValues) -> None:
    p = _prefix("double_metric_values")
    index = v.WhichOneof("index")
    allowed = {"timestamp_index": T, "uuid_index": U, "string_index": S}
    if index in allowed:
        rule = PairRule(p, _ONLY_INDEXED_DOUBLE, allowed[index])
    else:
        rule = PairRule(p, _DOUBLES, ALL_SERIES_TYPES)
    value = check_pair(ctx, where, rule, v.value_data_id, v.status_data_id)
    if index == "series_index" and value is not None and value.WhichOneof("data") == "series":
        length = series_length(value.series)
        if length is not None and v.series_index >= length:
            ctx.add("extra:double-summary.series-index-range", where,
                    f"series_index {v.series_index} is out of range for "
                    f"{ctx.data_label(v.value_data_id.id.data)} of length {length}")
    if v.HasField("failure_definition"):
        _failure(ctx, where, "double_metric_values", v.failure_definition, "failure_definition")


def _double_over_time(ctx: Checks, where: str, v: pb.DoubleOverTimeMetricValues) -> None:
    member = "double_over_time_metric_values"
    p = _prefix(member)
    _lengths(ctx, where, p, doubles=v.doubles_over_time_data_id, statuses=v.statuses_over_time_data_id,
                 failure_definitions=v.failure_definition)
    rule = PairRule(p, _ONLY_INDEXED_DOUBLE, T)
    for value_ref, status_ref in zip(v.doubles_over_time_data_id, v.statuses_over_time_data_id, strict=False):
        check_pair(ctx, where, rule, value_ref, status_ref)
    for i, failure in enumerate(v.failure_definition):
        _failure(ctx, where, member, failure, f"failure_definition[{i}]")
    _legend(ctx, where, member, v.legend_series_names, len(v.doubles_over_time_data_id))


def _line_plot(ctx: Checks, where: str, v: pb.LinePlotMetricValues) -> None:
    member = "line_plot_metric_values"
    p = _prefix(member)
    _lengths(ctx, where, p, x=v.x_doubles_data_id, y=v.y_doubles_data_id, statuses=v.statuses_data_id)
    rule = PairRule(p, _DOUBLES, T)
    for x_ref, y_ref, status_ref in zip(v.x_doubles_data_id, v.y_doubles_data_id, v.statuses_data_id,
                                        strict=False):
        check_pair(ctx, where, rule, x_ref, status_ref, role="x")
        check_pair(ctx, where, rule, y_ref, status_ref, role="y")
    _legend(ctx, where, member, v.legend_series_names, len(v.y_doubles_data_id))


def _bar_chart(ctx: Checks, where: str, v: pb.BarChartMetricValues) -> None:
    member = "bar_chart_metric_values"
    p = _prefix(member)
    _lengths(ctx, where, p, values=v.values_data_id, statuses=v.statuses_data_id)
    rule = PairRule(p, _ONLY_INDEXED_DOUBLE, S)
    for value_ref, status_ref in zip(v.values_data_id, v.statuses_data_id, strict=False):
        check_pair(ctx, where, rule, value_ref, status_ref)
    _legend(ctx, where, member, v.legend_series_names, len(v.values_data_id))


def _batchwise(ctx: Checks, where: str, v: pb.BatchwiseBarChartMetricValues) -> None:
    p = _prefix("batchwise_bar_chart_metric_values")
    _lengths(ctx, where, p, values=v.values_data_id, times=v.times_data_id, statuses=v.statuses_data_id,
             categories=v.categories)
    for color in v.colors:
        if _COLOR.fullmatch(color):
            continue
        rule = "extra:batchwise-bar-chart.color-newline" if _PLATFORM_COLOR.search(color) else f"{p}.color"
        ctx.add(rule, where, f"color {color!r} is not #RRGGBB or #RRGGBBAA")
    if not is_valid_uuid(v.project_id.data):
        what = "is not set" if not v.HasField("project_id") else f"{v.project_id.data!r} is not a valid UUID"
        ctx.add(f"{p}.project-id", where, f"project_id {what}")
    values_rule = PairRule(p, _ONLY_INDEXED_DOUBLE, U)
    times_rule = PairRule(p, frozenset({INDEXED_TIMESTAMP}), U)
    for values_ref, times_ref, status_ref in zip(v.values_data_id, v.times_data_id, v.statuses_data_id,
                                                 strict=False):
        check_pair(ctx, where, values_rule, values_ref, status_ref, role="values")
        check_pair(ctx, where, times_rule, times_ref, status_ref, role="times")


def _states_over_time(ctx: Checks, where: str, v: pb.StatesOverTimeMetricValues) -> None:
    member = "states_over_time_metric_values"
    p = _prefix(member)
    _lengths(ctx, where, p, states=v.states_over_time_data_id, statuses=v.statuses_over_time_data_id)
    rule = PairRule(p, frozenset({INDEXED_STRING}), T)
    states_set = set(v.states_set)
    for value_ref, status_ref in zip(v.states_over_time_data_id, v.statuses_over_time_data_id, strict=False):
        value = check_pair(ctx, where, rule, value_ref, status_ref, role="states")
        if value is None:
            continue
        series = [value.series] if value.WhichOneof("data") == "series" else [
            value.series_per_category.category_to_series[k]
            for k in sorted(value.series_per_category.category_to_series)]
        for s in series:
            if s.WhichOneof("series") != "strings":
                continue  # the data rules already report the wrong member
            unknown = set(s.strings.series) - states_set
            if unknown:
                ctx.add(f"{p}.states", where, f"states {sorted(unknown)[:5]} of "
                        f"{ctx.data_label(value_ref.id.data)} are not in states_set")
    outside = sorted(set(v.failure_states) - states_set)
    if outside:
        rule_id = f"{p}.failure-states" if len(v.states_over_time_data_id) else \
            "extra:states-over-time.failure-states"
        ctx.add(rule_id, where, f"failure_states {outside} are not in states_set")
    _legend(ctx, where, member, v.legend_series_names, len(v.states_over_time_data_id))


def _histogram(ctx: Checks, where: str, v: pb.HistogramMetricValues) -> None:
    p = _prefix("histogram_metric_values")
    check_pair(ctx, where, PairRule(p, _DOUBLES, ALL_SERIES_TYPES), v.values_data_id, v.statuses_data_id)
    if not v.buckets:
        ctx.add(f"{p}.buckets", where, "has no buckets")
        return
    if v.buckets[0].lower != v.lower_bound:  # NaN never compares equal: rejected, as by the platform
        ctx.add(f"{p}.lower-bound", where,
                f"first bucket starts at {v.buckets[0].lower!r}, lower_bound is {v.lower_bound!r}")
    for i, bucket in enumerate(v.buckets):
        if not bucket.lower < bucket.upper:
            ctx.add(f"{p}.bucket-order", where, f"bucket {i} has lower {bucket.lower!r} >= upper {bucket.upper!r}")
        if i and bucket.lower != v.buckets[i - 1].upper:
            ctx.add(f"{p}.bucket-gap", where,
                    f"bucket {i} starts at {bucket.lower!r}, bucket {i - 1} ends at {v.buckets[i - 1].upper!r}")
    if v.buckets[-1].upper != v.upper_bound:
        ctx.add(f"{p}.upper-bound", where,
                f"last bucket ends at {v.buckets[-1].upper!r}, upper_bound is {v.upper_bound!r}")


def _scalar(ctx: Checks, where: str, v: pb.ScalarMetricValues) -> None:
    p = _prefix("scalar_metric_values")
    if not v.HasField("value"):
        ctx.add(f"{p}.value", where, "value is not set")
    elif is_nan(v.value):
        ctx.add(f"{p}.value-nan", where, "value is NaN")
    if v.HasField("failure_definition"):
        _failure(ctx, where, "scalar_metric_values", v.failure_definition, "failure_definition")


def _plotly(ctx: Checks, where: str, v: pb.PlotlyMetricValues) -> None:
    if not v.HasField("json"):
        ctx.add(f"{_prefix('plotly_metric_values')}.json", where, "json is not set")


def _text(ctx: Checks, where: str, v: pb.TextMetricValues) -> None:
    if not v.text:
        ctx.add(f"{_prefix('text_metric_values')}.text", where, "text is empty")


def _image_ref(ctx: Checks, where: str, prefix: str, ref: pb.MetricsDataId, role: str) -> None:
    data = referenced(ctx, ref, where, f"{prefix}.data", role)
    if data is not None and data.data_type != EXTERNAL_FILE:
        ctx.add(f"{prefix}.data-type", where, f"{role} {ctx.data_label(ref.id.data)} has type "
                f"{data_type_name(data.data_type)}, needs {data_type_name(EXTERNAL_FILE)}")


def _image(ctx: Checks, where: str, v: pb.ImageMetricValues) -> None:
    p = _prefix("image_metric_values")
    if not v.HasField("image_data_id"):
        ctx.add(f"{p}.data-id", where, "image_data_id is not set")
        return
    _image_ref(ctx, where, p, v.image_data_id, "image")


def _image_list(ctx: Checks, where: str, v: pb.ImageListMetricValues) -> None:
    p = _prefix("image_list_metric_values")
    if not v.image_data_ids:
        ctx.add(f"{p}.empty", where, "image_data_ids is empty")
    for i, ref in enumerate(v.image_data_ids):
        _image_ref(ctx, where, p, ref, f"image {i}")


def check_values(ctx: Checks, where: str, values: pb.MetricValues, member: str) -> None:
    """Check the set member `member` of a metric's values."""
    if member == "double_metric_values":
        _double_summary(ctx, where, values.double_metric_values)
    elif member == "double_over_time_metric_values":
        _double_over_time(ctx, where, values.double_over_time_metric_values)
    elif member == "line_plot_metric_values":
        _line_plot(ctx, where, values.line_plot_metric_values)
    elif member == "bar_chart_metric_values":
        _bar_chart(ctx, where, values.bar_chart_metric_values)
    elif member == "batchwise_bar_chart_metric_values":
        _batchwise(ctx, where, values.batchwise_bar_chart_metric_values)
    elif member == "states_over_time_metric_values":
        _states_over_time(ctx, where, values.states_over_time_metric_values)
    elif member == "histogram_metric_values":
        _histogram(ctx, where, values.histogram_metric_values)
    elif member == "scalar_metric_values":
        _scalar(ctx, where, values.scalar_metric_values)
    elif member == "plotly_metric_values":
        _plotly(ctx, where, values.plotly_metric_values)
    elif member == "text_metric_values":
        _text(ctx, where, values.text_metric_values)
    elif member == "image_metric_values":
        _image(ctx, where, values.image_metric_values)
    elif member == "image_list_metric_values":
        _image_list(ctx, where, values.image_list_metric_values)
