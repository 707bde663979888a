"""A test suite's history as plain records (the report, its batches, builds, tests and metric listings),
each decoded once from the platform's JSON at the fetch boundary.

Unknown keys are ignored and unknown status strings kept as sent; a missing field that the history
cannot do without (an id, a batch's creation time) is an `UpstreamError` naming the item.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from metrics_build.errors import UpstreamError, one_line
from metrics_build.records import TestInfo

RUNNING_BATCH = frozenset({"SUBMITTED", "EXPERIENCES_RUNNING"})
"""Batch statuses whose tests are still running: their results so far are partial."""
_RESIM_CONFLATED = {"BATCH_METRICS_QUEUED": "RUNNING", "BATCH_METRICS_RUNNING": "RUNNING",
                    "EXPERIENCES_RUNNING": "RUNNING", "CANCELLED": "CANCELLED", "ERROR": "ERROR",
                    "SUBMITTED": "QUEUED"}
_FRACTION = re.compile(r"(\.\d{6})\d+")


def text(value: Any) -> str | None:
    """A non-empty string, else None."""
    return value if isinstance(value, str) and value else None


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 time as the API sends it (`Z` or an offset; naive is UTC; digits past microseconds
    dropped), else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ReportInfo:
    """The report: which test suite on which branch, within which time window.

    Attributes:
        report_id / project_id: Its ids.
        name: Its name ("" when the API gives none).
        suite_id / branch_id: The test suite and branch whose batches it covers.
        suite_revision: The suite's revision; batches are limited to it when `respect_revision_boundary`.
        start / end: The window (batches created strictly between them); None: unbounded.
    """

    report_id: str
    project_id: str
    name: str
    suite_id: str
    branch_id: str
    suite_revision: int | None
    respect_revision_boundary: bool
    start: datetime | None
    end: datetime | None

    def search(self) -> str:
        """The batches `search` filter of this report, as ReSim's report builds send it (times rendered
        as `str(datetime)`, strict `>` and `<`)."""
        clauses = [f'test_suite_id = "{self.suite_id}"', f'branch_id = "{self.branch_id}"']
        if self.start is not None:
            clauses.append(f'created_at > "{self.start}"')
        if self.end is not None:
            clauses.append(f'created_at < "{self.end}"')
        if self.respect_revision_boundary and self.suite_revision is not None:
            clauses.append(f"test_suite_revision = {self.suite_revision}")
        return " AND ".join(clauses)


@dataclass(frozen=True)
class BuildInfo:
    """A build: its version (or name), branch and creation time."""

    build_id: str
    version: str
    branch_id: str | None
    created: datetime | None


@dataclass(frozen=True)
class BatchInfo:
    """One batch of the history, as the batches listing describes it.

    Attributes:
        status: The batch's own status (SUCCEEDED, EXPERIENCES_RUNNING, CANCELLED, ...), as sent.
        batch_metrics_status / jobs_metrics_status: API MetricStatus strings, or None.
    """

    batch_id: str
    name: str
    created: datetime
    status: str
    build_id: str | None
    branch_id: str | None
    batch_metrics_status: str | None
    jobs_metrics_status: str | None

    @property
    def conflated(self) -> str:
        """The batch's conflated status as ReSim's report build computes it: RUNNING / QUEUED / CANCELLED
        / ERROR from the status, else BLOCKER or WARNING from either metrics status, else PASSED."""
        if self.status in _RESIM_CONFLATED:
            return _RESIM_CONFLATED[self.status]
        statuses = (self.batch_metrics_status, self.jobs_metrics_status)
        if "FAIL_BLOCK" in statuses:
            return "BLOCKER"
        return "WARNING" if "FAIL_WARN" in statuses else "PASSED"

    @property
    def running(self) -> bool:
        """Whether its tests are still running (their results so far are partial)."""
        return self.status in RUNNING_BATCH

    @property
    def complete(self) -> bool:
        """Whether every test of it has ended: neither running nor cancelled. Only complete batches are
        points of trends (a partial batch's pass rate or mean is not comparable with a whole one's)."""
        return not self.running and self.status != "CANCELLED"


@dataclass(frozen=True, slots=True)
class MetricRow:
    """One item of a metrics listing (a job's or a batch's), without downloading it.

    Attributes:
        name: The metric's name.
        type: "SCALAR" or "COMPOSITE" (or what the API sends).
        value: A SCALAR's finite value, else None.
        unit: Its unit ("" if none).
        status: The API MetricStatus string, or None.
        event: Whether it is an event metric.
    """

    name: str
    type: str
    value: float | None
    unit: str
    status: str | None
    event: bool = False


@dataclass(frozen=True)
class HistoryTest:
    """One test (job) of a batch with its metrics listing.

    Attributes:
        info: The job.
        metrics: Its metrics listing; None when the listing failed and was skipped (partial results).
    """

    __test__ = False  # not a pytest test class

    info: TestInfo
    metrics: tuple[MetricRow, ...] | None


def parse_report(item: dict[str, Any], *, report_id: str, project_id: str) -> ReportInfo:
    """A `ReportInfo` from `GET /projects/{p}/reports/{r}`.

    Raises:
        UpstreamError: the report names no test suite or branch.
    """
    suite, branch = text(item.get("testSuiteID")), text(item.get("branchID"))
    if suite is None or branch is None:
        raise UpstreamError(f"report {report_id}: the API gives no {'testSuiteID' if suite is None else 'branchID'}")
    revision = item.get("testSuiteRevision")
    return ReportInfo(report_id=report_id, project_id=project_id, name=one_line(text(item.get("name")) or ""),
                      suite_id=suite, branch_id=branch,
                      suite_revision=revision if isinstance(revision, int) and not isinstance(revision, bool) else None,
                      respect_revision_boundary=item.get("respectRevisionBoundary") is True,
                      start=parse_time(item.get("startTimestamp")), end=parse_time(item.get("endTimestamp")))


def parse_batch(item: dict[str, Any], position: int) -> BatchInfo:
    """A `BatchInfo` from one item of the batches listing.

    Raises:
        UpstreamError: the item has no `batchID` or no readable `creationTimestamp`.
    """
    batch_id = text(item.get("batchID"))
    if batch_id is None:
        raise UpstreamError(f"batches listing: item {position} has no batchID")
    created = parse_time(item.get("creationTimestamp"))
    if created is None:
        raise UpstreamError(f"batch {batch_id}: no readable creationTimestamp (a history is ordered by it)")
    return BatchInfo(batch_id=batch_id, name=one_line(text(item.get("friendlyName")) or batch_id), created=created,
                     status=text(item.get("status")) or "UNKNOWN", build_id=text(item.get("buildID")),
                     branch_id=text(item.get("branchID")), batch_metrics_status=text(item.get("batchMetricsStatus")),
                     jobs_metrics_status=text(item.get("jobsMetricsStatus")))


def parse_build(item: dict[str, Any], build_id: str) -> BuildInfo:
    """A `BuildInfo` from `GET /projects/{p}/builds/{id}` (version, else name, else the id)."""
    version = text(item.get("version")) or text(item.get("name")) or build_id
    return BuildInfo(build_id=build_id, version=one_line(version), branch_id=text(item.get("branchID")),
                     created=parse_time(item.get("creationTimestamp")))


def parse_job(item: dict[str, Any], position: int) -> TestInfo:
    """A `TestInfo` from one item of a batch's jobs listing.

    Raises:
        UpstreamError: the item has no `jobID`.
    """
    job_id = text(item.get("jobID"))
    if job_id is None:
        raise UpstreamError(f"jobs listing: item {position} has no jobID")
    experience = text(item.get("experienceName"))
    return TestInfo(job_id=job_id, name=one_line(experience or job_id), experience_name=experience,
                    experience_id=text(item.get("experienceID")), conflated_status=text(item.get("conflatedStatus")),
                    job_status=text(item.get("jobStatus")), job_metrics_status=text(item.get("jobMetricsStatus")))


def parse_metric(item: dict[str, Any]) -> MetricRow | None:
    """A `MetricRow` from one item of a metrics listing; None for an item without a name."""
    name = text(item.get("name"))
    if name is None:
        return None
    raw = item.get("value")
    value = float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    unit = item.get("unit")
    return MetricRow(name=name, type=text(item.get("type")) or "",
                     value=value if value is not None and math.isfinite(value) else None,
                     unit=unit if isinstance(unit, str) else "", status=text(item.get("status")),
                     event=item.get("eventMetric") is True)


def experience_key(info: TestInfo) -> str:
    """What identifies an experience across batches: its id, else its name."""
    return info.experience_id or f"name:{info.name}"


__all__ = ["RUNNING_BATCH", "BatchInfo", "BuildInfo", "HistoryTest", "MetricRow", "ReportInfo", "experience_key",
           "parse_batch", "parse_build", "parse_job", "parse_metric", "parse_report", "parse_time", "text"]
