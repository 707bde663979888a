"""Test mode through the real command line: outputs, config lookup, and every bad-input path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from oracle import assert_resim_accepts

from metrics_build.model import Status
from metrics_build.platform import INPUT_REPORT_METRIC

CLI = [sys.executable, "-m", "metrics_build"]
DECLARED = ('[[metrics]]\nkind = "scalar"\nname = "max loss"\nchannel = "loss"\nreduce = "max"\n'
            '[[metrics]]\nkind = "double_over_time"\nname = "loss curve"\nchannel = "loss"\n')


def cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "METRICS_BUILD_CONFIG"}
    full_env.update(env or {})
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, env=full_env, timeout=120)


def make_inputs(root: Path, lines: list[str] | None = None) -> Path:
    logs = root / "inputs" / "logs"
    logs.mkdir(parents=True)
    rows = lines if lines is not None else [
        json.dumps({"ts": 1_700_000_000 + i * 0.5, "step": i, "metrics": {"loss": 1.0 / (i + 1), "lr": 0.1}})
        for i in range(50)]
    (logs / "metrics.jsonl").write_text("".join(r + "\n" for r in rows))
    return root / "inputs"


def assert_one_line_error(res: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert res.returncode == 2, res.stderr
    errors = [line for line in res.stderr.splitlines() if line.startswith("metrics-build: error:")]
    assert len(errors) == 1, res.stderr
    assert "Traceback" not in res.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


def test_default_config_run(tmp_path: Path) -> None:
    inputs = make_inputs(tmp_path)
    res = cli("run", "--inputs", inputs, "--outputs", tmp_path / "out")
    assert res.returncode == 0, res.stderr
    msg = assert_resim_accepts(tmp_path / "out" / "metrics.binproto")
    names = [m.name for m in msg.job_level_metrics.metrics]
    assert names == ["loss min", "loss max", "loss mean", "loss over time",
                     "lr min", "lr max", "lr mean", "lr over time", INPUT_REPORT_METRIC]
    assert {d.name for d in msg.metrics_data} >= {"export/loss", "export/lr"}
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["metrics.binproto"]  # no temp files left


def test_config_lookup_flag_then_env(tmp_path: Path) -> None:
    inputs = make_inputs(tmp_path)
    cfg = tmp_path / "declared.toml"
    cfg.write_text(DECLARED)
    by_flag = cli("run", "--inputs", inputs, "--outputs", tmp_path / "a", "--config", cfg)
    by_env = cli("run", "--inputs", inputs, "--outputs", tmp_path / "b", env={"METRICS_BUILD_CONFIG": str(cfg)})
    assert by_flag.returncode == 0 and by_env.returncode == 0, by_flag.stderr + by_env.stderr
    a = (tmp_path / "a" / "metrics.binproto").read_bytes()
    assert a == (tmp_path / "b" / "metrics.binproto").read_bytes()
    msg = assert_resim_accepts(a)
    assert [m.name for m in msg.job_level_metrics.metrics] == ["max loss", "loss curve", INPUT_REPORT_METRIC]


def test_job_id_option_and_deterministic_default(tmp_path: Path) -> None:
    inputs = make_inputs(tmp_path)
    cli("run", "--inputs", inputs, "--outputs", tmp_path / "a")
    cli("run", "--inputs", inputs, "--outputs", tmp_path / "b")
    assert (tmp_path / "a" / "metrics.binproto").read_bytes() == (tmp_path / "b" / "metrics.binproto").read_bytes()
    job = "12345678-1234-4234-8234-123456789abc"
    assert cli("run", "--inputs", inputs, "--outputs", tmp_path / "c", "--job-id", job).returncode == 0
    assert assert_resim_accepts(tmp_path / "c" / "metrics.binproto").job_id.id.data == job


def test_missing_inputs_directory(tmp_path: Path) -> None:
    res = cli("run", "--inputs", tmp_path / "nope", "--outputs", tmp_path / "out")
    assert_one_line_error(res, str(tmp_path / "nope"), "not found", "logs")
    assert not (tmp_path / "out").exists()


def test_missing_logs_directory(tmp_path: Path) -> None:
    (tmp_path / "inputs").mkdir()
    res = cli("run", "--inputs", tmp_path / "inputs", "--outputs", tmp_path / "out")
    assert_one_line_error(res, str(tmp_path / "inputs" / "logs"), "does not exist")


def test_no_readable_log(tmp_path: Path) -> None:
    logs = tmp_path / "inputs" / "logs"
    logs.mkdir(parents=True)
    (logs / "notes.txt").write_text("hello")
    res = cli("run", "--inputs", tmp_path / "inputs", "--outputs", tmp_path / "out")
    assert_one_line_error(res, "no log found in", str(logs), "*.jsonl")
    assert not (tmp_path / "out" / "metrics.binproto").exists()


def test_config_error_names_the_field(tmp_path: Path) -> None:
    inputs = make_inputs(tmp_path)
    cfg = tmp_path / "metrics.toml"
    cfg.write_text('[[metrics]]\nkind = "scalar"\nname = "max loss"\nchannel = "loss"\nreduce = "maximum"\n')
    res = cli("run", "--inputs", inputs, "--outputs", tmp_path / "out", "--config", cfg)
    assert_one_line_error(res, f'{cfg}: metrics[0] ("max loss").reduce:')
    missing = cli("run", "--inputs", inputs, "--outputs", tmp_path / "out", "--config", tmp_path / "none.toml")
    assert_one_line_error(missing, "config file not found")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("lines", [[], ["{not json", "[1, 2]", '{"step": "x"}', '{"metrics": {"loss": 1}}']],
                         ids=["empty", "all malformed"])
def test_empty_or_malformed_log_gives_valid_not_applicable_output(tmp_path: Path, lines: list[str]) -> None:
    inputs = make_inputs(tmp_path, lines)
    cfg = tmp_path / "metrics.toml"
    cfg.write_text(DECLARED)
    res = cli("run", "--inputs", inputs, "--outputs", tmp_path / "out", "--config", cfg)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    msg = assert_resim_accepts(tmp_path / "out" / "metrics.binproto")
    by_name = {m.name: m for m in msg.job_level_metrics.metrics}
    assert by_name["max loss"].status == Status.NOT_APPLICABLE
    assert by_name["loss curve"].status == Status.NOT_APPLICABLE
    report = by_name[INPUT_REPORT_METRIC]
    assert report.status == Status.FAIL_WARN
    text = report.metric_values.text_metric_values.text
    assert "Nothing usable was read" in text and "metrics.jsonl" in text
    assert f"| {len(lines)} | {len(lines)} |" in text  # rows read, rows skipped
    # With the default config too.
    res = cli("run", "--inputs", inputs, "--outputs", tmp_path / "default")
    assert res.returncode == 0, res.stderr
    assert_resim_accepts(tmp_path / "default" / "metrics.binproto")


def test_name_clash_exits_4_and_writes_nothing(tmp_path: Path) -> None:
    # A channel named like the status data of another channel's plot: ReSim's reader would refuse the
    # file, so the run stops with the invalid-metrics exit code and leaves no (partial) file.
    row = {"step": 1, "metrics": {"a status (a over time)": 1.0, "a": 2.0}}
    inputs = make_inputs(tmp_path, [json.dumps(row), json.dumps({**row, "step": 2})])
    res = cli("run", "--inputs", inputs, "--outputs", tmp_path / "out")
    assert res.returncode == 4, res.stderr
    assert "the name 'a status (a over time)' is used by more than one" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "out" / "metrics.binproto").exists()


def test_a_python_metric_reusing_a_name_fails_alone(tmp_path: Path) -> None:
    inputs = make_inputs(tmp_path)
    (tmp_path / "bad.py").write_text("from metrics_build import model as m\n"
                                     "def f(l):\n    return [m.ScalarMetric(name='a', value=1.0)]\n")
    cfg = tmp_path / "metrics.toml"
    cfg.write_text('[[python]]\nfunction = "bad:f"\n[[python]]\nfunction = "bad:f"\n')
    res = cli("run", "--inputs", inputs, "--outputs", tmp_path / "out", "--config", cfg)
    assert res.returncode == 0  # the second copy becomes a failure metric, the run goes on
    msg = assert_resim_accepts(tmp_path / "out" / "metrics.binproto")
    failed = next(m for m in msg.job_level_metrics.metrics if m.name == "bad:f")
    assert "already used" in failed.metric_values.text_metric_values.text
    assert "Python metric bad:f failed" in res.stderr
