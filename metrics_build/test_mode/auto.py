"""The `[auto]` section: metric specs generated for every channel, episode set and result in the logs.

Numeric channels get one scalar per listed reduction (`<channel> <reduction>`) and an over-time plot
(`<channel> over time`); state channels a states-over-time plot (`<channel> states`); episodes an
`episode count` and, when successes were logged, an `episode success rate`; eval-runner results one
scalar each (`<job>.<metric>`). A state channel with more than `max_states` distinct values is free
text, not a state machine: it gets a text metric of its most frequent values instead of a plot. A
generated name that a declared metric already uses is skipped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import TypeAdapter

from metrics_build.channels import Channel, ChannelKind, Loaded
from metrics_build.config import AutoSection, MetricSpec
from metrics_build.test_mode.context import matches
from metrics_build.test_mode.plots import cased
from metrics_build.test_mode.reduce import label

_SPEC: TypeAdapter[MetricSpec] = TypeAdapter(MetricSpec)
TOP_VALUES = 20
_MAX_SHOWN = 120  # characters of one value in the table (log lines can be long)


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
            words, counts = np.unique(cased(ch.values, auto.state_case), return_counts=True)
            if words.size > auto.max_states:
                specs.append(_spec(kind="text", name=f"{name} states", text=_frequent(ch, words, counts, auto),
                                   description=f"most frequent values of {name!r} (free text, not states)",
                                   **common))
            else:
                specs.append(_spec(kind="states_over_time", name=f"{name} states", channel=name,
                                   case=auto.state_case, **common))
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


def _shown(word: str) -> str:
    text = word if len(word) <= _MAX_SHOWN else word[:_MAX_SHOWN - 1] + "…"
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`").replace("\n", " ").replace("\r", " ")


def _frequent(ch: Channel, words: Any, counts: Any, auto: AutoSection) -> str:
    """A markdown table of the `TOP_VALUES` most frequent values (ties by value) and the rest as one row."""
    order = np.lexsort((words, -counts))
    top = order[:TOP_VALUES]
    lines = [f"`{_shown(ch.name)}` holds {words.size} distinct values in {len(ch)} samples, more than "
             f"`max_states` = {auto.max_states}: it is summarised here instead of drawn as states over time.",
             "", "| value | count |", "|---|---:|"]
    lines += [f"| {_shown(str(words[i]))} | {int(counts[i])} |" for i in top]
    rest = order[TOP_VALUES:]
    if rest.size:
        lines.append(f"| ({rest.size} other values) | {int(counts[rest].sum())} |")
    return "\n".join(lines)
