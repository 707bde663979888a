"""The validator on its own: message format, all-at-once reporting, determinism, robustness, speed.

Rule-by-rule agreement with ReSim's validator is in tests/contract/test_mutations.py.
"""

from __future__ import annotations

import time
import uuid

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from resim_fixtures import resim_written_bytes

from metrics_build.validate import Violation, validate_job_metrics
from metrics_build.wire import metrics_pb2 as pb

JOB = "00000000-0000-4000-8000-000000000001"


def _id(n: int) -> str:
    return str(uuid.UUID(int=n))


def _job(**fields: object) -> pb.JobMetrics:
    msg = pb.JobMetrics(**fields)  # type: ignore[arg-type]
    msg.job_id.id.data = JOB
    msg.metrics_status = pb.PASSED_METRIC_STATUS
    msg.job_level_metrics.metrics_status = pb.PASSED_METRIC_STATUS
    return msg


def _series_data(msg: pb.JobMetrics, n: int, name: str, data_type: int, values: list[float]) -> pb.MetricsData:
    data = msg.metrics_data.add(name=name, data_type=data_type)  # type: ignore[arg-type]
    data.metrics_data_id.id.data = _id(n)
    if data_type in (pb.DOUBLE_SERIES_DATA_TYPE, pb.INDEXED_DOUBLE_SERIES_DATA_TYPE):
        data.series.doubles.series.extend(values)
    else:
        data.series.statuses.series.extend(int(v) for v in values)
    return data


def _metric(msg: pb.JobMetrics, n: int, name: str, metric_type: int) -> pb.Metric:
    metric = msg.job_level_metrics.metrics.add(name=name, type=metric_type)  # type: ignore[arg-type]
    metric.metric_id.id.data = _id(n)
    metric.status = pb.PASSED_METRIC_STATUS
    metric.importance = pb.HIGH_IMPORTANCE
    metric.job_id.id.data = JOB
    return metric


def _rules(violations: list[Violation]) -> list[str]:
    return [v.rule for v in violations]


def test_resim_written_file_of_every_type_is_valid() -> None:
    assert validate_job_metrics(pb.JobMetrics.FromString(resim_written_bytes())) == []


def test_smallest_platform_file_is_valid() -> None:
    # §1.2's worked example: job id, job-level status, status; nothing else.
    data = b"\x0a\x28\x0a\x26\x0a\x24" + JOB.encode() + b"\x12\x02\x10\x01\x20\x01"
    assert validate_job_metrics(pb.JobMetrics.FromString(data)) == []


def test_empty_message_names_each_missing_field() -> None:
    violations = validate_job_metrics(pb.JobMetrics())
    assert [str(v) for v in violations] == [
        "job: job_id is not set [rule 6 job.id]",
        "job: job_level_metrics.metrics_status is NO_METRIC_STATUS [rule 8 job.collection-status]",
        "job: metrics_status is NO_METRIC_STATUS [rule 9 job.status]",
    ]


def test_message_names_the_metric_the_data_and_the_rule() -> None:
    msg = _job()
    metric = _metric(msg, 10, "speed", pb.DOUBLE_OVER_TIME_METRIC_TYPE)
    values = metric.metric_values.double_over_time_metric_values
    values.doubles_over_time_data_id.add().id.data = _id(20)
    values.statuses_over_time_data_id.add().id.data = _id(21)
    values.failure_definition.add()
    _series_data(msg, 20, "speed", pb.DOUBLE_SERIES_DATA_TYPE, [1.0, 2.0])
    _series_data(msg, 21, "speed status", pb.METRIC_STATUS_SERIES_DATA_TYPE, [1, 1])
    violations = validate_job_metrics(msg)
    assert [str(v) for v in violations] == [
        "metric 'speed': value data 'speed' has type DOUBLE_SERIES, needs INDEXED_DOUBLE_SERIES "
        "[rule 39 double-over-time.value-type]"
    ]
    assert violations[0] == Violation("39 double-over-time.value-type", "metric 'speed'",
                                      "value data 'speed' has type DOUBLE_SERIES, needs INDEXED_DOUBLE_SERIES")
    assert not violations[0].is_extra


def test_reports_every_violation_at_once() -> None:
    msg = _job()
    scalar = _metric(msg, 10, "", pb.SCALAR_METRIC_TYPE)
    scalar.metric_values.scalar_metric_values.value = float("nan")
    scalar.importance = pb.NO_SPECIFIED_IMPORTANCE
    text = _metric(msg, 11, "notes", pb.TEXT_METRIC_TYPE)
    text.metric_values.text_metric_values.SetInParent()
    _series_data(msg, 20, "d", pb.NO_DATA_TYPE, [1.0])
    event = msg.events.add(name="e", status=pb.PASSED_METRIC_STATUS, importance=pb.HIGH_IMPORTANCE)
    event.event_id.id.data = "not a uuid"
    msg.metrics_status = pb.NO_METRIC_STATUS
    assert _rules(validate_job_metrics(msg)) == [
        "5 event.id",
        "9 job.status",
        "16 metric.name",
        "45 scalar.value-nan",
        "20 metric.importance",
        "47 text.text",
        "26 data.type",
        "35 event.timestamp-type",
    ]


