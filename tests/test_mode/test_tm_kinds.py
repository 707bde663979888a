"""Every metric kind of the config, written through the real writer, accepted by ReSim, checked against NumPy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tm_helpers import T0_NS, config, loaded, numeric, run, series, states

from metrics_build.channels import Episode
from metrics_build.model import Status

RNG = np.random.default_rng(3)
SPEED = 8 + 3 * np.sin(np.linspace(0, 12, 2000)) + RNG.normal(0, 0.2, 2000)
DIST = np.abs(30 * np.cos(np.linspace(0, 5, 2000))) + 0.1


def logs():  # type: ignore[no-untyped-def]
    return loaded(numeric("speed", SPEED, unit="m/s", dt_s=0.05), numeric("distance", DIST, unit="m", dt_s=0.05))


@pytest.mark.parametrize(("reduction", "reference"), [
    ("max", np.max(SPEED)), ("min", np.min(SPEED)), ("mean", np.mean(SPEED)), ("sum", np.sum(SPEED)),
    ("std", np.std(SPEED)), ("p90", np.percentile(SPEED, 90)), ("last", SPEED[-1]), ("count", 2000.0),
    ("duration", 1999 * 0.05), ("max_rate_of_change", np.max(np.abs(np.diff(SPEED))) / 0.05),
])
def test_scalar_reductions(tmp_path: Path, reduction: str, reference: float) -> None:
    cfg = config(f'[[metrics]]\nkind = "scalar"\nname = "x"\nchannel = "speed"\nreduce = "{reduction}"\n')
    out = run(cfg, logs(), tmp_path)
    assert out.scalar("x") == pytest.approx(float(reference), rel=1e-9)
    assert out.status("x") == Status.PASSED


@pytest.mark.parametrize(("limits", "severity", "status"), [
    ("fails_above = 10.0", "block", Status.FAIL_BLOCK),
    ("fails_above = 10.0", "warn", Status.FAIL_WARN),
    ("fails_above = 20.0", "block", Status.PASSED),
    ("fails_below = 12.0", "warn", Status.FAIL_WARN),
    ("fails_below = 1.0\nfails_above = 20.0", "block", Status.PASSED),
])
def test_scalar_thresholds(tmp_path: Path, limits: str, severity: str, status: Status) -> None:
    cfg = config(f'[[metrics]]\nkind = "scalar"\nname = "max speed"\nchannel = "speed"\nreduce = "max"\n'
                 f'{limits}\nseverity = "{severity}"\nunit = "m/s"\nimportance = "critical"\n'
                 f'description = "d"\ntags = {{ team = "nav" }}\norder = 2.5\n')
    out = run(cfg, logs(), tmp_path)
    metric = out.metrics["max speed"]
    assert out.status("max speed") == status
    assert int(out.msg.metrics_status) == status
    assert metric.importance == 5 and metric.description == "d" and metric.order == 2.5
    assert [(t.key, t.value) for t in metric.tags] == [("team", "nav")]
    values = metric.metric_values.scalar_metric_values
    assert values.unit == "m/s" and values.value == pytest.approx(np.max(SPEED))
    fd = values.failure_definition
    assert (fd.fails_above if fd.HasField("fails_above") else None) in (10.0, 20.0, None)


def test_status_without_thresholds_can_be_raw(tmp_path: Path) -> None:
    cfg = config('[output]\nstatus_without_thresholds = "raw"\n'
                 '[[metrics]]\nkind = "scalar"\nname = "x"\nchannel = "speed"\nreduce = "max"\n')
    out = run(cfg, logs(), tmp_path)
    assert out.status("x") == Status.RAW


def test_result_scalar(tmp_path: Path) -> None:
    logs_ = loaded(results={"eval/a": {"success_rate": 0.75, "policy": "ppo"}, "eval/b": {"success_rate": 0.5}})
    cfg = config('[[metrics]]\nkind = "scalar"\nname = "rate"\nresult = "success_rate"\njob = "eval/b"\n'
                 "fails_below = 0.6\n"
                 '[[metrics]]\nkind = "scalar"\nname = "ambiguous"\nresult = "success_rate"\n'
                 '[[metrics]]\nkind = "scalar"\nname = "words"\nresult = "policy"\n')
    out = run(cfg, logs_, tmp_path)
    assert out.scalar("rate") == 0.5 and out.status("rate") == Status.FAIL_BLOCK
    assert out.status("ambiguous") == Status.NOT_APPLICABLE
    assert "several jobs" in out.metrics["ambiguous"].metric_values.text_metric_values.text
    assert out.status("words") == Status.NOT_APPLICABLE


def test_double_summary_points_at_the_sample(tmp_path: Path) -> None:
    cfg = config('[[metrics]]\nkind = "double_summary"\nname = "top"\nchannel = "speed"\nreduce = "max"\n'
                 "fails_above = 10.5\n"
                 '[[metrics]]\nkind = "double_summary"\nname = "avg"\nchannel = "speed"\nreduce = "mean"\n'
                 "fails_above = 10.5\n")
    out = run(cfg, logs(), tmp_path)
    top = out.metrics["top"].metric_values.double_metric_values
    values = series(out.data_by_id(top.value_data_id))
    assert out.data_by_id(top.value_data_id).name == "export/speed"  # the export itself, not a copy
    assert top.series_index == int(np.argmax(SPEED)) and values[top.series_index] == np.max(SPEED)
    statuses = series(out.data_by_id(top.status_data_id))
    assert np.array_equal(statuses == Status.FAIL_BLOCK, SPEED > 10.5)
    assert out.status("top") == Status.FAIL_BLOCK
    avg = out.metrics["avg"].metric_values.double_metric_values
    assert series(out.data_by_id(avg.value_data_id)).tolist() == pytest.approx([np.mean(SPEED)])
    assert out.status("avg") == Status.PASSED  # the mean passes ...
    assert series(out.data_by_id(avg.status_data_id)).tolist() == [Status.PASSED]


def test_double_over_time_is_decimated_but_judged_on_every_sample(tmp_path: Path) -> None:
    spike = SPEED.copy()
    spike[1234] = 50.0
    logs_ = loaded(numeric("speed", spike, unit="m/s", dt_s=0.05), numeric("distance", DIST, dt_s=0.05))
    cfg = config('[output]\nmax_plot_points = 200\n'
                 '[[metrics]]\nkind = "double_over_time"\nname = "both"\nchannels = ["speed", "distance"]\n'
                 "fails_above = 40.0\n")
    out = run(cfg, logs_, tmp_path)
    values = out.metrics["both"].metric_values.double_over_time_metric_values
    assert out.status("both") == Status.FAIL_BLOCK
    assert list(values.legend_series_names) == ["speed", "distance"]
    assert [f.fails_above for f in values.failure_definition] == [40.0, 40.0]
    speed = out.data_by_id(values.doubles_over_time_data_id[0])
    kept = series(speed)
    assert kept.size <= 200 and kept.max() == 50.0 and kept.min() == spike.min()
    index = series(out.data_by_id(speed.index_data_id))
    # Every kept point sits at its own sample's timestamp.
    positions = (index - T0_NS) // 50_000_000
    assert np.array_equal(spike[positions], kept)
    statuses = series(out.data_by_id(values.statuses_over_time_data_id[0]))
    assert np.array_equal(statuses == Status.FAIL_BLOCK, kept > 40.0)


def test_plots_of_one_file_share_the_time_axis(tmp_path: Path) -> None:
    cfg = config('[[metrics]]\nkind = "double_over_time"\nname = "a"\nchannel = "speed"\n'
                 '[[metrics]]\nkind = "double_over_time"\nname = "b"\nchannel = "distance"\n')
    out = run(cfg, logs(), tmp_path)
    a = out.data_by_id(out.metrics["a"].metric_values.double_over_time_metric_values.doubles_over_time_data_id[0])
    b = out.data_by_id(out.metrics["b"].metric_values.double_over_time_metric_values.doubles_over_time_data_id[0])
    assert a.index_data_id.id.data == b.index_data_id.id.data
    assert sum(1 for d in out.msg.metrics_data if d.data_type == 2) == 1  # one TIMESTAMP series


def test_step_only_channels_plot_steps_as_seconds(tmp_path: Path) -> None:
    logs_ = loaded(numeric("loss", [3.0, 2.0, 1.5], dt_s=None))
    cfg = config('[[metrics]]\nkind = "double_over_time"\nname = "loss curve"\nchannel = "loss"\n')
    out = run(cfg, logs_, tmp_path)
    values = out.metrics["loss curve"].metric_values.double_over_time_metric_values
    index = out.data_by_id(out.data_by_id(values.doubles_over_time_data_id[0]).index_data_id)
    assert series(index).tolist() == [0, 1_000_000_000, 2_000_000_000]


def test_line_plot_pairs_channels_by_time(tmp_path: Path) -> None:
    x = np.linspace(0, 10, 500)
    y = x ** 2
    logs_ = loaded(numeric("pos.x", x), numeric("pos.y", y[::2], dt_s=0.2))  # y logged at half the rate
    cfg = config('[[metrics]]\nkind = "line_plot"\nname = "path"\nx = "pos.x"\nchannel = "pos.y"\n'
                 "fails_above = 90.0\nseverity = \"warn\"\n"
                 '[[metrics]]\nkind = "line_plot"\nname = "by step"\nchannel = "pos.x"\n'
                 '[[metrics]]\nkind = "line_plot"\nname = "by time"\nx = "time"\nchannel = "pos.x"\n')
    out = run(cfg, logs_, tmp_path)
    lp = out.metrics["path"].metric_values.line_plot_metric_values
    xs, ys = series(out.data_by_id(lp.x_doubles_data_id[0])), series(out.data_by_id(lp.y_doubles_data_id[0]))
    assert np.allclose(xs, x[::2]) and np.allclose(ys, y[::2]) and np.allclose(ys, xs ** 2)
    statuses = series(out.data_by_id(lp.statuses_data_id[0]))
    assert np.array_equal(statuses == Status.FAIL_WARN, ys > 90.0)
    assert out.status("path") == Status.FAIL_WARN
    by_step = out.metrics["by step"].metric_values.line_plot_metric_values
    assert series(out.data_by_id(by_step.x_doubles_data_id[0])).tolist() == list(range(500))
    by_time = out.metrics["by time"].metric_values.line_plot_metric_values
    assert np.allclose(series(out.data_by_id(by_time.x_doubles_data_id[0])), np.arange(500) * 0.1)


@pytest.mark.parametrize("buckets", ['edges = [0, 5, 7.5, 10, 20]', "lower = 0.0\nupper = 16.0\ncount = 8"])
def test_histogram_fixed_buckets(tmp_path: Path, buckets: str) -> None:
    cfg = config(f'[[metrics]]\nkind = "histogram"\nname = "h"\nchannel = "speed"\n{buckets}\nfails_above = 11.0\n'
                 'severity = "warn"\n')
    out = run(cfg, logs(), tmp_path)
    h = out.metrics["h"].metric_values.histogram_metric_values
    edges = [b.lower for b in h.buckets] + [h.buckets[-1].upper]
    expected = [0, 5, 7.5, 10, 20] if "edges" in buckets else np.linspace(0, 16, 9).tolist()
    assert edges == pytest.approx(expected) and h.lower_bound == expected[0] and h.upper_bound == expected[-1]
    values = series(out.data_by_id(h.values_data_id))
    assert np.array_equal(values, SPEED)
    assert np.array_equal(series(out.data_by_id(h.statuses_data_id)) == Status.FAIL_WARN, SPEED > 11.0)
    assert out.status("h") == Status.FAIL_WARN


def test_states_over_time(tmp_path: Path) -> None:
    words = ["Nominal"] * 30 + ["DEGRADED"] * 5 + ["nominal"] * 30 + ["fault"] * 2 + ["nominal"] * 33
    logs_ = loaded(states("mode", words))
    cfg = config('[output]\nmax_plot_points = 10\n'
                 '[[metrics]]\nkind = "states_over_time"\nname = "controller"\nchannel = "mode"\n'
                 'states = ["nominal", "degraded", "fault"]\nfailure_states = ["fault"]\ncase = "lower"\n'
                 'severity = "warn"\n'
                 '[[metrics]]\nkind = "states_over_time"\nname = "as logged"\nchannel = "mode"\n')
    out = run(cfg, logs_, tmp_path)
    so = out.metrics["controller"].metric_values.states_over_time_metric_values
    assert list(so.states_set) == ["nominal", "degraded", "fault"] and list(so.failure_states) == ["fault"]
    data = out.data_by_id(so.states_over_time_data_id[0])
    kept = series(data)
    assert kept.tolist() == ["nominal", "degraded", "nominal", "fault", "nominal", "nominal"]
    times = (series(out.data_by_id(data.index_data_id)) - T0_NS) // 100_000_000
    assert times.tolist() == [0, 30, 35, 65, 67, 99]
    assert series(out.data_by_id(so.statuses_over_time_data_id[0])).tolist() == [1, 1, 1, 2, 1, 1]
    assert out.status("controller") == Status.FAIL_WARN
    raw = out.metrics["as logged"].metric_values.states_over_time_metric_values
    assert list(raw.states_set) == sorted(set(words)) and out.status("as logged") == Status.PASSED


def test_states_outside_the_configured_set_are_added_and_said(tmp_path: Path) -> None:
    cfg = config('[[metrics]]\nkind = "states_over_time"\nname = "s"\nchannel = "mode"\nstates = ["ok"]\n')
    out = run(cfg, loaded(states("mode", ["ok", "odd", "ok"])), tmp_path)
    so = out.metrics["s"].metric_values.states_over_time_metric_values
    assert list(so.states_set) == ["ok", "odd"] and "odd" in out.metrics["s"].description


def test_bar_chart_per_channel(tmp_path: Path) -> None:
    cfg = config('[[metrics]]\nkind = "bar_chart"\nname = "means"\nchannels = ["speed", "distance"]\n'
                 'reduce = "mean"\nfails_above = 10.0\n')
    out = run(cfg, logs(), tmp_path)
    bc = out.metrics["means"].metric_values.bar_chart_metric_values
    values = out.data_by_id(bc.values_data_id[0])
    assert series(values) == pytest.approx([np.mean(SPEED), np.mean(DIST)])
    assert series(out.data_by_id(values.index_data_id)).tolist() == ["speed", "distance"]
    expected = [Status.FAIL_BLOCK if v > 10 else Status.PASSED for v in (np.mean(SPEED), np.mean(DIST))]
    assert series(out.data_by_id(bc.statuses_data_id[0])).tolist() == expected


def test_bar_chart_per_episode_slices_by_step(tmp_path: Path) -> None:
    reward = RNG.normal(size=300)
    episodes = [Episode(index=i, env_index=0, start_step=a, end_step=b)
                for i, (a, b) in enumerate([(0, 99), (100, 149), (150, 299)])]
    cfg = config('[[metrics]]\nkind = "bar_chart"\nname = "return"\nchannel = "reward"\nreduce = "sum"\n'
                 "per_episode = true\n")
    out = run(cfg, loaded(numeric("reward", reward), episodes=episodes), tmp_path)
    bc = out.metrics["return"].metric_values.bar_chart_metric_values
    values = out.data_by_id(bc.values_data_id[0])
    assert series(values) == pytest.approx([reward[0:100].sum(), reward[100:150].sum(), reward[150:300].sum()])
    assert series(out.data_by_id(values.index_data_id)).tolist() == ["episode 0", "episode 1", "episode 2"]


def test_bar_chart_per_episode_of_episode_channels(tmp_path: Path) -> None:
    # Two environments: episodes overlap in steps, so episode channels map sample by sample.
    eps = [Episode(0, 0, 0, 50, True, 3.0, 51), Episode(1, 1, 0, 20, False, -1.0, 21),
           Episode(2, 1, 21, 80, True, 5.0, 60)]
    from metrics_build.test_mode.episodes import with_episode_channels

    logs_ = with_episode_channels(loaded(episodes=eps))
    cfg = config('[[metrics]]\nkind = "bar_chart"\nname = "rewards"\nchannel = "episode.reward"\nreduce = "max"\n'
                 "per_episode = true\nfails_below = 0.0\nseverity = \"warn\"\n")
    out = run(cfg, logs_, tmp_path)
    bc = out.metrics["rewards"].metric_values.bar_chart_metric_values
    values = out.data_by_id(bc.values_data_id[0])
    assert series(values).tolist() == [-1.0, 3.0, 5.0]  # in end-step order
    assert series(out.data_by_id(values.index_data_id)).tolist() == [
        "env 1 episode 1", "env 0 episode 0", "env 1 episode 2"]
    assert out.status("rewards") == Status.FAIL_WARN


def test_text_with_channel_table(tmp_path: Path) -> None:
    cfg = config('[[metrics]]\nkind = "text"\nname = "notes"\ntext = "# Drive"\nchannels = ["speed", "ghost"]\n')
    out = run(cfg, logs(), tmp_path)
    text = out.metrics["notes"].metric_values.text_metric_values.text
    assert text.startswith("# Drive") and f"{np.max(SPEED):.6g}" in text and "| ghost | 0 |" in text


@pytest.mark.parametrize("spec", [
    'kind = "scalar"\nchannel = "ghost"\nreduce = "max"',
    'kind = "double_summary"\nchannel = "ghost"\nreduce = "max"',
    'kind = "double_over_time"\nchannel = "ghost"',
    'kind = "line_plot"\nchannel = "ghost"',
    'kind = "histogram"\nchannel = "ghost"\nedges = [0, 1]',
    'kind = "states_over_time"\nchannel = "ghost"',
    'kind = "bar_chart"\nchannel = "ghost"\nreduce = "mean"',
    'kind = "states_over_time"\nchannel = "speed"',
    'kind = "bar_chart"\nchannel = "speed"\nreduce = "mean"\nper_episode = true',
])
def test_missing_channels_make_not_applicable_metrics(tmp_path: Path, spec: str) -> None:
    cfg = config(f'[[metrics]]\nname = "m"\nimportance = "high"\n{spec}\n')
    out = run(cfg, logs(), tmp_path)
    metric = out.metrics["m"]
    assert metric.status == Status.NOT_APPLICABLE and metric.importance == 4
    assert metric.metric_values.text_metric_values.text.startswith("Not applicable: ")


def test_exports_are_full_resolution_and_named_for_batch_mode(tmp_path: Path) -> None:
    logs_ = loaded(numeric("speed", SPEED, unit="m/s"), states("mode", ["a", "b"] * 1000), numeric("hidden", [1.0]))
    cfg = config('[output]\nexport = ["speed", "mode"]\nmax_plot_points = 100\n[auto]\n')
    out = run(cfg, logs_, tmp_path)
    assert np.array_equal(series(out.data["export/speed"]), SPEED) and out.data["export/speed"].unit == "m/s"
    assert series(out.data["export/mode"]).tolist() == ["a", "b"] * 1000
    assert "export/hidden" not in out.data
    assert not out.data["export/speed"].is_indexed


def test_reruns_are_byte_identical(tmp_path: Path) -> None:
    cfg = config('[auto]\n[[metrics]]\nkind = "scalar"\nname = "m"\nchannel = "speed"\nreduce = "max"\n'
                 "fails_above = 9\nevents = true\n")
    a = run(cfg, logs(), tmp_path / "a").path.read_bytes()
    b = run(cfg, logs(), tmp_path / "b").path.read_bytes()
    assert a == b
