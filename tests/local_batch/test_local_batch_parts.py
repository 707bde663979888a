"""local-batch's parts: test discovery, the manifest file, error lines, the summary table."""

from __future__ import annotations

import json
import os
import re
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from metrics_build import model as m
from metrics_build.errors import InputError, OutputError
from metrics_build.local_batch.discover import discover_tests
from metrics_build.local_batch.manifest import (
    SCHEMA_VERSION,
    Manifest,
    StepRecord,
    StepStatus,
    iso,
    previous_manifest,
    write_manifest,
)
from metrics_build.local_batch.runners import error_line
from metrics_build.local_batch.summary import (
    MAX_BATCH_ROWS,
    outcomes_by_test,
    read_job_summary,
    render_summary,
)
from metrics_build.writer import JobMetricsWriter

JOB = "8c3cd1a2-3c59-4d25-9a4c-1a4e4f1f7e11"


# --- discovery --------------------------------------------------------------------------------------

def test_discover_both_layouts_sorted_with_own_config(tmp_path: Path) -> None:
    (tmp_path / "b-flat" / "logs").mkdir(parents=True)
    (tmp_path / "b-flat" / "experience").mkdir()
    (tmp_path / "a-nested" / "inputs" / "logs").mkdir(parents=True)
    (tmp_path / "a-nested" / "metrics.toml").write_text("", encoding="utf-8")
    (tmp_path / "no-logs").mkdir()
    (tmp_path / ".hidden" / "logs").mkdir(parents=True)
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    cases = discover_tests(tmp_path)
    assert [c.name for c in cases] == ["a-nested", "b-flat"]
    assert cases[0].inputs == (tmp_path / "a-nested" / "inputs").resolve()
    assert cases[0].config == (tmp_path / "a-nested" / "metrics.toml").resolve()
    assert cases[1].inputs == (tmp_path / "b-flat").resolve()
    assert cases[1].config is None


def test_discover_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"tests directory not found: .*missing"):
        discover_tests(tmp_path / "missing")
    (tmp_path / "empty-test").mkdir()
    with pytest.raises(InputError, match=r"no test directories under .* \(each needs logs/ or inputs/logs/\)"):
        discover_tests(tmp_path)


# --- manifest ---------------------------------------------------------------------------------------

def _manifest() -> Manifest:
    manifest = Manifest(tests_root="/tests", runner="process", created="2025-01-01T00:00:00.000Z")
    start = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    ok = StepRecord(output="tests/a/metrics.binproto", log="logs/a.log")
    ok.ran(StepStatus.SUCCESS, start, start + timedelta(seconds=1.25), 0, None)
    bad = StepRecord(output="tests/b/metrics.binproto", log="logs/b.log")
    bad.ran(StepStatus.FAILED, start, start + timedelta(milliseconds=500), 2, "metrics-build: error: no logs")
    manifest.tests = {"a": ok, "b": bad, "c": StepRecord(status=StepStatus.SKIPPED), "d": StepRecord()}
    return manifest


def test_manifest_json_schema_and_totals(tmp_path: Path) -> None:
    path = tmp_path / "batch_manifest.json"
    write_manifest(path, _manifest())
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["created"] == "2025-01-01T00:00:00.000Z"
    assert data["updated"].endswith("Z") and data["updated"] > data["created"]
    assert data["tests_root"] == "/tests"
    assert data["totals"] == {"pending": 1, "success": 1, "skipped": 1, "failed": 1, "total": 4}
    assert list(data["tests"]) == ["a", "b", "c", "d"]
    assert data["tests"]["a"] == {
        "status": "success", "started": "2025-01-01T12:00:00.000Z", "finished": "2025-01-01T12:00:01.250Z",
        "duration_s": 1.25, "exit_code": 0, "error": None, "output": "tests/a/metrics.binproto",
        "log": "logs/a.log",
    }
    assert data["tests"]["b"]["error"] == "metrics-build: error: no logs"
    assert data["batch"]["status"] == "pending"
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    assert [p.name for p in tmp_path.iterdir()] == ["batch_manifest.json"]  # no temporary left behind


def test_manifest_rewrite_is_atomic_for_readers(tmp_path: Path) -> None:
    # A reader polling while the manifest is rewritten must always parse a whole document.
    path = tmp_path / "batch_manifest.json"
    manifest = _manifest()
    write_manifest(path, manifest)
    stop = threading.Event()
    failures: list[str] = []

    def read() -> None:
        while not stop.is_set():
            try:
                json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                failures.append(str(exc))

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(200):
        write_manifest(path, manifest)
    stop.set()
    reader.join()
    assert failures == []


def test_previous_manifest_tolerates_missing_broken_and_foreign(tmp_path: Path) -> None:
    path = tmp_path / "batch_manifest.json"
    assert previous_manifest(path) is None
    path.write_text("{not json", encoding="utf-8")
    assert previous_manifest(path) is None
    path.write_text(json.dumps({"schema_version": 999}), encoding="utf-8")
    assert previous_manifest(path) is None
    write_manifest(path, _manifest())
    data = previous_manifest(path)
    assert data is not None and data["created"] == "2025-01-01T00:00:00.000Z"


def test_iso_is_utc_with_z() -> None:
    moment = datetime(2025, 5, 20, 14, 30, 1, 123456, tzinfo=UTC)
    assert iso(moment) == "2025-05-20T14:30:01.123Z"
    plus_two = timezone(timedelta(hours=2))
    assert iso(datetime(2025, 5, 20, 16, 30, 1, 123456, tzinfo=plus_two)) == "2025-05-20T14:30:01.123Z"