def test_extra_rules_are_marked_and_named() -> None:
    msg = _job()
    a = _series_data(msg, 20, "a", pb.DOUBLE_SERIES_DATA_TYPE, [1.0, 2.0])
    b = _series_data(msg, 21, "b", pb.DOUBLE_SERIES_DATA_TYPE, [3.0, 4.0])
    c = _series_data(msg, 22, "c", pb.DOUBLE_SERIES_DATA_TYPE, [5.0, 6.0])
    for data, index in ((b, c), (c, a), (a, b)):  # a -> b -> c -> a
        data.is_indexed = True
        data.index_data_id.id.data = index.metrics_data_id.id.data
        data.index_data_type = pb.DOUBLE_SERIES_DATA_TYPE
    violations = validate_job_metrics(msg)
    cycles = [v for v in violations if v.rule == "extra:data.index-cycle"]
    assert [str(v) for v in cycles] == [
        "data 'a': index chain is a cycle: data 'a' -> data 'b' -> data 'c' -> data 'a' "
        "[rule extra:data.index-cycle]"
    ]
    assert all(v.is_extra for v in violations)
    assert {v.rule for v in violations} == {"extra:data.index-cycle", "extra:data.indexed-flag"}


def test_order_does_not_depend_on_map_insertion_order() -> None:
    def build(order: list[str]) -> pb.JobMetrics:
        msg = _job()
        data = msg.metrics_data.add(name="g", data_type=pb.DOUBLE_SERIES_DATA_TYPE, is_per_category=True)
        data.metrics_data_id.id.data = _id(1)
        data.category_names.extend(["x"])  # "y" and "z" are missing from the names
        for key in order:
            data.series_per_category.category_to_series[key].doubles.SetInParent()  # empty
        return msg

    first = validate_job_metrics(build(["z", "x", "y"]))
    assert first == validate_job_metrics(build(["y", "z", "x"]))
    assert [v.message for v in first] == [
        "category 'x' is empty", "category 'y' is empty", "category 'z' is empty",
        "categories ['y', 'z'] are not in category_names",
    ]


def test_nan_in_a_double_series_is_allowed_nan_scalar_is_not() -> None:
    msg = _job()
    _series_data(msg, 20, "export/x", pb.DOUBLE_SERIES_DATA_TYPE, [float("nan"), float("inf")])
    assert validate_job_metrics(msg) == []
    scalar = _metric(msg, 10, "s", pb.SCALAR_METRIC_TYPE)
    scalar.metric_values.scalar_metric_values.value = float("nan")
    assert _rules(validate_job_metrics(msg)) == ["45 scalar.value-nan"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_never_raises_on_corrupted_files(data: st.DataObject) -> None:
    original = bytearray(resim_written_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(original) - 1))
        original[position] = data.draw(st.integers(0, 255))
    try:
        msg = pb.JobMetrics.FromString(bytes(original))
    except Exception:  # not parseable: the reader's job, not the validator's
        return
    result = validate_job_metrics(msg)
    assert all(isinstance(v, Violation) for v in result)


@pytest.mark.parametrize("n", [1_000_000])
def test_a_million_point_metric_validates_without_per_element_python(n: int) -> None:
    msg = _job()
    metric = _metric(msg, 10, "speed", pb.DOUBLE_OVER_TIME_METRIC_TYPE)
    values = metric.metric_values.double_over_time_metric_values
    values.doubles_over_time_data_id.add().id.data = _id(20)
    values.statuses_over_time_data_id.add().id.data = _id(22)
    values.failure_definition.add()
    speed = msg.metrics_data.add(name="speed", data_type=pb.INDEXED_DOUBLE_SERIES_DATA_TYPE, is_indexed=True,
                                 index_data_type=pb.TIMESTAMP_SERIES_DATA_TYPE)
    speed.metrics_data_id.id.data = _id(20)
    speed.index_data_id.id.data = _id(21)
    speed.series.doubles.ParseFromString(b"\x0a" + _varint(8 * n) + np.arange(n, dtype="<f8").tobytes())
    time_data = msg.metrics_data.add(name="time", data_type=pb.TIMESTAMP_SERIES_DATA_TYPE)
    time_data.metrics_data_id.id.data = _id(21)
    time_data.series.timestamps.ParseFromString(b"\x0a\x02\x08\x01" * n)
    status = msg.metrics_data.add(name="status", data_type=pb.INDEXED_METRIC_STATUS_SERIES_DATA_TYPE,
                                  is_indexed=True, index_data_type=pb.TIMESTAMP_SERIES_DATA_TYPE)
    status.metrics_data_id.id.data = _id(22)
    status.index_data_id.id.data = _id(21)
    status.series.statuses.ParseFromString(b"\x0a" + _varint(n) + bytes([1]) * n)
    start = time.perf_counter()
    assert validate_job_metrics(msg) == []
    elapsed = time.perf_counter() - start
    assert elapsed < 0.25, f"validating {n} points took {elapsed:.3f} s"
    status.series.statuses.series[n - 1] = 0
    assert [str(v) for v in validate_job_metrics(msg)] == [
        "data 'status': series holds status values [0] (NO_METRIC_STATUS or unknown) [rule extra:data.status-values]"
    ]


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
