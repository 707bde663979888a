"""Read a JobMetrics file (ours or one written by the platform's own library) into a message.

Every failure is an `InputError` with one line naming the file and the problem: missing,
unreadable, empty, not protobuf, or protobuf that is not a JobMetrics (fields the schema does
not define, as when a Metric, an image or another message is passed by mistake).
"""

from __future__ import annotations

from pathlib import Path

from google.protobuf.message import DecodeError

from metrics_build.bounded import read_bounded
from metrics_build.errors import InputError
from metrics_build.wire import metrics_pb2 as pb

MAX_FILE_BYTES = 2**31 - 1
"""Protobuf's own limit on a message's size."""


def parse_job_metrics(data: bytes, what: str) -> pb.JobMetrics:
    """Parse serialized JobMetrics bytes.

    Args:
        data: the raw file contents (protobuf binary, no framing).
        what: how to name the source in error messages (usually the path).

    Returns:
        The parsed message.

    Raises:
        InputError: the bytes are empty, not protobuf, or hold fields JobMetrics does not define.
    """
    if not data:
        raise InputError(f"{what}: empty file, not a JobMetrics message")
    msg = pb.JobMetrics()
    try:
        msg.ParseFromString(data)
    except DecodeError:
        raise InputError(f"{what}: not a JobMetrics file (the bytes are not valid protobuf)") from None
    size_with_unknown = msg.ByteSize()
    msg.DiscardUnknownFields()
    if msg.ByteSize() != size_with_unknown:
        raise InputError(f"{what}: not a JobMetrics file (it holds fields the JobMetrics schema does not define)")
    return msg


def read_job_metrics(path: Path) -> pb.JobMetrics:
    """Read and parse a `metrics.binproto` file.

    Raises:
        InputError: the file is missing, unreadable, or not a JobMetrics message.
    """
    return parse_job_metrics(read_bounded(path, "JobMetrics file", MAX_FILE_BYTES), str(path))
