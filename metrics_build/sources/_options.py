"""Reading options shared by every source, and what one file's reader hands back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from metrics_build.channels import LOG_FORMATS, Channel, Episode, LogEvent, SourceReport

NonFinitePolicy = Literal["drop", "keep"]
# Format names, as used in config `patterns`; also the order in which discovered files are read.
FORMATS: tuple[str, ...] = LOG_FORMATS


@dataclass(frozen=True)
class SourceOptions:
    """How logs are found and read.

    Attributes:
        patterns: Format name -> glob patterns (relative to the logs directory) that replace that
            format's default discovery; an empty sequence turns the format off.
        nonfinite: "drop" removes NaN/±inf samples and counts them in the file's report; "keep" keeps
            them as values.
        time_column: CSV/JSON samples: the field holding timestamps (else found by name).
        step_column: CSV/JSON samples: the field holding steps (else found by name).
    """

    patterns: Mapping[str, Sequence[str]] | None = None
    nonfinite: NonFinitePolicy = "drop"
    time_column: str | None = None
    step_column: str | None = None


@dataclass
class FileData:
    """Everything one reader got out of one file (channel names are still file-local)."""

    report: SourceReport
    channels: list[Channel] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    events: list[LogEvent] = field(default_factory=list)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
