"""Report mode end to end against the emulator serving a history (tests/history_fixtures.py): every output
passes ReSim's validator, and what it shows is worked out by hand from the history.

The history's report covers b1..b5 on "main" (x-other-branch is left out by the report's search):

    batch         status               build  lane_change  merge      parking  roundabout
    b1-first      SUCCEEDED            1.0.0  PASSED       PASSED     PASSED   PASSED
    b2-warn       SUCCEEDED            1.0.0  WARNING      PASSED     PASSED   ERROR
    b3-block      SUCCEEDED            1.1.0  BLOCKER      WARNING    PASSED   PASSED
    b4-cancelled  CANCELLED            1.1.0  BLOCKER      CANCELLED  -        -
    b5-running    EXPERIENCES_RUNNING  1.2.0  PASSED       RUNNING    RUNNING  PASSED

Verdicts (warnings fail, errors, cancelled and running tests have none): pass rates 4/4, 2/3, 2/4, 0/1,
2/2; only b1..b3 are complete, so the trend lines have three points.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from history_fixtures import build_history, expected_scalar, report_batches
from report_helpers import metric, names, run_report, series, table, text
from scipy.stats import binomtest

from metrics_build import model as m
from metrics_build.validate import validate_job_metrics
from metrics_build.wire import metrics_pb2 as pb
from metrics_build.writer import JobMetricsWriter

STATUSES = {"b1-first": {"PASSED": 4}, "b2-warn": {"PASSED": 2, "WARNING": 1, "ERROR": 1},
            "b3-block": {"PASSED": 2, "WARNING": 1, "BLOCKER": 1}, "b4-cancelled": {"BLOCKER": 1, "CANCELLED": 1},
            "b5-running": {"PASSED": 2, "RUNNING": 2}}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_history(tmp_path_factory.mktemp("history"))


def test_the_report_is_valid_and_counts_every_batch(history: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    run = run_report(history, tmp_path, capsys)
    assert run.code == 0, run.stderr
    msg = run.msg
    ours = pb.JobMetrics.FromString((run.output / "metrics.binproto").read_bytes())
    assert validate_job_metrics(ours) == []
    assert names(msg)[:4] == ["test status over time", "report summary", "pass rate over time", "pass rate per batch"]
    assert {"flaky experiences", "regression onset", "tags", "pass rate by tag", "experience pass rates",
            "job metric: max speed", "job metric: collisions", "batch metric: pass rate"} <= set(names(msg))
    # Nothing is judged without declared thresholds.
    assert msg.job_level_metrics.metrics_status == pb.PASSED_METRIC_STATUS

    # Tests per status in each batch, running and cancelled ones included, at each batch's creation time.
    chart = metric(msg, "test status over time")
    assert chart.type == pb.BATCHWISE_BAR_CHART_METRIC_TYPE
    values = chart.metric_values.batchwise_bar_chart_metric_values
    categories = list(values.categories)
    assert categories == ["PASSED", "WARNING", "BLOCKER", "ERROR", "CANCELLED", "RUNNING"]
    assert values.stack_bars and len(values.colors) == len(categories)
    order = [b.key for b in report_batches()]
    ids = series(msg, "test status over time: batch ids")
    assert len(ids) == 5
    for status in categories:
        counts = series(msg, f"test status over time: tests ({status})")
        assert counts == [float(STATUSES[key].get(status, 0)) for key in order], status

    rows = table(text(msg, "report summary"), "what")
    assert rows[0] == {"what": "batches", "count": "5",
                       "by status": "PASSED 1, WARNING 1, BLOCKER 1, CANCELLED 1, RUNNING 1"}
    assert rows[1] == {"what": "tests", "count": "18",
                       "by status": "PASSED 10, WARNING 2, BLOCKER 2, ERROR 1, CANCELLED 1, RUNNING 2"}
    assert rows[2]["count"] == "4" and rows[3]["count"] == "3"
    assert "b4-cancelled (cancelled), b5-running (experiences running)" in text(msg, "report summary")
    assert run.token not in run.stderr


def test_pass_rates_and_their_wilson_intervals(history: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    msg = run_report(history, tmp_path, capsys).msg
    assert series(msg, "pass rate over time: pass rate") == pytest.approx([100.0, 200 / 3, 50.0])
    expected = [binomtest(k, n).proportion_ci(method="wilson") for k, n in ((4, 4), (2, 3), (2, 4))]
    assert series(msg, "pass rate over time: 95% low") == pytest.approx([100 * e.low for e in expected], rel=1e-9)
    assert series(msg, "pass rate over time: 95% high") == pytest.approx([100 * e.high for e in expected], rel=1e-9)
    per_batch = table(text(msg, "pass rate per batch"), "#")
    assert [(r["batch"], r["pass rate"], r["change"]) for r in per_batch] == [
        ("b5-running", "100.0% (2/2)", "+50.0 pts"), ("b4-cancelled", "0.0% (0/1)", "-50.0 pts"),
        ("b3-block", "50.0% (2/4)", "-16.7 pts"), ("b2-warn", "66.7% (2/3)", "-33.3 pts"),
        ("b1-first", "100.0% (4/4)", "-")]
    assert per_batch[2]["95% interval"] == "[15.0%, 85.0%]"  # 2 of 4: 0.150039 .. 0.849961
    assert per_batch[0]["status"] == "RUNNING (not in trends)"
    # By tag: highway = lane_change + merge: 2/2, 1/2, 0/2 in the complete batches.
    assert series(msg, "pass rate by tag: highway") == [100.0, 50.0, 0.0]
    assert series(msg, "pass rate by tag: urban") == [100.0, 100.0, 100.0]


def test_flaky_experiences_and_regression_onset(history: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    msg = run_report(history, tmp_path, capsys).msg
    # lane_change: P(1.0.0) F(1.0.0) F(1.1.0) F(1.1.0, cancelled batch) P(1.2.0): 2 changes of 4 compared, the
    # first between two runs of build 1.0.0. merge: P P F: 1 change of 2. parking and roundabout never change.
    flaky = table(text(msg, "flaky experiences"), "#")
    assert [(r["experience"], r["changes"], r["compared"], r["same build"], r["recent verdicts"]) for r in flaky] == [
        ("lane_change", "2", "4", "1", "P F F F P"), ("merge", "1", "2", "0", "P P F")]
    bars = metric(msg, "flaky experiences: status changes")
    assert bars.type == pb.BAR_CHART_METRIC_TYPE
    assert series(msg, "flaky experiences: status changes: changes") == [2.0, 1.0]
    # Failing now: merge only (lane_change passed in b5); its failures began in b3 on build 1.1.0.
    onset = table(text(msg, "regression onset"), "experience")
    assert onset == [{"experience": "merge", "status now": "WARNING",
                      "failing since": "b3-block (build 1.1.0, 2026-01-07 20:00)", "failing batches": "1",
                      "last passed": "b2-warn (build 1.0.0, 2026-01-06 20:00)", "tags": "highway"}]
    tags = {r["tag"]: r for r in table(text(msg, "tags"), "tag")}
    assert (tags["highway"]["experiences"], tags["highway"]["flaky"], tags["highway"]["failing now"]) == ("2", "2", "1")
    assert tags["highway"]["pass rate (newest)"] == "0.0% (0/2)"
    assert tags["urban"]["flaky"] == "0" and tags["regression"]["failing now"] == "0"
    # Each experience's pass rate over the history: roundabout 3/3, parking 3/3, merge 2/3, lane_change 2/5.
    assert sorted(series(msg, "experience pass rates: values")) == pytest.approx([40.0, 200 / 3, 100.0, 100.0])


@pytest.mark.parametrize(("config", "flaky_rows", "failing"), [
    # Warnings pass: lane_change P P F F P (2 changes, none on one build), merge never fails.
    ("warn_passes = true", [("lane_change", "2", "0")], []),
    # Errors fail: roundabout P F P P on 1.0.0, 1.0.0, 1.1.0, 1.2.0 → 2 changes of 3 compared (1 on the same
    # build), ranked before lane_change's 2 of 4.
    ("errors_fail = true", [("roundabout", "2", "1"), ("lane_change", "2", "1"), ("merge", "1", "0")], ["merge"]),
])
def test_what_counts_as_failing_is_configurable(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               config: str, flaky_rows: list[tuple[str, str, str]],
                                               failing: list[str]) -> None:
    msg = run_report(history, tmp_path, capsys, config=f"[report]\n{config}\n").msg
    flaky = table(text(msg, "flaky experiences"), "#")
    assert [(r["experience"], r["changes"], r["same build"]) for r in flaky] == flaky_rows
    if failing:
        assert [r["experience"] for r in table(text(msg, "regression onset"), "experience")] == failing
    else:
        assert text(msg, "regression onset").startswith("No experience is failing now")


def test_job_and_batch_metric_trends(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    msg = run_report(history, tmp_path, capsys).msg
    speeds = {key: [expected_scalar(key, test) for test, outcome in spec.outcomes.items()
                    if outcome not in ("ERROR", "RUNNING", "CANCELLED")]
              for key, spec in ((b.key, b) for b in report_batches()[:3])}
    assert series(msg, "job metric: max speed: min") == [min(v) for v in speeds.values()]
    assert series(msg, "job metric: max speed: max") == [max(v) for v in speeds.values()]
    trend = metric(msg, "job metric: max speed").metric_values.double_over_time_metric_values
    assert list(trend.legend_series_names) == ["min", "p25", "median", "p75", "max"]
    # The batch metric "pass rate" exists in b1 (4/4) and b3 (2/4), both complete.
    assert series(msg, "batch metric: pass rate: pass rate") == [1.0, 0.5]
    counts = {r["metric"]: r for r in table(text(msg, "job metric status counts"), "metric")}
    assert (counts["max speed"]["FAIL_BLOCK"], counts["max speed"]["FAIL_WARN"], counts["max speed"]["PASSED"]) == \
        ("2", "2", "10")


def test_reruns_write_the_same_bytes_and_download_nothing(history: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    first = run_report(history, tmp_path, capsys, "--max-workers", "2", name="first", max_page_size=2)
    second = run_report(history, tmp_path, capsys, name="second")
    assert first.code == second.code == 0
    assert (first.output / "metrics.binproto").read_bytes() == (second.output / "metrics.binproto").read_bytes()
    assert not [r for r in first.requests if r.server == "store"], "report mode reads listings, not objects"
    assert all(r.authorization for r in first.requests)
    assert first.peak["api"] <= 2
    assert sorted(r.status for r in first.requests if r.status != 200) == []
    # Every job's metrics listed (in pages of 2), each experience's tags once, each build once.
    paths = [r.path for r in second.requests]
    jobs = [p for p in paths if p.endswith("/metrics") and "/jobs/" in p]
    assert len(jobs) == len(set(jobs)) == 18
    assert len([r for r in first.requests if r.path.endswith("/metrics") and "/jobs/" in r.path]) > 18
    assert len([p for p in paths if p.endswith("/experienceTags")]) == 4
    assert len([p for p in paths if "/builds/" in p]) == 3


def test_last_batches_keeps_the_newest(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    msg = run_report(history, tmp_path, capsys, config="[report]\nlast_batches = 2\n").msg
    assert [r["batch"] for r in table(text(msg, "pass rate per batch"), "#")] == ["b5-running", "b4-cancelled"]
    assert "pass rate over time" not in names(msg)  # neither batch is complete: no trend points


def test_an_empty_report_still_writes_a_valid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # ReSim's report build writes nothing when the window holds no batch; ours says so in a valid file.
    history = build_history(tmp_path, report={"testSuite": "nightly", "branch": "main",
                                              "startTimestamp": "2030-01-01T00:00:00Z",
                                              "endTimestamp": "2030-01-02T00:00:00Z"})
    run = run_report(history, tmp_path, capsys)
    assert run.code == 0, run.stderr
    assert names(run.msg) == ["report summary"]
    assert "no batch of the test suite on this branch was created in the window" in text(run.msg, "report summary")


def test_metric_names_that_would_clash_leave_a_trend_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A job metric called "speed: min" would be the name of a data of the trend of "speed" (its min line).
    history = tmp_path / "history"
    for batch in ("b1", "b2"):
        writer = JobMetricsWriter(uuid.uuid5(uuid.NAMESPACE_URL, batch))
        for name, value in (("speed", 3.0), ("speed: min", 1.0)):
            writer.add_metric(m.ScalarMetric(name=name, value=value))
        writer.write(history / batch / "jobs" / "t" / "metrics.binproto")
    run = run_report(history, tmp_path, capsys)
    assert run.code == 0, run.stderr
    assert "job metric: speed" in names(run.msg) and "job metric: speed: min" not in names(run.msg)
    assert "Left out because their names clash with other metrics' (metric names are the users'): job metric: " \
           "speed: min." in text(run.msg, "report summary")
