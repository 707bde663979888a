"""What one metrics file serves: the metrics, metrics data and events listings and the objects behind them.

Built from a job's `metrics.binproto` (or a batch's batch-mode output) when a client first asks, and
kept in a small cache: memory follows the cache, not the history. Each Metric and MetricsData is its
own object, as the platform stores them; external files are served raw, from inside the served
directory only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrics_build.emulator.ids import CREATED, from_epoch, stable_id
from metrics_build.emulator.jobs import read_metrics
from metrics_build.emulator.models import owned
from metrics_build.emulator.refs import data_ids
from metrics_build.platform import api_status
from metrics_build.wire import metrics_pb2 as pb

ObjectUrl = Callable[[str, str], str]
"""The presigned URL of object (kind, id) of this content's owner: kind is "metrics" or "metricsData"."""


@dataclass(frozen=True)
class Source:
    """Whose content: a job (`job_id`) or the batch itself (`job_id` None), and where its files are."""

    project_id: str
    batch_id: str
    job_id: str | None
    metrics_file: Path
    directory: Path


@dataclass
class Content:
    """The listings of one metrics file and its objects ("metrics/<id>" or "metricsData/<id>" → body).

    An object body is bytes, or the Path of an external file, read when served (None: no path).
    """

    metrics: list[dict[str, Any]] = field(default_factory=list)
    data: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    objects: dict[str, bytes | Path | None] = field(default_factory=dict)


def build_content(source: Source, url: ObjectUrl, *, quirks: bool = False) -> Content:
    """Read `source.metrics_file` and list what it holds, objects at `url(kind, id)`.

    Raises:
        InputError: The file can no longer be read or parsed.
    """
    jm = read_metrics(source.metrics_file)
    # As the platform's models have them: a job's metric names its project, batch and job, a job's data
    # only its job; a batch's metric names its project and batch, a batch's data only its batch.
    owner = {"jobID": source.job_id} if source.job_id is not None else {"batchID": source.batch_id}
    common = owned(**{"projectID": source.project_id, "batchID": source.batch_id, **owner})
    data_common = owned(**owner)
    prefix = f"s3://emulator/{source.batch_id}/{source.job_id or 'batch'}"
    content = Content()
    for metric in jm.job_level_metrics.metrics:
        mid = metric.metric_id.id.data
        content.objects[f"metrics/{mid}"] = metric.SerializeToString(deterministic=True)
        content.metrics.append({**common, **_metric_fields(metric), "metricURL": url("metrics", mid),
                                "fileLocation": f"{prefix}/metrics/{mid}"})
    for data in jm.metrics_data:
        did = data.metrics_data_id.id.data
        external = data.data_type == pb.EXTERNAL_FILE_DATA_TYPE
        content.objects[f"metricsData/{did}"] = \
            _external(source, data.external_file.path) if external else data.SerializeToString(deterministic=True)
        content.data.append({**data_common, "dataID": did, "name": data.name,
                             "metricsDataURL": url("metricsData", did),
                             "metricsDataType": "EXTERNAL_FILE" if external else "STANDARD",
                             "filename": data.external_file.path if external else None,
                             "fileLocation": f"{prefix}/metricsData/{did}"})
    content.events = [_event(e) for e in jm.events]
    if quirks:
        _add_quirks(content, data_common, url)
    return content


def _external(source: Source, rel: str) -> Path | None:
    """Where an external file would be (relative to its test directory); the store checks it is inside
    the served directory each time it serves it."""
    return source.directory / rel if rel and "\x00" not in rel else None


def _metric_fields(metric: pb.Metric) -> dict[str, Any]:
    scalar = metric.metric_values.scalar_metric_values
    is_scalar = metric.type == pb.SCALAR_METRIC_TYPE
    value = scalar.value if is_scalar and scalar.HasField("value") else None
    return {
        "metricID": metric.metric_id.id.data, "name": metric.name, "type": "SCALAR" if is_scalar else "COMPOSITE",
        "status": api_status(metric.status),
        # JSON has no NaN or infinity; the platform's validator rejects such scalars anyway.
        "value": value if value is not None and math.isfinite(value) else None,
        "unit": scalar.unit if is_scalar and scalar.HasField("unit") else None,
        "dataIDs": data_ids(metric.metric_values), "eventMetric": metric.event_metric,
    }


def _event(event: pb.Event) -> dict[str, Any]:
    relative = event.timestamp_type == pb.RELATIVE_TIMESTAMP
    return {"eventID": event.event_id.id.data, "name": event.name, "description": event.description,
            "creationTimestamp": CREATED, "timestampType": "RELATIVE" if relative else "ABSOLUTE",
            "timestamp": from_epoch(event.timestamp.seconds, event.timestamp.nanos), "tags": list(event.tags),
            "status": api_status(event.status),
            "metricsIDs": [m.id.data for m in event.metrics]}


def _add_quirks(content: Content, common: dict[str, Any], url: ObjectUrl) -> None:
    """What a newer platform might send: unknown fields and a data type the client does not know."""
    content.objects["metricsData/hologram"] = b"\x00not a protobuf\xff"
    content.data.append({**common, "dataID": stable_id(f"{common.get('jobID')}/holo"), "name": "hologram",
                         "metricsDataType": "HOLOGRAM", "metricsDataURL": url("metricsData", "hologram"),
                         "futureField": 1})
    for item in content.metrics:
        item["futureField"] = [1, "x"]


__all__ = ["Content", "Source", "build_content"]
