"""The `[[metrics]]`, `[[events]]` and `[[python]]` entries of the config: one pydantic model per kind.

Frozen, unknown keys rejected; cross-field rules (thresholds in order, fixed histogram edges, states
sets) are checked here, cross-entry rules (unique names, links) in `metrics_build.config`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from metrics_build.edges import FixedEdges

Severity = Literal["warn", "block"]
ImportanceName = Literal["zero", "low", "medium", "high", "critical"]
Reduction = Literal[
    "min", "max", "mean", "sum", "first", "last", "count", "std",
    "p50", "p90", "p95", "p99", "duration", "max_rate_of_change",
]
REDUCTIONS: tuple[str, ...] = Reduction.__args__  # type: ignore[attr-defined]


class Frozen(BaseModel):
    """Base of every config model: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


NonEmpty = Annotated[str, Field(min_length=1)]


def _finite_or_none(value: float | None, what: str) -> float | None:
    if value is not None and math.isnan(value):
        raise ValueError(f"{what} cannot be NaN")
    return value


class _MetricBase(Frozen):
    """Fields every declared metric has."""

    name: NonEmpty
    description: str = ""
    importance: ImportanceName = "medium"
    tags: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)
    order: float | None = None
    display: bool = True
    unit: str | None = None


class _Thresholds(Frozen):
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


class _Channels(Frozen):
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


class HistogramSpec(_MetricBase, _Thresholds, FixedEdges):
    """A channel's values counted in fixed buckets: `edges`, or `lower`, `upper` and `count`."""

    kind: Literal["histogram"]
    channel: NonEmpty
    x_axis_name: str | None = None


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


class _EventBase(Frozen):
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


class PythonSpec(Frozen):
    """A Python metric: `module:function`, called with the loaded logs (and `args` as keywords)."""

    function: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    name: NonEmpty | None = None
    args: dict[str, Any] = Field(default_factory=dict)

    def label(self) -> str:
        """The name of this entry in logs and in its failure metric."""
        return self.name or self.function
