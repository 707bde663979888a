"""JSON sample documents: record lists, metadata units, ISO-8601 times, state words, bad records."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from source_helpers import DROP, KEEP, load, steps, times, values, write_text

from metrics_build.channels import ChannelKind
from metrics_build.sources import SourceOptions


def _write(path: Path, document: object) -> None:
    write_text(path, json.dumps(document))


def test_object_with_samples_and_metadata_units(tmp_path: Path) -> None:
    _write(tmp_path / "drive.json", {
        "metadata": {"units": {"speed": "m/s", "position.x": "m"}, "acceleration": {"unit": "m/s^2"}},
        "samples": [
            {"timestamp": "2024-05-01T12:00:00Z", "speed": 1.0, "acceleration": 0.5,
             "position": {"x": 0.0, "y": 1.0}, "state": "nominal"},
            {"timestamp": "2024-05-01T12:00:00.123456789+02:00", "speed": 2.0, "acceleration": 0.25,
             "position": {"x": 1.0, "y": 1.5}, "state": "DEGRADED"},
            {"timestamp": "2024-05-01 12:00:01", "speed": 3.0, "state": "Fault"},
        ],
    })
    loaded = load(tmp_path)
    speed = loaded.channels["speed"]
    base = 1_714_564_800_000_000_000
    assert times(speed) == [base, base - 7_200_000_000_000 + 123_456_789, base + 1_000_000_000]
    assert speed.steps is None and speed.unit == "m/s"
    assert loaded.channels["position.x"].unit == "m" and loaded.channels["acceleration"].unit == "m/s^2"
    assert loaded.channels["position.y"].unit == ""
    state = loaded.channels["state"]
    assert state.kind is ChannelKind.STATE and values(state) == ["nominal", "DEGRADED", "Fault"]
    assert "timestamp" not in loaded.channels


def test_plain_list_with_numeric_times_and_steps(tmp_path: Path) -> None:
    _write(tmp_path / "samples.json", [
        {"t_ms": 1000, "frame": 1, "v": 1},
        {"t_ms": 1500, "frame": 2, "v": 2},
    ])
    v = load(tmp_path).channels["v"]
    assert times(v) == [1_000_000_000, 1_500_000_000] and steps(v) == [1, 2]


def test_without_axis_fields_the_position_is_the_step(tmp_path: Path) -> None:
    _write(tmp_path / "samples.json", {"records": [{"v": 5}, {"v": 6}, "junk", {"v": 7}]})
    loaded = load(tmp_path)
    assert steps(loaded.channels["v"]) == [0, 1, 3]
    assert dict(loaded.reports[0].skip_reasons) == {"not a JSON object": 1}


def test_configured_axis_columns(tmp_path: Path) -> None:
    _write(tmp_path / "samples.json", [{"when": 10.0, "tick_no": 3, "v": 1}, {"when": 11.0, "tick_no": 4, "v": 2}])
    loaded = load(tmp_path, SourceOptions(time_column="when", step_column="tick_no"))
    assert times(loaded.channels["v"]) == [10_000_000_000, 11_000_000_000]
    assert steps(loaded.channels["v"]) == [3, 4]
    assert sorted(loaded.channels) == ["v"]


def test_bad_records_are_skipped_and_counted(tmp_path: Path) -> None:
    _write(tmp_path / "samples.json", [
        {"timestamp": 1.0, "v": 1}, {"timestamp": "soon", "v": 2}, {"v": 3}, {"timestamp": 4.0, "v": None},
        {"timestamp": 5.0, "v": 5},
    ])
    loaded = load(tmp_path)
    assert values(loaded.channels["v"]) == [1.0, 5.0]
    assert loaded.reports[0].rows_read == 5
    assert dict(loaded.reports[0].skip_reasons) == {"no timestamp": 2, "no usable value": 1}


@pytest.mark.parametrize("text, reason", [
    ("{not json", "invalid JSON document"),
    ('{"config": {"a": 1}}', "no list of records"),
    ('"just text"', "no list of records"),
])
def test_documents_without_records(tmp_path: Path, text: str, reason: str) -> None:
    write_text(tmp_path / "doc.json", text)
    loaded = load(tmp_path)
    assert loaded.channels == {}
    assert dict(loaded.reports[0].skip_reasons) == {reason: 1}


def test_empty_file(tmp_path: Path) -> None:
    write_text(tmp_path / "doc.json", "")
    loaded = load(tmp_path)
    assert loaded.channels == {} and loaded.reports[0].rows_read == 0


def test_huge_and_nonfinite_values(tmp_path: Path) -> None:
    write_text(tmp_path / "doc.json",
               '[{"step": 1, "v": 1e308, "w": NaN}, {"step": 2, "v": 1' + "0" * 320 + ', "w": -Infinity},'
               ' {"step": 3, "v": 2, "w": 1}]')
    dropped = load(tmp_path, DROP)
    assert values(dropped.channels["v"]) == [1e308, 2.0] and steps(dropped.channels["v"]) == [1, 3]
    assert values(dropped.channels["w"]) == [1.0]
    assert dropped.reports[0].values_dropped == {"non-finite value": 3}
    kept = load(tmp_path, KEEP)
    assert values(kept.channels["v"]) == [1e308, math.inf, 2.0]
    w = values(kept.channels["w"])
    assert math.isnan(w[0]) and w[1:] == [-math.inf, 1.0]
