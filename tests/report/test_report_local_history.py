"""`local-batch --history DIR` appends each run as a batch of a history in the emulator's layout, and report
mode then runs offline over the local runs."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from report_helpers import run_report, table, text

from metrics_build.errors import InputError
from metrics_build.local_batch import Settings, local_batch
from metrics_build.platform import conflated_of
from metrics_build.reader import read_job_metrics

REPO = Path(__file__).resolve().parents[2]


def _tests(root: Path) -> Path:
    tests = root / "tests"
    for name, example in (("drive", "csv-table"), ("eval", "eval-runner")):
        shutil.copytree(REPO / "examples" / example, tests / name)
    return tests


def _conflated(out: Path) -> dict[str, str]:
    return {p.name: conflated_of(read_job_metrics(p / "metrics.binproto").metrics_status)
            for p in sorted((out / "tests").iterdir())}


def test_each_run_becomes_a_batch_of_the_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tests, history = _tests(tmp_path), tmp_path / "history"
    text_out = io.StringIO()
    code = local_batch(Settings(tests_dir=tests, output_dir=tmp_path / "out", max_workers=2, history=history,
                                history_build="v1"), out=text_out)
    assert code == 0, text_out.getvalue()
    first = _conflated(tmp_path / "out")
    assert first == {"drive": "BLOCKER", "eval": "WARNING"}
    # The second run: the drive judged by nothing (it passes), every test run again.
    (tests / "drive" / "metrics.toml").write_text('version = 1\n[sources]\ntime_column = "time_s"\n[[metrics]]\n'
                                                  'kind = "scalar"\nname = "max speed"\nchannel = "speed"\n'
                                                  'reduce = "max"\n')
    code = local_batch(Settings(tests_dir=tests, output_dir=tmp_path / "out", max_workers=2, history=history,
                                history_build="v2", force=True), out=text_out)
    assert code == 0
    assert _conflated(tmp_path / "out") == {"drive": "PASSED", "eval": "WARNING"}
    assert text_out.getvalue().count("history: appended this run as") == 2

    batches = sorted(p for p in history.iterdir())
    assert len(batches) == 2 and not [p for p in history.iterdir() if p.name.startswith(".")]
    meta = json.loads((batches[0] / "batch.json").read_text())
    assert meta["status"] == "SUCCEEDED" and meta["build"] == {"version": "v1"}
    assert sorted(p.name for p in (batches[0] / "jobs").iterdir()) == ["drive", "eval"]
    assert (batches[0] / "batch" / "metrics.binproto").is_file()
    assert not list(batches[0].rglob("*.html"))

    run = run_report(history, tmp_path, capsys)
    assert run.code == 0, run.stderr
    rows = table(text(run.msg, "pass rate per batch"), "#")
    assert [(r["build"], r["tests by status"], r["pass rate"]) for r in rows] == [
        ("v2", "PASSED 1, WARNING 1", "50.0% (1/2)"), ("v1", "WARNING 1, BLOCKER 1", "0.0% (0/2)")]
    assert any(n.startswith("batch metric: ") for n in (m.name for m in run.msg.job_level_metrics.metrics))
    flaky = table(text(run.msg, "flaky experiences"), "#")
    assert [(r["experience"], r["changes"], r["same build"]) for r in flaky] == [("drive", "1", "0")]
    onset = table(text(run.msg, "regression onset"), "experience")
    assert [(r["experience"], r["failing batches"], r["last passed"]) for r in onset] == [
        ("eval", "2", "never in this report")]


def test_a_history_inside_the_outputs_tests_is_refused(tmp_path: Path) -> None:
    tests = _tests(tmp_path)
    with pytest.raises(InputError, match="must not lie inside"):
        local_batch(Settings(tests_dir=tests, output_dir=tmp_path / "out", history=tmp_path / "out" / "tests" / "h"))
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="not a directory"):
        local_batch(Settings(tests_dir=tests, output_dir=tmp_path / "out", history=tmp_path / "file"))
