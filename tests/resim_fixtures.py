"""JobMetrics written by ReSim's own `ResimMetricsWriter` (test-only): every metric type, events,
grouped (per-category) data, indexed data and data without a metric.

`resim_written_job_metrics()` returns ReSim's message; `resim_written_bytes()` its serialized form;
`with_braced_ids()` rewrites every id of a message as `{uuid}`.
Names are fixed so tests can find items, and all distinct (ReSim's `unpack_metrics` needs that);
ids are ReSim's random uuid4s.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import numpy as np
from resim.metrics.proto import metrics_pb2 as resim_pb
from resim.metrics.python.metrics import (
    ExternalFileMetricsData,
    GroupedMetricsData,
    SeriesMetricsData,
)
from resim.metrics.python.metrics_utils import (
    DoubleFailureDefinition,
    HistogramBucket,
    MetricImportance,
    MetricStatus,
    Timestamp,
)
from resim.metrics.python.metrics_writer import ResimMetricsWriter

JOB_ID = uuid.UUID("6c1e0b52-3f3a-4d0e-9a43-2f0d1c3b5a71")
PROJECT_ID = uuid.UUID("0f6b9a8e-1c2d-4e3f-8a9b-0c1d2e3f4a5b")

PASSED = MetricStatus.PASSED_METRIC_STATUS
FAIL_WARN = MetricStatus.FAIL_WARN_METRIC_STATUS
HIGH = MetricImportance.HIGH_IMPORTANCE

# Every metric name the fixture writes, by metric type name (the proto enum name).
METRIC_NAMES = {
    "SCALAR_METRIC_TYPE": "scalar zero",
    "DOUBLE_SUMMARY_METRIC_TYPE": "summary",
    "DOUBLE_OVER_TIME_METRIC_TYPE": "speed",
    "LINE_PLOT_METRIC_TYPE": "trajectory",
    "BAR_CHART_METRIC_TYPE": "bars",
    "BATCHWISE_BAR_CHART_METRIC_TYPE": "batchwise",
    "STATES_OVER_TIME_METRIC_TYPE": "gear states",
    "HISTOGRAM_METRIC_TYPE": "histogram",
    "PLOTLY_METRIC_TYPE": "plotly",
    "IMAGE_METRIC_TYPE": "image",
    "IMAGE_LIST_METRIC_TYPE": "image list",
    "TEXT_METRIC_TYPE": "text",
}


def _timestamps(n: int) -> np.ndarray:
    return np.array([Timestamp(secs=i, nanos=500_000_000 * (i % 2)) for i in range(n)], dtype=object)


def _statuses(n: int, status: MetricStatus = PASSED) -> np.ndarray:
    return np.array([status] * n, dtype=object)


def _add_scalar_like(writer: ResimMetricsWriter) -> None:
    (writer.add_scalar_metric(METRIC_NAMES["SCALAR_METRIC_TYPE"]).with_value(0.0).with_unit("m")
     .with_failure_definition(DoubleFailureDefinition(fails_above=1.0, fails_below=-1.0))
     .with_status(PASSED).with_importance(HIGH).with_description("a scalar of value zero")
     .with_should_display(False).with_blocking(False).with_tag("team", "planning"))
    (writer.add_text_metric(METRIC_NAMES["TEXT_METRIC_TYPE"]).with_text("# Report\nall *good*")
     .with_status(PASSED).with_importance(HIGH))
    figure = {"data": [{"type": "bar", "x": ["a", "b"], "y": [1, 2.5]}], "layout": {"title": "t"}}
    (writer.add_plotly_metric(METRIC_NAMES["PLOTLY_METRIC_TYPE"]).with_plotly_data(json.dumps(figure))
     .with_status(PASSED).with_importance(HIGH))


def _add_images(writer: ResimMetricsWriter) -> None:
    image = writer.add_external_file_metrics_data("image file").with_filename("plot.png")
    (writer.add_image_metric(METRIC_NAMES["IMAGE_METRIC_TYPE"]).with_image_data(image)
     .with_status(PASSED).with_importance(HIGH))
    frames = [ExternalFileMetricsData(f"frame {i}", filename=f"frames/{i}.png") for i in range(2)]
    (writer.add_image_list_metric(METRIC_NAMES["IMAGE_LIST_METRIC_TYPE"]).with_image_list_data(frames)
     .with_status(PASSED).with_importance(HIGH))


def _add_time_series(writer: ResimMetricsWriter) -> SeriesMetricsData:
    n = 8
    time = SeriesMetricsData("time", series=_timestamps(n), unit="s")
    speed = SeriesMetricsData("speed values", series=np.linspace(0.0, 7.0, n), unit="m/s", index_data=time)
    speed_status = SeriesMetricsData("speed statuses", series=_statuses(n), index_data=time)
    (writer.add_double_over_time_metric(METRIC_NAMES["DOUBLE_OVER_TIME_METRIC_TYPE"])
     .append_doubles_over_time_data(speed, "speed").append_statuses_over_time_data(speed_status)
     .with_failure_definitions([DoubleFailureDefinition(fails_above=30.0, fails_below=None)])
     .with_start_time(Timestamp(secs=0, nanos=0)).with_end_time(Timestamp(secs=7, nanos=500_000_000))
     .with_y_axis_name("speed (m/s)").with_status(PASSED).with_importance(HIGH))
    (writer.add_double_summary_metric(METRIC_NAMES["DOUBLE_SUMMARY_METRIC_TYPE"]).with_value_data(speed)
     .with_status_data(speed_status).with_index(Timestamp(secs=3, nanos=500_000_000))
     .with_failure_definition(DoubleFailureDefinition(fails_above=10.0, fails_below=0.0))
     .with_status(PASSED).with_importance(HIGH))
    gears = np.array(["park", "drive", "drive", "reverse", "drive", "park", "park", "drive"])
    gear = SeriesMetricsData("gear", series=gears, index_data=time)
    gear_status = SeriesMetricsData("gear statuses", series=_statuses(n), index_data=time)
    (writer.add_states_over_time_metric(METRIC_NAMES["STATES_OVER_TIME_METRIC_TYPE"])
     .append_states_over_time_data(gear, "gear").append_statuses_over_time_data(gear_status)
     .with_states_set({"park", "drive", "reverse", "neutral"}).with_failure_states({"neutral"})
     .with_status(PASSED).with_importance(HIGH))
    x = SeriesMetricsData("x", series=np.linspace(-1.0, 1.0, 5), unit="m")
    y = SeriesMetricsData("y", series=np.array([0.5, 0.25, 0.0, 0.25, 0.5]), unit="m")
    xy_status = SeriesMetricsData("xy statuses", series=_statuses(5))
    (writer.add_line_plot_metric(METRIC_NAMES["LINE_PLOT_METRIC_TYPE"]).append_series_data(x, y, "path")
     .append_statuses_data(xy_status).with_x_axis_name("x (m)").with_y_axis_name("y (m)")
     .with_status(PASSED).with_importance(HIGH))
    samples = SeriesMetricsData("samples", series=np.array([0.1, 0.4, 0.45, 0.9]))
    sample_status = SeriesMetricsData("sample statuses", series=_statuses(4))
    (writer.add_histogram_metric(METRIC_NAMES["HISTOGRAM_METRIC_TYPE"]).with_values_data(samples)
     .with_statuses_data(sample_status)
     .with_buckets([HistogramBucket(lower=0.0, upper=0.5), HistogramBucket(lower=0.5, upper=1.0)])
     .with_lower_bound(0.0).with_upper_bound(1.0).with_x_axis_name("value")
     .with_status(FAIL_WARN).with_importance(HIGH))
    return speed


def _add_bar_charts(writer: ResimMetricsWriter) -> None:
    labels = SeriesMetricsData("bar labels", series=np.array(["left", "right", "center"]))
    heights = SeriesMetricsData("bar heights", series=np.array([1.0, 2.0, 0.5]), index_data=labels)
    bar_status = SeriesMetricsData("bar statuses", series=_statuses(3), index_data=labels)
    (writer.add_bar_chart_metric(METRIC_NAMES["BAR_CHART_METRIC_TYPE"]).append_values_data(heights, "h")
     .append_statuses_data(bar_status).with_x_axis_name("side").with_y_axis_name("count")
     .with_stack_bars(True).with_status(PASSED).with_importance(HIGH))
    batch_ids = [uuid.UUID(int=0x1000 + i) for i in range(3)]
    batches = GroupedMetricsData("batch ids").with_category_to_series(
        {"PASSED": np.array(batch_ids[:2], dtype=object), "BLOCKER": np.array(batch_ids[2:], dtype=object)})
    times = GroupedMetricsData("batch times", index_data=batches).with_category_to_series(
        {"PASSED": _timestamps(2), "BLOCKER": _timestamps(1)})
    counts = GroupedMetricsData("batch counts", index_data=batches).with_category_to_series(
        {"PASSED": np.array([3.0, 4.0]), "BLOCKER": np.array([1.0])})
    count_status = GroupedMetricsData("batch count statuses", index_data=batches).with_category_to_series(
        {"PASSED": _statuses(2), "BLOCKER": _statuses(1)})
    chart = writer.add_batchwise_bar_chart_metric(METRIC_NAMES["BATCHWISE_BAR_CHART_METRIC_TYPE"])
    chart.append_category_data("PASSED", times, counts, count_status)
    chart.append_category_data("BLOCKER", times, counts, count_status)
    (chart.with_colors(["#7CA0FB", "#FA7070aa"]).with_project_id(PROJECT_ID).with_x_axis_name("Time")
     .with_y_axis_name("Tests").with_stack_bars(True).with_status(PASSED).with_importance(HIGH))


def _add_orphans_and_events(writer: ResimMetricsWriter, speed: SeriesMetricsData) -> None:
    writer.add_series_metrics_data("export/orphan").with_series(np.array([1.0, float("nan"), 3.0]))
    lanes = SeriesMetricsData("lane", series=np.array(["a", "b", "a", "a", "b", "b", "a", "a"]))
    writer.add_metrics_data(speed.group_by(lanes))
    run_ids = np.array([uuid.UUID(int=0x2000 + i) for i in range(len(speed.series))], dtype=object)
    writer.add_metrics_data(SeriesMetricsData("run ids", series=run_ids, index_data=speed.index_data))
    event_metric = (writer.add_scalar_metric("event value").with_value(2.5).with_status(PASSED)
                    .with_importance(HIGH).is_event_metric())
    event_metric_twin = (writer.add_scalar_metric("second event value").with_value(3.5).with_status(PASSED)
                         .with_importance(HIGH).is_event_metric())
    (writer.add_event("hard brake").with_absolute_timestamp(Timestamp(secs=4, nanos=250))
     .with_status(FAIL_WARN).with_importance(HIGH).with_description("decel > 3 m/s^2")
     .with_tags(["brake", "safety"]).with_metrics([event_metric]))
    (writer.add_event("second brake").with_absolute_timestamp(Timestamp(secs=6, nanos=0))
     .with_status(PASSED).with_importance(HIGH).with_metrics([event_metric_twin]))


def resim_written_job_metrics(job_id: uuid.UUID = JOB_ID) -> resim_pb.JobMetrics:
    """A JobMetrics built by ReSim's writer with every metric type, events, grouped and orphan data."""
    writer = ResimMetricsWriter(job_id)
    _add_scalar_like(writer)
    _add_images(writer)
    speed = _add_time_series(writer)
    _add_bar_charts(writer)
    _add_orphans_and_events(writer, speed)
    msg: resim_pb.JobMetrics = writer.write().metrics_msg
    return msg


def resim_written_bytes(job_id: uuid.UUID = JOB_ID) -> bytes:
    """`resim_written_job_metrics()` serialized the way ReSim's examples do (default serialization)."""
    return resim_written_job_metrics(job_id).SerializeToString()


def with_braced_ids(msg: resim_pb.JobMetrics) -> resim_pb.JobMetrics:
    """A copy of `msg` with every UUID written in braces (`{uuid}`), as ReSim's own test fixture
    generator writes them (its validator accepts the form; the generator is not shipped in the wheel)."""
    braced = resim_pb.JobMetrics()
    braced.CopyFrom(msg)
    _brace(braced)
    return braced


def _brace(message: Any) -> None:
    if message.DESCRIPTOR.full_name == "resim.proto.UUID":
        message.data = "{" + message.data + "}"
        return
    for fd, value in message.ListFields():
        if fd.message_type is None:
            continue
        if fd.message_type.GetOptions().map_entry:
            items = list(value.values()) if fd.message_type.fields_by_name["value"].message_type else []
        else:
            items = list(value) if fd.is_repeated else [value]
        for item in items:
            _brace(item)
