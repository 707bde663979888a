"""What every source yields and test mode consumes: named channels, episodes, events, read reports.

A channel is one named series (numeric or state/string) with an x-axis of timestamps and/or steps.
Sources know nothing about metrics; test mode knows nothing about file formats.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt

LOG_FORMATS: tuple[str, ...] = ("jsonl", "emissions", "json", "csv", "eval", "mcap")
"""The log formats test mode reads, by the names `[sources.patterns]` keys them."""


class ChannelKind(Enum):
    """Numeric channels hold float64 values; state channels hold strings (e.g. status words)."""

    NUMERIC = "numeric"
    STATE = "state"


@dataclass(frozen=True, eq=False)
class Channel:
    """One named series.

    Attributes:
        name: Dotted channel name, unique within a load (e.g. `loss`, `ego.speed`, `position.x`).
        kind: NUMERIC (values float64) or STATE (values a NumPy array of `str`).
        values: The samples, in row order.
        timestamps_ns: int64 nanoseconds since the Unix epoch per sample, or None when the source
            has no time axis.
        steps: int64 step per sample, or None when the source has no step axis.
        unit: Unit text when the source declares one, else "".
        source: Path (relative to the logs directory) of the file the channel came from.
    """

    name: str
    kind: ChannelKind
    values: npt.NDArray[Any]
    timestamps_ns: npt.NDArray[np.int64] | None = None
    steps: npt.NDArray[np.int64] | None = None
    unit: str = ""
    source: str = ""

    def __len__(self) -> int:
        return int(self.values.shape[0])


@dataclass(frozen=True)
class Episode:
    """One episode of an eval run: the steps [start_step, end_step] of one environment."""

    index: int
    env_index: int
    start_step: int
    end_step: int
    success: bool | None = None
    reward: float | None = None
    length: int | None = None
    source: str = ""


@dataclass(frozen=True)
class LogEvent:
    """An event a log recorded itself (e.g. a ReSim emission with `"event": true`)."""

    name: str
    timestamp_ns: int | None = None
    step: int | None = None
    topic: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    source: str = ""


@dataclass
class SourceReport:
    """Per-file counts of what was read and skipped, and why (reason → count).

    `rows_read` counts every record seen (blank lines excluded), `rows_skipped` those of them that
    contributed nothing; `values_dropped` counts single values removed from otherwise usable rows
    (non-finite numbers under the "drop" policy, a word in a numeric channel, ...).
    """

    path: str
    format: str
    rows_read: int = 0
    rows_skipped: int = 0
    skip_reasons: Counter[str] = field(default_factory=Counter)
    values_dropped: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str, count: int = 1) -> None:
        """Count `count` skipped rows for `reason`."""
        self.rows_skipped += count
        self.skip_reasons[reason] += count

    def drop(self, reason: str, count: int = 1) -> None:
        """Count `count` single values dropped for `reason` (their rows were still used)."""
        self.values_dropped[reason] += count


@dataclass
class Loaded:
    """Everything read from one test's logs, merged across sources in a deterministic order."""

    channels: dict[str, Channel] = field(default_factory=dict)
    episodes: list[Episode] = field(default_factory=list)
    events: list[LogEvent] = field(default_factory=list)
    # Eval-runner style results: job name -> metric name -> value (numbers or strings).
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    reports: list[SourceReport] = field(default_factory=list)
