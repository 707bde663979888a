"""Reading a jobs directory (`DIR/<test>/metrics.binproto` and optional `job.json`) into job records.

Each file is parsed once here to check it and to learn its status; what it holds is read again when
a client asks for it (`content`). `job.json` overrides fields of the job's JSON; its optional `tags`
list names the experience's tags.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from google.protobuf.message import DecodeError

from metrics_build.emulator.catalog import JobRecord
from metrics_build.emulator.ids import experience_id_for
from metrics_build.emulator.paths import check_inside
from metrics_build.errors import InputError
from metrics_build.wire import metrics_pb2 as pb

METRICS_FILE = "metrics.binproto"
JOB_FILE = "job.json"


def read_metrics(path: Path) -> pb.JobMetrics:
    """Parse the JobMetrics in `path`.

    Raises:
        InputError: The file cannot be read or is not a serialized JobMetrics.
    """
    job_metrics = pb.JobMetrics()
    try:
        job_metrics.ParseFromString(path.read_bytes())
    except DecodeError:
        raise InputError(f"{path}: not a serialized JobMetrics") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    return job_metrics


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object in `path`.

    Raises:
        InputError: The file cannot be read, is not JSON, or holds something other than an object.
    """
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: not valid JSON ({type(exc).__name__})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    if not isinstance(loaded, dict):
        raise InputError(f"{path}: expected a JSON object")
    return loaded


def load_jobs(jobs_dir: Path, job_id: Callable[[str], str], root: Path) -> list[JobRecord]:
    """Every job of `jobs_dir`, in test directory name order.

    Args:
        jobs_dir: One subdirectory per test; those with neither metrics nor `job.json` are skipped.
        job_id: The job id of a test directory name (`job.json` may set another).
        root: The served directory (resolved); a test directory or file leading outside it is refused.

    Returns:
        The jobs.

    Raises:
        InputError: `jobs_dir` is missing, a test's metrics or `job.json` cannot be read, or one leads
            outside `root`.
    """
    if not jobs_dir.is_dir():
        raise InputError(f"{jobs_dir}: jobs directory not found")
    jobs: list[JobRecord] = []
    for test_dir in sorted(p for p in jobs_dir.iterdir() if p.is_dir()):
        metrics_file, job_file = test_dir / METRICS_FILE, test_dir / JOB_FILE
        for path in (test_dir, metrics_file, job_file):
            check_inside(root, path)
        has_metrics = metrics_file.is_file()
        if not has_metrics and not job_file.is_file():
            continue
        status = read_metrics(metrics_file).metrics_status if has_metrics else pb.NO_METRIC_STATUS
        override = read_json_object(job_file) if job_file.is_file() else {}
        tags = _tags(override.pop("tags", None), job_file)
        jid, eid = override.get("jobID"), override.get("experienceID")
        jobs.append(JobRecord(name=test_dir.name, directory=test_dir,
                              job_id=jid if isinstance(jid, str) and jid else job_id(test_dir.name),
                              experience_id=eid if isinstance(eid, str) and eid else experience_id_for(test_dir.name),
                              metrics_status=status, has_metrics=has_metrics, override=override, tags=tags))
    return jobs


def _tags(value: object, source: Path) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
        raise InputError(f"{source}: `tags` must be a list of non-empty strings")
    return tuple(dict.fromkeys(value))


__all__ = ["JOB_FILE", "METRICS_FILE", "load_jobs", "read_json_object", "read_metrics"]
