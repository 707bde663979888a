"""Reading a jobs directory into the job JSON the API lists and the objects the store serves.

`DIR/<test>/metrics.binproto` (a JobMetrics) becomes one job; each of its Metric and MetricsData
messages is stored as its own object. An optional `DIR/<test>/job.json` overrides fields of the job's JSON.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf.message import DecodeError, Message

from metrics_build.errors import InputError
from metrics_build.wire import metrics_pb2 as pb

JOB_NAMESPACE = uuid.UUID("5d0c6f0e-9c1b-5b7e-8a57-6d2f1c0e4b10")
CREATED = "2026-11-23T00:00:00Z"

_API_STATUS = {
    pb.NO_METRIC_STATUS: "NO_STATUS_REPORTED",
    pb.PASSED_METRIC_STATUS: "PASSED",
    pb.FAIL_WARN_METRIC_STATUS: "FAIL_WARN",
    pb.NOT_APPLICABLE_METRIC_STATUS: "NOT_APPLICABLE",
    pb.RAW_METRIC_STATUS: "RAW",
    pb.FAIL_BLOCK_METRIC_STATUS: "FAIL_BLOCK",
}
_CONFLATED = {pb.FAIL_BLOCK_METRIC_STATUS: "BLOCKER", pb.FAIL_WARN_METRIC_STATUS: "WARNING"}

StoreObject = Callable[[str, bytes], str]
"""Keeps `body` under `key` in the object store and returns the object's presigned URL."""


@dataclass
class Job:
    """One job as the API lists it, with the listings of its metrics and metrics data."""

    json: dict[str, Any]
    metrics: list[dict[str, Any]] = field(default_factory=list)
    data: list[dict[str, Any]] = field(default_factory=list)


def job_id_for(test_name: str) -> str:
    """The job id the emulator gives the test directory `test_name` (a uuid5, stable)."""
    return str(uuid.uuid5(JOB_NAMESPACE, test_name))


def load_jobs(jobs_dir: Path, *, project_id: str, batch_id: str, quirks: bool, store: StoreObject) -> list[Job]:
    """Every job of `jobs_dir`, in test directory name order, its objects handed to `store`.

    Args:
        jobs_dir: One subdirectory per test; those with neither metrics nor `job.json` are skipped.
        project_id, batch_id: The ids every job and listing names.
        quirks: Add fields and a data type the client does not know (a newer platform).
        store: Stores one object and returns its URL.

    Returns:
        The jobs.

    Raises:
        InputError: `jobs_dir` is missing, or a test's metrics or `job.json` cannot be read.
    """
    if not jobs_dir.is_dir():
        raise InputError(f"{jobs_dir}: jobs directory not found")
    jobs: list[Job] = []
    for test_dir in sorted(p for p in jobs_dir.iterdir() if p.is_dir()):
        job_metrics, override = _read_job(test_dir)
        if job_metrics is None and not override:
            continue
        jobs.append(_job(test_dir, job_metrics, override, project_id=project_id, batch_id=batch_id,
                         quirks=quirks, store=store))
    return jobs


def _data_ids(message: Message) -> list[str]:
    """Ids of every MetricsData a metric's values reference, in field order."""
    found: list[str] = []
    for fd, value in message.ListFields():
        if fd.message_type is None:
            continue
        items = value if fd.is_repeated else [value]
        for item in items:
            if fd.message_type.name == "MetricsDataId":
                found.append(item.id.data)
            else:
                found.extend(_data_ids(item))
    return found


