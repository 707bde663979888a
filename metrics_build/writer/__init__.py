"""Typed metrics → a validated, deterministic JobMetrics message → an atomically written file.

`packing.Packer` builds the message (derived ids, the reference writer's order; `imported` merges
JobMetrics written by ReSim's library); `encode` packs large series with NumPy; `atomic` writes files.
This module validates the message, serializes it deterministically and writes it, so the same input
always gives a byte-identical file.
"""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import TypeVar

from metrics_build.errors import InvalidMetricsError
from metrics_build.model import collection as md_collection
from metrics_build.model import data as md
from metrics_build.model import metrics as mm
from metrics_build.model.enums import Status
from metrics_build.validate import Violation, validate_job_metrics
from metrics_build.wire import metrics_pb2 as pb
from metrics_build.writer.atomic import remove_stale_temporaries, write_atomic
from metrics_build.writer.imported import names_of
from metrics_build.writer.packing import Packer

M = TypeVar("M", bound=mm.Metric)
D = TypeVar("D", bound=md.Data)


def output_names(items: md_collection.MetricSet) -> list[str]:
    """Every name the writer would emit for `items`, each object once, imported JobMetrics included."""
    names = items.names()
    for imported in items.imported:
        names += names_of(imported.payload)
    return names


def repeated_names(items: md_collection.MetricSet) -> list[str]:
    """Names used by more than one metric, data or event of `items`, sorted."""
    return sorted(n for n, count in Counter(output_names(items)).items() if count > 1)


class Prepared:
    """A built output, not yet validated or written: `JobMetricsWriter.write` split in two, so a caller
    can drop its own large inputs (test mode's channels) between building and serializing; the message
    holds its own copy of every series."""

    def __init__(self, message: pb.JobMetrics) -> None:
        self._message = message

    def write(self, path: Path) -> int:
        """Validate (every violation at once), serialize deterministically, write atomically; returns the
        size in bytes.

        Raises:
            InvalidMetricsError: the platform (or one of our stricter rules) would reject it; nothing written.
            OutputError: the file cannot be written.
        """
        violations = validate_job_metrics(self._message)
        if violations:
            raise InvalidMetricsError(violations)
        payload = self._message.SerializeToString(deterministic=True)
        write_atomic(path, payload)
        return len(payload)


class JobMetricsWriter:
    """Collects metrics, data and events for one job and writes them as a JobMetrics file.

    Example:
        w = JobMetricsWriter(job_id)
        w.add_metric(ScalarMetric(name="max speed", value=12.5, unit="m/s"))
        w.write(Path("/tmp/resim/outputs/metrics.binproto"))
    """

    def __init__(self, job_id: uuid.UUID | str) -> None:
        self.job_id = uuid.UUID(str(job_id))
        self.items = md_collection.MetricSet()

    @property
    def metrics(self) -> list[mm.Metric]:
        """The metrics registered so far."""
        return self.items.metrics

    def add_metric(self, metric: M) -> M:
        """Register a metric (its data are packed with it)."""
        self.items.metrics.append(metric)
        return metric

    def add_data(self, data: D) -> D:
        """Register a data with no metric (e.g. a series exported for batch mode)."""
        self.items.data.append(data)
        return data

    def add_event(self, event: mm.Event) -> mm.Event:
        """Register an event; its metrics are registered too if they are not already."""
        self.items.events.append(event)
        return event

    def add_all(self, items: md_collection.MetricSet) -> JobMetricsWriter:
        """Register every metric, data, event and imported JobMetrics of `items`, in order."""
        self.items.extend(items)
        return self

    def build(self, *, status_override: Status | None = None) -> pb.JobMetrics:
        """The JobMetrics message, not validated (see `serialize`)."""
        i = self.items
        return Packer(self.job_id).pack(i.metrics, i.data, i.events, status_override, i.imported)

    def prepare(self, *, status_override: Status | None = None) -> Prepared:
        """The built output, to validate and write later (see `Prepared`)."""
        return Prepared(self.build(status_override=status_override))

    def violations(self) -> list[Violation]:
        """Every reason the platform (or one of our stricter rules) would reject the message."""
        return validate_job_metrics(self.build())

    def serialize(self, *, status_override: Status | None = None) -> bytes:
        """Build, validate (every violation at once) and serialize deterministically.

        Raises:
            InvalidMetricsError: the message breaks a platform rule or one of our stricter ones (our
                writer stays strict); lists every violation.
        """
        msg = self.build(status_override=status_override)
        violations = validate_job_metrics(msg)
        if violations:
            raise InvalidMetricsError(violations)
        return msg.SerializeToString(deterministic=True)

    def write(self, path: Path, *, status_override: Status | None = None) -> int:
        """Validate and atomically write the file; returns its size in bytes.

        Raises:
            InvalidMetricsError: as `serialize`; nothing is written.
            OutputError: the file cannot be written.
        """
        payload = self.serialize(status_override=status_override)
        write_atomic(path, payload)
        return len(payload)


__all__ = ["JobMetricsWriter", "Prepared", "output_names", "remove_stale_temporaries", "repeated_names", "write_atomic"]
