"""Protobuf → `TestRecord`, once per test, at the boundary where tests are fetched or read.

The platform stores each Metric and MetricsData of a test as its own object; a test can also come
whole, as a JobMetrics file. Both become the same record: metrics as summaries, un-grouped double and
string series by data name, in the deterministic (name, id) order.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from enum import Enum
from pathlib import Path

import numpy as np
from google.protobuf.message import DecodeError

from metrics_build.model.enums import Importance, Status
from metrics_build.platform import api_status, conflated_of
from metrics_build.reader.files import read_job_metrics
from metrics_build.records import MetricSummary, Series, TestInfo, TestRecord
from metrics_build.wire import metrics_pb2 as pb

_IMAGE_TYPES = frozenset({pb.IMAGE_METRIC_TYPE, pb.IMAGE_LIST_METRIC_TYPE})
_DOUBLE_TYPES = frozenset({pb.DOUBLE_SERIES_DATA_TYPE, pb.INDEXED_DOUBLE_SERIES_DATA_TYPE})
_STRING_TYPES = frozenset({pb.STRING_SERIES_DATA_TYPE, pb.INDEXED_STRING_SERIES_DATA_TYPE})
_STATUS = {s.value: s for s in Status}
_IMPORTANCE = {i.value: i for i in Importance}


class ObjectKind(Enum):
    """What a stored object holds: a serialized Metric or a serialized MetricsData."""

    METRIC = "metric"
    DATA = "metricsData"


def decode_object(kind: ObjectKind, body: bytes) -> pb.Metric | pb.MetricsData:
    """Parse one stored object.

    Raises:
        ValueError: the bytes are not a serialized message of that kind.
    """
    try:
        return pb.Metric.FromString(body) if kind is ObjectKind.METRIC else pb.MetricsData.FromString(body)
    except DecodeError:
        raise ValueError(f"the object is not a serialized {'Metric' if kind is ObjectKind.METRIC else 'MetricsData'}"
                         ) from None


def is_image_metric(metric: pb.Metric) -> bool:
    """Image and image-list metrics point at external files, which batch metrics never read."""
    return metric.type in _IMAGE_TYPES


def _type_name(value: int) -> str:
    try:
        return pb.MetricType.Name(value).removesuffix("_METRIC_TYPE")
    except ValueError:
        return str(value)


def summarize(metric: pb.Metric) -> MetricSummary:
    """A metric without its data."""
    value: float | None = None
    unit = ""
    above = below = None
    which = metric.metric_values.WhichOneof("metric_values")
    failure: pb.DoubleFailureDefinition | None = None
    if metric.type == pb.SCALAR_METRIC_TYPE and which == "scalar_metric_values":
        scalar = metric.metric_values.scalar_metric_values
        value = scalar.value if scalar.HasField("value") else None
        unit = scalar.unit
        failure = scalar.failure_definition if scalar.HasField("failure_definition") else None
    elif which == "double_metric_values" and metric.metric_values.double_metric_values.HasField("failure_definition"):
        failure = metric.metric_values.double_metric_values.failure_definition
    if failure is not None:
        above = failure.fails_above if failure.HasField("fails_above") else None
        below = failure.fails_below if failure.HasField("fails_below") else None
    return MetricSummary(
        name=sys.intern(metric.name), type=_type_name(metric.type),
        status=_STATUS.get(metric.status, metric.status),
        importance=_IMPORTANCE.get(metric.importance, metric.importance),
        event=metric.event_metric, value=value, unit=unit, fails_above=above, fails_below=below,
        blocking=metric.blocking if metric.HasField("blocking") else None,
    )


def _series(data: pb.MetricsData) -> Series | None:
    if data.WhichOneof("data") != "series":
        return None
    if data.data_type in _DOUBLE_TYPES:
        values = np.array(data.series.doubles.series, dtype=np.float64)
    elif data.data_type in _STRING_TYPES:
        values = np.array(list(data.series.strings.series), dtype=np.str_)
    else:
        return None
    return Series(sys.intern(data.name), values, data.unit)


def _record(info: TestInfo, metrics: Iterable[tuple[str, str, pb.Metric]],
            data: Iterable[tuple[str, str, pb.MetricsData]], count: int) -> TestRecord:
    summaries = tuple(summarize(m) for _, _, m in sorted(metrics, key=lambda e: (e[0], e[1]))
                      if not is_image_metric(m))
    series: dict[str, Series] = {}
    for name, _, d in sorted(data, key=lambda e: (e[0], e[1])):
        if name in series:
            continue
        found = _series(d)
        if found is not None:
            series[name] = found
    return TestRecord(info=info, metrics=summaries, series=series, object_count=count)


def record_from_objects(info: TestInfo, metrics: Sequence[pb.Metric], data: Sequence[pb.MetricsData]) -> TestRecord:
    """The record of a test fetched as separate objects (image metrics are dropped, as the platform's
    fetcher does; `object_count` counts what is kept)."""
    kept = [m for m in metrics if not is_image_metric(m)]
    return _record(info, [(m.name, m.metric_id.id.data, m) for m in kept],
                   [(d.name, d.metrics_data_id.id.data, d) for d in data], len(kept) + len(data))


def record_from_bodies(info: TestInfo, bodies: Iterable[tuple[ObjectKind, str, bytes]]
                       ) -> tuple[TestRecord, list[tuple[ObjectKind, str, str]]]:
    """The record of a test from its stored objects' bytes, and the objects that do not parse
    (kind, name, why) and were left out."""
    metrics: list[pb.Metric] = []
    data: list[pb.MetricsData] = []
    broken: list[tuple[ObjectKind, str, str]] = []
    for kind, name, body in bodies:
        try:
            message = decode_object(kind, body)
        except ValueError as exc:
            broken.append((kind, name, str(exc)))
            continue
        if isinstance(message, pb.Metric):
            metrics.append(message)
        else:
            data.append(message)
    return record_from_objects(info, metrics, data), broken


def info_from_job_metrics(name: str, msg: pb.JobMetrics, *, job_id: str | None = None) -> TestInfo:
    """The job of a test read from its own file, as the platform would list it: a finished job whose
    statuses follow its metrics (`job_id`: the file's own unless given)."""
    status = msg.metrics_status or msg.job_level_metrics.metrics_status
    return TestInfo(job_id=job_id or msg.job_id.id.data or name, name=name, experience_name=name,
                    conflated_status=conflated_of(status), job_status="SUCCEEDED",
                    job_metrics_status=api_status(status))


def read_test_record(path: Path, name: str, *, job_id: str | None = None) -> TestRecord:
    """A test's record straight from its `metrics.binproto` (a local batch, a comparison side).

    Raises:
        InputError: the file is missing, unreadable or not a JobMetrics.
    """
    msg = read_job_metrics(path)
    return record_from_job_metrics(info_from_job_metrics(name, msg, job_id=job_id), msg)


def record_from_job_metrics(info: TestInfo, msg: pb.JobMetrics) -> TestRecord:
    """The record of a test read whole from its JobMetrics (as the platform would serve it: image metrics
    and external-file data are not fetched)."""
    metrics = [m for m in msg.job_level_metrics.metrics if not is_image_metric(m)]
    data = [d for d in msg.metrics_data if d.data_type != pb.EXTERNAL_FILE_DATA_TYPE]
    return record_from_objects(info, metrics, data)


__all__ = ["ObjectKind", "decode_object", "info_from_job_metrics", "is_image_metric", "read_test_record",
           "record_from_bodies", "record_from_job_metrics", "record_from_objects", "summarize"]