def _read_job(test_dir: Path) -> tuple[pb.JobMetrics | None, dict[str, Any]]:
    metrics_file = test_dir / "metrics.binproto"
    override_file = test_dir / "job.json"
    job_metrics: pb.JobMetrics | None = None
    override: dict[str, Any] = {}
    if metrics_file.is_file():
        job_metrics = pb.JobMetrics()
        try:
            job_metrics.ParseFromString(metrics_file.read_bytes())
        except DecodeError:
            raise InputError(f"{metrics_file}: not a serialized JobMetrics") from None
    if override_file.is_file():
        try:
            loaded = json.loads(override_file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{override_file}: not valid JSON ({type(exc).__name__})") from None
        if not isinstance(loaded, dict):
            raise InputError(f"{override_file}: expected a JSON object")
        override = loaded
    return job_metrics, override


def _job(test_dir: Path, jm: pb.JobMetrics | None, override: dict[str, Any], *, project_id: str, batch_id: str,
         quirks: bool, store: StoreObject) -> Job:
    name = test_dir.name
    status = jm.metrics_status if jm is not None else pb.NO_METRIC_STATUS
    job: dict[str, Any] = {
        "jobID": job_id_for(name), "projectID": project_id, "batchID": batch_id,
        "experienceID": str(uuid.uuid5(JOB_NAMESPACE, f"experience/{name}")), "experienceName": name,
        "conflatedStatus": _CONFLATED.get(status, "PASSED"), "jobStatus": "SUCCEEDED",
        "jobMetricsStatus": _API_STATUS.get(status, "NO_STATUS_REPORTED"),
        "buildID": str(uuid.uuid5(JOB_NAMESPACE, "build")), "creationTimestamp": CREATED,
        "lastUpdatedTimestamp": CREATED, "description": "", "parameters": {}, "executionErrors": None,
        "userID": "emulator", "orgID": "emulator",
    }
    job.update(override)
    job_id = str(job.get("jobID") or job_id_for(name))
    result = Job(json=job)
    if jm is None:
        return result
    common = {"jobID": job_id, "batchID": batch_id, "projectID": project_id,
              "creationTimestamp": CREATED, "userID": "emulator", "orgID": "emulator"}
    for metric in jm.job_level_metrics.metrics:
        mid = metric.metric_id.id.data
        url = store(f"{job_id}/metrics/{mid}", metric.SerializeToString(deterministic=True))
        scalar = metric.metric_values.scalar_metric_values
        is_scalar = metric.type == pb.SCALAR_METRIC_TYPE
        result.metrics.append({
            **common, "metricID": mid, "name": metric.name, "metricURL": url,
            "type": "SCALAR" if is_scalar else "COMPOSITE",
            "status": _API_STATUS.get(metric.status, "NO_STATUS_REPORTED"),
            "value": scalar.value if is_scalar and scalar.HasField("value") else None,
            "unit": scalar.unit if is_scalar and scalar.HasField("unit") else None,
            "dataIDs": _data_ids(metric.metric_values), "eventMetric": metric.event_metric,
            "fileLocation": f"s3://emulator/{job_id}/metrics/{mid}",
        })
    for data in jm.metrics_data:
        did = data.metrics_data_id.id.data
        external = data.data_type == pb.EXTERNAL_FILE_DATA_TYPE
        body = _external_file(test_dir, data.external_file.path) if external else \
            data.SerializeToString(deterministic=True)
        url = store(f"{job_id}/metricsData/{did}", body)
        result.data.append({
            **common, "dataID": did, "name": data.name, "metricsDataURL": url,
            "metricsDataType": "EXTERNAL_FILE" if external else "STANDARD",
            "filename": data.external_file.path if external else None,
            "fileLocation": f"s3://emulator/{job_id}/metricsData/{did}",
        })
    if quirks:
        result.json["futureField"] = {"added": "later"}
        url = store(f"{job_id}/metricsData/hologram", b"\x00not a protobuf\xff")
        result.data.append({**common, "dataID": str(uuid.uuid5(JOB_NAMESPACE, f"{job_id}/holo")),
                            "name": "hologram", "metricsDataType": "HOLOGRAM", "metricsDataURL": url,
                            "futureField": 1})
        for item in result.metrics:
            item["futureField"] = [1, "x"]
    return result


def _external_file(test_dir: Path, rel: str) -> bytes:
    path = test_dir / rel if rel else None
    if path is not None and path.is_file():
        return path.read_bytes()
    return b""
