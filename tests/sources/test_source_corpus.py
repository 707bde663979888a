"""Real users' logs (copies under tests/data/corpus): channels read, numbers right, test mode valid for ReSim.

Each case is run through the command line as the platform runs it; the output must pass ReSim's own
validator, and the numbers must equal the corpus `expected.json` (computed independently with NumPy).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from oracle import assert_resim_accepts

from metrics_build.channels import ChannelKind
from metrics_build.cli import main
from metrics_build.sources import SourceOptions, load_logs

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
CASES = sorted(p.parent for p in CORPUS.glob("*/*/logs"))
# The only case that holds nothing we may read: every channel uses a made-up message encoding.
EMPTY_BY_DESIGN = {"rosbag2_tests_resources_mcap_wrong_rmw_test_wrong_rmw_test_0"}


def _id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


def _metrics(path: Path) -> dict[str, Any]:
    msg = assert_resim_accepts(path)
    return {m.name: m for m in msg.job_level_metrics.metrics}


def test_the_corpus_copy_is_there() -> None:
    groups = {case.parent.name for case in CASES}
    assert groups == {"protobuf-mcap", "ros2-mcap", "resim-getting-started", "resim-samples", "step-and-eval-logs"}
    assert len(CASES) == 39
    assert (CORPUS / "README.md").is_file() and all((case / "README").is_file() for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_test_mode_reads_every_case(case: Path, tmp_path: Path) -> None:
    assert main(["-q", "run", "--inputs", str(case), "--outputs", str(tmp_path)]) == 0
    metrics = _metrics(tmp_path / "metrics.binproto")
    loaded = load_logs(case / "logs", SourceOptions())
    if case.name in EMPTY_BY_DESIGN:
        assert loaded.channels == {}
        assert dict(loaded.reports[0].skip_reasons) == {"unsupported message encoding wrong_format": 7}
        return
    # Nothing silently empty: channels, or results for a results document.
    assert loaded.channels or loaded.results
    expected_path = case / "expected.json"
    if not expected_path.is_file():
        return
    expected = json.loads(expected_path.read_text())
    for name, stats in expected.items():
        channel = loaded.channels[name]
        assert channel.kind is ChannelKind.NUMERIC
        assert len(channel) == stats["n"], name
        for reduction in ("min", "max", "mean"):
            ours = float(getattr(np, reduction)(channel.values))
            assert ours == pytest.approx(stats[reduction], rel=1e-12, abs=1e-12), (name, reduction)
            written = metrics[f"{name} {reduction}"].metric_values.scalar_metric_values.value
            assert written == pytest.approx(stats[reduction], rel=1e-12, abs=1e-12), (name, reduction)


def _lm_eval_reference(document: dict[str, Any]) -> dict[str, float]:
    # Written out by hand from the harness's format: task -> "metric,filter" -> value.
    expected = {}
    for task, values in document["results"].items():
        for key, value in values.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                expected[f"{task}.{key.removesuffix(',none')}"] = float(value)
    return expected


@pytest.mark.parametrize("case", [c for c in CASES if c.name.startswith("lmeval-")], ids=_id)
def test_lm_evaluation_harness_results_whatever_the_file_name(case: Path, tmp_path: Path) -> None:
    (path,) = (case / "logs").iterdir()
    assert path.name.startswith("results_") or path.name.endswith("-res.json")
    expected = _lm_eval_reference(json.loads(path.read_text()))
    assert expected
    assert main(["-q", "run", "--inputs", str(case), "--outputs", str(tmp_path)]) == 0
    metrics = _metrics(tmp_path / "metrics.binproto")
    written = {name: m.metric_values.scalar_metric_values.value for name, m in metrics.items()
               if name != "input report"}
    assert written == pytest.approx(expected, rel=0, abs=0)
    assert not [name for name in written if ",none" in name]


def test_stderr_companions_and_text_at_the_top_level(tmp_path: Path) -> None:
    case = CORPUS / "step-and-eval-logs" / "lmeval-original-2025-12-17T20-28-43-535870"
    loaded = load_logs(case / "logs", SourceOptions())
    job = loaded.results["nl2foam_perplexity_original"]
    # "N/A" standard errors stay text (no scalar); git_hash, date and the config are not results.
    assert job["word_perplexity"] == pytest.approx(2.606616650368937)
    assert job["word_perplexity_stderr"] == "N/A" and job["alias"] == "nl2foam_perplexity_original"
    assert list(loaded.results) == ["nl2foam_perplexity_original"]
    testdata = load_logs(CORPUS / "step-and-eval-logs" / "lmeval-testdata-arc_challenge-v2.0" / "logs", SourceOptions())
    assert testdata.results == {"arc_challenge": {
        "acc": 0.26621160409556316, "acc_norm": 0.28242320819112626,
        "acc_norm_stderr": 0.01315545688409722, "acc_stderr": 0.01291577478152323}}


def test_isaaclab_arena_flat_metrics_under_the_file_name(tmp_path: Path) -> None:
    case = CORPUS / "step-and-eval-logs" / "isaaclab-arena-robogate"
    document = json.loads((case / "logs" / "baseline_results.json").read_text())
    loaded = load_logs(case / "logs", SourceOptions())
    assert loaded.results == {"baseline_results": document["metrics"]}
    assert main(["-q", "run", "--inputs", str(case), "--outputs", str(tmp_path)]) == 0
    metrics = _metrics(tmp_path / "metrics.binproto")
    for key, value in document["metrics"].items():
        assert metrics[f"baseline_results.{key}"].metric_values.scalar_metric_values.value == value


def test_nested_units_of_resim_getting_started_are_kept() -> None:
    case = CORPUS / "resim-getting-started" / "maiden_drone_flight"
    channels = load_logs(case / "logs", SourceOptions()).channels
    assert {name: ch.unit for name, ch in channels.items()} == {
        "speed": "m/s", "state": "", "status": "", "position.x": "m", "position.y": "m", "position.z": "m"}
    assert channels["position.z"].timestamps_ns is not None


def test_values_in_lists_become_channels_by_index() -> None:
    # ReSim's sandbox hello_world: {"iteration": 0, "partial_sums": [..3 numbers..], "time": 0}.
    case = CORPUS / "resim-samples" / "hello_world"
    records = json.loads((case / "logs" / "log.json").read_text())
    channels = load_logs(case / "logs", SourceOptions()).channels
    assert sorted(channels) == ["partial_sums.0", "partial_sums.1", "partial_sums.2"]
    for i in range(3):
        assert channels[f"partial_sums.{i}"].values.tolist() == [r["partial_sums"][i] for r in records]
    assert channels["partial_sums.0"].steps.tolist() == [0, 1]  # type: ignore[union-attr]


def test_csv_cells_holding_json_are_documents_not_states() -> None:
    case = CORPUS / "resim-samples" / "perception"
    loaded = load_logs(case / "logs", SourceOptions())
    channels = loaded.channels
    assert "gt_bbox" not in channels and "model_bbox" not in channels
    with (case / "logs" / "detections.csv").open() as stream:
        import csv

        rows = list(csv.DictReader(stream))
    first_scores = [json.loads(row["model_bbox"])[0]["score"] for row in rows if json.loads(row["model_bbox"])]
    assert channels["model_bbox.0.score"].values.tolist() == first_scores
    assert channels["gt_bbox.0.class"].kind is ChannelKind.STATE
    assert channels["gt_bbox.0.bbox.3"].kind is ChannelKind.NUMERIC
    # Detections past the list cap are counted, not silently lost.
    assert loaded.reports[0].values_dropped["list items beyond 16"] > 0


def test_a_log_without_steps_is_stepped_by_row_position() -> None:
    case = CORPUS / "step-and-eval-logs" / "nemo-streaming-excerpt"
    lines = [json.loads(line) for line in (case / "logs" / "metrics.jsonl").read_text().splitlines()]
    channels = load_logs(case / "logs", SourceOptions()).channels
    assert channels["model_loading_time"].values.tolist() == [lines[0]["model_loading_time"]]
    computation = channels["computation_time"]
    assert computation.values.tolist() == [row["computation_time"] for row in lines[2:]]
    assert computation.steps.tolist() == [2, 3, 4, 5]  # type: ignore[union-attr]
    assert math.isclose(channels["total_audio_processed"].values[-1], 19.2)
