"""Python report metrics (`[[report.python]]`): functions over a typed history whose details are fetched
only when asked for; a failing entry becomes its FAIL_BLOCK text metric and never loses the others."""

from __future__ import annotations

from pathlib import Path

import pytest
from history_fixtures import build_history, expected_scalar
from report_helpers import metric, names, run_report, series, text

from metrics_build.wire import metrics_pb2 as pb

MODULE = '''
import numpy as np
from metrics_build import model as m


def newest_pass_rate(history, scale=1.0):
    """From the folded rows only: no request."""
    complete = [b for b in history.batches if b.info.complete]
    newest = complete[-1]
    return m.ScalarMetric(name="newest pass rate", value=scale * newest.pass_rate.rate,
                          description=f"{newest.info.name}, {len(history.experiences)} experiences")


def speeds_of(history, batch):
    """Fetches one batch's tests and their metrics listings."""
    row = history.batch(batch)
    values = [r.value for t in history.tests(row) for r in t.metrics or () if r.name == "max speed"]
    labels = m.strings("speed labels", [t.info.name for t in history.tests(row)])
    return [m.ScalarMetric(name=f"fastest in {row.info.name}", value=max(values), unit="m/s"),
            m.TextMetric(name="batch metrics seen", text=", ".join(r.name for r in history.batch_metrics(row))),
            labels]


def broken(history):
    raise RuntimeError("no luck")


def clash(history):
    return m.TextMetric(name="tags", text="mine")
'''


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_history(tmp_path_factory.mktemp("history"))


def _config(tmp: Path, entries: str) -> str:
    (tmp / "report_metrics.py").write_text(MODULE, encoding="utf-8")
    return entries


def test_functions_over_the_history(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = run_report(history, tmp_path, capsys, name="plain")
    config = _config(tmp_path, """
[[report.python]]
function = "report_metrics:newest_pass_rate"
args = {scale = 100.0}

[[report.python]]
function = "report_metrics:speeds_of"
args = {batch = "b1-first"}

[[report.python]]
function = "report_metrics:broken"

[[report.python]]
function = "report_metrics:clash"
name = "clashing metric"
""")
    run = run_report(history, tmp_path, capsys, config=config)
    assert run.code == 0, run.stderr
    msg = run.msg
    assert metric(msg, "newest pass rate").metric_values.scalar_metric_values.value == 50.0  # b3-block: 2 of 4
    assert "b3-block, 4 experiences" in metric(msg, "newest pass rate").description
    fastest = metric(msg, "fastest in b1-first").metric_values.scalar_metric_values
    assert fastest.value == max(expected_scalar("b1-first", t) for t in ("lane_change", "merge", "parking",
                                                                          "roundabout"))
    assert text(msg, "batch metrics seen") == "pass rate, summary"
    assert series(msg, "speed labels") == ["lane_change", "merge", "parking", "roundabout"]
    failed = metric(msg, "report_metrics:broken")
    assert failed.status == pb.FAIL_BLOCK_METRIC_STATUS
    assert "RuntimeError: no luck" in text(msg, "report_metrics:broken")
    assert "'tags' is already used" in text(msg, "clashing metric")
    assert msg.job_level_metrics.metrics_status == pb.FAIL_BLOCK_METRIC_STATUS
    assert names(msg)[: len(names(plain.msg))] == names(plain.msg)  # the built-in metrics come first, unchanged
    # Lazily fetched: only speeds_of asked for more, b1-first's jobs (twice) and their metrics and its batch metrics.
    extra = sorted(r.path for r in run.requests)
    for path in (r.path for r in plain.requests):
        extra.remove(path)
    batch = next(p for p in extra if p.endswith("/jobs")).split("/batches/")[1].split("/")[0]
    assert all(f"/batches/{batch}/" in p for p in extra)
    assert len([p for p in extra if p.endswith("/jobs")]) == 2
    assert len([p for p in extra if p.endswith("/metrics") and "/jobs/" in p]) == 8
    assert len([p for p in extra if p.endswith(f"{batch}/metrics")]) == 1


def test_an_unknown_batch_is_the_entrys_failure(history: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, '[[report.python]]\nfunction = "report_metrics:speeds_of"\nargs = {batch = "b9"}\n')
    run = run_report(history, tmp_path, capsys, config=config)
    assert run.code == 0
    assert "no batch 'b9' in this report" in text(run.msg, "report_metrics:speeds_of")
