"""The writer: every metric type builds a message the platform's own validator and reader accept,
ids and bytes are deterministic, statuses roll up, and data/index packing follows the reference order."""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

import numpy as np
import pytest
from resim.metrics.proto import metrics_pb2 as resim_pb
from resim.metrics.proto.validate_metrics_proto import validate_job_metrics as resim_validate
from resim.metrics.python.unpack_metrics import unpack_metrics

from metrics_build import model as m
from metrics_build.errors import InvalidMetricsError
from metrics_build.writer import JobMetricsWriter

JOB = uuid.UUID("00000000-0000-4000-8000-000000000001")
PROJECT = uuid.UUID("00000000-0000-4000-8000-00000000beef")


def every_type_writer() -> JobMetricsWriter:
    """One metric of every type, grouped data, data without a metric, and an event."""
    w = JobMetricsWriter(JOB)
    t = m.timestamps("time", np.arange(5) * 0.5 + 1.7e9)
    speed = m.doubles("speed", [1, 2, 3, 4, 5.5], unit="m/s", index=t)
    w.add_metric(m.ScalarMetric(name="max speed", value=5.5, unit="m/s",
                                failure=m.FailureDefinition(fails_above=10)))
    w.add_metric(m.DoubleOverTimeMetric(name="speed over time", series=[speed], status=m.Status.FAIL_WARN,
                                        failures=[m.FailureDefinition(fails_above=5)], y_axis_name="m/s"))
    w.add_metric(m.DoubleSummaryMetric(name="speed summary", value=speed,
                                       index=np.datetime64(1_700_000_000_500_000_000, "ns")))
    w.add_metric(m.LinePlotMetric(name="parabola", x=[m.doubles("x", [0, 1, 2])], y=[m.doubles("y", [1, 4, 9])],
                                  x_axis_name="x", y_axis_name="y"))
    labels = m.strings("labels", ["a", "b"])
    w.add_metric(m.BarChartMetric(name="bar chart", values=[m.doubles("bars", [3, 4], index=labels)]))
    states = m.strings("state", ["ok", "ok", "fault", "ok", "ok"], index=t)
    w.add_metric(m.StatesOverTimeMetric(name="states", states=[states], states_set=["ok", "fault"],
                                        failure_states=["fault"], status=m.Status.FAIL_BLOCK))
    values = m.doubles("histogram values", np.random.default_rng(0).normal(size=100))
    w.add_metric(m.HistogramMetric(name="histogram", values=values,
                                   buckets=m.histogram_buckets(np.linspace(-4, 4, 9))))
    w.add_metric(m.PlotlyMetric(name="plot", figure={"data": [{"x": [1, 2], "y": [3, 4]}], "layout": {}}))
    image = m.external_file("image file", "a.png")
    w.add_metric(m.ImageMetric(name="image", image=image))
    w.add_metric(m.ImageListMetric(name="images", images=[image, m.external_file("image file 2", "b.png")]))
    w.add_metric(m.TextMetric(name="text", text="# hello"))
    batch_ids = m.uuids("batch ids", [uuid.UUID(int=1), uuid.UUID(int=2)])
    w.add_metric(m.BatchwiseBarChartMetric(
        name="batchwise", times=[m.timestamps("batch times", [1.7e9, 1.8e9], index=batch_ids)],
        values=[m.doubles("batch values", [1, 2], index=batch_ids)], categories=["PASSED"],
        colors=["#7CA0FB"], project_id=PROJECT))
    w.add_data(m.group_by(speed, m.strings("category", ["a", "b", "a", "b", "a"])))
    w.add_data(m.doubles("export/loss", [0.1, 0.2]))
    hit = w.add_metric(m.ScalarMetric(name="collision speed", value=3.0, event_metric=True))
    w.add_event(m.Event(name="collision", timestamp=1.7e9 + 1, metrics=[hit], status=m.Status.FAIL_BLOCK))
    return w


def resim_accepts(payload: bytes) -> resim_pb.JobMetrics:
    msg = resim_pb.JobMetrics.FromString(payload)
    resim_validate(msg)
    unpack_metrics(metrics=list(msg.job_level_metrics.metrics), metrics_data=list(msg.metrics_data),
                   events=list(msg.events))
    return msg


def test_every_metric_type_is_accepted_by_the_platform_validator_and_reader() -> None:
    msg = resim_accepts(every_type_writer().build().SerializeToString(deterministic=True))
    types = {metric.type for metric in msg.job_level_metrics.metrics}
    assert types == set(range(1, 13))
    assert msg.metrics_status == m.Status.FAIL_BLOCK
    assert msg.job_level_metrics.metrics_status == m.Status.FAIL_BLOCK
    assert len(msg.events) == 1
    assert msg.events[0].metrics[0].id.data == msg.job_level_metrics.metrics[-1].metric_id.id.data


