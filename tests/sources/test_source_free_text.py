"""Free text is not a state machine: a state channel with too many distinct values gets a table of counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from oracle import assert_resim_accepts, resim_pb
from source_helpers import write_lines, write_text

from metrics_build.cli import main
from metrics_build.config import AutoSection
from metrics_build.test_mode.auto import TOP_VALUES

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
TEXT = resim_pb.MetricType.Value("TEXT_METRIC_TYPE")
STATES = resim_pb.MetricType.Value("STATES_OVER_TIME_METRIC_TYPE")


def _metrics(inputs: Path, outputs: Path, *extra: str) -> dict[str, object]:
    assert main(["-q", "run", "--inputs", str(inputs), "--outputs", str(outputs), *extra]) == 0
    msg = assert_resim_accepts(outputs / "metrics.binproto")
    return {m.name: m for m in msg.job_level_metrics.metrics}


def _table(text: str) -> dict[str, int]:
    rows = [line.strip("|").rsplit("|", 1) for line in text.splitlines() if line.startswith("| ")][1:]
    return {value.strip(): int(count) for value, count in rows}


def test_the_default_limit_is_fifty() -> None:
    assert AutoSection().max_states == 50


def test_a_rosout_log_is_summarised_not_drawn(tmp_path: Path) -> None:
    case = CORPUS / "protobuf-mcap" / "rosout-unique"
    metrics = _metrics(case, tmp_path)
    message = metrics["rosout.message states"]
    assert message.type == TEXT  # type: ignore[attr-defined]
    text = message.metric_values.text_metric_values.text  # type: ignore[attr-defined]
    assert text.startswith("`rosout.message` holds 5000 distinct values in 5000 samples, more than `max_states` = 50")
    table = _table(text)
    assert len(table) == TOP_VALUES + 1 and table.pop("(4980 other values)") == 4980
    assert sum(table.values()) == TOP_VALUES
    # Few distinct values stay a states-over-time plot.
    assert metrics["rosout.level states"].type == STATES  # type: ignore[attr-defined]


def test_counts_order_escaping_and_the_configured_limit(tmp_path: Path) -> None:
    words = [f"w{i % 7}" for i in range(70)] + ["pipe | and\nnewline"] * 3 + [f"once {i}" for i in range(30)]
    write_lines(tmp_path / "in" / "logs" / "metrics.jsonl", [{"step": i, "msg": w} for i, w in enumerate(words)])
    metrics = _metrics(tmp_path / "in", tmp_path / "out")
    assert metrics["msg states"].type == STATES  # 38 distinct values: still a plot  # type: ignore[attr-defined]
    write_text(tmp_path / "few.toml", "version = 1\n[auto]\nmax_states = 10\n")
    metrics = _metrics(tmp_path / "in", tmp_path / "out2", "--config", str(tmp_path / "few.toml"))
    table = _table(metrics["msg states"].metric_values.text_metric_values.text)  # type: ignore[attr-defined]
    expected = Counter(words).most_common()
    top = sorted(expected, key=lambda pair: (-pair[1], pair[0]))[:TOP_VALUES]
    assert list(table.items())[:7] == [(f"w{i}", 10) for i in range(7)]
    assert table["pipe \\| and newline"] == 3
    assert len(table) == TOP_VALUES + 1 and sum(table.values()) == len(words)
    assert [count for _, count in top] == list(table.values())[:TOP_VALUES]


@pytest.mark.parametrize("limit", [0, 100_001])
def test_the_limit_is_checked(tmp_path: Path, limit: int) -> None:
    write_text(tmp_path / "bad.toml", f"version = 1\n[auto]\nmax_states = {limit}\n")
    assert main(["config", "--check", str(tmp_path / "bad.toml")]) == 2
