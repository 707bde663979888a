"""The `[[events]]` entries of the config (test mode): events from threshold crossings, state changes
and episode boundaries."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from metrics_build.config.common import Frozen, ImportanceName, NonEmpty, Severity, Thresholds


class _EventBase(Frozen):
    name: NonEmpty
    description: str = ""
    importance: ImportanceName = "medium"
    tags: list[str] = Field(default_factory=list)
    metrics: list[NonEmpty] = Field(default_factory=list, description="names of metrics each event links")
    severity: Severity = "block"
    max_events: int = Field(default=100, ge=1, le=10_000)


class ThresholdEventSpec(_EventBase, Thresholds):
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


__all__ = ["EpisodeEventSpec", "EventSpec", "StateEventSpec", "ThresholdEventSpec"]
