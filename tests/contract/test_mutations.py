"""(c) Single mutations of one golden, ReSim-written file, judged by ReSim's validator and ours.

Every row is one mutation. Rows without a `reason` are platform rules: ReSim's validator must
reject the mutated file and ours must report the named rule. Rows with a `reason` are our extra
strictness: ReSim accepts, ours reports the named `extra:` rule, and the reason says why. Rows with
`rule=None` are files both must accept. In every row where ReSim accepts, all our violations must
be `extra:` ones (we never claim the platform would reject a file it accepts).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from oracle import resim_rejects
from resim_fixtures import resim_written_bytes

from metrics_build import validate as validate_module
from metrics_build.validate import validate_job_metrics
from metrics_build.wire import metrics_pb2 as pb

GOLDEN = resim_written_bytes()
OTHER_UUID = "7d444840-9dc0-11d1-b245-5ffdce74fad2"
NAN = float("nan")


def metric(msg: pb.JobMetrics, name: str) -> pb.Metric:
    return next(m for m in msg.job_level_metrics.metrics if m.name == name)


def data(msg: pb.JobMetrics, name: str) -> pb.MetricsData:
    return next(d for d in msg.metrics_data if d.name == name)


def event(msg: pb.JobMetrics, name: str) -> pb.Event:
    return next(e for e in msg.events if e.name == name)


def data_id(msg: pb.JobMetrics, name: str) -> str:
    return data(msg, name).metrics_data_id.id.data


def metric_id(msg: pb.JobMetrics, name: str) -> str:
    return metric(msg, name).metric_id.id.data


def values(msg: pb.JobMetrics, name: str, member: str) -> object:
    return getattr(metric(msg, name).metric_values, member)


def dot(msg: pb.JobMetrics) -> pb.DoubleOverTimeMetricValues:
    return metric(msg, "speed").metric_values.double_over_time_metric_values


def summary(msg: pb.JobMetrics) -> pb.DoubleSummaryMetricValues:
    return metric(msg, "summary").metric_values.double_metric_values


def states(msg: pb.JobMetrics) -> pb.StatesOverTimeMetricValues:
    return metric(msg, "gear states").metric_values.states_over_time_metric_values


def line(msg: pb.JobMetrics) -> pb.LinePlotMetricValues:
    return metric(msg, "trajectory").metric_values.line_plot_metric_values


def bars(msg: pb.JobMetrics) -> pb.BarChartMetricValues:
    return metric(msg, "bars").metric_values.bar_chart_metric_values


def batchwise(msg: pb.JobMetrics) -> pb.BatchwiseBarChartMetricValues:
    return metric(msg, "batchwise").metric_values.batchwise_bar_chart_metric_values


def histogram(msg: pb.JobMetrics) -> pb.HistogramMetricValues:
    return metric(msg, "histogram").metric_values.histogram_metric_values


def scalar(msg: pb.JobMetrics) -> pb.ScalarMetricValues:
    return metric(msg, "scalar zero").metric_values.scalar_metric_values


def grouped(msg: pb.JobMetrics) -> pb.MetricsData:
    return data(msg, "speed values-grouped-by-lane")


@dataclass(frozen=True)
class Mutation:
    name: str
    apply: Callable[[pb.JobMetrics], object]
    rule: str | None
    reason: str | None = None


def _set(obj_of: Callable[[pb.JobMetrics], object], field: str, value: object) -> Callable[[pb.JobMetrics], None]:
    return lambda msg: setattr(obj_of(msg), field, value)


def _clear(obj_of: Callable[[pb.JobMetrics], object], field: str) -> Callable[[pb.JobMetrics], None]:
    return lambda msg: obj_of(msg).ClearField(field)  # type: ignore[attr-defined]


def _all(*steps: Callable[[pb.JobMetrics], object]) -> Callable[[pb.JobMetrics], None]:
    def run(msg: pb.JobMetrics) -> None:
        for step in steps:
            step(msg)
    return run


def _point(ref_of: Callable[[pb.JobMetrics], pb.MetricsDataId], target: str) -> Callable[[pb.JobMetrics], None]:
    """Point a data reference at the data named `target`."""
    return lambda msg: setattr(ref_of(msg).id, "data", data_id(msg, target))


def _cycle(msg: pb.JobMetrics) -> None:
    x, y = data(msg, "x"), data(msg, "y")
    for d, index in ((x, y), (y, x)):
        d.is_indexed = True
        d.index_data_id.id.data = index.metrics_data_id.id.data
        d.index_data_type = pb.DOUBLE_SERIES_DATA_TYPE


def _self_index(msg: pb.JobMetrics) -> None:
    d = data(msg, "export/orphan")
    d.data_type = pb.INDEXED_DOUBLE_SERIES_DATA_TYPE
    d.is_indexed = True
    d.index_data_id.CopyFrom(d.metrics_data_id)
    d.index_data_type = pb.INDEXED_DOUBLE_SERIES_DATA_TYPE


def _drop_states_series(msg: pb.JobMetrics) -> None:
    v = states(msg)
    v.ClearField("states_over_time_data_id")
    v.ClearField("statuses_over_time_data_id")
    v.ClearField("legend_series_names")
    v.failure_states.append("crash")


def _upper_job_id_everywhere(msg: pb.JobMetrics) -> None:
    upper = msg.job_id.id.data.upper()
    msg.job_id.id.data = upper
    for m in msg.job_level_metrics.metrics:
        m.job_id.id.data = upper


def _rename_category(msg: pb.JobMetrics) -> None:
    grouped(msg).category_names[0] = "c"


def _bad_uuid_element(msg: pb.JobMetrics) -> None:
    data(msg, "batch ids").series_per_category.category_to_series["PASSED"].uuids.series[0].data = "nope"


PLATFORM: list[Mutation] = [
    # §2.1 top level
    Mutation("data id not a UUID", _set(lambda m: data(m, "export/orphan").metrics_data_id.id, "data", "x"),
             "1 data.id"),
    Mutation("data id empty", _clear(lambda m: data(m, "export/orphan"), "metrics_data_id"), "1 data.id"),
    Mutation("data id duplicated", lambda m: setattr(data(m, "export/orphan").metrics_data_id.id, "data",
                                                     data_id(m, "x")), "2 data.duplicate-id"),
    Mutation("metric id not a UUID", _set(lambda m: metric(m, "text").metric_id.id, "data", "12"), "3 metric.id"),
    Mutation("metric id duplicated", lambda m: setattr(metric(m, "text").metric_id.id, "data",
                                                       metric_id(m, "plotly")), "4 metric.duplicate-id"),
    Mutation("event id not a UUID", _set(lambda m: event(m, "hard brake").event_id.id, "data", "e1"),
             "5 event.id"),
    Mutation("job id missing", _clear(lambda m: m, "job_id"), "6 job.id"),
    Mutation("job id not a UUID", _set(lambda m: m.job_id.id, "data", "job-1"), "6 job.id"),
    Mutation("job-level status unset", _set(lambda m: m.job_level_metrics, "metrics_status", 0),
             "8 job.collection-status"),
    Mutation("job_level_metrics missing", _clear(lambda m: m, "job_level_metrics"), "8 job.collection-status"),
    Mutation("job status unset", _set(lambda m: m, "metrics_status", 0), "9 job.status"),
    Mutation("two metrics share a name", _set(lambda m: metric(m, "text"), "name", "plotly"),
             "10 metric.name-unique"),
    Mutation("metric job id differs", _set(lambda m: metric(m, "text").job_id.id, "data", OTHER_UUID),
             "11 metric.job-id-match"),
    Mutation("top job id upper-cased only", lambda m: setattr(m.job_id.id, "data", m.job_id.id.data.upper()),
             "11 metric.job-id-match"),
    Mutation("two data share a name", _set(lambda m: data(m, "y"), "name", "x"), "12 data.name-unique"),
    # §2.2 metric
    Mutation("metric name empty", _set(lambda m: metric(m, "text"), "name", ""), "16 metric.name"),
    Mutation("metric type unset", _set(lambda m: metric(m, "text"), "type", 0), "17 metric.type"),
    Mutation("metric status unset", _set(lambda m: metric(m, "text"), "status", 0), "18 metric.status"),
    Mutation("metric values unset", _clear(lambda m: metric(m, "text"), "metric_values"), "19 metric.values"),
    Mutation("metric importance unset", _set(lambda m: metric(m, "text"), "importance", 0),
             "20 metric.importance"),
    Mutation("metric job id unset", _clear(lambda m: metric(m, "text"), "job_id"), "21 metric.job-id"),
    Mutation("metric job id not a UUID", _set(lambda m: metric(m, "text").job_id.id, "data", "j"),
             "21 metric.job-id"),
    Mutation("tag with empty value", lambda m: metric(m, "text").tags.add(key="k", value=""), "22 metric.tag"),
    Mutation("type does not match values", _set(lambda m: metric(m, "text"), "type", pb.SCALAR_METRIC_TYPE),
             "24 metric.type-values"),
    Mutation("unknown type needs image values", _set(lambda m: metric(m, "text"), "type", 42),
             "24 metric.type-values"),
    # §2.3 data
    Mutation("data type unset", _set(lambda m: data(m, "export/orphan"), "data_type", 0), "26 data.type"),
    Mutation("external file path empty", _clear(lambda m: data(m, "image file").external_file, "path"),
             "27 data.external-file"),
    Mutation("external file member missing", _clear(lambda m: data(m, "image file"), "external_file"),
             "27 data.external-file"),
    Mutation("per-category flag on a plain series", _set(lambda m: data(m, "export/orphan"), "is_per_category",
                                                         True), "28 data.per-category-member"),
    Mutation("category names empty", _clear(grouped, "category_names"), "28 data.category-names"),
    Mutation("category names differ from keys", _rename_category, "28 data.category-names"),
    Mutation("category series empty",
             lambda m: grouped(m).series_per_category.category_to_series["a"].doubles.ClearField("series"),
             "28 data.series-empty"),
    Mutation("category series of the wrong kind",
             _set(grouped, "data_type", pb.INDEXED_STRING_SERIES_DATA_TYPE), "28 data.series-kind"),
    Mutation("series missing", _clear(lambda m: data(m, "export/orphan"), "series"), "29 data.series-member"),
    Mutation("series empty", lambda m: data(m, "export/orphan").series.doubles.ClearField("series"),
             "29 data.series-empty"),
    Mutation("series of the wrong kind", _set(lambda m: data(m, "export/orphan"), "data_type",
                                              pb.STRING_SERIES_DATA_TYPE), "29 data.series-kind"),
    Mutation("index id not a UUID", _set(lambda m: data(m, "speed values").index_data_id.id, "data", "t"),
             "30 data.index-id"),
    Mutation("index not in the file", _set(lambda m: data(m, "speed values").index_data_id.id, "data",
                                           OTHER_UUID), "30 data.index-missing"),
    Mutation("index shorter than the data", lambda m: data(m, "time").series.timestamps.series.pop(),
             "30 data.index-shape"),
    Mutation("index type mis-declared", _set(lambda m: data(m, "gear"), "index_data_type",
                                             pb.STRING_SERIES_DATA_TYPE), "30 data.index-type"),
    # §2.4 events
    Mutation("event name empty", _set(lambda m: event(m, "hard brake"), "name", ""), "32 event.name"),
    Mutation("event metric id not a UUID", lambda m: event(m, "hard brake").metrics.add().id.SetInParent(),
             "33 event.metric-id"),
    Mutation("event metric not in the file",
             lambda m: setattr(event(m, "hard brake").metrics.add().id, "data", OTHER_UUID),
             "33 event.metric-missing"),
    Mutation("event lists a metric twice", lambda m: event(m, "hard brake").metrics.append(
        event(m, "hard brake").metrics[0]), "33 event.metric-names"),
    Mutation("event status unset", _set(lambda m: event(m, "hard brake"), "status", 0), "34 event.status"),
    Mutation("event timestamp type unset", _all(_set(lambda m: event(m, "hard brake"), "timestamp_type", 0),
                                                _set(lambda m: event(m, "second brake"), "timestamp_type", 0)),
             "35 event.timestamp-type"),
    Mutation("event timestamp negative", _set(lambda m: event(m, "hard brake").timestamp, "seconds", -1),
             "36 event.timestamp"),
    Mutation("event nanos out of range", _set(lambda m: event(m, "hard brake").timestamp, "nanos", 10**9),
             "36 event.timestamp"),
    Mutation("event importance unset", _set(lambda m: event(m, "hard brake"), "importance", 0),
             "37 event.importance"),
    Mutation("two events share a name", _set(lambda m: event(m, "second brake"), "name", "hard brake"),
             "14 event.name-unique"),
    Mutation("events mix timestamp types", _set(lambda m: event(m, "second brake"), "timestamp_type",
                                                pb.RELATIVE_TIMESTAMP), "14 event.timestamp-types"),
    # §2.5 per type
    Mutation("summary value un-indexed with a timestamp index", _point(lambda m: summary(m).value_data_id, "x"),
             "38 double-summary.value-type"),
    Mutation("summary string index over a time index", _set(summary, "string_index", "left"),
             "38 double-summary.index-type"),
    Mutation("summary value missing", _set(lambda m: summary(m).value_data_id.id, "data", OTHER_UUID),
             "38 double-summary.value-missing"),
    Mutation("over-time without failure definitions", _clear(dot, "failure_definition"),
             "39 double-over-time.lengths"),
    Mutation("over-time values un-indexed", _point(lambda m: dot(m).doubles_over_time_data_id[0], "x"),
             "39 double-over-time.value-type"),
    Mutation("over-time status un-indexed", _point(lambda m: dot(m).statuses_over_time_data_id[0], "xy statuses"),
             "39 double-over-time.status-type"),
    Mutation("over-time status on another index",
             _point(lambda m: dot(m).statuses_over_time_data_id[0], "bar statuses"),
             "39 double-over-time.status-index"),
    Mutation("line plot lists differ", lambda m: line(m).x_doubles_data_id.append(line(m).x_doubles_data_id[0]),
             "40 line-plot.lengths"),
    Mutation("line plot y of another length", _point(lambda m: line(m).y_doubles_data_id[0], "samples"),
             "40 line-plot.shape"),
    Mutation("bar chart over a time index", _point(lambda m: bars(m).values_data_id[0], "speed values"),
             "41 bar-chart.index-type"),
    Mutation("bar chart without statuses", _clear(bars, "statuses_data_id"), "41 bar-chart.lengths"),
    Mutation("batchwise without project", _clear(batchwise, "project_id"), "42 batchwise-bar-chart.project-id"),
    Mutation("batchwise short color", lambda m: batchwise(m).colors.append("#abc"), "42 batchwise-bar-chart.color"),
    Mutation("batchwise extra category", lambda m: batchwise(m).categories.append("ERROR"),
             "42 batchwise-bar-chart.lengths"),
    Mutation("batchwise times are doubles", _point(lambda m: batchwise(m).times_data_id[0], "batch counts"),
             "42 batchwise-bar-chart.value-type"),
    Mutation("state outside states_set", lambda m: states(m).states_set.remove("reverse"),
             "43 states-over-time.states"),
    Mutation("failure state outside states_set", lambda m: states(m).failure_states.append("crash"),
             "43 states-over-time.failure-states"),
    Mutation("states without statuses", _clear(states, "statuses_over_time_data_id"),
             "43 states-over-time.lengths"),
    Mutation("histogram without buckets", _clear(histogram, "buckets"), "44 histogram.buckets"),
    Mutation("histogram gap", _set(lambda m: histogram(m).buckets[1], "lower", 0.6), "44 histogram.bucket-gap"),
    Mutation("histogram starts above lower_bound", _set(histogram, "lower_bound", -1.0),
             "44 histogram.lower-bound"),
    Mutation("histogram ends below upper_bound", _set(histogram, "upper_bound", 2.0), "44 histogram.upper-bound"),
    Mutation("histogram bucket reversed", _all(_set(lambda m: histogram(m).buckets[1], "upper", 0.5),
                                               _set(histogram, "upper_bound", 0.5)),
             "44 histogram.bucket-order"),
    Mutation("histogram NaN bound", _all(_set(histogram, "upper_bound", NAN),
                                         _set(lambda m: histogram(m).buckets[1], "upper", NAN)),
             "44 histogram.upper-bound"),
    Mutation("scalar value unset", _clear(scalar, "value"), "45 scalar.value"),
    Mutation("scalar value NaN", _set(scalar, "value", NAN), "45 scalar.value-nan"),
    Mutation("plotly json unset", _clear(lambda m: values(m, "plotly", "plotly_metric_values"), "json"),
             "46 plotly.json"),
    Mutation("text empty", _clear(lambda m: values(m, "text", "text_metric_values"), "text"), "47 text.text"),
    Mutation("image id unset", _clear(lambda m: values(m, "image", "image_metric_values"), "image_data_id"),
             "48 image.data-id"),
    Mutation("image is a series", _point(lambda m: metric(m, "image").metric_values.image_metric_values
                                         .image_data_id, "x"), "48 image.data-type"),
    Mutation("image not in the file", _set(lambda m: metric(m, "image").metric_values.image_metric_values
                                           .image_data_id.id, "data", OTHER_UUID), "48 image.data-missing"),
    Mutation("image list empty", _clear(lambda m: values(m, "image list", "image_list_metric_values"),
                                        "image_data_ids"), "49 image-list.empty"),
    Mutation("image list holds a series", _point(lambda m: metric(m, "image list").metric_values
                                                 .image_list_metric_values.image_data_ids[1], "y"),
             "49 image-list.data-type"),
]

EXTRA: list[Mutation] = [
    Mutation("duplicate event id", lambda m: event(m, "second brake").event_id.CopyFrom(
        event(m, "hard brake").event_id), "extra:event.duplicate-id",
        reason="ids must be unique; the platform means to check event ids but compares a list with itself"),
    Mutation("event metric no event references", _clear(lambda m: event(m, "second brake"), "metrics"),
             "extra:metric.event-metric-unreferenced",
             reason="the platform means to reject it but discards its own check's result"),
    Mutation("INDEXED type without is_indexed", _set(lambda m: data(m, "speed values"), "is_indexed", False),
             "extra:data.indexed-flag",
             reason="the platform reads 'indexed' from the type in one place and the flag in another"),
    Mutation("data is its own index", _self_index, "extra:data.self-index",
             reason="ReSim's unpacker recurses forever on it"),
    Mutation("index cycle", _cycle, "extra:data.index-cycle", reason="ReSim's unpacker recurses forever on it"),
    Mutation("category listed twice", lambda m: grouped(m).category_names.append("a"),
             "extra:data.duplicate-category-name",
             reason="the map holds the category once; readers walking the list count it twice"),
    Mutation("status 0 inside a status series",
             lambda m: data(m, "xy statuses").series.statuses.series.__setitem__(0, 0),
             "extra:data.status-values", reason="status 0 is rejected everywhere else by the platform"),
    Mutation("unknown status inside a status series",
             lambda m: data(m, "xy statuses").series.statuses.series.__setitem__(1, 9),
             "extra:data.status-values", reason="ReSim's unpacker raises on unknown status numbers"),
    Mutation("UUID series element not a UUID", _bad_uuid_element, "extra:data.uuid-values",
             reason="ReSim's unpacker raises on it"),
    Mutation("data ids equal as UUIDs", lambda m: setattr(data(m, "export/orphan").metrics_data_id.id, "data",
                                                          data_id(m, "x").upper()), "extra:data.duplicate-uuid",
             reason="ReSim's unpacker keys data by UUID value and silently merges the two"),
    Mutation("metric ids equal as UUIDs", lambda m: setattr(metric(m, "text").metric_id.id, "data",
                                                            metric_id(m, "plotly").upper()),
             "extra:metric.duplicate-uuid", reason="ReSim's unpacker keys metrics by UUID value"),
    Mutation("summary series index past the end", _set(summary, "series_index", 8),
             "extra:double-summary.series-index-range", reason="the index points at no element"),
    Mutation("over-time legend too long", lambda m: dot(m).legend_series_names.append("ghost"),
             "extra:double-over-time.legend-length", reason="a legend of another length mislabels series"),
    Mutation("bar chart legend too long", lambda m: bars(m).legend_series_names.append("ghost"),
             "extra:bar-chart.legend-length", reason="a legend of another length mislabels series"),
    Mutation("line plot legend too long", lambda m: line(m).legend_series_names.append("ghost"),
             "extra:line-plot.legend-length", reason="a legend of another length mislabels series"),
    Mutation("states legend too long", lambda m: states(m).legend_series_names.append("ghost"),
             "extra:states-over-time.legend-length", reason="a legend of another length mislabels series"),
    Mutation("failure state outside states_set with no series", _drop_states_series,
             "extra:states-over-time.failure-states",
             reason="the platform checks this only inside its per-series loop"),
    Mutation("color with trailing newline", lambda m: batchwise(m).colors.append("#7CA0FB\n"),
             "extra:batchwise-bar-chart.color-newline", reason="Python's `$` lets the newline through"),
    Mutation("scalar NaN threshold", _set(lambda m: scalar(m).failure_definition, "fails_above", NAN),
             "extra:scalar.failure-nan", reason="a NaN threshold never fires"),
    Mutation("over-time NaN threshold", _set(lambda m: dot(m).failure_definition[0], "fails_below", NAN),
             "extra:double-over-time.failure-nan", reason="a NaN threshold never fires"),
    Mutation("summary NaN threshold", _set(lambda m: summary(m).failure_definition, "fails_below", NAN),
             "extra:double-summary.failure-nan", reason="a NaN threshold never fires"),
    Mutation("unknown metric status", _set(lambda m: metric(m, "text"), "status", 9), "extra:enum.unknown-value",
             reason="ReSim's unpacker raises on unknown enum numbers"),
    Mutation("unknown event importance", _set(lambda m: event(m, "hard brake"), "importance", 42),
             "extra:enum.unknown-value", reason="ReSim's unpacker raises on unknown enum numbers"),
]

ACCEPTED: list[Mutation] = [
    Mutation("NaN and inf inside a double series",
             lambda m: data(m, "export/orphan").series.doubles.series.extend([NAN, float("inf")]), None),
    Mutation("event metrics share a name", _set(lambda m: metric(m, "second event value"), "name", "event value"),
             None),
    Mutation("event metric named like a metric", _set(lambda m: metric(m, "event value"), "name", "text"), None),
    Mutation("data named like a metric", _set(lambda m: data(m, "x"), "name", "trajectory"), None),
    Mutation("job FAIL_BLOCK with passing metrics", _all(_set(lambda m: m, "metrics_status", 5),
                                                         _set(lambda m: m.job_level_metrics, "metrics_status", 5)),
             None),
    Mutation("job id upper-cased everywhere", _upper_job_id_everywhere, None),
    Mutation("nil job id everywhere", lambda m: [setattr(x.id, "data", "00000000-0000-0000-0000-000000000000")
                                                 for x in [m.job_id, *(k.job_id for k in
                                                                       m.job_level_metrics.metrics)]], None),
    Mutation("data id without hyphens", lambda m: setattr(data(m, "export/orphan").metrics_data_id.id, "data",
                                                          OTHER_UUID.replace("-", "")), None),
    Mutation("empty plotly figure", lambda m: values(m, "plotly", "plotly_metric_values").json.Clear(), None),
    Mutation("histogram lower_bound unset at 0.0", _clear(histogram, "lower_bound"), None),
    Mutation("scalar value infinite", _set(scalar, "value", float("inf")), None),
    Mutation("duplicate tags", lambda m: metric(m, "scalar zero").tags.add(key="team", value="planning"), None),
    Mutation("external file path with ..", _set(lambda m: data(m, "image file").external_file, "path",
                                                "../x.png"), None),
    Mutation("stale index id on un-indexed data", _set(lambda m: data(m, "x").index_data_id.id, "data", "junk"),
             None),
    Mutation("summary series index in range", _set(summary, "series_index", 7), None),
    Mutation("no legend at all", _clear(dot, "legend_series_names"), None),
    Mutation("batchwise 8-digit color", lambda m: batchwise(m).colors.append("#00000000"), None),
    Mutation("event without timestamp", _clear(lambda m: event(m, "hard brake"), "timestamp"), None),
]


def _mutated(mutation: Mutation) -> bytes:
    msg = pb.JobMetrics.FromString(GOLDEN)
    mutation.apply(msg)
    return msg.SerializeToString()


def _documented_as(rule: str, documented: str) -> bool:
    """`rule` is the documented rule, where `<type>` in the documentation stands for any type slug."""
    pattern = re.escape(documented).replace(re.escape("<type>"), r"[\w-]+")
    return re.fullmatch(pattern, rule) is not None


def test_table_covers_every_documented_extra_rule() -> None:
    documented = set(re.findall(r"`(extra:[\w.<>-]+)`", validate_module.__doc__ or ""))
    assert len(documented) >= 15
    for doc_rule in sorted(documented):
        assert any(_documented_as(m.rule or "", doc_rule) for m in EXTRA), f"no EXTRA row for {doc_rule}"
    for m in EXTRA:
        assert any(_documented_as(m.rule or "", d) for d in documented), f"{m.rule} is not documented"


def test_golden_is_valid_for_both() -> None:
    assert not resim_rejects(GOLDEN)
    assert validate_job_metrics(pb.JobMetrics.FromString(GOLDEN)) == []


def test_table_covers_every_platform_rule_number() -> None:
    numbers = {int(m.rule.split()[0]) for m in PLATFORM if m.rule}
    # 15/25/31 are the same id checks as 3/1/5; 7/13 are "each metric/data passes"; 23 is not enforced.
    assert numbers >= set(range(1, 50)) - {7, 13, 15, 23, 25, 31}


@pytest.mark.parametrize("mutation", PLATFORM, ids=lambda m: m.name)
def test_platform_rule_rejected_by_both(mutation: Mutation) -> None:
    data = _mutated(mutation)
    assert resim_rejects(data), "ReSim accepts this mutation: move it to EXTRA or ACCEPTED"
    ours = validate_job_metrics(pb.JobMetrics.FromString(data))
    assert mutation.rule in {v.rule for v in ours}, [str(v) for v in ours]


@pytest.mark.parametrize("mutation", EXTRA, ids=lambda m: m.name)
def test_extra_strictness_rejected_only_by_us(mutation: Mutation) -> None:
    assert mutation.reason and mutation.rule and mutation.rule.startswith("extra:")
    data = _mutated(mutation)
    assert not resim_rejects(data)
    ours = validate_job_metrics(pb.JobMetrics.FromString(data))
    assert mutation.rule in {v.rule for v in ours}, [str(v) for v in ours]
    assert all(v.is_extra for v in ours), [str(v) for v in ours]


@pytest.mark.parametrize("mutation", ACCEPTED, ids=lambda m: m.name)
def test_accepted_by_both(mutation: Mutation) -> None:
    data = _mutated(mutation)
    assert not resim_rejects(data)
    assert [str(v) for v in validate_job_metrics(pb.JobMetrics.FromString(data))] == []
