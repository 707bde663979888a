"""JSONL step logs: nested and flat rows, malformed rows, empty files, huge and non-finite values."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from source_helpers import DROP, KEEP, load, steps, times, values, write_lines, write_text

from metrics_build.channels import ChannelKind
from metrics_build.sources import SourceOptions, jsonl_steps


def test_nested_rows_become_channels_aligned_with_steps_and_times(tmp_path: Path) -> None:
    write_lines(tmp_path / "metrics.jsonl", [
        {"ts": 1700000000.0, "step": 0, "metrics": {"loss": 0.5, "lr": 1e-4}},
        {"ts": 1700000000.25, "step": 50, "metrics": {"loss": 0.42, "lr": 1e-4}},
        {"ts": 1700000000.5, "step": 100, "metrics": {"loss": 0.4}},
    ])
    loaded = load(tmp_path)
    assert list(loaded.channels) == ["loss", "lr"]
    loss, lr = loaded.channels["loss"], loaded.channels["lr"]
    assert values(loss) == [0.5, 0.42, 0.4] and steps(loss) == [0, 50, 100]
    assert times(loss) == [1_700_000_000_000_000_000, 1_700_000_000_250_000_000, 1_700_000_000_500_000_000]
    assert values(lr) == [1e-4, 1e-4] and steps(lr) == [0, 50]
    assert loss.kind is ChannelKind.NUMERIC and loss.source == "metrics.jsonl"
    report = loaded.reports[0]
    assert (report.format, report.rows_read, report.rows_skipped) == ("jsonl", 3, 0)


def test_flat_rows_use_every_non_meta_number(tmp_path: Path) -> None:
    write_lines(tmp_path / "metrics.jsonl", [
        {"step": 50, "epoch": 0, "train_mean_nll": 0.42, "time/step": 18.1, "timestamp": 1700000000},
        {"step": 51, "epoch": 0, "train_mean_nll": 0.41, "time/step": 18.3, "timestamp": 1700000001},
    ])
    loaded = load(tmp_path)
    assert sorted(loaded.channels) == ["time/step", "train_mean_nll"]
    assert values(loaded.channels["time/step"]) == [18.1, 18.3]
    assert times(loaded.channels["train_mean_nll"]) == [1_700_000_000_000_000_000, 1_700_000_001_000_000_000]


def test_malformed_rows_are_skipped_and_counted_never_abort(tmp_path: Path) -> None:
    write_lines(tmp_path / "metrics.jsonl", [
        {"step": 1, "loss": 1.0},
        '{"step": 2, "loss": 0.9',            # truncated
        "[1, 2, 3]",                          # not an object
        {"loss": 0.8},                        # no step
        {"step": "three", "loss": 0.8},       # step not a number
        {"step": 4, "note": None, "tags": {}},  # nothing usable
        "",                                   # blank lines are not rows
        "   ",
        {"step": 5.0, "loss": 0.7},           # integral float step is fine
        {"step": 6, "loss": 0.6},
    ])
    loaded = load(tmp_path)
    report = loaded.reports[0]
    assert report.rows_read == 8
    assert report.rows_skipped == 5
    assert dict(report.skip_reasons) == {"invalid JSON": 1, "not a JSON object": 1, "no step": 2,
                                         "no usable metric": 1}
    assert values(loaded.channels["loss"]) == [1.0, 0.7, 0.6]
    assert steps(loaded.channels["loss"]) == [1, 5, 6]


def test_empty_and_all_malformed_files_give_no_channels_but_a_report(tmp_path: Path) -> None:
    write_text(tmp_path / "metrics.jsonl", "")
    write_text(tmp_path / "sub" / "other.jsonl", "garbage\n{not json}\n")
    loaded = load(tmp_path)
    assert loaded.channels == {}
    by_path = {r.path: r for r in loaded.reports}
    assert (by_path["metrics.jsonl"].rows_read, by_path["metrics.jsonl"].rows_skipped) == (0, 0)
    assert dict(by_path["sub/other.jsonl"].skip_reasons) == {"invalid JSON": 2}


def test_huge_values_and_big_ints(tmp_path: Path) -> None:
    write_lines(tmp_path / "metrics.jsonl", [
        '{"step": 1, "a": 1e308, "b": 123456789012345678901234567890, "c": -1.7976931348623157e308}',
        '{"step": 2, "a": 1e400, "b": 1' + "0" * 400 + ', "c": 5}',
        '{"step": 99999999999999999999999, "a": 1}',   # step beyond int64
    ])
    dropped = load(tmp_path, DROP)
    assert values(dropped.channels["a"]) == [1e308]
    assert values(dropped.channels["b"]) == [float(123456789012345678901234567890)]
    assert values(dropped.channels["c"]) == [-1.7976931348623157e308, 5.0]
    assert dropped.reports[0].values_dropped["non-finite value"] == 2
    assert dropped.reports[0].skip_reasons["no step"] == 1
    kept = load(tmp_path, KEEP)
    assert values(kept.channels["a"]) == [1e308, math.inf]
    assert values(kept.channels["b"]) == [float(123456789012345678901234567890), math.inf]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nonfinite_tokens_under_both_policies(tmp_path: Path, token: str) -> None:
    write_lines(tmp_path / "metrics.jsonl", [
        '{"step": 1, "metrics": {"loss": 0.5}}',
        '{"step": 2, "metrics": {"loss": ' + token + "}}",
        '{"step": 3, "metrics": {"loss": "' + token.lower() + '"}}',   # the same, written as text
        '{"step": 4, "metrics": {"loss": 0.25}}',
    ])
    expected = float(token.replace("Infinity", "inf"))
    dropped = load(tmp_path, DROP).channels["loss"]
    assert values(dropped) == [0.5, 0.25] and steps(dropped) == [1, 4]
    kept = load(tmp_path, KEEP)
    np.testing.assert_array_equal(kept.channels["loss"].values, [0.5, expected, expected, 0.25])
    assert steps(kept.channels["loss"]) == [1, 2, 3, 4]
    assert kept.reports[0].values_dropped == {}
    assert load(tmp_path, DROP).reports[0].values_dropped == {"non-finite value": 2}


def test_text_values_become_state_channels_and_bools_numbers(tmp_path: Path) -> None:
    write_lines(tmp_path / "metrics.jsonl", [
        {"step": 1, "phase": "warmup", "done": False, "loss": 1.0},
        {"step": 2, "phase": "TRAIN", "done": True, "loss": "n/a"},
    ])
    loaded = load(tmp_path)
    phase = loaded.channels["phase"]
    assert phase.kind is ChannelKind.STATE and values(phase) == ["warmup", "TRAIN"]
    assert values(loaded.channels["done"]) == [0.0, 1.0]
    assert values(loaded.channels["loss"]) == [1.0]
    assert loaded.reports[0].values_dropped == {"type mismatch": 1}


def test_nested_objects_are_flattened(tmp_path: Path) -> None:
    write_lines(tmp_path / "metrics.jsonl", [
        {"step": 1, "metrics": {"train": {"loss": 1.0}, "eval": {"loss": 2.0}}, "sys": {"gpu": {"mem": 3}}},
    ])
    assert sorted(load(tmp_path).channels) == ["eval.loss", "sys.gpu.mem", "train.loss"]


def test_rows_with_and_without_timestamps_drop_the_time_axis(tmp_path: Path) -> None:
    write_lines(tmp_path / "metrics.jsonl", [{"step": 1, "ts": 10.0, "x": 1}, {"step": 2, "x": 2},
                                             {"step": 3, "ts": "2024-05-01T00:00:00Z", "y": 1}])
    loaded = load(tmp_path)
    assert times(loaded.channels["x"]) is None and steps(loaded.channels["x"]) == [1, 2]
    assert times(loaded.channels["y"]) == [1_714_521_600_000_000_000]


def _reference(rows: list[dict[str, object]]) -> dict[str, tuple[list[float], list[int]]]:
    expected: dict[str, tuple[list[float], list[int]]] = {}
    for row in rows:
        for name, value in row["metrics"].items():  # type: ignore[attr-defined]
            vals, stps = expected.setdefault(name, ([], []))
            vals.append(float(value))
            stps.append(row["step"])  # type: ignore[arg-type]
    return expected


row_strategy = st.fixed_dictionaries({
    "step": st.integers(0, 2**40),
    "ts": st.floats(0, 2e9, allow_nan=False),
    "metrics": st.dictionaries(st.sampled_from(["a", "b", "c"]),
                               st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                                         st.integers(-(2**60), 2**60)), min_size=1),
})


@settings(max_examples=25, deadline=None)
@given(st.lists(row_strategy, min_size=1, max_size=400))
def test_fast_and_row_paths_agree_with_a_plain_python_reference(rows: list[dict[str, object]]) -> None:
    # Same-shaped runs go through the columnar path, mixed ones through the row path: both must
    # give what a line-by-line reading gives.
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = write_lines(Path(tmp) / "metrics.jsonl", rows)
        data = jsonl_steps.read(path, "metrics.jsonl", SourceOptions())
    got = {c.name: (values(c), steps(c)) for c in data.channels}
    assert got == _reference(rows)


def test_large_uniform_log_uses_columns_and_matches_numpy(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    data = rng.standard_normal((5000, 3))
    lines = [json.dumps({"ts": 1700000000.0 + i * 0.1, "step": i,
                         "metrics": {"x": data[i, 0], "y": data[i, 1], "z": data[i, 2]}}) for i in range(5000)]
    lines[2500] = lines[2500].replace('"z": ', '"z": NaN, "w": ')  # one odd row in the middle
    write_lines(tmp_path / "metrics.jsonl", lines)
    channels = load(tmp_path).channels
    np.testing.assert_array_equal(channels["x"].values, data[:, 0])
    np.testing.assert_array_equal(channels["z"].values, np.delete(data[:, 2], 2500))
    np.testing.assert_array_equal(channels["w"].values, data[2500:2501, 2])
    np.testing.assert_array_equal(channels["x"].steps, np.arange(5000))
    expected_ns = np.round((1700000000.0 + np.arange(5000) * 0.1) * 1e6).astype(np.int64) * 1000
    np.testing.assert_array_equal(channels["y"].timestamps_ns, expected_ns)
    # Channels read from the same rows share one step array instead of holding copies.
    assert channels["x"].steps is channels["y"].steps


def test_byte_order_mark_and_crlf_line_ends(tmp_path: Path) -> None:
    (tmp_path / "metrics.jsonl").write_bytes(b'\xef\xbb\xbf{"step": 1, "x": 1}\r\n{"step": 2, "x": 2}\r\n')
    loaded = load(tmp_path)
    assert values(loaded.channels["x"]) == [1.0, 2.0] and loaded.reports[0].rows_skipped == 0


def _as_plain(data: object) -> object:
    channels = [(c.name, c.kind, values(c), steps(c), times(c), c.unit, c.source) for c in data.channels]  # type: ignore[attr-defined]
    report = data.report  # type: ignore[attr-defined]
    return channels, (report.rows_read, report.rows_skipped, dict(report.skip_reasons), dict(report.values_dropped))


def _both_ways(path: Path, options: SourceOptions = DROP) -> tuple[object, object]:
    sequential = jsonl_steps.read(path, "metrics.jsonl", options, parallel_min_bytes=2**62)
    halves = jsonl_steps.read(path, "metrics.jsonl", options, parallel_min_bytes=0)
    return _as_plain(sequential), _as_plain(halves)


def test_reading_in_two_processes_equals_one_pass(tmp_path: Path) -> None:
    lines: list[str | dict[str, object]] = []
    for i in range(3000):
        row: dict[str, object] = {"ts": 1700000000 + i, "step": i, "metrics": {"loss": 1.0 / (i + 1)}}
        if i % 7 == 0:
            row["metrics"]["acc"] = i / 3000  # type: ignore[index]
        if i > 2000:
            row["metrics"]["late"] = "word" if i % 2 else float("nan")  # type: ignore[index]
        lines.append(json.dumps(row))
        if i % 500 == 3:
            lines.append("{broken")
    path = write_lines(tmp_path / "metrics.jsonl", lines)
    for options in (DROP, KEEP):
        sequential, halves = _both_ways(path, options)
        assert halves == sequential
    halves_columns = jsonl_steps._read_halves(path, "metrics.jsonl")
    assert halves_columns is not None  # the two-process path really ran


def test_a_kind_conflict_across_the_halves_falls_back_to_one_pass(tmp_path: Path) -> None:
    rows = [{"step": i, "ts": float(i + 1), "x": ("word" if i >= 1000 else i)} for i in range(2000)]
    rows[1500]["x"] = 5
    path = write_lines(tmp_path / "metrics.jsonl", rows)
    assert jsonl_steps._read_halves(path, "metrics.jsonl") is None
    sequential, halves = _both_ways(path)
    assert halves == sequential
    assert sequential[1][3] == {"type mismatch": 999}  # type: ignore[index]


def test_logs_without_an_early_numeric_time_are_read_in_one_pass(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "metrics.jsonl",
                       [{"step": i, "ts": "2024-05-01T00:00:00Z", "x": i} for i in range(2000)])
    assert jsonl_steps._read_halves(path, "metrics.jsonl") is None
    sequential, halves = _both_ways(path)
    assert halves == sequential


def test_the_time_unit_is_fixed_by_the_first_row_with_a_step(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [{"ts": 5, "x": 1}]  # no step: skipped, so its time fixes nothing
    rows += [{"step": i, "ts": 1_700_000_000_000 + i, "x": i} for i in range(2000)]
    path = write_lines(tmp_path / "metrics.jsonl", rows)
    sequential, halves = _both_ways(path)
    assert halves == sequential
    assert sequential[0][0][4][0] == 1_700_000_000_000_000_000  # type: ignore[index]  # milliseconds


@pytest.mark.parametrize("text, cpus", [("max 100000\n", math.inf), ("150000 100000\n", 1.5),
                                        ("200000 100000\n", 2.0), ("garbage", math.inf), (None, math.inf)])
def test_cgroup_cpu_quota(tmp_path: Path, text: str | None, cpus: float) -> None:
    path = tmp_path / "cpu.max"
    if text is not None:
        path.write_text(text)
    assert jsonl_steps.cgroup_cpu_quota(path) == cpus