def test_output_is_byte_identical_across_builds() -> None:
    a = every_type_writer().build().SerializeToString(deterministic=True)
    b = every_type_writer().build().SerializeToString(deterministic=True)
    assert a == b


def test_ids_are_uuid5_of_the_job_and_name_and_distinct_for_repeated_names() -> None:
    w = JobMetricsWriter(JOB)
    w.add_metric(m.ScalarMetric(name="a", value=1.0, event_metric=True))
    w.add_metric(m.ScalarMetric(name="a", value=2.0, event_metric=True))
    msg = w.build()
    ids = [x.metric_id.id.data for x in msg.job_level_metrics.metrics]
    assert ids[0] == str(uuid.uuid5(JOB, "metric/a/0"))
    assert ids[1] == str(uuid.uuid5(JOB, "metric/a/1"))
    assert msg.job_id.id.data == str(JOB)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], m.Status.PASSED),
        ([m.Status.NOT_APPLICABLE, m.Status.RAW], m.Status.PASSED),
        ([m.Status.PASSED, m.Status.FAIL_WARN], m.Status.FAIL_WARN),
        ([m.Status.FAIL_WARN, m.Status.FAIL_BLOCK, m.Status.PASSED], m.Status.FAIL_BLOCK),
    ],
)
def test_job_status_rollup_is_written_in_both_fields(statuses: list[m.Status], expected: m.Status) -> None:
    w = JobMetricsWriter(JOB)
    for i, status in enumerate(statuses):
        w.add_metric(m.ScalarMetric(name=f"s{i}", value=float(i), status=status))
    msg = w.build()
    assert msg.metrics_status == expected
    assert msg.job_level_metrics.metrics_status == expected


def test_data_are_packed_depth_first_index_after_data_then_unreferenced_data() -> None:
    w = JobMetricsWriter(JOB)
    t = m.timestamps("time", [1, 2, 3])
    v = m.doubles("v", [1.0, 2.0, 3.0], index=t)
    w.add_metric(m.DoubleOverTimeMetric(name="v over time", series=[v]))
    w.add_data(m.doubles("orphan", [1.0]))
    names = [d.name for d in w.build().metrics_data]
    assert names == ["v", "time", "v status (v over time)", "orphan"]


def test_default_order_is_the_position_and_explicit_order_is_kept() -> None:
    w = JobMetricsWriter(JOB)
    w.add_metric(m.ScalarMetric(name="first", value=0.0))
    w.add_metric(m.ScalarMetric(name="second", value=0.0, order=-2.5))
    metrics = w.build().job_level_metrics.metrics
    assert [x.order for x in metrics] == [0.0, -2.5]
    assert metrics[0].metric_values.scalar_metric_values.HasField("value")  # 0.0 is written: explicit presence


def test_point_statuses_follow_the_failure_definition() -> None:
    t = m.timestamps("t", [1, 2, 3, 4])
    v = m.doubles("v", [1.0, 7.0, 3.0, -9.0], index=t)
    metric = m.DoubleOverTimeMetric(name="v", series=[v], status=m.Status.FAIL_BLOCK,
                                    failures=[m.FailureDefinition(fails_above=5, fails_below=-5)])
    assert metric.statuses is not None
    status_data = metric.statuses[0]
    assert isinstance(status_data, m.SeriesData)
    assert status_data.values.tolist() == [1, 5, 1, 5]
    assert status_data.index is t


def test_timestamps_accept_datetime64_int_ns_and_float_seconds_equally() -> None:
    ns = np.array([1_700_000_000_123_456_789, 1_700_000_001_000_000_000], dtype=np.int64)
    as_dt64 = m.timestamps("a", ns.astype("datetime64[ns]")).values
    as_int = m.timestamps("b", ns).values
    as_float = m.timestamps("c", np.array([1_700_000_000.123456789, 1_700_000_001.0])).values
    assert as_dt64.tolist() == as_int.tolist() == ns.tolist()
    # float64 seconds carry ~0.2 us of precision at epoch scale
    assert np.abs(as_float - ns).max() < 1_000


def test_write_is_atomic_and_keeps_the_previous_file_when_the_new_one_is_invalid(tmp_path: Path) -> None:
    target = tmp_path / "out" / "metrics.binproto"
    good = every_type_writer()
    size = good.write(target)
    assert target.stat().st_size == size
    # a plain open() mode: readable by others under the usual umask (mkstemp alone gives 0600)
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    before = target.read_bytes()
    bad = JobMetricsWriter(JOB)
    bad.add_metric(m.TextMetric(name="empty", text=""))
    bad.add_metric(m.ScalarMetric(name="nan", value=float("nan")))
    with pytest.raises(InvalidMetricsError) as info:
        bad.write(target)
    assert len(info.value.violations) == 2
    assert "'empty'" in str(info.value)
    assert "'nan'" in str(info.value)
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["metrics.binproto"]
