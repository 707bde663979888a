"""Events: threshold crossings, state entries, episodes and logged events, with their timestamps and links."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tm_helpers import T0_NS, config, loaded, numeric, run, states

from metrics_build.channels import Episode, LogEvent
from metrics_build.model import Status
from metrics_build.test_mode.events import runs

RNG = np.random.default_rng(11)
SIGNAL = np.sin(np.linspace(0, 20, 1000)) * 10 + RNG.normal(0, 0.5, 1000)


def reference_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Runs of True as (start, stop) pairs, by a plain loop (the reference for the vectorised version)."""
    out, start = [], None
    for i, flag in enumerate([*mask.tolist(), False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            out.append((start, i))
            start = None
    return out


def test_runs_match_a_plain_loop() -> None:
    for seed in range(20):
        mask = np.random.default_rng(seed).random(200) > 0.6
        starts, stops = runs(mask)
        assert list(zip(starts.tolist(), stops.tolist(), strict=True)) == reference_runs(mask)


def test_threshold_crossings_become_events_with_peaks(tmp_path: Path) -> None:
    cfg = config('[[metrics]]\nkind = "scalar"\nname = "max signal"\nchannel = "signal"\nreduce = "max"\n'
                 'fails_above = 8.0\nseverity = "warn"\nimportance = "high"\nevents = true\n')
    out = run(cfg, loaded(numeric("signal", SIGNAL, dt_s=0.01, unit="V")), tmp_path)
    expected = reference_runs(SIGNAL > 8.0)
    assert len(out.msg.events) == len(expected) > 3
    metric_id = out.metrics["max signal"].metric_id.id.data
    for k, (a, b) in enumerate(expected, start=1):
        event = out.events[f"max signal #{k}"]
        assert event.timestamp_type == 1  # ABSOLUTE
        assert event.timestamp.seconds * 10**9 + event.timestamp.nanos == T0_NS + a * 10_000_000
        assert event.status == Status.FAIL_WARN and event.importance == 4
        linked = [out.metric_by_id(mid) for mid in event.metrics]
        peak = next(mt for mt in linked if mt.name == f"max signal #{k}: peak")
        assert peak.event_metric and peak.metric_values.scalar_metric_values.value == SIGNAL[a:b].max()
        assert peak.metric_values.scalar_metric_values.unit == "V"
        assert peak.status == Status.FAIL_WARN  # shares the failing metric's status
        assert metric_id in [mid.id.data for mid in event.metrics]


def test_band_crossings_take_the_worst_side(tmp_path: Path) -> None:
    cfg = config('[[events]]\nkind = "threshold"\nname = "out of band"\nchannel = "signal"\n'
                 "fails_above = 5.0\nfails_below = -5.0\nmax_events = 3\n")
    out = run(cfg, loaded(numeric("signal", SIGNAL)), tmp_path)
    mask = (SIGNAL > 5.0) | (SIGNAL < -5.0)
    expected = reference_runs(mask)[:3]
    assert sorted(out.events) == ["out of band #1", "out of band #2", "out of band #3"]
    for k, (a, b) in enumerate(expected, start=1):
        part = SIGNAL[a:b]
        worst = part[np.argmax(np.maximum(part - 5.0, -5.0 - part))]
        peak = out.metrics[f"out of band #{k}: peak"]
        assert peak.metric_values.scalar_metric_values.value == worst
        assert out.events[f"out of band #{k}"].status == Status.FAIL_BLOCK
        assert peak.status == Status.RAW
    assert int(out.msg.metrics_status) == Status.PASSED  # events alone never fail a test


def test_events_link_declared_metrics(tmp_path: Path) -> None:
    cfg = config('[[metrics]]\nkind = "scalar"\nname = "lowest"\nchannel = "signal"\nreduce = "min"\n'
                 '[[events]]\nkind = "threshold"\nname = "dip"\nchannel = "signal"\nfails_below = -9.5\n'
                 'metrics = ["lowest"]\ndescription = "signal dipped"\ntags = ["power"]\n')
    out = run(cfg, loaded(numeric("signal", SIGNAL)), tmp_path)
    lowest = out.metrics["lowest"].metric_id.id.data
    assert out.msg.events
    for event in out.msg.events:
        assert lowest in [mid.id.data for mid in event.metrics]
        assert event.description == "signal dipped" and list(event.tags) == ["power"]


def test_state_events(tmp_path: Path) -> None:
    words = ["ok"] * 5 + ["FAULT"] * 3 + ["ok"] * 4 + ["fault"] * 2 + ["ok"]
    cfg = config('[[metrics]]\nkind = "states_over_time"\nname = "mode"\nchannel = "mode"\ncase = "lower"\n'
                 'failure_states = ["fault"]\nevents = true\n'
                 '[[events]]\nkind = "state"\nname = "fault entered"\nchannel = "mode"\nstates = ["fault"]\n'
                 'case = "lower"\nseverity = "warn"\n')
    out = run(cfg, loaded(states("mode", words, dt_s=1.0)), tmp_path)
    for name in ("mode", "fault entered"):
        first, second = out.events[f"{name} #1"], out.events[f"{name} #2"]
        assert first.timestamp.seconds * 10**9 + first.timestamp.nanos == T0_NS + 5 * 10**9
        assert second.timestamp.seconds * 10**9 + second.timestamp.nanos == T0_NS + 12 * 10**9
    assert out.events["fault entered #1"].status == Status.FAIL_WARN
    assert out.events["mode #1"].status == Status.FAIL_BLOCK
    assert out.status("mode") == Status.FAIL_BLOCK


def test_episode_events_are_relative_by_step(tmp_path: Path) -> None:
    eps = [Episode(0, 0, 0, 99, True, 10.0, 100), Episode(1, 0, 100, 149, False, -2.0, 50),
           Episode(2, 0, 150, 199, None, None, 50)]
    cfg = config('[[events]]\nkind = "episodes"\nseverity = "warn"\n')
    out = run(cfg, loaded(numeric("r", np.arange(200.0), dt_s=None), episodes=eps), tmp_path)
    assert sorted(out.events) == ["episode 0", "episode 1", "episode 2"]
    assert [out.events[f"episode {i}"].status for i in range(3)] == [Status.PASSED, Status.FAIL_WARN,
                                                                     Status.NOT_APPLICABLE]
    assert all(e.timestamp_type == 2 for e in out.msg.events)  # RELATIVE: steps as seconds
    assert [out.events[f"episode {i}"].timestamp.seconds for i in range(3)] == [99, 149, 199]
    reward = out.metrics["episode 1: reward"]
    assert reward.event_metric and reward.metric_values.scalar_metric_values.value == -2.0
    assert reward.status == Status.RAW and int(out.msg.metrics_status) == Status.PASSED
    assert out.metrics["episode 0: length"].metric_values.scalar_metric_values.value == 100.0


def test_mixed_time_axes_make_every_event_relative(tmp_path: Path) -> None:
    timed = numeric("signal", SIGNAL, dt_s=0.01)
    eps = [Episode(0, 0, 0, 30, True, 1.0, 31)]
    cfg = config('[[events]]\nkind = "threshold"\nname = "high"\nchannel = "signal"\nfails_above = 8.0\n'
                 '[[events]]\nkind = "episodes"\n')
    out = run(cfg, loaded(timed, episodes=eps), tmp_path)
    assert {e.timestamp_type for e in out.msg.events} == {2}
    first = reference_runs(SIGNAL > 8.0)[0][0]
    high = out.events["high #1"]
    assert high.timestamp.seconds * 10**9 + high.timestamp.nanos == first * 10_000_000
    assert out.events["episode 0"].timestamp.seconds == 30


def test_logged_events(tmp_path: Path) -> None:
    logged = [LogEvent("hard brake", T0_NS + 5 * 10**9, None, "ego", {"deceleration": 7.5, "status": "FAIL_WARN"}),
              LogEvent("hard brake", T0_NS + 9 * 10**9, None, "ego", {"deceleration": 3.0}),
              LogEvent("lap", T0_NS + 10**9, None, "race", {"lap": 1, "note": "clean"})]
    out = run(config(""), loaded(numeric("x", [1.0, 2.0]), events=logged), tmp_path)
    assert sorted(out.events) == ["hard brake #1", "hard brake #2", "lap #1"]
    first = out.events["hard brake #1"]
    assert first.status == Status.FAIL_WARN and list(first.tags) == ["ego"]
    assert first.timestamp.seconds == (T0_NS + 5 * 10**9) // 10**9
    assert out.metrics["hard brake #1: deceleration"].metric_values.scalar_metric_values.value == 7.5
    assert out.metrics["hard brake #1: deceleration"].status == Status.RAW
    assert int(out.msg.metrics_status) == Status.PASSED
    assert out.events["hard brake #2"].status == Status.PASSED
    assert "note=clean" in out.events["lap #1"].description
    noisy = [LogEvent("dump", T0_NS, None, "x", {"blob": "y" * 5000})]
    long = run(config(""), loaded(numeric("x", [1.0]), events=noisy), tmp_path / "long")
    assert len(long.events["dump #1"].description) < 600
    off = run(config("[output]\nlog_events = false\n"), loaded(numeric("x", [1.0]), events=logged), tmp_path / "off")
    assert len(off.msg.events) == 0


def test_max_events_caps_crossings(tmp_path: Path) -> None:
    cfg = config('[[events]]\nkind = "threshold"\nname = "tick"\nchannel = "s"\nfails_above = 0.5\nmax_events = 2\n')
    out = run(cfg, loaded(numeric("s", [0, 1, 0, 1, 0, 1, 0, 1])), tmp_path)
    assert sorted(out.events) == ["tick #1", "tick #2"]
