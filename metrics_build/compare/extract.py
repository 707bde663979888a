"""A test's core record → the per-test record a comparison reads (scalars with thresholds, job status)."""

from __future__ import annotations

import logging
import math
from pathlib import Path

from metrics_build.compare.records import Outcome, Scalar, SideTest
from metrics_build.model.enums import Status
from metrics_build.platform import status_from_api
from metrics_build.reader import read_test_record
from metrics_build.records import TestRecord as CoreRecord

log = logging.getLogger(__name__)


def _status(value: Status | int | None) -> Status:
    # NO_METRIC_STATUS (0) or a number newer than our schema: treat as "no verdict".
    return value if isinstance(value, Status) else Status.NOT_APPLICABLE


def from_core(name: str, core: CoreRecord) -> SideTest:
    """The test `name` as a comparison sees it.

    Returns:
        An OK record with the job status and every scalar metric that has a value, by name. Event
        metrics (one per event, names not stable across runs) are left out; of scalars sharing a name,
        the first in (name, id) order is kept, as batch mode does.
    """
    scalars: dict[str, Scalar] = {}
    skipped = 0
    for metric in core.metrics:
        if metric.type != "SCALAR" or metric.event:
            continue
        if metric.value is None or math.isnan(metric.value) or metric.name in scalars:
            skipped += 1
            continue
        scalars[metric.name] = Scalar(value=metric.value, status=_status(metric.status), unit=metric.unit,
                                      fails_above=metric.fails_above, fails_below=metric.fails_below,
                                      blocking=metric.blocking)
    if skipped:
        log.debug("%s: %d scalar metrics without a value or with a repeated name left out", name, skipped)
    return SideTest(name=name, outcome=Outcome.OK, status=_status(status_from_api(core.info.job_metrics_status)),
                      scalars=scalars, job_id=core.info.job_id or None)


def side_test(core: CoreRecord) -> SideTest:
    """A fetched test as one side of a comparison: by its name, errored or cancelled ones without metrics."""
    conflated = core.info.conflated_status or ""
    if conflated in ("ERROR", "CANCELLED"):
        outcome = Outcome.ERRORED if conflated == "ERROR" else Outcome.CANCELLED
        return SideTest(name=core.name, outcome=outcome, job_id=core.info.job_id,
                        reason=f"{conflated.lower()} on the platform")
    return from_core(core.name, core)


def read_record(path: Path, name: str) -> SideTest:
    """The comparison record of the test whose `metrics.binproto` is at `path`.

    Raises:
        InputError: the file is missing, unreadable or not a JobMetrics.
    """
    return from_core(name, read_test_record(path, name))
