"""The metrics config (one TOML file for both modes): pydantic models, loading, and readable errors.

Every model is frozen and rejects unknown keys. Errors become one `ConfigError` line naming the file,
the metric and the field path, e.g. `metrics.toml: metrics[2] ("max speed").fails_above: Input should
be a valid number`. `docs/test-mode.md` is the user reference for every key.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from metrics_build.batch.section import BatchSection
from metrics_build.contract import EXPORT_PREFIX, INPUT_REPORT_METRIC
from metrics_build.errors import ConfigError
from metrics_build.sources._options import FORMATS
from metrics_build.test_mode.specs import (
    REDUCTIONS,
    BarChartSpec,
    DoubleOverTimeSpec,
    DoubleSummarySpec,
    EpisodeEventSpec,
    EventSpec,
    Frozen,
    HistogramSpec,
    ImportanceName,
    LinePlotSpec,
    MetricSpec,
    NonEmpty,
    PythonSpec,
    Reduction,
    ScalarSpec,
    StateEventSpec,
    StatesOverTimeSpec,
    TextSpec,
    ThresholdEventSpec,
)

_MAX_ERRORS_SHOWN = 5


class SourcesSection(Frozen):
    """How logs are found and read (see `metrics_build.sources.SourceOptions`)."""

    patterns: dict[str, list[NonEmpty]] | None = None
    nonfinite: Literal["drop", "keep"] = "drop"
    time_column: NonEmpty | None = None
    step_column: NonEmpty | None = None

    @field_validator("patterns")
    @classmethod
    def _known_formats(cls, v: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        unknown = sorted(set(v or {}) - set(FORMATS))
        if unknown:
            raise ValueError(f"unknown format {unknown[0]!r} (formats: {', '.join(FORMATS)})")
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


def _reserved(name: str) -> str | None:
    """Why `name` cannot be declared (it is the contract's), or None."""
    if name.startswith(EXPORT_PREFIX):
        return f"names starting with {EXPORT_PREFIX!r} are reserved for exported channels"
    if name == INPUT_REPORT_METRIC:
        return f"{INPUT_REPORT_METRIC!r} is the name of the input report"
    return None


class MetricsConfig(Frozen):
    """The whole config file: test mode's sections plus `[batch]`."""

    version: Literal[1] = 1
    sources: SourcesSection = SourcesSection()
    output: OutputSection = OutputSection()
    auto: AutoSection | None = None
    metrics: list[MetricSpec] = Field(default_factory=list)
    events: list[EventSpec] = Field(default_factory=list)
    python: list[PythonSpec] = Field(default_factory=list)
    batch: BatchSection = BatchSection()

    @model_validator(mode="after")
    def _names(self) -> MetricsConfig:
        seen: dict[str, str] = {}

        def claim(name: str, item: str) -> None:
            """Take `name` for `item` (e.g. `metrics[2]`); reserved or already taken names fail."""
            where = f'{item} ("{name}").name'
            reserved = _reserved(name)
            if reserved:
                raise ValueError(f"{where}: {reserved}")
            if name in seen:
                raise ValueError(f"{where}: the name is already used by {seen[name]}")
            seen[name] = item

        for i, spec in enumerate(self.metrics):
            claim(spec.name, f"metrics[{i}]")
        metric_names = {s.name for s in self.metrics}
        for i, ev in enumerate(self.events):
            claim(ev.name, f"events[{i}]")
            where = f'events[{i}] ("{ev.name}")'
            unknown = [m for m in ev.metrics if m not in metric_names]
            if unknown:
                raise ValueError(f"{where}.metrics: no metric named {unknown[0]!r} in [[metrics]]")
        return self


# -- loading ------------------------------------------------------------------------------------


def _item_label(raw: Any, loc: tuple[int | str, ...], i: int) -> str:
    """`[2] ("max speed")` for list items whose raw value has a name."""
    node: Any = raw
    for part in loc[: i + 1]:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return f"[{loc[i]}]"
    if isinstance(node, dict) and isinstance(node.get("name"), str):
        return f'[{loc[i]}] ("{node["name"]}")'
    if isinstance(node, dict) and isinstance(node.get("function"), str):
        return f'[{loc[i]}] ("{node["function"]}")'
    return f"[{loc[i]}]"


def _path(raw: Any, loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as `metrics[2] ("max speed").fails_above`.

    Discriminated unions add the tag (e.g. `scalar`) to the location; it is dropped because the
    user never wrote it as a key.
    """
    parts: list[str] = []
    node: Any = raw
    for i, part in enumerate(loc):
        if isinstance(part, int):
            parts.append(_item_label(raw, loc, i))
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            continue
        if isinstance(node, dict) and part not in node and node.get("kind") == part:
            continue  # the union tag
        if part.startswith("function-") or part in ("model", "model_validator"):
            continue
        parts.append(("." if parts else "") + part)
        node = node.get(part) if isinstance(node, dict) else None
    return "".join(parts)


def _message(err: Any) -> str:
    msg = str(err.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    ctx = err.get("ctx") or {}
    if err.get("type") == "extra_forbidden":
        msg = "unknown key"
    elif err.get("type") == "union_tag_invalid":
        msg = f"unknown kind {ctx.get('tag')!r} (kinds: {ctx.get('expected_tags')})"
    elif err.get("type") == "union_tag_not_found":
        msg = "missing"
    return msg


def format_validation_error(source: str, raw: Any, exc: ValidationError) -> str:
    """One line naming every problem (the first few) with its path, prefixed by `source`."""
    items = []
    for err in exc.errors():
        path = _path(raw, tuple(err.get("loc", ())))
        if err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
            path += ".kind"
        msg = _message(err)
        if not path and re.match(r"^(metrics|events|python)\[", msg):
            items.append(msg)  # cross-item checks name their own path
        else:
            items.append(f"{path}: {msg}" if path else msg)
    shown = "; ".join(items[:_MAX_ERRORS_SHOWN])
    more = len(items) - _MAX_ERRORS_SHOWN
    return f"{source}: {shown}" + (f"; and {more} more" if more > 0 else "")


def parse_config_text(text: str, source: str) -> MetricsConfig:
    """Parse and validate TOML text (`source` names it in errors).

    Raises:
        ConfigError: invalid TOML or a value that fails validation; one line with the field path.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    try:
        return MetricsConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(source, raw, exc)) from None


def load_config(path: Path) -> MetricsConfig:
    """Read and validate a config file.

    Raises:
        ConfigError: the file is missing, unreadable, not UTF-8 TOML, or fails validation.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    return parse_config_text(text, str(path))


def check_config_file(path: Path) -> None:
    """Validate `path` without running anything (`metrics-build config --check`).

    Raises:
        ConfigError: as `load_config`.
    """
    load_config(path)


def default_config_text() -> str:
    """The built-in default config as TOML (`metrics-build config --show-default`)."""
    from metrics_build.test_mode.defaults import DEFAULT_CONFIG_TOML

    return DEFAULT_CONFIG_TOML


def default_config() -> MetricsConfig:
    """The built-in default config, parsed from exactly the text `default_config_text` shows."""
    return parse_config_text(default_config_text(), "built-in default config")


__all__ = [
    "REDUCTIONS",
    "AutoSection",
    "BarChartSpec",
    "DoubleOverTimeSpec",
    "DoubleSummarySpec",
    "EpisodeEventSpec",
    "EventSpec",
    "HistogramSpec",
    "LinePlotSpec",
    "MetricSpec",
    "MetricsConfig",
    "OutputSection",
    "PythonSpec",
    "ScalarSpec",
    "SourcesSection",
    "StateEventSpec",
    "StatesOverTimeSpec",
    "TextSpec",
    "ThresholdEventSpec",
    "check_config_file",
    "default_config",
    "default_config_text",
    "load_config",
    "parse_config_text",
]
