"""Protobuf → `TestRecord` at the fetch boundary: what each test's record holds, and what it leaves out."""

from __future__ import annotations

import math
import uuid

import numpy as np
import pytest

from metrics_build import model as m
from metrics_build.reader import ObjectKind, parse_job_metrics, record_from_bodies, record_from_job_metrics
from metrics_build.records import TestInfo
from metrics_build.wire import metrics_pb2 as pb
from metrics_build.writer import JobMetricsWriter

JOB = uuid.UUID("0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9")
INFO = TestInfo(job_id=str(JOB), name="t")


def _message() -> pb.JobMetrics:
    w = JobMetricsWriter(JOB)
    w.add_metric(m.ScalarMetric(name="speed", value=3.5, unit="m/s", failure=m.FailureDefinition(fails_above=9),
                                status=m.Status.PASSED))
    w.add_metric(m.ScalarMetric(name="free", value=1.0))
    t = m.timestamps("time", np.arange(3) * 1_000_000_000)
    w.add_metric(m.DoubleOverTimeMetric(name="plot", series=[m.doubles("values", [1.0, 2.0, 3.0], index=t)]))
    w.add_data(m.doubles("export/speed", [1.0, math.nan, 2.5], unit="m/s"))
    w.add_data(m.strings("export/mode", ["a", "b"]))
    w.add_data(m.grouped("by category", m.SeriesKind.DOUBLE, {"x": [1.0]}))
    w.add_data(m.external_file("picture", "picture.png"))
    w.add_metric(m.ImageMetric(name="image", image=m.external_file("img", "img.png")))
    return parse_job_metrics(w.serialize(), "test")


def test_a_record_holds_summaries_and_series_not_protobuf() -> None:
    record = record_from_job_metrics(INFO, _message())
    assert [x.name for x in record.metrics] == ["free", "plot", "speed"]  # image metric dropped, (name, id) order
    speed = record.metric("speed")
    assert speed is not None and speed.type == "SCALAR" and speed.judged and speed.fails_above == 9
    assert record.metric("free") is not None and not record.metric("free").judged  # type: ignore[union-attr]
    assert record.scalar("speed") == record.scalar("speed") and record.scalar("speed").unit == "m/s"  # type: ignore[union-attr]
    assert record.scalar("plot") is None and record.scalar("absent") is None
    exported = record.exported("speed")
    assert exported is not None and exported.dtype == np.float64
    np.testing.assert_array_equal(exported, [1.0, math.nan, 2.5])
    assert record.strings("export/mode").tolist() == ["a", "b"]  # type: ignore[union-attr]
    assert record.exported("mode") is None  # a string series is not numeric
    assert record.named_doubles("values") is not None  # any double data by its own name
    assert "by category" not in record.series and "picture" not in record.series and "time" not in record.series
    assert record.ran and record.object_count == 3 + 6  # image metric and external files are not fetched


def test_first_of_a_name_wins_in_name_then_id_order() -> None:
    w = JobMetricsWriter(JOB)
    w.add_metric(m.ScalarMetric(name="dup", value=1.0))
    w.add_metric(m.ScalarMetric(name="dup2", value=2.0))
    msg = w.build()
    msg.job_level_metrics.metrics[1].name = "dup"  # two metrics of one name (the platform allows event metrics so)
    first = min(msg.job_level_metrics.metrics, key=lambda x: x.metric_id.id.data)
    record = record_from_job_metrics(INFO, msg)
    assert record.scalar("dup").value == first.metric_values.scalar_metric_values.value  # type: ignore[union-attr]


def test_objects_that_do_not_parse_are_reported_and_left_out() -> None:
    msg = _message()
    bodies = [(ObjectKind.METRIC, x.name, x.SerializeToString()) for x in msg.job_level_metrics.metrics]
    bodies += [(ObjectKind.DATA, d.name, d.SerializeToString()) for d in msg.metrics_data]
    bodies.append((ObjectKind.METRIC, "garbage", b"\xff\xff\xff"))
    record, broken = record_from_bodies(INFO, bodies)
    assert broken == [(ObjectKind.METRIC, "garbage", "the object is not a serialized Metric")]
    assert record.metric("speed") is not None


@pytest.mark.parametrize("status", [0, 99])
def test_unknown_statuses_are_kept_as_numbers_and_give_no_scalar(status: int) -> None:
    msg = _message()
    next(x for x in msg.job_level_metrics.metrics if x.name == "speed").status = status  # type: ignore[assignment]
    record = record_from_job_metrics(INFO, msg)
    assert record.metric("speed").status == status  # type: ignore[union-attr]
    assert record.scalar("speed") is None
