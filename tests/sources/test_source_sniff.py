"""One content-sniffing step in discovery: extension first, then the first bytes decide the format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from source_helpers import load, steps, times, values, write_lines, write_text

from metrics_build.sources import SourceOptions, discover
from metrics_build.sources._sniff import HEAD_BYTES, first_row, json_head
from metrics_build.sources.discover import matches


def _formats(logs: Path, options: SourceOptions | None = None) -> dict[str, str]:
    return {path.relative_to(logs).as_posix(): fmt for fmt, path in discover(logs, options or SourceOptions())}


def test_results_documents_are_eval_output_whatever_their_name(tmp_path: Path) -> None:
    write_text(tmp_path / "results_2025-12-17T21-42-56.466948.json",
               json.dumps({"results": {"arc": {"acc,none": 0.5}}, "git_hash": "02bb9278", "date": 1766003122.6}))
    write_text(tmp_path / "arc-v2.0-res.json", json.dumps({"results": {"arc": {"acc": 0.25}}, "versions": {"arc": 2}}))
    write_text(tmp_path / "baseline.json", json.dumps({"metadata": {"x": "y"}, "metrics": {"grasp": 1.0}}))
    write_text(tmp_path / "rollouts.json", json.dumps({"episodes": [{"start": 0, "end": 9}]}))
    write_text(tmp_path / "list.json", json.dumps([{"start_step": 0, "end_step": 9}]))
    write_text(tmp_path / "eval_scores.json", json.dumps({"job": {"m": 1}}))  # job -> metrics, named like results
    write_text(tmp_path / "config.json", json.dumps({"section": {"m": 1}}))   # the same shape, not results
    write_text(tmp_path / "drive.json", json.dumps({"metadata": {"units": {}}, "samples": [{"t": 0, "x": 1}]}))
    assert _formats(tmp_path) == {
        "drive.json": "json", "config.json": "json",
        "arc-v2.0-res.json": "eval", "baseline.json": "eval", "eval_scores.json": "eval", "list.json": "eval",
        "results_2025-12-17T21-42-56.466948.json": "eval", "rollouts.json": "eval"}
    loaded = load(tmp_path)
    assert loaded.results["arc"] == {"acc": 0.25}
    # The second file's job is renamed as channels are; the ",none" filter suffix is dropped.
    assert loaded.results["results_2025-12-17T21-42-56.arc"] == {"acc": 0.5}
    assert loaded.results["baseline"] == {"grasp": 1.0}    # flat metrics: a job named after the file


def test_jsonl_rows_with_metadata_are_emissions_whatever_their_name(tmp_path: Path) -> None:
    write_lines(tmp_path / "sim_output.jsonl", [{"$metadata": {"topic": "ego", "timestamp": 5}, "$data": {"v": 1}}])
    write_lines(tmp_path / "train.jsonl", [{"step": 1, "loss": 1}])
    write_lines(tmp_path / "run.episodes.jsonl", [{"start": 0, "end": 3}])
    assert _formats(tmp_path) == {"sim_output.jsonl": "emissions", "train.jsonl": "jsonl",
                                  "run.episodes.jsonl": "eval"}
    assert values(load(tmp_path).channels["ego.v"]) == [1.0]


def test_explicit_patterns_claim_first_and_a_sniffed_format_turned_off_falls_back(tmp_path: Path) -> None:
    write_text(tmp_path / "results.json", json.dumps({"results": {"job": {"m": 1}}}))
    write_lines(tmp_path / "sim.jsonl", [{"$metadata": {"topic": "ego"}, "$data": {"v": 1}}])
    write_text(tmp_path / "data" / "table.txt", "step,speed\n1,2\n")
    options = SourceOptions(patterns={"eval": [], "emissions": [], "csv": ["data/*.txt"]})
    assert _formats(tmp_path, options) == {"results.json": "json", "sim.jsonl": "jsonl", "data/table.txt": "csv"}


def test_hidden_files_only_by_explicit_patterns(tmp_path: Path) -> None:
    write_lines(tmp_path / ".cache" / "metrics.jsonl", [{"step": 1, "x": 1}])
    write_lines(tmp_path / "metrics.jsonl", [{"step": 1, "x": 1}])
    assert _formats(tmp_path) == {"metrics.jsonl": "jsonl"}
    assert _formats(tmp_path, SourceOptions(patterns={"jsonl": ["**/*.jsonl"]})) == {
        "metrics.jsonl": "jsonl", ".cache/metrics.jsonl": "jsonl"}


@pytest.mark.parametrize("parts, pattern, expected", [
    (("a.jsonl",), "**/*.jsonl", True), (("x", "y", "a.jsonl"), "**/*.jsonl", True),
    (("x", "a.jsonl"), "*.jsonl", False), (("data", "t.txt"), "data/*.txt", True),
    (("data", "deep", "t.txt"), "data/**/t.txt", True), (("data", "t.txt"), "data/**/t.txt", True),
    (("a.JSONL",), "*.jsonl", False), (("x", "a.json"), "x/**", True), (("a.json",), "./a.json", True),
])
def test_glob_matching(parts: tuple[str, ...], pattern: str, expected: bool) -> None:
    assert matches(parts, pattern) is expected


def test_json_head_of_whole_and_cut_documents() -> None:
    whole = json_head(b'\xef\xbb\xbf {"results": {"a": {"x": 1}}, "git_hash": "ab\\"c", "n": [1, {"k": 2}]}')
    assert (whole.kind, whole.keys, whole.complete) == ("{", {"results": "{", "git_hash": '"', "n": "["}, True)
    cut = json_head(b'{"metadata": {"deep": [1, 2, {"x": "}]"}]}, "metrics": {"a": 1}, "tail": "unfinish')
    assert (cut.keys, cut.complete) == ({"metadata": "{", "metrics": "{"}, False)
    items = json_head(b'[{"start": 0, "end": 3, "x": {"y": 1}}, {"other": 1}]')
    assert (items.kind, items.item_keys) == ("[", {"start": "0", "end": "3", "x": "{"})
    assert json_head(b"").kind == "" and json_head(b"42").kind == "?"


def test_first_row_of_a_cut_head() -> None:
    assert first_row(b'{"a": 1}\n{"b": 2', whole=False) == {"a": 1}
    assert first_row(b'{"a": 1}', whole=False) is None and first_row(b'{"a": 1}', whole=True) == {"a": 1}
    assert first_row(b'\xef\xbb\xbf\n\n', whole=True) is None


def test_a_results_key_beyond_the_head_leaves_a_sample_document(tmp_path: Path) -> None:
    padding = "x" * HEAD_BYTES
    write_text(tmp_path / "run.json", json.dumps({"samples": [{"t": 0, "v": padding}], "metrics": {"a": 1}}))
    assert _formats(tmp_path) == {"run.json": "json"}


# --- one vocabulary of step and time keys ----------------------------------------------------------

@pytest.mark.parametrize("key", ["frame", "Step", "tick", "iteration", "global_step"])
def test_the_step_vocabulary_is_the_same_in_every_format(tmp_path: Path, key: str) -> None:
    write_lines(tmp_path / "a.jsonl", [{key: 3, "x": 1}, {key: 4, "x": 2}])
    write_text(tmp_path / "b.csv", f"{key},y\n3,1\n4,2\n")
    write_text(tmp_path / "c.json", json.dumps([{key: 3, "z": 1}, {key: 4, "z": 2}]))
    channels = load(tmp_path).channels
    assert sorted(channels) == ["x", "y", "z"]
    assert steps(channels["x"]) == steps(channels["y"]) == steps(channels["z"]) == [3, 4]


@pytest.mark.parametrize("key, value, expected_ns", [
    ("time_ms", 1_700_000_000_000, 1_700_000_000_000_000_000), ("t", 1.5, 1_500_000_000),
    ("date", "2024-05-01", 1_714_521_600_000_000_000), ("timestamp_ns", 7, 7),
])
def test_the_time_vocabulary_is_the_same_in_every_format(tmp_path: Path, key: str, value: object,
                                                          expected_ns: int) -> None:
    write_lines(tmp_path / "a.jsonl", [{"step": 1, key: value, "x": 1}])
    write_text(tmp_path / "b.csv", f"step,{key},y\n1,{value},1\n")
    write_text(tmp_path / "c.json", json.dumps([{"step": 1, key: value, "z": 1}]))
    channels = load(tmp_path).channels
    assert sorted(channels) == ["x", "y", "z"]
    assert times(channels["x"]) == times(channels["y"]) == times(channels["z"]) == [expected_ns]


def test_a_jsonl_log_with_steps_after_a_header_row_keeps_its_steps(tmp_path: Path) -> None:
    write_lines(tmp_path / "metrics.jsonl", [{"run": "a"}, {"step": 10, "x": 1}, {"step": 20, "x": 2}])
    loaded = load(tmp_path)
    assert steps(loaded.channels["x"]) == [10, 20] and dict(loaded.reports[0].skip_reasons) == {"no step": 1}


def test_a_jsonl_log_without_any_step_is_stepped_by_row(tmp_path: Path) -> None:
    write_lines(tmp_path / "metrics.jsonl", [{"x": 1}, "garbage", {"x": 2, "ts": 1_700_000_000}, {"x": 3}])
    loaded = load(tmp_path)
    assert steps(loaded.channels["x"]) == [0, 2, 3] and times(loaded.channels["x"]) is None
    assert dict(loaded.reports[0].skip_reasons) == {"invalid JSON": 1}
