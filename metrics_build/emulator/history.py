"""Building the catalog: one batch from a jobs directory, or a test suite's history from a directory of batches.

    HISTORY/
      report.json                   optional: project, name, testSuite, branch, testSuiteRevision,
                                    respectRevisionBoundary, startTimestamp, endTimestamp
      <batch>/batch.json            optional: name, createdAt, branch, testSuite, testSuiteRevision,
                                    build {version, createdAt}, status
      <batch>/jobs/<test>/...       a jobs directory, as `--jobs-dir` takes
      <batch>/batch/metrics.binproto  optional: the batch-mode output (the batch metrics listing)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from metrics_build.emulator.catalog import BatchRecord, BuildRecord, Catalog, JobRecord, ReportRecord
from metrics_build.emulator.ids import CREATED_AT, job_id_for, parse_time, stable_id
from metrics_build.emulator.jobs import METRICS_FILE, load_jobs, read_json_object, read_metrics
from metrics_build.emulator.paths import check_inside, resolved_root
from metrics_build.errors import InputError

BATCH_STATUSES = ("SUBMITTED", "EXPERIENCES_RUNNING", "BATCH_METRICS_QUEUED", "BATCH_METRICS_RUNNING",
                  "SUCCEEDED", "ERROR", "CANCELLED")
BATCH_KEYS = frozenset({"name", "createdAt", "branch", "testSuite", "testSuiteRevision", "build", "status"})
REPORT_KEYS = frozenset({"project", "name", "testSuite", "branch", "testSuiteRevision",
                         "respectRevisionBoundary", "startTimestamp", "endTimestamp"})
DEFAULT_BRANCH = "main"
DEFAULT_SUITE = "emulated suite"


def single_batch(jobs_dir: Path, *, project_id: str | None, batch_id: str | None) -> Catalog:
    """A catalog of one batch: the tests of `jobs_dir` (ids as the emulator has always given them).

    Raises:
        InputError: The directory or one of its tests cannot be read.
    """
    if not jobs_dir.is_dir():
        raise InputError(f"{jobs_dir}: jobs directory not found")
    root = resolved_root(jobs_dir)
    project = project_id or stable_id(f"project/{root}")
    batch = batch_id or stable_id(f"batch/{root}")
    branch, suite = stable_id(f"branch/{DEFAULT_BRANCH}"), stable_id(f"suite/{DEFAULT_SUITE}")
    build = stable_id("build")
    jobs = load_jobs(jobs_dir, job_id_for, root)
    record = BatchRecord(key=jobs_dir.name, batch_id=batch, name=jobs_dir.name or "batch", created=CREATED_AT,
                         branch_id=branch, suite_id=suite, suite_revision=0, build_id=build, status="SUCCEEDED",
                         jobs=jobs)
    return _catalog(project, jobs_dir.name or "emulated project", [record],
                    {build: BuildRecord(build, "emulated", branch, CREATED_AT)},
                    {branch: DEFAULT_BRANCH}, {suite: DEFAULT_SUITE}, {})


def load_history(history_dir: Path, *, project_id: str | None = None) -> Catalog:
    """A catalog of every batch under `history_dir` (directories holding `batch.json` or `jobs/`).

    Raises:
        InputError: The directory holds no batch, or a file in it is malformed (file and field named).
    """
    if not history_dir.is_dir():
        raise InputError(f"{history_dir}: history directory not found")
    root = resolved_root(history_dir)
    report_file = history_dir / "report.json"
    check_inside(root, report_file)
    settings = _checked(read_json_object(report_file), REPORT_KEYS, report_file) if report_file.is_file() else {}
    project_name = _text(settings, "project", history_dir.name or "history", report_file)
    project = project_id or stable_id(f"project/{project_name}")
    dirs = sorted(p for p in history_dir.iterdir()
                  if p.is_dir() and ((p / "batch.json").is_file() or (p / "jobs").is_dir()))
    if not dirs:
        raise InputError(f"{history_dir}: no batches (directories holding batch.json or jobs/)")
    read: list[tuple[BatchRecord, BuildRecord]] = []
    branches: dict[str, str] = {}
    suites: dict[str, str] = {}
    for position, batch_dir in enumerate(dirs):
        check_inside(root, batch_dir)
        read.append(_batch(batch_dir, project_name, CREATED_AT + timedelta(hours=position), root, branches, suites))
    read.sort(key=lambda pair: (pair[0].created, pair[0].key))
    batches = [batch for batch, _ in read]
    builds: dict[str, BuildRecord] = {}
    for _, build in read:  # a build shared by several batches is described by the oldest of them
        builds.setdefault(build.build_id, build)
    tags: dict[str, tuple[str, ...]] = {}
    for batch in batches:  # the newest batch that names an experience's tags decides them
        tags.update({job.experience_id: job.tags for job in batch.jobs if job.tags is not None})
    catalog = _catalog(project, project_name, batches, builds, branches, suites, tags)
    catalog.report = _report(settings, catalog, report_file)
    return catalog


def _batch(batch_dir: Path, project_name: str, default_time: datetime, root: Path,
           branches: dict[str, str], suites: dict[str, str]) -> tuple[BatchRecord, BuildRecord]:
    source = batch_dir / "batch.json"
    check_inside(root, source)
    meta = _checked(read_json_object(source), BATCH_KEYS, source) if source.is_file() else {}
    name = _text(meta, "name", batch_dir.name, source)
    created = _time(meta, "createdAt", default_time, source)
    branch, suite = _text(meta, "branch", DEFAULT_BRANCH, source), _text(meta, "testSuite", DEFAULT_SUITE, source)
    status = _text(meta, "status", "SUCCEEDED", source)
    if status not in BATCH_STATUSES:
        raise InputError(f"{source}: status {status!r} is not one of {', '.join(BATCH_STATUSES)}")
    build_meta = meta.get("build", {})
    if not isinstance(build_meta, dict) or set(build_meta) - {"version", "createdAt"}:
        raise InputError(f"{source}: build must be an object with only version and createdAt")
    branch_id, suite_id = stable_id(f"branch/{branch}"), stable_id(f"suite/{suite}")
    branches[branch_id], suites[suite_id] = branch, suite
    version = _text(build_meta, "version", name, source)
    build = BuildRecord(stable_id(f"build/{branch}/{version}"), version, branch_id,
                        _time(build_meta, "createdAt", created, source))
    batch_id = stable_id(f"batch/{project_name}/{batch_dir.name}")
    jobs_dir = batch_dir / "jobs"
    jobs: list[JobRecord] = load_jobs(jobs_dir, lambda n: stable_id(f"job/{batch_id}/{n}"), root) \
        if jobs_dir.is_dir() else []
    output_file = batch_dir / "batch" / METRICS_FILE
    check_inside(root, output_file)
    output = output_file if output_file.is_file() else None
    status_of_output = read_metrics(output).metrics_status if output is not None else 0
    record = BatchRecord(key=batch_dir.name, batch_id=batch_id, name=name, created=created, branch_id=branch_id,
                         suite_id=suite_id, suite_revision=_int(meta, "testSuiteRevision", 0, source),
                         build_id=build.build_id, status=status, jobs=jobs, batch_output=output,
                         batch_metrics_status=status_of_output)
    return record, build


def _report(settings: dict[str, Any], catalog: Catalog, source: Path) -> ReportRecord:
    newest = catalog.batches[-1]
    suite = _text(settings, "testSuite", catalog.suites[newest.suite_id], source)
    branch = _text(settings, "branch", catalog.branches[newest.branch_id], source)
    name = _text(settings, "name", f"{suite} on {branch}", source)
    return ReportRecord(
        report_id=stable_id(f"report/{catalog.project_name}/{name}"), name=name, suite_id=stable_id(f"suite/{suite}"),
        suite_revision=_int(settings, "testSuiteRevision", newest.suite_revision, source),
        respect_revision_boundary=_bool(settings, "respectRevisionBoundary", False, source),
        branch_id=stable_id(f"branch/{branch}"),
        start=_time(settings, "startTimestamp", catalog.batches[0].created - timedelta(days=1), source),
        end=_time(settings, "endTimestamp", newest.created + timedelta(days=1), source))


def _catalog(project: str, project_name: str, batches: list[BatchRecord], builds: dict[str, BuildRecord],
             branches: dict[str, str], suites: dict[str, str], tags: dict[str, tuple[str, ...]]) -> Catalog:
    newest = batches[-1]
    report = ReportRecord(report_id=stable_id(f"report/{project}"), name=f"{project_name} report",
                          suite_id=newest.suite_id, suite_revision=newest.suite_revision,
                          respect_revision_boundary=False, branch_id=newest.branch_id,
                          start=batches[0].created - timedelta(days=1), end=newest.created + timedelta(days=1))
    return Catalog(project_id=project, project_name=project_name, batches=batches, builds=builds,
                   branches=branches, suites=suites, tags=tags, report=report)


def _checked(meta: dict[str, Any], allowed: frozenset[str], source: Path) -> dict[str, Any]:
    unknown = sorted(set(meta) - allowed)
    if unknown:
        raise InputError(f"{source}: unknown keys {unknown}; allowed: {', '.join(sorted(allowed))}")
    return meta


def _text(meta: dict[str, Any], key: str, default: str, source: Path) -> str:
    value = meta.get(key, default)
    if not isinstance(value, str) or not value:
        raise InputError(f"{source}: {key} must be a non-empty string")
    return value


def _int(meta: dict[str, Any], key: str, default: int, source: Path) -> int:
    value = meta.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InputError(f"{source}: {key} must be a non-negative integer")
    return value


def _bool(meta: dict[str, Any], key: str, default: bool, source: Path) -> bool:
    value = meta.get(key, default)
    if not isinstance(value, bool):
        raise InputError(f"{source}: {key} must be true or false")
    return value


def _time(meta: dict[str, Any], key: str, default: datetime, source: Path) -> datetime:
    value = meta.get(key)
    if value is None:
        return default
    moment = parse_time(value) if isinstance(value, str) else None
    if moment is None:
        raise InputError(f"{source}: {key} must be an ISO-8601 time such as 2026-01-31T12:00:00Z")
    return moment


__all__ = ["BATCH_STATUSES", "load_history", "single_batch"]
