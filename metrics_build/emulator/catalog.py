"""What the emulator serves, as small records: a project's batches, their jobs, builds and one report.

Records hold names, ids, statuses and paths only; metrics are read from the files when asked for
(`content`), so memory does not grow with the size of a history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class JobRecord:
    """One test of one batch.

    Attributes:
        name: The test directory's name (the experience name).
        directory: The test directory; external files are served from inside it only.
        job_id: The job's id (`job.json` may set it).
        experience_id: The experience's id, the same in every batch (`job.json` may set it).
        metrics_status: `JobMetrics.metrics_status` (0 when the test wrote no metrics).
        has_metrics: Whether `metrics.binproto` exists.
        override: Fields of `job.json` that replace the job's JSON.
        tags: Experience tag names from `job.json` (None when it names none).
    """

    name: str
    directory: Path
    job_id: str
    experience_id: str
    metrics_status: int
    has_metrics: bool
    override: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True)
class BuildRecord:
    """A build: its version, branch and creation time."""

    build_id: str
    version: str
    branch_id: str
    created: datetime


@dataclass
class BatchRecord:
    """One batch: when, on which branch, suite and build, its status, jobs and optional batch-mode output.

    Attributes:
        key: The directory name (the batch's name unless `batch.json` gives one).
        batch_output: `batch/metrics.binproto`, served as the batch metrics listing, when present.
        batch_metrics_status: That file's `metrics_status` (0 without it).
    """

    key: str
    batch_id: str
    name: str
    created: datetime
    branch_id: str
    suite_id: str
    suite_revision: int
    build_id: str
    status: str
    jobs: list[JobRecord]
    batch_output: Path | None = None
    batch_metrics_status: int = 0
    jobs_by_id: dict[str, JobRecord] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for job in self.jobs:
            self.jobs_by_id.setdefault(job.job_id, job)


@dataclass(frozen=True)
class ReportRecord:
    """The one report the emulator serves: a test suite's batches on a branch within a time window."""

    report_id: str
    name: str
    suite_id: str
    suite_revision: int
    respect_revision_boundary: bool
    branch_id: str
    start: datetime
    end: datetime


@dataclass
class Catalog:
    """Everything served: one project, its batches (oldest first), builds, names, tags and report."""

    project_id: str
    project_name: str
    batches: list[BatchRecord]
    builds: dict[str, BuildRecord]
    branches: dict[str, str]  # id -> name
    suites: dict[str, str]  # id -> name
    tags: dict[str, tuple[str, ...]]  # experience id -> tag names
    report: ReportRecord
    batches_by_id: dict[str, BatchRecord] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.batches_by_id = {b.batch_id: b for b in self.batches}


__all__ = ["BatchRecord", "BuildRecord", "Catalog", "JobRecord", "ReportRecord"]
