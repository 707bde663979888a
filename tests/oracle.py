"""Test-only oracle: ReSim's own library (resim-open-core 1.6.0) judges what we write.

Call `assert_resim_accepts(path_or_bytes)` on every JobMetrics a test produces. It parses the bytes
with ReSim's generated classes, requires that no field is unknown to ReSim's schema, runs ReSim's
`validate_job_metrics` and `unpack_metrics`, and returns ReSim's parsed message for further checks.
Never import this (or `resim`) from `metrics_build/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from resim.metrics.proto import metrics_pb2 as resim_pb
from resim.metrics.proto.validate_metrics_proto import InvalidMetricsException, validate_job_metrics
from resim.metrics.python.unpack_metrics import UnpackedMetrics, unpack_metrics

__all__ = [
    "InvalidMetricsException",
    "assert_resim_accepts",
    "resim_pb",
    "resim_rejects",
    "resim_unpack",
]


def _as_bytes(source: Path | str | bytes | Any) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (Path, str)):
        return Path(source).read_bytes()
    # A message of any JobMetrics class (ours or ReSim's): same wire format.
    data: bytes = source.SerializeToString()
    return data


def _unknown_fields_free(msg: resim_pb.JobMetrics) -> bool:
    # Unknown fields survive re-serialization, so compare with a copy that dropped them.
    copy = resim_pb.JobMetrics()
    copy.CopyFrom(msg)
    copy.DiscardUnknownFields()
    return copy.SerializeToString(deterministic=True) == msg.SerializeToString(deterministic=True)


def resim_unpack(msg: resim_pb.JobMetrics) -> UnpackedMetrics:
    """ReSim's `unpack_metrics` over a whole JobMetrics (metrics, data and events)."""
    return unpack_metrics(
        metrics=list(msg.job_level_metrics.metrics),
        metrics_data=list(msg.metrics_data),
        events=list(msg.events),
    )


def assert_resim_accepts(source: Path | str | bytes | Any) -> resim_pb.JobMetrics:
    """Fail the test unless ReSim's library parses, validates and unpacks `source`.

    Args:
        source: a path to a metrics.binproto, its bytes, or a JobMetrics message (any class).

    Returns:
        The message parsed with ReSim's `resim.metrics.proto.metrics_pb2.JobMetrics`.
    """
    data = _as_bytes(source)
    msg = resim_pb.JobMetrics.FromString(data)
    assert _unknown_fields_free(msg), "the file has fields ReSim's schema does not know"
    try:
        validate_job_metrics(msg)
    except InvalidMetricsException as exc:
        raise AssertionError(f"ReSim's validate_job_metrics rejected the file: {exc!r}") from exc
    resim_unpack(msg)
    return msg


def resim_rejects(source: Path | str | bytes | Any) -> bool:
    """True when ReSim's validator raises on `source` (parse errors count as rejection)."""
    data = _as_bytes(source)
    try:
        msg = resim_pb.JobMetrics.FromString(data)
        validate_job_metrics(msg)
    except Exception:
        return True
    return False
