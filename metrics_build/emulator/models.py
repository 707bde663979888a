"""The platform's JSON for projects, batches, jobs, builds, reports and experience tags, from catalog records.

Each answer carries every field the platform's generated client requires (`from_dict` of
`resim.sdk.client.models`), so a strict client parses it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from metrics_build.emulator.catalog import BatchRecord, BuildRecord, Catalog, JobRecord, ReportRecord
from metrics_build.emulator.ids import CREATED, iso, stable_id
from metrics_build.platform import api_status, conflated_of

USER = "emulator"
_SEVERITY = ("FAIL_BLOCK", "FAIL_WARN", "PASSED", "NOT_APPLICABLE", "RAW", "NO_STATUS_REPORTED")
_JOB_COUNTS = {"SUBMITTED": "submitted", "EXPERIENCE_RUNNING": "running", "SUCCEEDED": "succeeded",
               "ERROR": "error", "CANCELLED": "cancelled", "METRICS_QUEUED": "metricsQueued",
               "METRICS_RUNNING": "metricsRunning"}
_METRIC_COUNTS = {"PASSED": "passed", "RAW": "raw", "NO_STATUS_REPORTED": "noStatusReported",
                  "NOT_APPLICABLE": "notApplicable", "FAIL_WARN": "failWarn", "FAIL_BLOCK": "failBlock"}
_RUNNING = ("SUBMITTED", "EXPERIENCES_RUNNING", "BATCH_METRICS_QUEUED", "BATCH_METRICS_RUNNING")


def owned(**fields: Any) -> dict[str, Any]:
    """`fields` plus the creation time and owner fields every platform object has."""
    return {**fields, "creationTimestamp": fields.get("creationTimestamp", CREATED), "userID": USER, "orgID": USER}


def project_json(project_id: str, name: str) -> dict[str, Any]:
    """A Project."""
    return owned(projectID=project_id, name=name, description="", archived=False)


def branch_json(catalog: Catalog, branch_id: str, name: str) -> dict[str, Any]:
    """A Branch (the main branch is MAIN, the others CHANGE_REQUEST)."""
    return owned(branchID=branch_id, name=name, projectID=catalog.project_id,
                 branchType="MAIN" if name in ("main", "master") else "CHANGE_REQUEST")


def job_json(catalog: Catalog, batch: BatchRecord, job: JobRecord) -> dict[str, Any]:
    """A Job of `batch`, its statuses from the test's metrics unless `job.json` overrides them."""
    created = iso(batch.created)
    result = owned(
        jobID=job.job_id, projectID=catalog.project_id, batchID=batch.batch_id, branchID=batch.branch_id,
        systemID=stable_id("system"), experienceID=job.experience_id, experienceName=job.name,
        conflatedStatus=conflated_of(job.metrics_status), jobStatus="SUCCEEDED",
        jobMetricsStatus=api_status(job.metrics_status), buildID=batch.build_id,
        creationTimestamp=created, lastUpdatedTimestamp=created, description="", parameters={},
        executionErrors=None)
    result.update(job.override)
    return result


def batch_json(catalog: Catalog, batch: BatchRecord) -> dict[str, Any]:
    """A Batch with its status, the worst statuses of its jobs and its batch metrics, and counts."""
    jobs = [job_json(catalog, batch, j) for j in batch.jobs]
    jobs_status = worst(str(j.get("jobMetricsStatus", "")) for j in jobs)
    batch_status = api_status(batch.batch_metrics_status)
    job_counts = Counter(str(j.get("jobStatus", "")) for j in jobs)
    metric_counts = Counter(str(j.get("jobMetricsStatus", "")) for j in jobs)
    created = iso(batch.created)
    return owned(
        batchID=batch.batch_id, projectID=catalog.project_id, friendlyName=batch.name, description="",
        branchID=batch.branch_id, buildID=batch.build_id, systemID=stable_id("system"),
        metricsBuildID=stable_id("metrics build"), testSuiteID=batch.suite_id,
        testSuiteRevision=batch.suite_revision, status=batch.status,
        conflatedStatus=_conflated_batch(batch.status, worst([jobs_status, batch_status])),
        batchMetricsStatus=batch_status, jobsMetricsStatus=jobs_status,
        overallMetricsStatus=worst([jobs_status, batch_status]), totalJobs=len(jobs),
        jobStatusCounts={key: job_counts[name] for name, key in _JOB_COUNTS.items()},
        jobMetricsStatusCounts={key: metric_counts[name] for name, key in _METRIC_COUNTS.items()},
        statusHistory=[{"status": batch.status, "updatedAt": created}], batchType="NORMAL",
        adhocTestSuite=False, parameters={}, poolLabels=[], associatedAccount=USER, runCounter=1,
        creationTimestamp=created, lastUpdatedTimestamp=created, lastRunTimestamp=created)


def build_json(catalog: Catalog, build: BuildRecord) -> dict[str, Any]:
    """A Build."""
    created = iso(build.created)
    return owned(buildID=build.build_id, branchID=build.branch_id, projectID=catalog.project_id,
                 systemID=stable_id("system"), description="", version=build.version, name=build.version,
                 imageUri=f"emulator.local/build:{build.version}", buildSpecification="",
                 creationTimestamp=created, updateTimestamp=created, associatedAccount=USER,
                 updateUserID=USER)


def report_json(catalog: Catalog, report: ReportRecord) -> dict[str, Any]:
    """The Report: its test suite, branch, revision boundary and time window."""
    return owned(reportID=report.report_id, projectID=catalog.project_id, name=report.name,
                 testSuiteID=report.suite_id, testSuiteRevision=report.suite_revision,
                 respectRevisionBoundary=report.respect_revision_boundary, branchID=report.branch_id,
                 metricsBuildID=stable_id("metrics build"), metricsSetName=None,
                 startTimestamp=iso(report.start), endTimestamp=iso(report.end),
                 outputLocation=f"s3://emulator/reports/{report.report_id}/", status="RUNNING",
                 statusHistory=[{"status": "RUNNING", "updatedAt": CREATED}], lastUpdatedTimestamp=CREATED,
                 associatedAccount=USER, metricsStatus="NO_STATUS_REPORTED", triggeredVia="LOCAL")


def tag_json(catalog: Catalog, name: str) -> dict[str, Any]:
    """An ExperienceTag."""
    return owned(experienceTagID=stable_id(f"tag/{name}"), projectID=catalog.project_id, name=name,
                 description="")


def worst(statuses: Any) -> str:
    """The most severe API metric status of `statuses` (NO_STATUS_REPORTED when there is none)."""
    seen = set(statuses)
    return next((s for s in _SEVERITY if s in seen), "NO_STATUS_REPORTED")


def _conflated_batch(status: str, metrics: str) -> str:
    if status in _RUNNING:
        return "SUBMITTED" if status == "SUBMITTED" else "RUNNING"
    if status in ("ERROR", "CANCELLED"):
        return status
    return {"FAIL_BLOCK": "BLOCKER", "FAIL_WARN": "WARNING"}.get(metrics, "COMPLETE")


__all__ = ["batch_json", "branch_json", "build_json", "job_json", "owned", "project_json", "report_json",
           "tag_json", "worst"]
