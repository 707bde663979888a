"""Events: threshold crossings, entries into failure states, and episode ends.

Each crossing (a run of consecutive failing samples) is one event named `<name> #<k>`, carrying an
event metric `<event>: peak` (the worst value of the run) and linking the metrics named in the
config. Events never fail a test by themselves (the platform ignores event statuses in the job
status): their event metrics are RAW, except for events of a metric with thresholds (`events = true`),
whose peaks share that metric's failing status.

The platform needs one timestamp type for all events of a test: when every event has an absolute
time they are ABSOLUTE; otherwise all are RELATIVE, timed from the earliest timestamp in the
logs (events of step-only channels at step n are n seconds from the start).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from metrics_build import model as m
from metrics_build.channels import Channel, Episode, LogEvent
from metrics_build.test_mode.context import BuildContext, fail_status
from metrics_build.test_mode.series import NS_PER_S

log = logging.getLogger("metrics_build.test_mode")


@dataclass
class PendingEvent:
    """An event whose timestamp type is decided once all events of the output are known."""

    event: m.Event
    ns: int | None
    step: int | None


@dataclass(frozen=True)
class EventStyle:
    """What every event of one config entry shares."""

    name: str
    severity: str
    importance: m.Importance
    description: str = ""
    tags: Sequence[str] = ()
    linked: Sequence[m.Metric] = ()
    max_events: int = 100
    # Status of the event metrics: None = the event's own status (events of a metric with thresholds,
    # which fails anyway); RAW for `[[events]]` entries, so that events alone never fail a test.
    metric_status: m.Status | None = None

    def status_of_metrics(self, event_status: m.Status) -> m.Status:
        """The status the event metrics of an event with `event_status` take."""
        return event_status if self.metric_status is None else self.metric_status


def runs(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Start and stop (exclusive) positions of every run of True in `mask`."""
    edges = np.diff(mask.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _when(channel: Channel, position: int) -> tuple[int | None, int]:
    ns = None if channel.timestamps_ns is None else int(channel.timestamps_ns[position])
    step = position if channel.steps is None else int(channel.steps[position])
    return ns, step


def _cap(count: int, style: EventStyle) -> int:
    if count > style.max_events:
        log.info("%s: %d events, only the first %d are written (max_events)", style.name, count, style.max_events)
        return style.max_events
    return count


def threshold_events(ctx: BuildContext, channel: Channel, failure: m.FailureDefinition,
                     style: EventStyle) -> list[PendingEvent]:
    """One event per run of samples outside `failure`'s limits, each with a `peak` event metric."""
    values = channel.values
    starts, stops = runs(failure.failing(values))
    status = fail_status(style.severity)
    limits = ", ".join(f"{word} {v:g}" for word, v in (("above", failure.fails_above),
                                                        ("below", failure.fails_below)) if v is not None)
    out: list[PendingEvent] = []
    for k in range(_cap(len(starts), style)):
        a, b = int(starts[k]), int(stops[k])
        part = values[a:b]
        above = part - failure.fails_above if failure.fails_above is not None else np.full(part.shape, -np.inf)
        below = failure.fails_below - part if failure.fails_below is not None else np.full(part.shape, -np.inf)
        peak = float(part[int(np.argmax(np.maximum(above, below)))])
        name = ctx.names.unique(f"{style.name} #{k + 1}")
        peak_metric = m.ScalarMetric(
            name=ctx.names.unique(f"{name}: peak"), value=peak, unit=channel.unit or None,
            status=style.status_of_metrics(status),
            importance=style.importance, event_metric=True,
            description=f"worst value of {channel.name!r} during the crossing",
        )
        ns, step = _when(channel, a)
        text = f"{channel.name} went {limits} for {b - a} samples"
        if channel.timestamps_ns is not None:
            seconds = (int(channel.timestamps_ns[b - 1]) - int(channel.timestamps_ns[a])) / NS_PER_S
            text += f" ({seconds:g} s)"
        event = m.Event(name=name, metrics=[peak_metric, *style.linked], status=status,
                        importance=style.importance, description=style.description or text, tags=list(style.tags))
        out.append(PendingEvent(event, ns, step))
    return out


def state_events(ctx: BuildContext, channel: Channel, states: npt.NDArray[np.str_], bad: Sequence[str],
                 style: EventStyle) -> list[PendingEvent]:
    """One event per entry of `states` (already case-mapped) into one of the `bad` states."""
    starts, stops = runs(np.isin(states, np.asarray(list(bad), dtype=np.str_)))
    status = fail_status(style.severity)
    out: list[PendingEvent] = []
    for k in range(_cap(len(starts), style)):
        a, b = int(starts[k]), int(stops[k])
        name = ctx.names.unique(f"{style.name} #{k + 1}")
        ns, step = _when(channel, a)
        text = f"{channel.name} was {states[a]!s} for {b - a} samples"
        event = m.Event(name=name, metrics=list(style.linked), status=status, importance=style.importance,
                        description=style.description or text, tags=list(style.tags))
        out.append(PendingEvent(event, ns, step))
    return out


def episode_events(ctx: BuildContext, episodes: Sequence[Episode], style: EventStyle) -> list[PendingEvent]:
    """One event per episode at its end step; failed episodes take the style's severity."""
    many_envs = len({e.env_index for e in episodes}) > 1
    out: list[PendingEvent] = []
    for ep in list(episodes)[: _cap(len(episodes), style)]:
        label = f"{ep.env_index}.{ep.index}" if many_envs else f"{ep.index}"
        name = ctx.names.unique(f"{style.name} {label}")
        if ep.success is None:
            status = m.Status.NOT_APPLICABLE
        else:
            status = m.Status.PASSED if ep.success else fail_status(style.severity)
        attached: list[m.Metric] = []
        for what, value in (("reward", ep.reward), ("length", ep.length)):
            if value is not None and not np.isnan(value):
                attached.append(m.ScalarMetric(name=ctx.names.unique(f"{name}: {what}"), value=float(value),
                                               status=style.status_of_metrics(status), importance=style.importance,
                                               event_metric=True))
        outcome = "unknown outcome" if ep.success is None else ("succeeded" if ep.success else "failed")
        text = f"episode {label}: steps {ep.start_step}..{ep.end_step}, {outcome}"
        event = m.Event(name=name, metrics=[*attached, *style.linked], status=status, importance=style.importance,
                        description=style.description or text, tags=list(style.tags))
        out.append(PendingEvent(event, None, ep.end_step))
    return out


_STATUS_WORDS = {s.name: s for s in m.Status}
_MAX_FIELDS_TEXT = 500


def _logged_status(fields: dict[str, object]) -> m.Status:
    word = fields.get("status")
    if isinstance(word, str):
        key = word.strip().upper().removesuffix("_METRIC_STATUS")
        return _STATUS_WORDS.get(key, m.Status.PASSED)
    return m.Status.PASSED


def logged_events(ctx: BuildContext, logged: Sequence[LogEvent], max_events: int) -> list[PendingEvent]:
    """The events the logs recorded (e.g. ReSim emissions with `event: true`), named `<name> #<k>`.

    Numeric fields become event metrics `<event>: <field>` (status RAW: a logged event never fails a
    test by itself); a `status` field naming a metric status (PASSED, FAIL_WARN, FAIL_BLOCK, ...) sets
    the event's status, else it is PASSED.
    """
    if len(logged) > max_events:
        log.info("logged events: %d, only the first %d are written (max_log_events)", len(logged), max_events)
    counts: dict[str, int] = {}
    out: list[PendingEvent] = []
    for item in list(logged)[:max_events]:
        base = item.name or item.topic or "event"
        counts[base] = counts.get(base, 0) + 1
        name = ctx.names.unique(f"{base} #{counts[base]}")
        status = _logged_status(item.fields)
        attached: list[m.Metric] = []
        for key, value in item.fields.items():
            if isinstance(value, int | float) and not isinstance(value, bool) and not np.isnan(value):
                attached.append(m.ScalarMetric(name=ctx.names.unique(f"{name}: {key}"), value=float(value),
                                               status=m.Status.RAW, event_metric=True))
        text = ", ".join(f"{k}={v}" for k, v in item.fields.items() if k != "name")
        if len(text) > _MAX_FIELDS_TEXT:
            text = text[: _MAX_FIELDS_TEXT - 1] + "…"
        where = f" ({item.source})" if item.source else ""
        event = m.Event(name=name, metrics=attached, status=status,
                        description=f"logged by {item.topic or 'the test'}{where}" + (f": {text}" if text else ""),
                        tags=[item.topic] if item.topic else [])
        out.append(PendingEvent(event, item.timestamp_ns, item.step))
    return out


def finalize(pending: Sequence[PendingEvent], origin_ns: int | None, *, force_relative: bool = False) -> list[m.Event]:
    """Give every event its timestamp, all of one type (see the module docstring).

    `force_relative` makes them RELATIVE even when all are absolute (to match Python metrics' events).
    """
    if pending and not force_relative and all(p.ns is not None and p.ns >= 0 for p in pending):
        for p in pending:
            p.event.timestamp = p.ns
            p.event.timestamp_type = m.TimestampType.ABSOLUTE
        return [p.event for p in pending]
    for p in pending:
        rel = p.ns - origin_ns if p.ns is not None and origin_ns is not None else (p.step or 0) * NS_PER_S
        p.event.timestamp = max(0, rel)
        p.event.timestamp_type = m.TimestampType.RELATIVE
    return [p.event for p in pending]


def origin_of(channels: Sequence[Channel]) -> int | None:
    """The earliest timestamp of any channel (the origin of relative event times), or None."""
    firsts = [int(c.timestamps_ns.min()) for c in channels if c.timestamps_ns is not None and c.timestamps_ns.size]
    return min(firsts) if firsts else None
