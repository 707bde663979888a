"""Typed metrics → a validated, deterministic JobMetrics message → an atomically written file.

`packing.Packer` builds the message (derived ids, the reference writer's order); this module
validates it, serializes it deterministically and writes it atomically, so the same input always
gives a byte-identical file.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from typing import TypeVar

from metrics_build.errors import InputError, InvalidMetricsError
from metrics_build.model import collection as md_collection
from metrics_build.model import data as md
from metrics_build.model import metrics as mm
from metrics_build.model.enums import Status
from metrics_build.packing import Packer
from metrics_build.wire import metrics_pb2 as pb

M = TypeVar("M", bound=mm.Metric)
D = TypeVar("D", bound=md.Data)


class JobMetricsWriter:
    """Collects metrics, data and events for one job and writes them as a JobMetrics file.

    Example:
        w = JobMetricsWriter(job_id)
        w.add_metric(ScalarMetric(name="max speed", value=12.5, unit="m/s"))
        w.write(Path("/tmp/resim/outputs/metrics.binproto"))
    """

    def __init__(self, job_id: uuid.UUID | str) -> None:
        self.job_id = uuid.UUID(str(job_id))
        self.metrics: list[mm.Metric] = []
        self.data: list[md.Data] = []
        self.events: list[mm.Event] = []

    def add_metric(self, metric: M) -> M:
        """Register a metric (its data are packed with it)."""
        self.metrics.append(metric)
        return metric

    def add_data(self, data: D) -> D:
        """Register a data with no metric (e.g. a series exported for batch mode)."""
        self.data.append(data)
        return data

    def add_event(self, event: mm.Event) -> mm.Event:
        """Register an event; its metrics are registered too if they are not already."""
        self.events.append(event)
        return event

    def add_all(self, items: md_collection.MetricSet) -> JobMetricsWriter:
        """Register every metric, data and event of `items`, in order; returns the writer."""
        self.metrics += items.metrics
        self.data += items.data
        self.events += items.events
        return self

    def build(self, *, status_override: Status | None = None) -> pb.JobMetrics:
        """The JobMetrics message, not validated (see `serialize`)."""
        return Packer(self.job_id).pack(self.metrics, self.data, self.events, status_override)

    def serialize(self, *, status_override: Status | None = None) -> bytes:
        """Build, validate (every violation at once) and serialize deterministically.

        Raises:
            InvalidMetricsError: the platform would reject the message; lists every violation.
        """
        from metrics_build.validate import validate_job_metrics

        msg = self.build(status_override=status_override)
        violations = validate_job_metrics(msg)
        if violations:
            raise InvalidMetricsError(violations)
        return msg.SerializeToString(deterministic=True)

    def write(self, path: Path, *, status_override: Status | None = None) -> int:
        """Validate and atomically write the file; returns its size in bytes."""
        payload = self.serialize(status_override=status_override)
        write_atomic(path, payload)
        return len(payload)


def write_atomic(path: Path, payload: bytes) -> None:
    """Write `payload` to a temporary file beside `path`, fsync, then rename over `path`.

    An interrupted run leaves the previous file or none, never a truncated one.
    """
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write to {directory}: {exc.strerror or exc}") from exc
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _umask() -> int:
    """The process umask (reading it means setting it; set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
