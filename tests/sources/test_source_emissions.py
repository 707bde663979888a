"""ReSim emissions: topic.field channels at integer-ns timestamps, events, malformed lines."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from source_helpers import DROP, KEEP, load, times, values, write_lines, write_text

from metrics_build.channels import ChannelKind, LogEvent


def _emission(topic: str, ts: int | None, data: object, event: bool = False) -> dict[str, object]:
    meta: dict[str, object] = {"topic": topic}
    if ts is not None:
        meta["timestamp"] = ts
    if event:
        meta["event"] = True
    return {"$metadata": meta, "$data": data}


def test_topics_fields_and_events(tmp_path: Path) -> None:
    write_lines(tmp_path / "emissions.resim.jsonl", [
        _emission("ego", 1_000, {"speed": 1.5, "position": {"x": 1, "y": 2}, "tags": ["a"]}),
        _emission("controller", 1_000, {"state": "nominal"}),
        _emission("ego", 2_000, {"speed": 2.5, "position": {"x": 3, "y": 4}}),
        _emission("controller", 2_500, {"state": "DEGRADED"}),
        _emission("collision", 2_600, {"name": "bumped", "severity": 2}, event=True),
        _emission("stop", 2_700, {"severity": 1}, event=True),
    ])
    loaded = load(tmp_path)
    assert list(loaded.channels) == ["ego.speed", "ego.position.x", "ego.position.y", "ego.tags.0", "controller.state"]
    assert values(loaded.channels["ego.tags.0"]) == ["a"]  # lists by index
    assert values(loaded.channels["ego.speed"]) == [1.5, 2.5]
    assert times(loaded.channels["ego.speed"]) == [1_000, 2_000]
    assert loaded.channels["ego.speed"].steps is None
    state = loaded.channels["controller.state"]
    assert state.kind is ChannelKind.STATE and values(state) == ["nominal", "DEGRADED"]
    assert times(state) == [1_000, 2_500]
    assert loaded.events == [
        LogEvent(name="bumped", timestamp_ns=2_600, topic="collision", fields={"name": "bumped", "severity": 2},
                 source="emissions.resim.jsonl"),
        LogEvent(name="stop", timestamp_ns=2_700, topic="stop", fields={"severity": 1}, source="emissions.resim.jsonl"),
    ]
    assert loaded.reports[0].rows_read == 6 and loaded.reports[0].rows_skipped == 0


def test_malformed_lines_are_counted(tmp_path: Path) -> None:
    write_lines(tmp_path / "emissions.resim.jsonl", [
        _emission("ego", 1, {"speed": 1.0}),
        '{"$metadata": {"topic": "ego"',
        {"speed": 3.0},
        {"$metadata": {"timestamp": 5}, "$data": {"speed": 1.0}},
        _emission("ego", 6, [1, 2]),
        _emission("ego", "yesterday", {"speed": 1.0}),  # type: ignore[arg-type]
        _emission("ego", 8, {"nothing": None, "empty": {}}),
        _emission("ego", 9, {"speed": 2.0}),
    ])
    loaded = load(tmp_path)
    assert values(loaded.channels["ego.speed"]) == [1.0, 2.0]
    assert dict(loaded.reports[0].skip_reasons) == {
        "invalid JSON": 1, "no $metadata object": 1, "no topic": 1, "$data is not an object": 1,
        "invalid timestamp": 1, "no usable value": 1}


def test_empty_file(tmp_path: Path) -> None:
    write_text(tmp_path / "emissions.resim.jsonl", "\n\n")
    loaded = load(tmp_path)
    assert loaded.channels == {} and loaded.reports[0].rows_read == 0


def test_emissions_without_timestamps_have_no_time_axis(tmp_path: Path) -> None:
    write_lines(tmp_path / "emissions.resim.jsonl", [_emission("ego", None, {"speed": 1.0}),
                                                     _emission("ego", None, {"speed": 2.0})])
    speed = load(tmp_path).channels["ego.speed"]
    assert values(speed) == [1.0, 2.0] and speed.timestamps_ns is None


@pytest.mark.parametrize("token, expected", [("NaN", math.nan), ("Infinity", math.inf), ("-Infinity", -math.inf),
                                             ("1e999", math.inf)])
def test_nonfinite_and_huge_values(tmp_path: Path, token: str, expected: float) -> None:
    write_lines(tmp_path / "emissions.resim.jsonl", [
        '{"$metadata": {"topic": "ego", "timestamp": 1}, "$data": {"v": 1e308}}',
        '{"$metadata": {"topic": "ego", "timestamp": 2}, "$data": {"v": ' + token + "}}",
        '{"$metadata": {"topic": "ego", "timestamp": 9223372036854775807}, "$data": {"v": 3}}',
    ])
    dropped = load(tmp_path, DROP)
    assert values(dropped.channels["ego.v"]) == [1e308, 3.0]
    assert times(dropped.channels["ego.v"]) == [1, 9223372036854775807]
    assert dropped.reports[0].values_dropped == {"non-finite value": 1}
    kept = values(load(tmp_path, KEEP).channels["ego.v"])
    assert kept[0] == 1e308 and kept[2] == 3.0
    assert (math.isnan(kept[1]) and math.isnan(expected)) or kept[1] == expected
