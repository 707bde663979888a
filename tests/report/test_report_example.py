"""The README's report-mode walkthrough: examples/history is what scripts/make_history.py builds, and report
mode over it with examples/history/report-metrics.toml shows the regression and the flaky test it holds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from report_helpers import metric, run_report, table, text

from metrics_build import config as c
from metrics_build.wire import metrics_pb2 as pb

REPO = Path(__file__).resolve().parents[2]
HISTORY = REPO / "examples" / "history"


def test_the_example_history_is_up_to_date(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_history.py"), "--root", str(tmp_path / "h")],
                   check=True, timeout=120)
    built = sorted(p.relative_to(tmp_path / "h") for p in (tmp_path / "h").rglob("*") if p.is_file())
    kept = sorted(p.relative_to(HISTORY) for p in HISTORY.rglob("*") if p.is_file()
                  and p.name not in ("report-metrics.toml", "report_metrics.py") and "__pycache__" not in p.parts)
    assert built == kept
    for rel in built:
        assert (tmp_path / "h" / rel).read_bytes() == (HISTORY / rel).read_bytes(), rel


def test_the_walkthrough(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = HISTORY / "report-metrics.toml"
    c.check_config_file(config)
    run = run_report(HISTORY, tmp_path, capsys, config=config)
    assert run.code == 0, run.stderr
    msg = run.msg
    onset = table(text(msg, "regression onset"), "experience")
    assert [(r["experience"], r["failing since"].split(" (")[0]) for r in onset] == [
        ("lane_change", "nightly-07"), ("pedestrian_crossing", "nightly-07")]
    assert table(text(msg, "flaky experiences"), "#")[0]["experience"] == "pedestrian_crossing"
    assert metric(msg, "pass rate trend").status == pb.FAIL_WARN_METRIC_STATUS
    assert metric(msg, "closest approach, worst test").status == pb.FAIL_BLOCK_METRIC_STATUS
    assert metric(msg, "longest failing streaks").status == pb.FAIL_WARN_METRIC_STATUS
    assert msg.job_level_metrics.metrics_status == pb.FAIL_BLOCK_METRIC_STATUS
