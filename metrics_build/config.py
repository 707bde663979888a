"""The metrics config (one TOML file for both modes): pydantic models, loading, and readable errors.

Every model is frozen and rejects unknown keys. Errors become one `ConfigError` line naming the file,
the metric and the field path, e.g. `metrics.toml: metrics[2] ("max speed").fails_above: Input should
be a valid number`. `docs/test-mode.md` is the user reference for every key.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from metrics_build.batch.section import BatchSection
from metrics_build.contract import EXPORT_PREFIX, INPUT_REPORT_METRIC
from metrics_build.errors import ConfigError

Severity = Literal["warn", "block"]
ImportanceName = Literal["zero", "low", "medium", "high", "critical"]
Reduction = Literal[
    "min", "max", "mean", "sum", "first", "last", "count", "std",
    "p50", "p90", "p95", "p99", "duration", "max_rate_of_change",
]
REDUCTIONS: tuple[str, ...] = Reduction.__args__  # type: ignore[attr-defined]
FORMAT_NAMES = ("jsonl", "emissions", "json", "csv", "eval", "mcap")
_MAX_ERRORS_SHOWN = 5


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


NonEmpty = Annotated[str, Field(min_length=1)]


def _finite_or_none(value: float | None, what: str) -> float | None:
    if value is not None and math.isnan(value):
        raise ValueError(f"{what} cannot be NaN")
    return value


class _MetricBase(_Frozen):
    """Fields every declared metric has."""

    name: NonEmpty
    description: str = ""
    importance: ImportanceName = "medium"
    tags: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)
    order: float | None = None
    display: bool = True
    unit: str | None = None


class _Thresholds(_Frozen):
    """`fails_above` / `fails_below` (either optional) and how bad failing is."""

    fails_above: float | None = None
    fails_below: float | None = None
    severity: Severity = "block"

    @field_validator("fails_above", "fails_below")
    @classmethod
    def _not_nan(cls, v: float | None) -> float | None:
        return _finite_or_none(v, "a threshold")

    @model_validator(mode="after")
    def _ordered(self) -> Any:
        if self.fails_above is not None and self.fails_below is not None and self.fails_below >= self.fails_above:
            raise ValueError("fails_below must be less than fails_above (otherwise every value fails)")
        return self

    @property
    def has_thresholds(self) -> bool:
        """True when at least one threshold is set."""
        return self.fails_above is not None or self.fails_below is not None


class _Channels(_Frozen):
    """`channel = "x"` or `channels = ["x", "y"]` (normalised to `channels`)."""

    channels: list[NonEmpty] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _one_or_many(cls, data: Any) -> Any:
        if isinstance(data, dict) and "channel" in data:
            data = dict(data)
            single = data.pop("channel")
            if "channels" in data:
                raise ValueError("give `channel` or `channels`, not both")
            data["channels"] = [single]
        return data

    @model_validator(mode="after")
    def _some(self) -> Any:
        if not self.channels:
            raise ValueError("needs `channel` (or `channels`)")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("`channels` lists a channel twice")
        return self


class ScalarSpec(_MetricBase, _Thresholds):
    """One number: a reduction of a channel, or an eval-runner result (`result`, optionally `job`)."""

    kind: Literal["scalar"]
    channel: NonEmpty | None = None
    reduce: Reduction | None = None
    result: NonEmpty | None = None
    job: NonEmpty | None = None
    events: bool = False

    @model_validator(mode="after")
    def _source(self) -> ScalarSpec:
        if self.channel is not None:
            if self.result is not None or self.job is not None:
                raise ValueError("give `channel` + `reduce`, or `result` (and `job`), not both")
            if self.reduce is None:
                raise ValueError(f"`reduce` is required with `channel` (one of {', '.join(REDUCTIONS)})")
        elif self.result is None:
            raise ValueError("needs `channel` + `reduce`, or `result`")
        elif self.reduce is not None:
            raise ValueError("`reduce` only applies to `channel`")
        if self.events and (self.channel is None or not self.has_thresholds):
            raise ValueError("`events = true` needs a `channel` and a threshold")
        return self


class DoubleSummarySpec(_MetricBase, _Thresholds):
    """A reduction of a channel shown as a double summary (min/max/first/last point at their sample)."""

    kind: Literal["double_summary"]
    channel: NonEmpty
    reduce: Reduction


class DoubleOverTimeSpec(_MetricBase, _Thresholds, _Channels):
    """Channels plotted over time (timestamps, else steps as relative seconds)."""

    kind: Literal["double_over_time"]
    y_axis_name: str | None = None
    max_points: int | None = Field(default=None, ge=4)
    events: bool = False

    @model_validator(mode="after")
    def _events_need_threshold(self) -> DoubleOverTimeSpec:
        if self.events and not self.has_thresholds:
            raise ValueError("`events = true` needs a threshold (fails_above or fails_below)")
        return self


class LinePlotSpec(_MetricBase, _Thresholds, _Channels):
    """Channels (y) against `x`: "step", "time" (seconds from the first sample) or another channel."""

    kind: Literal["line_plot"]
    x: NonEmpty = "step"
    x_axis_name: str | None = None
    y_axis_name: str | None = None
    max_points: int | None = Field(default=None, ge=4)


class HistogramSpec(_MetricBase, _Thresholds):
    """A channel's values counted in fixed buckets: `edges`, or `lower`, `upper` and `count`."""

    kind: Literal["histogram"]
    channel: NonEmpty
    edges: list[float] | None = None
    lower: float | None = None
    upper: float | None = None
    count: int | None = Field(default=None, ge=1, le=10_000)
    x_axis_name: str | None = None

    @model_validator(mode="after")
    def _fixed_edges(self) -> HistogramSpec:
        if self.edges is not None:
            if any(v is not None for v in (self.lower, self.upper, self.count)):
                raise ValueError("give `edges`, or `lower`, `upper` and `count`, not both")
            if len(self.edges) < 2:
                raise ValueError("`edges` needs at least two values")
            if not all(math.isfinite(e) for e in self.edges):
                raise ValueError("`edges` must be finite")
            if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
                raise ValueError("`edges` must be strictly increasing")
            return self
        if self.lower is None or self.upper is None or self.count is None:
            raise ValueError("a histogram needs `edges`, or all of `lower`, `upper` and `count`")
        if not (math.isfinite(self.lower) and math.isfinite(self.upper)) or self.upper <= self.lower:
            raise ValueError("`lower` and `upper` must be finite with lower < upper")
        return self

    def bucket_edges(self) -> list[float]:
        """The fixed edges: as given, or `count` equal widths from `lower` to `upper`."""
        if self.edges is not None:
            return list(self.edges)
        lower, upper, count = float(self.lower or 0.0), float(self.upper or 0.0), int(self.count or 1)
        step = (upper - lower) / count
        return [lower + i * step for i in range(count)] + [upper]


