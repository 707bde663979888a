"""Shared helpers of the test-mode tests: channels and logs built in code, and a run that writes a real
file, has ReSim's library accept it, and gives back metrics and data by name for NumPy checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from oracle import assert_resim_accepts

from metrics_build.channels import Channel, ChannelKind, Episode, Loaded, LogEvent, SourceReport
from metrics_build.config import MetricsConfig, parse_config_text
from metrics_build.test_mode.compute import compute
from metrics_build.test_mode.run import DEFAULT_JOB_ID
from metrics_build.writer import JobMetricsWriter

T0_NS = 1_700_000_000_000_000_000
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def numeric(name: str, values: Sequence[float] | np.ndarray, *, dt_s: float | None = 0.1, steps: bool = True,
            unit: str = "") -> Channel:
    """A numeric channel with timestamps every `dt_s` seconds (None: no timestamps) and steps 0..n-1."""
    v = np.asarray(values, dtype=np.float64)
    n = v.shape[0]
    ts = None if dt_s is None else T0_NS + np.round(np.arange(n) * dt_s * 1e9).astype(np.int64)
    return Channel(name=name, kind=ChannelKind.NUMERIC, values=v, timestamps_ns=ts,
                   steps=np.arange(n, dtype=np.int64) if steps else None, unit=unit, source="test.jsonl")


def states(name: str, words: Sequence[str], *, dt_s: float | None = 0.1) -> Channel:
    """A state channel with timestamps every `dt_s` seconds and steps 0..n-1."""
    w = np.asarray(words, dtype=np.str_)
    n = w.shape[0]
    ts = None if dt_s is None else T0_NS + np.round(np.arange(n) * dt_s * 1e9).astype(np.int64)
    return Channel(name=name, kind=ChannelKind.STATE, values=w, timestamps_ns=ts,
                   steps=np.arange(n, dtype=np.int64), source="test.jsonl")


def loaded(*channels: Channel, episodes: Sequence[Episode] = (), events: Sequence[LogEvent] = (),
           results: dict[str, dict[str, Any]] | None = None) -> Loaded:
    """A Loaded as the sources would hand it over, with one report per source file."""
    report = SourceReport(path="test.jsonl", format="jsonl", rows_read=max((len(c) for c in channels), default=0))
    return Loaded(channels={c.name: c for c in channels}, episodes=list(episodes), events=list(events),
                  results=results or {}, reports=[report])


def config(text: str) -> MetricsConfig:
    """A config from TOML text (dedent it yourself)."""
    return parse_config_text(text, "test.toml")


@dataclass
class Output:
    """A written, ReSim-accepted output, indexed by name."""

    msg: Any  # ReSim's JobMetrics
    path: Path

    @property
    def metrics(self) -> dict[str, Any]:
        return {mt.name: mt for mt in self.msg.job_level_metrics.metrics}

    @property
    def data(self) -> dict[str, Any]:
        return {d.name: d for d in self.msg.metrics_data}

    @property
    def events(self) -> dict[str, Any]:
        return {e.name: e for e in self.msg.events}

    def data_by_id(self, data_id: Any) -> Any:
        wanted = data_id.id.data
        return next(d for d in self.msg.metrics_data if d.metrics_data_id.id.data == wanted)

    def metric_by_id(self, metric_id: Any) -> Any:
        wanted = metric_id.id.data
        return next(mt for mt in self.msg.job_level_metrics.metrics if mt.metric_id.id.data == wanted)

    def scalar(self, name: str) -> float:
        return float(self.metrics[name].metric_values.scalar_metric_values.value)

    def status(self, name: str) -> int:
        return int(self.metrics[name].status)


def series(d: Any) -> np.ndarray:
    """A MetricsData's series as a NumPy array (timestamps as int ns, statuses as ints)."""
    s = d.series
    member = s.WhichOneof("series")
    if member == "doubles":
        return np.asarray(s.doubles.series, dtype=np.float64)
    if member == "timestamps":
        return np.asarray([t.seconds * 1_000_000_000 + t.nanos for t in s.timestamps.series], dtype=np.int64)
    if member == "strings":
        return np.asarray(list(s.strings.series), dtype=np.str_)
    return np.asarray(list(s.statuses.series), dtype=np.int64)


def run(cfg: MetricsConfig, logs: Loaded, tmp_path: Path, *, config_dir: Path | None = None) -> Output:
    """Compute, write through the real writer and validator, and have ReSim's library accept the file."""
    out = compute(cfg, logs, config_dir=config_dir)
    path = tmp_path / "metrics.binproto"
    JobMetricsWriter(DEFAULT_JOB_ID).add_all(out).prepare().write(path)
    return Output(assert_resim_accepts(path), path)
