"""The test-mode tables of the config: `[sources]` (how logs are read), `[auto]` (metrics generated for
every channel) and `[output]` (what else goes into the output)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from metrics_build.channels import LOG_FORMATS
from metrics_build.config.common import Frozen, ImportanceName, NonEmpty
from metrics_build.config.metrics import Reduction


class SourcesSection(Frozen):
    """How logs are found and read (see `metrics_build.sources.SourceOptions`)."""

    patterns: dict[str, list[NonEmpty]] | None = None
    nonfinite: Literal["drop", "keep"] = "drop"
    time_column: NonEmpty | None = None
    step_column: NonEmpty | None = None

    @field_validator("patterns")
    @classmethod
    def _known_formats(cls, v: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        unknown = sorted(set(v or {}) - set(LOG_FORMATS))
        if unknown:
            raise ValueError(f"unknown format {unknown[0]!r} (formats: {', '.join(LOG_FORMATS)})")
        return v


class AutoSection(Frozen):
    """Metrics generated for every channel the logs hold (the built-in default enables all of it)."""

    channels: list[NonEmpty] = Field(default_factory=lambda: ["*"], description="glob patterns")
    exclude: list[NonEmpty] = Field(default_factory=list)
    scalars: list[Reduction] = Field(default_factory=lambda: list[Reduction](["min", "max", "mean"]))
    over_time: bool = True
    states_over_time: bool = True
    episodes: bool = True
    results: bool = True
    state_case: Literal["keep", "lower", "upper"] = "lower"
    max_states: int = Field(default=50, ge=1, le=100_000,
                            description="state channels with more distinct values get a table of counts")
    importance: ImportanceName = "medium"


class OutputSection(Frozen):
    """What else goes into the output, and how plots are sized."""

    input_report: bool = True
    export: list[NonEmpty] = Field(default_factory=lambda: ["*"], description="channel globs exported")
    max_plot_points: int = Field(default=10_000, ge=4, le=10_000_000)
    status_without_thresholds: Literal["passed", "raw"] = "passed"
    log_events: bool = True
    max_log_events: int = Field(default=1000, ge=0, le=100_000)


__all__ = ["LOG_FORMATS", "AutoSection", "OutputSection", "SourcesSection"]
