"""The `[[metrics]]` entries of the config (test mode): one pydantic model per kind.

Cross-field rules (thresholds in order, fixed histogram edges, state sets) are checked here; rules
across entries (unique names, links) in `metrics_build.config.root`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from metrics_build.config.common import FixedEdges, Frozen, ImportanceName, NonEmpty, Severity, Thresholds

Reduction = Literal[
    "min", "max", "mean", "sum", "first", "last", "count", "std",
    "p50", "p90", "p95", "p99", "duration", "max_rate_of_change",
]
REDUCTIONS: tuple[str, ...] = Reduction.__args__  # type: ignore[attr-defined]


class _MetricBase(Frozen):
    """Fields every declared metric has."""

    name: NonEmpty
    description: str = ""
    importance: ImportanceName = "medium"
    tags: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)
    order: float | None = None
    display: bool = True
    unit: str | None = None


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


class ScalarSpec(_MetricBase, Thresholds):
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


class DoubleSummarySpec(_MetricBase, Thresholds):
    """A reduction of a channel shown as a double summary (min/max/first/last point at their sample)."""

    kind: Literal["double_summary"]
    channel: NonEmpty
    reduce: Reduction


class DoubleOverTimeSpec(_MetricBase, Thresholds, _Channels):
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


class LinePlotSpec(_MetricBase, Thresholds, _Channels):
    """Channels (y) against `x`: "step", "time" (seconds from the first sample) or another channel."""

    kind: Literal["line_plot"]
    x: NonEmpty = "step"
    x_axis_name: str | None = None
    y_axis_name: str | None = None
    max_points: int | None = Field(default=None, ge=4)


class HistogramSpec(_MetricBase, Thresholds, FixedEdges):
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


class BarChartSpec(_MetricBase, Thresholds, _Channels):
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


__all__ = [
    "REDUCTIONS",
    "BarChartSpec",
    "DoubleOverTimeSpec",
    "DoubleSummarySpec",
    "HistogramSpec",
    "LinePlotSpec",
    "MetricSpec",
    "Reduction",
    "ScalarSpec",
    "StatesOverTimeSpec",
    "TextSpec",
]
