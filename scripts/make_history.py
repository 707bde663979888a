#!/usr/bin/env python3
"""(Re)create `examples/history/`: a test suite's history for report mode, deterministically.

    python scripts/make_history.py [--root examples/history]

Ten nightly batches of the suite "nightly" on "main" over builds 0.9.0 … 1.3.0 (each build run twice),
one batch on a feature branch that the report leaves out, a cancelled batch and a batch still running.
Six experiences with tags; lane_change regresses with build 1.2.0, pedestrian_crossing is flaky
(it warns on some runs of the same build), roundabout errors once, highway_merge warns once. Each test
has three SCALAR metrics (with thresholds) written with the project's writer; every other batch has a
batch-mode output. Reruns produce byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import uuid
from pathlib import Path

import numpy as np

from metrics_build import model as m
from metrics_build.writer import JobMetricsWriter

SUITE, BRANCH = "nightly", "main"
TAGS = {"highway_merge": ["highway"], "lane_change": ["highway", "lane keeping"],
        "unprotected_left": ["urban", "intersection"], "pedestrian_crossing": ["urban", "vulnerable road users"],
        "roundabout": ["urban", "intersection"], "parking_garage": ["parking"]}
BUILDS = ("0.9.0", "0.9.0", "1.0.0", "1.0.0", "1.1.0", "1.1.0", "1.2.0", "1.2.0", "1.3.0", "1.3.0")
# What goes wrong, by (batch number, experience): everything else passes.
OUTCOMES = {
    (2, "highway_merge"): "FAIL_WARN", (4, "roundabout"): "ERROR",
    (1, "pedestrian_crossing"): "FAIL_WARN", (4, "pedestrian_crossing"): "FAIL_WARN",
    (7, "pedestrian_crossing"): "FAIL_WARN", (8, "pedestrian_crossing"): "FAIL_WARN",
    **{(n, "lane_change"): "FAIL_BLOCK" for n in (7, 8, 9, 10)},
}
STATUS = {9: "CANCELLED", 10: "EXPERIENCES_RUNNING"}
JOB_ONLY = {"ERROR": ("ERROR", "ERROR"), "RUNNING": ("RUNNING", "EXPERIENCE_RUNNING"),
            "CANCELLED": ("CANCELLED", "CANCELLED")}


def _outcome(batch: int, test: str) -> str:
    if batch == 9 and test not in ("lane_change", "highway_merge", "parking_garage"):
        return "CANCELLED"  # the batch was cancelled half way
    if batch == 10 and test in ("roundabout", "parking_garage", "pedestrian_crossing"):
        return "RUNNING"
    return OUTCOMES.get((batch, test), "PASSED")


def _test(test_dir: Path, batch: int, test: str, outcome: str) -> None:
    test_dir.mkdir(parents=True)
    job: dict[str, object] = {"tags": TAGS[test]}
    if outcome in JOB_ONLY:
        conflated, job_status = JOB_ONLY[outcome]
        job.update(conflatedStatus=conflated, jobStatus=job_status)
    (test_dir / "job.json").write_text(json.dumps(job, indent=2) + "\n")
    if outcome in JOB_ONLY:
        return
    rng = np.random.default_rng([batch, sum(map(ord, test))])
    writer = JobMetricsWriter(uuid.uuid5(uuid.NAMESPACE_URL, f"metrics-build/examples/history/{batch}/{test}"))
    speed = round(float(rng.uniform(11.0, 13.5)), 3)
    distance = round(float(rng.uniform(0.9, 2.5)) if outcome != "FAIL_BLOCK" else float(rng.uniform(0.1, 0.4)), 3)
    comfort = round(float(rng.uniform(0.75, 0.95)) if outcome != "FAIL_WARN" else float(rng.uniform(0.5, 0.69)), 3)
    block = m.Status.FAIL_BLOCK if distance < 0.5 else m.Status.PASSED
    warn = m.Status.FAIL_WARN if comfort < 0.7 else m.Status.PASSED
    writer.add_metric(m.ScalarMetric(name="closest approach", value=distance, unit="m", status=block,
                                     failure=m.FailureDefinition(fails_below=0.5), importance=m.Importance.CRITICAL))
    writer.add_metric(m.ScalarMetric(name="comfort score", value=comfort, status=warn,
                                     failure=m.FailureDefinition(fails_below=0.7)))
    writer.add_metric(m.ScalarMetric(name="max speed", value=speed, unit="m/s", status=m.Status.PASSED))
    writer.write(test_dir / "metrics.binproto")


def _batch_output(out_dir: Path, batch: int, outcomes: dict[str, str]) -> None:
    out_dir.mkdir(parents=True)
    judged = [o for o in outcomes.values() if o in ("PASSED", "FAIL_WARN", "FAIL_BLOCK")]
    writer = JobMetricsWriter(uuid.uuid5(uuid.NAMESPACE_URL, f"metrics-build/examples/history/{batch}/batch"))
    rate = sum(o == "PASSED" for o in judged) / len(judged)
    writer.add_metric(m.ScalarMetric(name="pass rate", value=round(rate, 6), status=m.Status.PASSED))
    writer.add_metric(m.TextMetric(name="batch summary", text=f"{len(judged)} tests with a verdict",
                                   status=m.Status.RAW))
    writer.write(out_dir / "metrics.binproto")


def build(root: Path) -> None:
    """Write the history under `root` (replaced when it exists)."""
    if root.exists():
        for child in root.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
    root.mkdir(parents=True, exist_ok=True)
    (root / "report.json").write_text(json.dumps({"project": "example project", "name": "nightly on main",
                                                  "testSuite": SUITE, "branch": BRANCH}, indent=2) + "\n")
    batches = [(n, f"nightly-{n:02d}", BRANCH, BUILDS[n - 1], STATUS.get(n, "SUCCEEDED")) for n in range(1, 11)]
    batches.append((11, "feature-x-01", "feature/x", "1.2.0-x", "SUCCEEDED"))
    for n, key, branch, version, status in batches:
        batch_dir = root / key
        outcomes = {test: _outcome(n, test) for test in TAGS}
        day = n + 1 if n <= 10 else 7
        meta = {"createdAt": f"2026-03-{day:02d}T02:00:00Z", "status": status, "branch": branch, "testSuite": SUITE,
                "testSuiteRevision": 3, "build": {"version": version, "createdAt": f"2026-03-{day:02d}T00:30:00Z"}}
        batch_dir.mkdir()
        (batch_dir / "batch.json").write_text(json.dumps(meta, indent=2) + "\n")
        for test, outcome in outcomes.items():
            _test(batch_dir / "jobs" / test, n, test, outcome)
        if n % 2 == 0 and status == "SUCCEEDED":
            _batch_output(batch_dir / "batch", n, outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1] / "examples" / "history")
    build(parser.parse_args().root)


if __name__ == "__main__":
    main()