class StatesOverTimeSpec(_MetricBase, _Channels):
    """State channels over time; the metric fails when a `failure_states` word occurs."""

    kind: Literal["states_over_time"]
    states: list[NonEmpty] | None = None
    failure_states: list[NonEmpty] = Field(default_factory=list)
    severity: Severity = "block"
    case: Literal["keep", "lower", "upper"] = "keep"
    max_points: int | None = Field(default=None, ge=4)
    events: bool = False

    @model_validator(mode="after")
    def _sets(self) -> StatesOverTimeSpec:
        if self.states is not None:
            if len(set(self.states)) != len(self.states):
                raise ValueError("`states` lists a state twice")
            missing = [s for s in self.failure_states if s not in self.states]
            if missing:
                raise ValueError(f"failure_states {missing} are not in `states`")
        if len(set(self.failure_states)) != len(self.failure_states):
            raise ValueError("`failure_states` lists a state twice")
        if self.events and not self.failure_states:
            raise ValueError("`events = true` needs `failure_states`")
        return self


class BarChartSpec(_MetricBase, _Thresholds, _Channels):
    """Bars of a reduction: one bar per channel, or (`per_episode`) one bar per episode per channel."""

    kind: Literal["bar_chart"]
    reduce: Reduction
    per_episode: bool = False
    x_axis_name: str | None = None
    y_axis_name: str | None = None


class TextSpec(_MetricBase):
    """Markdown text, and/or a summary table of `channels`."""

    kind: Literal["text"]
    text: str = ""
    channels: list[NonEmpty] = Field(default_factory=list)

    @model_validator(mode="after")
    def _content(self) -> TextSpec:
        if not self.text.strip() and not self.channels:
            raise ValueError("a text metric needs `text` or `channels`")
        return self


