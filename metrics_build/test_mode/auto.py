"""The `[auto]` section: metric specs generated for every channel, episode set and result in the logs.

Numeric channels get one scalar per listed reduction (`<channel> <reduction>`) and an over-time plot
(`<channel> over time`); state channels a states-over-time plot (`<channel> states`); episodes an
`episode count` and, when successes were logged, an `episode success rate`; eval-runner results one
scalar each (`<job>.<metric>`). A generated name that a declared metric already uses is skipped.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from metrics_build.channels import ChannelKind, Loaded
from metrics_build.config import AutoSection, MetricSpec
from metrics_build.test_mode.context import matches
from metrics_build.test_mode.reduce import label

_SPEC: TypeAdapter[MetricSpec] = TypeAdapter(MetricSpec)


def _spec(**fields: Any) -> MetricSpec:
    return _SPEC.validate_python(fields)


def expand(auto: AutoSection, loaded: Loaded) -> list[MetricSpec]:
    """The specs `auto` generates for `loaded`, in channel order."""
    specs: list[MetricSpec] = []
    common = {"importance": auto.importance}
    for name, ch in loaded.channels.items():
        if not matches(name, auto.channels) or matches(name, auto.exclude):
            continue
        if ch.kind is ChannelKind.NUMERIC:
            for reduction in auto.scalars:
                specs.append(_spec(kind="scalar", name=f"{name} {label(reduction)}", channel=name, reduce=reduction,
                                   **common))
            if auto.over_time:
                specs.append(_spec(kind="double_over_time", name=f"{name} over time", channel=name, **common))
        elif auto.states_over_time:
            specs.append(_spec(kind="states_over_time", name=f"{name} states", channel=name, case=auto.state_case,
                               **common))
    if auto.episodes and loaded.episodes:
        if "episode.length" in loaded.channels:
            specs.append(_spec(kind="scalar", name="episode count", channel="episode.length", reduce="count",
                               description="number of episodes", **common))
        if "episode.success" in loaded.channels:
            specs.append(_spec(kind="scalar", name="episode success rate", channel="episode.success",
                               reduce="mean", description="fraction of episodes that succeeded", **common))
    if auto.results:
        for job, values in loaded.results.items():
            for key, value in values.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    specs.append(_spec(kind="scalar", name=f"{job}.{key}", result=key, job=job,
                                       description=f"result {key!r} of {job!r}", **common))
    return specs
