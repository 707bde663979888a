"""Declared trends (`[[report.trends]]`) and their thresholds, over a history whose values are known.

    batch  build  lane_change  merge      parking    roundabout   pass rate
    t1     1.0    PASSED       PASSED     PASSED     PASSED       4/4 = 100%
    t2     1.1    PASSED       PASSED     PASSED     FAIL_WARN    3/4 =  75%
    t3     1.2    PASSED       FAIL_BLOCK PASSED     FAIL_WARN    2/4 =  50%
    t4     1.3    PASSED       PASSED     PASSED     FAIL_WARN    3/4 =  75%
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from history_fixtures import BatchSpec, build_history, expected_scalar
from report_helpers import metric, names, run_report, series, text

from metrics_build.wire import metrics_pb2 as pb

TESTS = ("lane_change", "merge", "parking", "roundabout")
RATES = (100.0, 75.0, 50.0, 75.0)
SPECS = tuple(BatchSpec(f"t{i + 1}", f"2026-03-0{i + 1}T00:00:00Z", "SUCCEEDED", f"1.{i}",
                        dict(zip(TESTS, outcomes, strict=True)), batch_output=True)
              for i, outcomes in enumerate([("PASSED",) * 4, ("PASSED",) * 3 + ("FAIL_WARN",),
                                            ("PASSED", "FAIL_BLOCK", "PASSED", "FAIL_WARN"),
                                            ("PASSED",) * 3 + ("FAIL_WARN",)]))
PASSED, WARN, BLOCK, INFO = (pb.PASSED_METRIC_STATUS, pb.FAIL_WARN_METRIC_STATUS, pb.FAIL_BLOCK_METRIC_STATUS,
                             pb.NOT_APPLICABLE_METRIC_STATUS)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_history(tmp_path_factory.mktemp("history"), SPECS)


def _statuses(msg: pb.JobMetrics, name: str) -> list[int]:
    values = metric(msg, name).metric_values.double_over_time_metric_values
    wanted = values.statuses_over_time_data_id[0].id.data
    data = next(d for d in msg.metrics_data if d.metrics_data_id.id.data == wanted)
    return list(data.series.statuses.series)


@pytest.mark.parametrize(("thresholds", "points", "status"), [
    # drops of 25 points after t1 and t2 fail; t4 rose: the newest point passes, so does the metric
    ("max_drop = 10", [PASSED, WARN, WARN, PASSED], PASSED),
    ("max_drop = 30", [PASSED] * 4, PASSED),
    ("fails_below = 60", [PASSED, PASSED, WARN, PASSED], PASSED),
    # a rise of 25 points is more than 20: the newest point fails, so does the metric
    ("max_rise = 20", [PASSED, PASSED, PASSED, WARN], WARN),
    ('fails_above = 70\nseverity = "block"', [BLOCK, BLOCK, PASSED, BLOCK], BLOCK),
])
def test_pass_rate_thresholds(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], thresholds: str,
                              points: list[int], status: int) -> None:
    run = run_report(history, tmp_path, capsys, config=f'[[report.trends]]\nkind = "pass_rate"\n{thresholds}\n')
    assert run.code == 0, run.stderr
    msg = run.msg
    trend = metric(msg, "pass rate trend")
    assert trend.type == pb.DOUBLE_OVER_TIME_METRIC_TYPE
    assert series(msg, "pass rate trend: pass rate") == list(RATES)
    assert _statuses(msg, "pass rate trend") == points
    assert trend.status == status
    # the job's status rolls the trend's up; the built-in metrics judge nothing
    assert msg.job_level_metrics.metrics_status == (PASSED if status == PASSED else status)
    assert metric(msg, "pass rate over time").status == INFO


def test_job_metric_and_batch_metric_trends(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = """
[report]
use_defaults = false

[[report.trends]]
kind = "job_metric"
metric = "max speed"
stat = "mean"
fails_above = 17.5
name = "mean max speed"

[[report.trends]]
kind = "job_metric"
metric = "max speed"
stat = "pass_rate"

[[report.trends]]
kind = "job_metric"
metric = "max speed"
stat = "p90"
max_rise = 0.1

[[report.trends]]
kind = "batch_metric"
metric = "pass rate"
max_drop = 0.2
severity = "block"

[[report.trends]]
kind = "batch_metric"
metric = "no such metric"
"""
    run = run_report(history, tmp_path, capsys, config=config)
    assert run.code == 0, run.stderr
    msg = run.msg
    assert names(msg) == ["mean max speed", "max speed: pass_rate trend", "max speed: p90 trend",
                          "pass rate: trend", "no such metric: trend"]
    speeds = [[expected_scalar(spec.key, test) for test in TESTS] for spec in SPECS]
    means = [float(np.mean(v)) for v in speeds]
    assert series(msg, "mean max speed: mean") == pytest.approx(means, rel=1e-12)
    assert _statuses(msg, "mean max speed") == [WARN if v > 17.5 else PASSED for v in means]
    assert metric(msg, "mean max speed").status == (WARN if means[-1] > 17.5 else PASSED)
    assert metric(msg, "mean max speed").metric_values.double_over_time_metric_values.y_axis_name == "m/s"
    # "max speed" carries each test's status: passing tests per batch as for the pass rate
    assert series(msg, "max speed: pass_rate trend: pass_rate") == list(RATES)
    p90 = [float(np.percentile(v, 90)) for v in speeds]
    assert series(msg, "max speed: p90 trend: p90") == pytest.approx(p90, rel=1e-12)
    assert _statuses(msg, "max speed: p90 trend") == [PASSED] + [
        WARN if b - a > 0.1 else PASSED for a, b in itertools.pairwise(p90)]
    # the batch metric "pass rate" (a fraction): 1, 0.75, 0.5, 0.75; drops of 0.25 fail, as FAIL_BLOCK
    assert series(msg, "pass rate: trend: pass rate") == [1.0, 0.75, 0.5, 0.75]
    assert _statuses(msg, "pass rate: trend") == [PASSED, BLOCK, BLOCK, PASSED]
    missing = metric(msg, "no such metric: trend")
    assert missing.type == pb.TEXT_METRIC_TYPE and missing.status == INFO
    assert "No value" in text(msg, "no such metric: trend")


def test_a_trend_per_tag(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Tagged highway: lane_change (always passes) and merge (blocked in t3): 2/2, 2/2, 1/2, 2/2.
    config = '[report]\ntags = ["highway"]\n[[report.trends]]\nkind = "pass_rate"\ntag = "highway"\nmax_drop = 40\n'
    msg = run_report(history, tmp_path, capsys, config=config).msg
    assert series(msg, "pass rate trend [highway]: pass rate") == [100.0, 100.0, 50.0, 100.0]
    assert _statuses(msg, "pass rate trend [highway]") == [PASSED, PASSED, WARN, PASSED]
    assert series(msg, "pass rate by tag: highway") == [100.0, 100.0, 50.0, 100.0]
    assert "pass rate by tag: urban" not in {d.name for d in msg.metrics_data}  # only the tags asked for
