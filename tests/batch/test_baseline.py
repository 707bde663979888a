"""A batch compared with its baseline (`[batch.baseline]`) against the emulator serving a history: by
batch id or by branch, regressions gate, missing baselines are said plainly."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from oracle import assert_resim_accepts

from metrics_build import model as m
from metrics_build.cli import main
from metrics_build.emulator import Emulator
from metrics_build.errors import EXIT_BAD_INPUT, EXIT_UPSTREAM
from metrics_build.writer import JobMetricsWriter

pytest.importorskip("scipy", reason="the `compare` extra is not installed")

TESTS = [f"case {i}" for i in range(8)]
LIMIT = 10.0


def _batch(history: Path, key: str, created: str, speeds: list[float], *, branch: str = "main",
           status: str = "SUCCEEDED") -> None:
    batch_dir = history / key
    (batch_dir / "jobs").mkdir(parents=True)
    (batch_dir / "batch.json").write_text(json.dumps({"createdAt": created, "status": status, "branch": branch,
                                                      "testSuite": "nightly", "build": {"version": key}}))
    for test, speed in zip(TESTS, speeds, strict=True):
        writer = JobMetricsWriter(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}/{test}"))
        failing = speed > LIMIT
        writer.add_metric(m.ScalarMetric(name="max speed", value=speed, unit="m/s",
                                         failure=m.FailureDefinition(fails_above=LIMIT), blocking=True,
                                         status=m.Status.FAIL_BLOCK if failing else m.Status.PASSED))
        writer.write(batch_dir / "jobs" / test / "metrics.binproto")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history") / "history"
    base = [5.0 + 0.25 * i for i in range(8)]
    _batch(root, "a-baseline", "2026-02-01T10:00:00Z", base)
    _batch(root, "b-cancelled", "2026-02-02T10:00:00Z", [9.9] * 8, status="CANCELLED")
    _batch(root, "c-elsewhere", "2026-02-02T11:00:00Z", [1.0] * 8, branch="experiment")
    _batch(root, "d-same", "2026-02-03T10:00:00Z", base)
    _batch(root, "e-worse", "2026-02-04T10:00:00Z", [v + 4.0 + 0.1 * (i % 3) for i, v in enumerate(base)])
    return root


def _run(emu: Emulator, tmp: Path, batch: str, baseline: str) -> tuple[int, Path]:
    inputs, outputs = tmp / "in", tmp / "out"
    emu.write_config(inputs / "batch_metrics_config.json", batch_id=emu.batch_names[batch])
    config = tmp / "metrics.toml"
    config.write_text(f"[batch.baseline]\n{baseline}\n[compare]\nn_resamples = 999\n")
    code = main(["-q", "run", "--inputs", str(inputs), "--outputs", str(outputs), "--config", str(config)])
    return code, outputs / "metrics.binproto"


def _metrics(path: Path) -> dict[str, object]:
    msg = assert_resim_accepts(path)
    return {x.name: x for x in msg.job_level_metrics.metrics}


def test_a_regression_against_the_baseline_batch_blocks(history: Path, tmp_path: Path) -> None:
    with Emulator(history=history) as emu:
        code, out = _run(emu, tmp_path, "e-worse", f'batch_id = "{emu.batch_names["a-baseline"]}"')
    assert code == 0
    got = _metrics(out)
    diff = got["vs baseline: max speed: mean difference"]
    assert diff.status == 5 and diff.metric_values.scalar_metric_values.value == pytest.approx(4.0 + 0.1 * 7 / 8)  # type: ignore[attr-defined]
    summary = got["vs baseline: comparison"]
    assert summary.status == 5  # type: ignore[attr-defined]
    assert emu.batch_names["a-baseline"] in summary.metric_values.text_metric_values.text  # type: ignore[attr-defined]
    assert "pass rate" in got and "max speed" in got  # the batch's own metrics are all still there


def test_by_branch_the_latest_earlier_finished_batch_on_it_is_the_baseline(history: Path, tmp_path: Path) -> None:
    with Emulator(history=history) as emu:
        code, out = _run(emu, tmp_path, "e-worse", 'branch = "main"')
        expected = emu.batch_names["d-same"]  # not the cancelled one, nor the other branch's
    assert code == 0
    text = _metrics(out)["vs baseline: comparison"].metric_values.text_metric_values.text  # type: ignore[attr-defined]
    assert expected in text


def test_the_same_results_are_no_regression(history: Path, tmp_path: Path) -> None:
    with Emulator(history=history) as emu:
        code, out = _run(emu, tmp_path, "d-same", 'branch = "main"')
    assert code == 0
    got = _metrics(out)
    assert got["vs baseline: max speed: mean difference"].status == 1  # type: ignore[attr-defined]
    assert got["vs baseline: max speed: mean difference"].metric_values.scalar_metric_values.value == 0.0  # type: ignore[attr-defined]


def test_no_earlier_batch_is_said_plainly_or_fails_when_required(history: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with Emulator(history=history) as emu:
        code, out = _run(emu, tmp_path / "a", "a-baseline", 'branch = "main"')
        assert code == 0
        lone = _metrics(out)["vs baseline: comparison"]
        assert lone.status == 3 and "No baseline" in lone.metric_values.text_metric_values.text  # type: ignore[attr-defined]
        code, _ = _run(emu, tmp_path / "b", "a-baseline", 'branch = "main"\nrequired = true')
        assert code == EXIT_UPSTREAM
        code, _ = _run(emu, tmp_path / "c", "e-worse", 'branch = "no such branch"')
        assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "no baseline found" in err and "no branch of that name" in err


def test_the_baseline_section_needs_one_way_to_find_it(tmp_path: Path) -> None:
    config = tmp_path / "metrics.toml"
    config.write_text('[batch.baseline]\nbranch = "main"\nbatch_id = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"\n')
    assert main(["config", "--check", str(config)]) == EXIT_BAD_INPUT


def test_the_compare_command_takes_batches_through_the_api(history: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    with Emulator(history=history) as emu:
        base = emu.write_config(tmp_path / "base.json", batch_id=emu.batch_names["d-same"])
        worse = emu.write_config(tmp_path / "worse.json", batch_id=emu.batch_names["e-worse"])
        config = tmp_path / "metrics.toml"
        config.write_text("[compare]\nn_resamples = 999\n")
        code = main(["-q", "compare", str(base), str(worse), "--config", str(config), "--out", str(tmp_path / "c"),
                     "--fail-on-regression"])
        same = main(["-q", "compare", str(base), str(base), "--config", str(config), "--fail-on-regression"])
    assert (code, same) == (1, 0)
    out = capsys.readouterr().out
    assert "max speed" in out and emu.token not in out
    assert_resim_accepts(tmp_path / "c" / "metrics.binproto")