MetricSpec = Annotated[
    ScalarSpec | DoubleSummarySpec | DoubleOverTimeSpec | LinePlotSpec | HistogramSpec | StatesOverTimeSpec
    | BarChartSpec | TextSpec,
    Field(discriminator="kind"),
]


class _EventBase(_Frozen):
    name: NonEmpty
    description: str = ""
    importance: ImportanceName = "medium"
    tags: list[str] = Field(default_factory=list)
    metrics: list[NonEmpty] = Field(default_factory=list, description="names of metrics each event links")
    severity: Severity = "block"
    max_events: int = Field(default=100, ge=1, le=10_000)


class ThresholdEventSpec(_EventBase, _Thresholds):
    """One event each time `channel` crosses into the failing region."""

    kind: Literal["threshold"]
    channel: NonEmpty

    @model_validator(mode="after")
    def _needs_threshold(self) -> ThresholdEventSpec:
        if not self.has_thresholds:
            raise ValueError("a threshold event needs fails_above or fails_below")
        return self


class StateEventSpec(_EventBase):
    """One event each time `channel` enters one of `states`."""

    kind: Literal["state"]
    channel: NonEmpty
    states: list[NonEmpty] = Field(min_length=1)
    case: Literal["keep", "lower", "upper"] = "keep"


class EpisodeEventSpec(_EventBase):
    """One event per episode, at its end; unsuccessful episodes take `severity`."""

    kind: Literal["episodes"]
    name: NonEmpty = "episode"


EventSpec = Annotated[ThresholdEventSpec | StateEventSpec | EpisodeEventSpec, Field(discriminator="kind")]


class PythonSpec(_Frozen):
    """A Python metric: `module:function`, called with the loaded logs (and `args` as keywords)."""

    function: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    name: NonEmpty | None = None
    args: dict[str, Any] = Field(default_factory=dict)

    def label(self) -> str:
        """The name of this entry in logs and in its failure metric."""
        return self.name or self.function


class SourcesSection(_Frozen):
    """How logs are found and read (see `metrics_build.sources.SourceOptions`)."""

    patterns: dict[str, list[NonEmpty]] | None = None
    nonfinite: Literal["drop", "keep"] = "drop"
    time_column: NonEmpty | None = None
    step_column: NonEmpty | None = None

    @field_validator("patterns")
    @classmethod
    def _known_formats(cls, v: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        unknown = sorted(set(v or {}) - set(FORMAT_NAMES))
        if unknown:
            raise ValueError(f"unknown format {unknown[0]!r} (formats: {', '.join(FORMAT_NAMES)})")
        return v


class AutoSection(_Frozen):
    """Metrics generated for every channel the logs hold (the built-in default enables all of it)."""

    channels: list[NonEmpty] = Field(default_factory=lambda: ["*"], description="glob patterns")
    exclude: list[NonEmpty] = Field(default_factory=list)
    scalars: list[Reduction] = Field(default_factory=lambda: list[Reduction](["min", "max", "mean"]))
    over_time: bool = True
    states_over_time: bool = True
    episodes: bool = True
    results: bool = True
    state_case: Literal["keep", "lower", "upper"] = "lower"
    importance: ImportanceName = "medium"


class OutputSection(_Frozen):
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


class MetricsConfig(_Frozen):
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
        for i, spec in enumerate(self.metrics):
            where = f'metrics[{i}] ("{spec.name}").name'
            reserved = _reserved(spec.name)
            if reserved:
                raise ValueError(f"{where}: {reserved}")
            if spec.name in seen:
                raise ValueError(f"{where}: the name is already used by {seen[spec.name]}")
            seen[spec.name] = f"metrics[{i}]"
        metric_names = {s.name for s in self.metrics}
        for i, ev in enumerate(self.events):
            where = f'events[{i}] ("{ev.name}")'
            reserved = _reserved(ev.name)
            if reserved:
                raise ValueError(f"{where}.name: {reserved}")
            if ev.name in seen:
                raise ValueError(f"{where}.name: the name is already used by {seen[ev.name]}")
            seen[ev.name] = f"events[{i}]"
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
