"""Eval-runner output: results per job, episode records and the per-episode channels."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from source_helpers import DROP, KEEP, load, steps, values, write_lines, write_text

from metrics_build.channels import Episode


def test_results_and_episodes_in_separate_files(tmp_path: Path) -> None:
    write_text(tmp_path / "results.json", json.dumps({
        "pick": {"success_rate": 0.75, "mean_reward": 10.5, "episodes": 4, "policy": "ppo", "extra": {"k": 1}},
        "place": {"success_rate": 0.5},
    }))
    write_lines(tmp_path / "episodes.jsonl", [
        {"episode": 0, "env_index": 0, "start_step": 0, "end_step": 99, "success": True, "reward": 12.0},
        {"episode": 1, "env_index": 1, "start_step": 0, "length": 50, "success": False, "reward": 3.0},
        {"episode": 2, "env_index": 1, "end_step": 149, "length": 100, "success": 1, "reward": 15.0,
         "collisions": 2},
        {"episode": 3, "env_index": 0, "start_step": 100, "end_step": 120, "success": "false"},
    ])
    loaded = load(tmp_path)
    assert loaded.results == {"pick": {"success_rate": 0.75, "mean_reward": 10.5, "episodes": 4,
                                       "policy": "ppo", "extra.k": 1},
                              "place": {"success_rate": 0.5}}
    assert loaded.episodes == [
        Episode(0, 0, 0, 99, True, 12.0, 100, "episodes.jsonl"),
        Episode(1, 1, 0, 49, False, 3.0, 50, "episodes.jsonl"),
        Episode(2, 1, 50, 149, True, 15.0, 100, "episodes.jsonl"),
        Episode(3, 0, 100, 120, False, None, 21, "episodes.jsonl"),
    ]
    # Stepped by end step: 49 (ep 1), 99 (ep 0), 120 (ep 3), 149 (ep 2).
    assert steps(loaded.channels["episode.length"]) == [49, 99, 120, 149]
    assert values(loaded.channels["episode.length"]) == [50.0, 100.0, 21.0, 100.0]
    assert values(loaded.channels["episode.reward"]) == [3.0, 12.0, 15.0]
    assert steps(loaded.channels["episode.reward"]) == [49, 99, 149]
    assert values(loaded.channels["episode.success"]) == [0.0, 1.0, 0.0, 1.0]
    assert values(loaded.channels["episode.collisions"]) == [2.0]
    assert {r.path: r.format for r in loaded.reports} == {"episodes.jsonl": "eval", "results.json": "eval"}


def test_one_document_with_results_and_episodes(tmp_path: Path) -> None:
    write_text(tmp_path / "eval_results.json", json.dumps({
        "results": {"job": {"score": 1}},
        "episodes": [{"start": 0, "end": 9, "return": 1.5}, {"start": 10, "end": 5}, {"env": 2}],
    }))
    loaded = load(tmp_path)
    assert loaded.results == {"job": {"score": 1}}
    assert loaded.episodes == [Episode(0, 0, 0, 9, None, 1.5, 10, "eval_results.json")]
    assert dict(loaded.reports[0].skip_reasons) == {"end step before start step": 1, "no episode boundaries": 1}


def test_malformed_episode_lines_and_empty_files(tmp_path: Path) -> None:
    write_lines(tmp_path / "episodes.jsonl", ["{oops", "[1]", {"start_step": 0, "end_step": 3}])
    write_text(tmp_path / "results.json", "")
    loaded = load(tmp_path)
    assert len(loaded.episodes) == 1 and loaded.results == {}
    by_path = {r.path: r for r in loaded.reports}
    assert dict(by_path["episodes.jsonl"].skip_reasons) == {"invalid JSON": 1, "not a JSON object": 1}
    assert by_path["results.json"].rows_read == 0


def test_a_results_named_file_holding_samples_is_read_as_samples(tmp_path: Path) -> None:
    write_text(tmp_path / "results.json", json.dumps([{"step": 1, "v": 2.0}, {"step": 2, "v": 3.0}]))
    loaded = load(tmp_path)
    assert values(loaded.channels["v"]) == [2.0, 3.0]
    assert loaded.reports[0].format == "json"


@pytest.mark.parametrize("policy", ["drop", "keep"])
def test_nonfinite_and_huge_values(tmp_path: Path, policy: str) -> None:
    write_text(tmp_path / "eval_results.json",
               '{"results": {"job": {"a": NaN, "b": 1e308, "c": Infinity, "d": 1' + "0" * 400 + '}},'
               ' "episodes": [{"start": 0, "end": 1, "reward": NaN}, {"start": 2, "end": 3, "reward": 1e308}]}')
    loaded = load(tmp_path, DROP if policy == "drop" else KEEP)
    job = loaded.results["job"]
    reward = loaded.channels["episode.reward"]
    if policy == "drop":
        assert job == {"b": 1e308}
        assert loaded.episodes[0].reward is None
        assert values(reward) == [1e308] and steps(reward) == [3]
        assert loaded.reports[0].values_dropped == {"non-finite value": 4}
    else:
        assert math.isnan(job["a"]) and job["b"] == 1e308 and job["c"] == math.inf and job["d"] == math.inf
        assert loaded.episodes[0].reward is not None and math.isnan(loaded.episodes[0].reward)
        assert math.isnan(values(reward)[0]) and values(reward)[1] == 1e308


def test_results_shaped_json_under_another_name_is_read_as_results(tmp_path: Path) -> None:
    write_text(tmp_path / "metrics.json", json.dumps({"job_a": {"score": 0.5, "label": "ok"}, "job_b": {"score": 1}}))
    loaded = load(tmp_path)
    assert loaded.results == {"job_a": {"score": 0.5, "label": "ok"}, "job_b": {"score": 1}}
    assert loaded.reports[0].format == "eval" and loaded.reports[0].rows_read == 2
