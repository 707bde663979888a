"""The `[auto]` section and the built-in default: what is generated for which logs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tm_helpers import config, loaded, numeric, run, series, states

from metrics_build.channels import Episode
from metrics_build.config import default_config
from metrics_build.model import Status
from metrics_build.platform import INPUT_REPORT_METRIC
from metrics_build.test_mode.episodes import with_episode_channels

SPEED = np.random.default_rng(5).normal(10, 1, 300)


def test_default_covers_every_channel(tmp_path: Path) -> None:
    logs = loaded(numeric("speed", SPEED, unit="m/s"), states("mode", ["NOMINAL", "nominal", "Fault"] * 10))
    out = run(default_config(), logs, tmp_path)
    assert list(out.metrics) == ["speed min", "speed max", "speed mean", "speed over time", "mode states",
                                 INPUT_REPORT_METRIC]
    assert out.scalar("speed min") == SPEED.min() and out.scalar("speed max") == SPEED.max()
    assert out.scalar("speed mean") == pytest.approx(SPEED.mean(), rel=1e-12)
    assert out.metrics["speed mean"].metric_values.scalar_metric_values.unit == "m/s"
    so = out.metrics["mode states"].metric_values.states_over_time_metric_values
    assert list(so.states_set) == ["fault", "nominal"]  # lower-cased by default
    assert np.array_equal(series(out.data["export/speed"]), SPEED)
    assert series(out.data["export/mode"]).tolist() == ["NOMINAL", "nominal", "Fault"] * 10  # as logged
    assert int(out.msg.metrics_status) == Status.PASSED


def test_globs_reductions_and_switches(tmp_path: Path) -> None:
    logs = loaded(numeric("ego.speed", SPEED), numeric("ego.debug", SPEED), numeric("cpu", SPEED),
                  states("mode", ["a", "b"]))
    cfg = config('[auto]\nchannels = ["ego.*", "mode"]\nexclude = ["*.debug"]\n'
                 'scalars = ["p95", "max_rate_of_change"]\nover_time = false\nstates_over_time = false\n'
                 'importance = "low"\n')
    out = run(cfg, logs, tmp_path)
    assert list(out.metrics) == ["ego.speed p95", "ego.speed max rate of change", INPUT_REPORT_METRIC]
    assert out.scalar("ego.speed p95") == pytest.approx(np.percentile(SPEED, 95))
    assert out.metrics["ego.speed p95"].importance == 2
    # Exports do not depend on [auto].
    assert {"export/ego.speed", "export/ego.debug", "export/cpu", "export/mode"} <= set(out.data)


def test_declared_names_win_over_generated_ones(tmp_path: Path) -> None:
    cfg = config('[auto]\n[[metrics]]\nkind = "scalar"\nname = "speed max"\nchannel = "speed"\nreduce = "last"\n')
    out = run(cfg, loaded(numeric("speed", SPEED)), tmp_path)
    assert out.scalar("speed max") == SPEED[-1]
    assert list(out.metrics).count("speed max") == 1


def test_episodes_and_results(tmp_path: Path) -> None:
    eps = [Episode(i, 0, i * 10, i * 10 + 9, success=i % 3 != 0, reward=float(i), length=10) for i in range(9)]
    logs = with_episode_channels(loaded(episodes=eps, results={"eval": {"score": 0.5, "name": "x", "ok": True}}))
    out = run(default_config(), logs, tmp_path)
    assert out.scalar("episode count") == 9
    assert out.scalar("episode success rate") == pytest.approx(np.mean([i % 3 != 0 for i in range(9)]))
    assert out.scalar("episode.reward mean") == pytest.approx(4.0)
    assert out.scalar("eval.score") == 0.5
    assert "eval.name" not in out.metrics and "eval.ok" not in out.metrics


def test_no_auto_section_means_declared_metrics_only(tmp_path: Path) -> None:
    out = run(config(""), loaded(numeric("speed", SPEED)), tmp_path)
    assert list(out.metrics) == [INPUT_REPORT_METRIC]
    assert "export/speed" in out.data
    out = run(config("[output]\ninput_report = false\nexport = []\n"), loaded(numeric("speed", SPEED)), tmp_path / "b")
    assert list(out.metrics) == [] and list(out.data) == []


def test_non_finite_channels_under_the_keep_policy(tmp_path: Path) -> None:
    logs = loaded(numeric("x", [np.nan, np.nan]), numeric("y", [np.inf, 1.0, -np.inf]), numeric("one", [5.0]))
    out = run(default_config(), logs, tmp_path)
    assert out.status("x min") == Status.NOT_APPLICABLE and out.status("x over time") == Status.NOT_APPLICABLE
    assert out.scalar("y max") == np.inf and out.scalar("y min") == -np.inf
    assert out.status("y mean") == Status.NOT_APPLICABLE  # +inf and -inf: no mean
    assert out.scalar("one mean") == 5.0 and out.status("one over time") == Status.PASSED