# --- error lines ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("output", "code", "expected"), [
    ("", 0, None),
    ("info\nmetrics-build: error: no logs in /x\n", 2, "metrics-build: error: no logs in /x"),
    ("metrics-build: error: first\nmore\nmetrics-build: internal error: KeyError: 'x' (rerun)\n", 5,
     "metrics-build: internal error: KeyError: 'x' (rerun)"),
    ("Killed\n\n", 137, "Killed"),
    ("", 139, "exited with code 139"),
    ("metrics-build: error: " + "x" * 2000, 2, "metrics-build: error: " + "x" * 478),
])
def test_error_line(output: str, code: int, expected: str | None) -> None:
    assert error_line(output, code) == expected


# --- summary ----------------------------------------------------------------------------------------

def _write_job(path: Path, status: m.Status, scalar: float = 1.5) -> None:
    writer = JobMetricsWriter(JOB)
    writer.add_metric(m.ScalarMetric(name="max speed", value=scalar, unit="m/s", status=status))
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.write(path)


def test_read_job_summary(tmp_path: Path) -> None:
    path = tmp_path / "metrics.binproto"
    _write_job(path, m.Status.FAIL_WARN, 12.25)
    summary = read_job_summary(path)
    assert summary is not None
    assert summary.status_name == "FAIL_WARN"
    assert [(r.name, r.type, r.status, r.value) for r in summary.metrics] == [
        ("max speed", "SCALAR", "FAIL_WARN", "12.25 m/s")]
    assert read_job_summary(tmp_path / "missing") is None
    (tmp_path / "garbage").write_bytes(b"\xff\xff\xff")
    assert read_job_summary(tmp_path / "garbage") is None


def test_outcomes_and_rendered_table(tmp_path: Path) -> None:
    manifest = Manifest(tests_root="/t", runner="process", created="x")
    for name, status in (("p", m.Status.PASSED), ("w", m.Status.FAIL_WARN), ("b", m.Status.FAIL_BLOCK)):
        _write_job(tmp_path / "tests" / name / "metrics.binproto", status)
        manifest.tests[name] = StepRecord(status=StepStatus.SUCCESS, output=f"tests/{name}/metrics.binproto")
    manifest.tests["f"] = StepRecord(status=StepStatus.FAILED, error="metrics-build: error: no logs")
    manifest.tests["gone"] = StepRecord(status=StepStatus.SKIPPED, output="tests/gone/metrics.binproto")
    assert outcomes_by_test(manifest, tmp_path) == {
        "passed": ["p"], "warned": ["w"], "blocked": ["b"], "failed": ["f", "gone"]}
    _write_job(tmp_path / "batch" / "metrics.binproto", m.Status.PASSED, 3.0)
    manifest.batch = StepRecord(status=StepStatus.SUCCESS, output="batch/metrics.binproto")
    text = render_summary(manifest, tmp_path)
    lines = text.splitlines()
    assert lines[0] == f"local batch: 5 tests (3 run, 1 already done, 1 failed) -> {tmp_path}"
    assert [line.split() for line in lines[1:6]] == [
        ["tests", "count"], ["passed", "1"], ["warned", "1"], ["blocked", "1"], ["failed", "2"]]
    assert "  failed: f: metrics-build: error: no logs" in lines
    assert "  failed: gone: no readable metrics" in lines
    assert f"batch: PASSED (1 metrics) -> {tmp_path / 'batch' / 'metrics.binproto'}" in lines
    assert lines[-1].split() == ["max", "speed", "SCALAR", "PASSED", "3", "m/s"]


def test_summary_of_a_failed_batch(tmp_path: Path) -> None:
    manifest = Manifest(tests_root="/t", runner="process", created="x")
    manifest.batch = StepRecord(status=StepStatus.FAILED, error="metrics-build: error: upstream 503",
                                output="batch/metrics.binproto")
    assert render_summary(manifest, tmp_path).splitlines()[-1] == "batch: failed: metrics-build: error: upstream 503"


def test_write_manifest_leaves_no_temp_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "dir-not-file"
    target.mkdir()  # a directory where the file should go: one clear error, nothing left behind
    with pytest.raises(OutputError, match="it is a directory"):
        write_manifest(target, _manifest())
    assert sorted(os.listdir(tmp_path)) == ["dir-not-file"]


def test_summary_shows_the_first_batch_metrics_and_says_how_to_see_all(tmp_path: Path) -> None:
    writer = JobMetricsWriter(JOB)
    for k in range(MAX_BATCH_ROWS + 5):
        writer.add_metric(m.ScalarMetric(name=f"metric {k:02d}", value=float(k)))
    (tmp_path / "batch").mkdir()
    writer.write(tmp_path / "batch" / "metrics.binproto")
    manifest = Manifest(tests_root="/t", runner="process", created="x")
    manifest.batch = StepRecord(status=StepStatus.SUCCESS, output="batch/metrics.binproto")
    lines = render_summary(manifest, tmp_path).splitlines()
    rows = [line for line in lines if re.match(r"\s+metric \d\d ", line)]
    assert [r.split()[1] for r in rows] == [f"{k:02d}" for k in range(MAX_BATCH_ROWS)]
    assert lines[-1] == f"  ... 5 more: metrics-build inspect {tmp_path / 'batch' / 'metrics.binproto'}"
