"""`batch_manifest.json`: what a local batch ran, when, and how it ended; rewritten after every step.

The manifest is a report, not the source of truth for resuming: a test counts as done when its
`tests/<name>/metrics.binproto` exists (outputs appear atomically, see `run.py`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from metrics_build.writer import write_atomic

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
MANIFEST_NAME = "batch_manifest.json"


class StepStatus(StrEnum):
    """How a step ended; `pending` until it has run (or for ever, if the run was stopped)."""

    PENDING = "pending"
    SUCCESS = "success"
    SKIPPED = "skipped"
    FAILED = "failed"


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds and a `Z`, e.g. `2025-05-20T12:00:00.123Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class StepRecord:
    """One test (or the batch step): status, times, exit code, error, and where its files are.

    Attributes:
        status: How the step ended.
        started / finished: ISO UTC times, None when it did not run in the run that wrote the manifest.
        duration_s: Wall time in seconds.
        exit_code: The `metrics-build run` exit code (None when it did not run, or timed out).
        error: One line saying why it failed (or why it was skipped).
        output: The metrics file, relative to the output directory.
        log: The captured stdout/stderr, relative to the output directory.
    """

    status: StepStatus = StepStatus.PENDING
    started: str | None = None
    finished: str | None = None
    duration_s: float | None = None
    exit_code: int | None = None
    error: str | None = None
    output: str | None = None
    log: str | None = None

    def ran(self, status: StepStatus, started: datetime, finished: datetime, exit_code: int | None,
            error: str | None) -> None:
        """Record a finished run."""
        self.status = status
        self.started = iso(started)
        self.finished = iso(finished)
        self.duration_s = round((finished - started).total_seconds(), 3)
        self.exit_code = exit_code
        self.error = error

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "started": self.started,
            "finished": self.finished,
            "duration_s": self.duration_s,
            "exit_code": self.exit_code,
            "error": self.error,
            "output": self.output,
            "log": self.log,
        }


@dataclass
class Manifest:
    """The whole manifest; `tests` keeps discovery (name) order."""

    tests_root: str
    runner: str
    created: str
    updated: str = ""
    tests: dict[str, StepRecord] = field(default_factory=dict)
    batch: StepRecord = field(default_factory=StepRecord)

    def totals(self) -> dict[str, int]:
        """Count of tests per status, plus `total`."""
        counts = {status.value: 0 for status in StepStatus}
        for record in self.tests.values():
            counts[record.status.value] += 1
        counts["total"] = len(self.tests)
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "created": self.created,
            "updated": self.updated,
            "tests_root": self.tests_root,
            "runner": self.runner,
            "totals": self.totals(),
            "tests": {name: record.to_json() for name, record in self.tests.items()},
            "batch": self.batch.to_json(),
        }


def previous_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest an earlier run left at `path`, or None when absent or unreadable (then logged)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable manifest %s: %s", path, exc)
        return None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        log.warning("ignoring manifest %s: not schema version %d", path, SCHEMA_VERSION)
        return None
    return data


def write_manifest(path: Path, manifest: Manifest) -> None:
    """Stamp `updated` and replace the file atomically (a reader never sees half a manifest)."""
    manifest.updated = iso(utc_now())
    write_atomic(path, (json.dumps(manifest.to_json(), indent=2) + "\n").encode())
