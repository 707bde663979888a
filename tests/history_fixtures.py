"""Build a test suite's history (a directory of batches) for the emulator's `--history` mode.

`build_history(root)` writes the default history: five batches of the suite "nightly" on "main"
(passed, warned and blocked tests, an ERROR test without metrics, a CANCELLED batch and one still
running), one batch on another branch that the report leaves out, a batch-mode output in two batches,
and experience tags. Every test is written with the project's own writer, so values are known here
(`expected_scalar`) and tests can recompute what a report should show.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from metrics_build import model as m
from metrics_build.writer import JobMetricsWriter

SUITE = "nightly"
BRANCH = "main"
TAGS = {"lane_change": ["highway", "regression"], "merge": ["highway"], "parking": ["urban"]}
# "ERROR" and "RUNNING" tests write no metrics: only a job.json.
Outcome = str  # "PASSED" | "FAIL_WARN" | "FAIL_BLOCK" | "ERROR" | "RUNNING" | "CANCELLED"


@dataclass(frozen=True)
class BatchSpec:
    """One batch of a history."""

    key: str
    created: str
    status: str
    version: str
    outcomes: dict[str, Outcome]
    branch: str = BRANCH
    suite: str = SUITE
    revision: int = 1
    batch_output: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


DEFAULT_HISTORY = (
    BatchSpec("b1-first", "2026-01-05T20:00:00Z", "SUCCEEDED", "1.0.0",
              {"lane_change": "PASSED", "merge": "PASSED", "parking": "PASSED", "roundabout": "PASSED"},
              batch_output=True),
    BatchSpec("b2-warn", "2026-01-06T20:00:00Z", "SUCCEEDED", "1.0.0",
              {"lane_change": "FAIL_WARN", "merge": "PASSED", "parking": "PASSED", "roundabout": "ERROR"}),
    BatchSpec("b3-block", "2026-01-07T20:00:00.250000Z", "SUCCEEDED", "1.1.0",
              {"lane_change": "FAIL_BLOCK", "merge": "FAIL_WARN", "parking": "PASSED", "roundabout": "PASSED"},
              batch_output=True),
    BatchSpec("b4-cancelled", "2026-01-08T20:00:00Z", "CANCELLED", "1.1.0",
              {"lane_change": "FAIL_BLOCK", "merge": "CANCELLED"}),
    BatchSpec("b5-running", "2026-01-09T20:00:00Z", "EXPERIENCES_RUNNING", "1.2.0",
              {"lane_change": "PASSED", "merge": "RUNNING", "parking": "RUNNING", "roundabout": "PASSED"}),
    BatchSpec("x-other-branch", "2026-01-07T12:00:00Z", "SUCCEEDED", "9.9.9",
              {"lane_change": "FAIL_BLOCK"}, branch="experiment"),
)
# How each outcome shows in a job's `conflatedStatus`.
CONFLATED = {"PASSED": "PASSED", "FAIL_WARN": "WARNING", "FAIL_BLOCK": "BLOCKER", "ERROR": "ERROR",
             "RUNNING": "RUNNING", "CANCELLED": "CANCELLED"}
_JOB_ONLY = {"ERROR": ("ERROR", "ERROR"), "RUNNING": ("RUNNING", "EXPERIENCE_RUNNING"),
             "CANCELLED": ("CANCELLED", "CANCELLED")}


def expected_scalar(batch_key: str, test: str) -> float:
    """The value of the "max speed" scalar that `build_history` writes for `test` in batch `batch_key`."""
    return round(10.0 + len(test) + 0.5 * sum(map(ord, batch_key)) % 7, 3)


def report_batches(specs: tuple[BatchSpec, ...] = DEFAULT_HISTORY) -> list[BatchSpec]:
    """The batches a report over the default window selects (the suite's branch), oldest first."""
    return sorted((s for s in specs if s.branch == BRANCH and s.suite == SUITE), key=lambda s: s.created)


def build_history(root: Path, specs: tuple[BatchSpec, ...] = DEFAULT_HISTORY,
                  report: dict[str, Any] | None = None) -> Path:
    """Write a history directory under `root` and return it.

    Args:
        root: An empty directory (a pytest tmp path).
        specs: The batches to write.
        report: The content of `report.json` (default: the suite and branch above, no window).
    """
    history = root / "history"
    history.mkdir(parents=True)
    (history / "report.json").write_text(json.dumps(report or {"testSuite": SUITE, "branch": BRANCH}))
    for spec in specs:
        batch_dir = history / spec.key
        batch_dir.mkdir()
        meta = {"createdAt": spec.created, "status": spec.status, "branch": spec.branch, "testSuite": spec.suite,
                "testSuiteRevision": spec.revision, "build": {"version": spec.version}, **spec.extra}
        (batch_dir / "batch.json").write_text(json.dumps(meta))
        for test, outcome in spec.outcomes.items():
            _write_test(batch_dir / "jobs" / test, spec.key, test, outcome)
        if spec.batch_output:
            _write_batch_output(batch_dir / "batch", spec)
    return history


def _write_test(test_dir: Path, batch_key: str, test: str, outcome: Outcome) -> None:
    test_dir.mkdir(parents=True)
    job: dict[str, Any] = {"tags": TAGS[test]} if test in TAGS else {}
    if outcome in _JOB_ONLY:
        conflated, job_status = _JOB_ONLY[outcome]
        job.update(conflatedStatus=conflated, jobStatus=job_status)
        (test_dir / "job.json").write_text(json.dumps(job))
        return
    if job:
        (test_dir / "job.json").write_text(json.dumps(job))
    writer = JobMetricsWriter(uuid.uuid5(uuid.NAMESPACE_URL, f"history/{batch_key}/{test}"))
    status = m.Status[outcome]
    writer.add_metric(m.ScalarMetric(name="max speed", value=expected_scalar(batch_key, test), unit="m/s",
                                             status=status))
    writer.add_metric(m.ScalarMetric(name="collisions", value=0.0, status=m.Status.PASSED))
    times = m.timestamps("time", np.arange(5, dtype=np.int64) * 1_000_000_000)
    series = m.doubles("speed", np.linspace(0.0, expected_scalar(batch_key, test), 5), unit="m/s", index=times)
    writer.add_metric(m.DoubleOverTimeMetric(name="speed over time", series=[series]))
    brake = writer.add_metric(m.ScalarMetric(name="brake depth", value=0.5, status=m.Status.PASSED,
                                             event_metric=True))
    writer.add_event(m.Event(name="hard brake", timestamp=2_000_000_000, metrics=[brake],
                             tags=["brake"], status=m.Status.PASSED))
    writer.write(test_dir / "metrics.binproto")


def _write_batch_output(out_dir: Path, spec: BatchSpec) -> None:
    out_dir.mkdir(parents=True)
    writer = JobMetricsWriter("00000000-0000-4000-8000-0000000000b0")
    passed = sum(o == "PASSED" for o in spec.outcomes.values())
    writer.add_metric(m.ScalarMetric(name="pass rate", value=passed / len(spec.outcomes), unit="",
                                     status=m.Status.PASSED))
    writer.add_metric(m.TextMetric(name="summary", text=f"{passed} of {len(spec.outcomes)} passed"))
    writer.write(out_dir / "metrics.binproto")


__all__ = ["BRANCH", "CONFLATED", "DEFAULT_HISTORY", "SUITE", "TAGS", "BatchSpec", "build_history", "expected_scalar",
           "report_batches"]
