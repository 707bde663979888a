"""Every example, with its own config and with the built-in default: valid for ReSim, numbers from NumPy."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from oracle import assert_resim_accepts
from tm_helpers import EXAMPLES

from metrics_build.model import Status
from metrics_build.platform import INPUT_REPORT_METRIC
from metrics_build.test_mode.run import run_test_mode

NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "inputs" / "logs").is_dir())


def run_example(name: str, tmp_path: Path, *, own_config: bool) -> dict[str, object]:
    example = EXAMPLES / name
    config = example / "metrics.toml" if own_config else None
    assert run_test_mode(inputs=example / "inputs", outputs=tmp_path, config_path=config, job_id=None) == 0
    msg = assert_resim_accepts(tmp_path / "metrics.binproto")
    return {m.name: m for m in msg.job_level_metrics.metrics} | {"__msg__": msg}


def scalar(metrics: dict[str, object], name: str) -> float:
    return float(metrics[name].metric_values.scalar_metric_values.value)  # type: ignore[attr-defined]


def test_all_six_examples_exist() -> None:
    assert NAMES == ["csv-table", "emissions", "eval-runner", "json-samples", "jsonl-steps", "mcap"]
    for name in NAMES:
        assert (EXAMPLES / name / "metrics.toml").is_file()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("own_config", [True, False], ids=["own config", "default config"])
def test_example_output_is_valid(name: str, own_config: bool, tmp_path: Path) -> None:
    metrics = run_example(name, tmp_path, own_config=own_config)
    assert INPUT_REPORT_METRIC in metrics
    msg = metrics["__msg__"]
    assert any(d.name.startswith("export/") for d in msg.metrics_data)  # type: ignore[attr-defined]
    assert not [m for n, m in metrics.items() if n != "__msg__" and m.status == Status.NOT_APPLICABLE], \
        "an example metric is NOT_APPLICABLE"


def test_csv_table_numbers(tmp_path: Path) -> None:
    with (EXAMPLES / "csv-table" / "inputs" / "logs" / "drive.csv").open() as f:
        rows = [r for r in csv.reader(f)][1:]
    good = [r for r in rows if len(r) == 5]
    speed = np.array([float(r[1]) for r in good])
    dist = np.array([float(r[3]) for r in good])
    acc = np.array([float(r[2]) for r in good])
    t = np.array([float(r[0]) for r in good])
    metrics = run_example("csv-table", tmp_path, own_config=True)
    assert scalar(metrics, "max speed") == speed.max()
    assert scalar(metrics, "closest approach") == dist.min()
    assert scalar(metrics, "max jerk") == pytest.approx(np.max(np.abs(np.diff(acc) / np.diff(t))), rel=1e-6)
    assert metrics["max speed"].status == (Status.FAIL_WARN if speed.max() > 11 else Status.PASSED)  # type: ignore[attr-defined]
    states = {r[4].lower() for r in good}
    controller = metrics["controller"]
    assert controller.status == (Status.FAIL_WARN if "fault" in states else Status.PASSED)  # type: ignore[attr-defined]


def test_jsonl_steps_numbers(tmp_path: Path) -> None:
    rows = []
    for line in (EXAMPLES / "jsonl-steps" / "inputs" / "logs" / "metrics.jsonl").read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    rows = [r for r in rows if isinstance(r, dict) and "step" in r]
    accuracy = [r.get("metrics", r).get("accuracy") for r in rows]
    accuracy = np.array([a for a in accuracy if a is not None], dtype=float)
    grad = np.array([g for g in (r.get("metrics", r).get("grad_norm") for r in rows) if g is not None], dtype=float)
    val = np.array([g for g in (r.get("metrics", r).get("val_loss") for r in rows) if g is not None], dtype=float)
    metrics = run_example("jsonl-steps", tmp_path, own_config=True)
    assert scalar(metrics, "final accuracy") == accuracy[-1]
    assert scalar(metrics, "best validation loss") == val.min()
    assert scalar(metrics, "gradient norm p99") == pytest.approx(np.percentile(grad, 99), rel=1e-12)


def test_eval_runner_numbers(tmp_path: Path) -> None:
    episodes = []
    for line in (EXAMPLES / "eval-runner" / "inputs" / "logs" / "episodes.jsonl").read_text().splitlines():
        record = json.loads(line) if line.strip() else None
        if isinstance(record, dict) and "start_step" in record and "end_step" in record:
            episodes.append(record)
    success = np.array([float(e["success"]) for e in episodes])
    reward = np.array([e["reward"] for e in episodes])
    metrics = run_example("eval-runner", tmp_path, own_config=True)
    assert scalar(metrics, "success rate") == pytest.approx(success.mean())
    assert scalar(metrics, "median episode reward") == pytest.approx(np.median(reward))
    assert scalar(metrics, "reported success rate (hard)") == 0.41
    assert len(metrics["__msg__"].events) == len(episodes)  # type: ignore[attr-defined]
    bars = metrics["reward per episode"]
    assert bars.status == (Status.FAIL_WARN if (reward < 0).any() else Status.PASSED)  # type: ignore[attr-defined]


def test_emissions_python_metrics(tmp_path: Path) -> None:
    x, y, brakes = [], [], 0
    for line in (EXAMPLES / "emissions" / "inputs" / "logs" / "emissions.resim.jsonl").read_text().splitlines():
        record = json.loads(line)
        meta, data = record["$metadata"], record["$data"]
        if meta.get("event"):
            brakes += data.get("name") == "hard brake"
        elif meta["topic"] == "ego":
            x.append(data["position"]["x"])
            y.append(data["position"]["y"])
    metrics = run_example("emissions", tmp_path, own_config=True)
    assert scalar(metrics, "path length") == pytest.approx(np.hypot(np.diff(x), np.diff(y)).sum(), rel=1e-12)
    assert scalar(metrics, "hard brakes") == brakes
