"""Done-when of issue 13 for directory sides: two `local-batch` runs of the examples, the second with a
worsened input, give a comparison naming the regressed metrics and tests; identical runs report no
significant change; `--fail-on-regression` exits 1 and 0 respectively. Real child processes throughout."""

from __future__ import annotations

import contextlib
import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from oracle import assert_resim_accepts, resim_pb

REPO = Path(__file__).resolve().parents[2]
DRIVE = REPO / "examples" / "csv-table"
SPEED, GAP = "speed [m/s]", "distance_to_obstacle [m]"

pytestmark = pytest.mark.slow


def _drive_variant(target: Path, speed: float, gap: float) -> None:
    """examples/csv-table with its speed and obstacle distance scaled: another drive of the same scenario."""
    shutil.copytree(DRIVE, target)
    path = target / "inputs" / "logs" / "drive.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        for column, factor, digits in ((SPEED, speed, 4), (GAP, gap, 6)):
            # The example's deliberately malformed rows stay malformed.
            with contextlib.suppress(TypeError, ValueError):
                row[column] = f"{float(row[column]) * factor:.{digits}f}"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _tests(root: Path, *, worse: bool, extra: bool = False) -> Path:
    for i in range(6):
        # The candidate drives 12% faster and passes obstacles at 60% of the distance.
        _drive_variant(root / f"drive-{i}", (0.9 + 0.04 * i) * (1.12 if worse else 1.0),
                       (1.0 + 0.1 * i) * (0.6 if worse else 1.0))
    shutil.copytree(REPO / "examples" / "eval-runner", root / "eval-runner")
    if extra:
        shutil.copytree(REPO / "examples" / "json-samples", root / "json-samples")
    return root


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "metrics_build", *args], capture_output=True, text=True,
                          timeout=300, check=False)


def _local_batch(tests: Path, out: Path) -> Path:
    done = _cli("-q", "local-batch", "--tests-dir", str(tests), "--output-dir", str(out), "--max-workers", "2")
    assert done.returncode == 0, done.stderr
    return out


def _rows(table: str) -> dict[str, list[str]]:
    cells = (re.split(r"\s{2,}", line) for line in table.splitlines())
    return {c[1]: c for c in cells if len(c) > 3 and c[2].isdigit()}


def test_two_local_batch_runs_name_the_regressions_and_identical_runs_pass(tmp_path):
    base_tests = _tests(tmp_path / "base-tests", worse=False)
    baseline = _local_batch(base_tests, tmp_path / "baseline")
    candidate = _local_batch(_tests(tmp_path / "cand-tests", worse=True, extra=True), tmp_path / "candidate")
    again = _local_batch(base_tests, tmp_path / "again")

    out = tmp_path / "comparison"
    worse = _cli("-q", "compare", str(baseline), str(candidate), "--out", str(out), "--fail-on-regression")
    assert worse.returncode == 1, worse.stderr
    rows = _rows(worse.stdout)
    assert rows["closest approach"][0] == "REGRESSION (block)"  # fails_below: higher is better; it blocked
    assert rows["max speed"][0] == "REGRESSION (warn)"  # fails_above: lower is better; it warned
    assert rows["max jerk"][0] == "no significant change"  # acceleration did not change
    assert rows["max speed"][2] == "6"
    # The regressed tests are named: the three slower drives now fail (warn), then the most worsened.
    named = re.findall(r"(drive-\d) \(\+[\d.]+\)", rows["max speed"][-1])
    assert named == ["drive-0", "drive-1", "drive-2", "drive-5", "drive-4"]
    assert rows["max speed"][7] == "+3/-0 p=0.25"
    assert "only in candidate: json-samples" in worse.stdout
    assert "2 significant regressions: closest approach, max speed" in worse.stdout
    msg = assert_resim_accepts(out / "metrics.binproto")
    statuses = {m.name: m.status for m in msg.job_level_metrics.metrics}
    assert statuses["closest approach: mean difference"] == resim_pb.FAIL_BLOCK_METRIC_STATUS
    assert statuses["max speed: mean difference"] == resim_pb.FAIL_WARN_METRIC_STATUS
    assert msg.job_level_metrics.metrics_status == resim_pb.FAIL_BLOCK_METRIC_STATUS

    same = _cli("-q", "compare", str(baseline), str(again), "--out", str(tmp_path / "same"), "--fail-on-regression")
    assert same.returncode == 0, same.stderr
    assert same.stdout.rstrip().endswith("no significant regression")
    verdicts = {row[0] for row in _rows(same.stdout).values()}
    assert verdicts == {"no significant change"}, same.stdout
    assert assert_resim_accepts(tmp_path / "same" / "metrics.binproto").job_level_metrics.metrics_status \
        == resim_pb.PASSED_METRIC_STATUS
