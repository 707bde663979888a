"""A JobMetrics message → the per-test record a comparison reads (the only protobuf here)."""

from __future__ import annotations

import logging
import math

from metrics_build.compare.records import Outcome, Scalar, TestRecord
from metrics_build.model.enums import Status
from metrics_build.wire import metrics_pb2 as pb

log = logging.getLogger(__name__)


def _status(number: int) -> Status:
    # NO_METRIC_STATUS (0) or a number newer than our schema: treat as "no verdict".
    try:
        return Status(number)
    except ValueError:
        return Status.NOT_APPLICABLE


def _scalar(metric: pb.Metric) -> Scalar | None:
    values = metric.metric_values.scalar_metric_values
    if not values.HasField("value") or math.isnan(values.value):
        return None
    failure = values.failure_definition
    has_failure = values.HasField("failure_definition")
    return Scalar(
        value=values.value,
        status=_status(metric.status),
        unit=values.unit,
        fails_above=failure.fails_above if has_failure and failure.HasField("fails_above") else None,
        fails_below=failure.fails_below if has_failure and failure.HasField("fails_below") else None,
        blocking=metric.blocking if metric.HasField("blocking") else None,
    )


def record_from_job_metrics(name: str, msg: pb.JobMetrics) -> TestRecord:
    """The test `name` as a comparison sees it.

    Args:
        name: The key the test is matched by.
        msg: Its JobMetrics.

    Returns:
        An OK record with the job status and every scalar metric that has a value, by name. Event
        metrics (one per event, names not stable across runs) are left out; of scalars sharing a
        name, the first in file order is kept.
    """
    scalars: dict[str, Scalar] = {}
    skipped = 0
    for metric in msg.job_level_metrics.metrics:
        if metric.type != pb.SCALAR_METRIC_TYPE or metric.event_metric:
            continue
        scalar = _scalar(metric)
        if scalar is None or metric.name in scalars:
            skipped += 1
            continue
        scalars[metric.name] = scalar
    if skipped:
        log.debug("%s: %d scalar metrics without a value or with a repeated name left out", name, skipped)
    status = msg.metrics_status or msg.job_level_metrics.metrics_status
    return TestRecord(name=name, outcome=Outcome.OK, status=_status(status), scalars=scalars,
                      job_id=msg.job_id.id.data or None)
