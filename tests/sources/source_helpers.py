"""Shared helpers for the source tests: write log files, read them back as plain Python."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from metrics_build.channels import Channel, Loaded
from metrics_build.sources import SourceOptions, load_logs

DROP = SourceOptions(nonfinite="drop")
KEEP = SourceOptions(nonfinite="keep")


def write_lines(path: Path, lines: Iterable[str | dict[str, Any]]) -> Path:
    """Write JSONL (dicts are dumped with `json`, strings written as they are)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text)
    return path


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(logs: Path, options: SourceOptions = DROP) -> Loaded:
    return load_logs(logs, options)


def values(channel: Channel) -> list[Any]:
    return channel.values.tolist()  # type: ignore[no-any-return]


def steps(channel: Channel) -> list[int] | None:
    return None if channel.steps is None else channel.steps.tolist()


def times(channel: Channel) -> list[int] | None:
    return None if channel.timestamps_ns is None else channel.timestamps_ns.tolist()


def assert_same_floats(actual: np.ndarray, expected: Sequence[float]) -> None:
    """Element-wise equality that treats NaN == NaN and keeps the sign of infinities."""
    np.testing.assert_array_equal(actual, np.array(expected, dtype=np.float64))
