"""Check a JobMetrics message against every rule of the platform's validator, plus a few more.

`validate_job_metrics(msg)` returns *all* violations at once (never raises on message content),
each naming the metric, data or event and the rule broken; an empty list means the platform's
validator (resim-open-core 1.6.0, `validate_job_metrics`) accepts the message. Rule ids carry the
rule's number in §2 of the platform contract ("39 double-over-time.value-type"), or `extra:` for
rules the platform does not enforce but we do. Ids are compared as exact strings, as the platform
does (an upper-cased copy of the job id does not match).

Extra strictness, each closing a gap the platform's validator leaves open:

- `extra:data.index-cycle`, `extra:data.self-index`: a data indexed by itself or an index cycle
  passes the platform's validator but sends ReSim's unpacker (batch mode) into endless recursion.
- `extra:data.indexed-flag`: an INDEXED_* data type with `is_indexed` false (or the reverse). The
  platform decides "indexed" by the type in one place and by the flag in another, so such data is
  read inconsistently (its index is never resolved, or a plain series gets one).
- `extra:data.duplicate-category-name`: a category listed twice in `category_names`; the map can
  hold it once, so readers that walk the list count it twice.
- `extra:data.status-values`: NO_METRIC_STATUS (0) or an unknown number inside a status series;
  the platform rejects status 0 on every metric and event, and ReSim's unpacker raises on unknown
  numbers.
- `extra:data.uuid-values`: a UUID series element that is not a UUID; ReSim's unpacker raises.
- `extra:data.duplicate-uuid`, `extra:metric.duplicate-uuid`: two ids that are different text
  but the same UUID (e.g. case); the platform compares text, but its unpacker keys by UUID value
  and silently merges the two items.
- `extra:event.duplicate-id`: the platform means to reject duplicate event ids, but its check
  compares a list's length with itself.
- `extra:metric.event-metric-unreferenced`: an event metric that no event references; the
  platform means to reject it, but discards the result of its own check.
- `extra:double-summary.series-index-range`: a `series_index` past the end of its value series
  points at nothing.
- `extra:<type>.legend-length`: a non-empty legend whose length differs from the number of series
  (double-over-time, line plot, bar chart, states-over-time) labels the wrong series.
- `extra:states-over-time.failure-states`: `failure_states ⊆ states_set` also when there are no
  series (the platform checks it only inside its per-series loop).
- `extra:batchwise-bar-chart.color-newline`: a color with a trailing newline, which the platform's
  regex lets through because of Python's `$`.
- `extra:<type>.failure-nan`: a NaN `fails_above`/`fails_below` never compares true, so the failure
  definition silently never fires.
- `extra:enum.unknown-value`: an enum number outside the schema (e.g. status 9); the platform only
  rejects 0, but ReSim's unpacker raises on any unknown value.

NaN is rejected where the platform rejects it (a scalar's value; histogram bounds and buckets,
since NaN never compares equal or less). NaN inside a double series is allowed, as by the
platform: missing samples are real data, and a chart shows them as gaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from metrics_build.validation.context import Checks, Violation, enum_name, known_values, label, uuid_int
from metrics_build.validation.data_rules import check_data, check_index_cycles
from metrics_build.validation.metric_rules import check_enum, check_event, check_metric
from metrics_build.wire import metrics_pb2 as pb

__all__ = ["Violation", "validate_job_metrics"]

_STATUSES = known_values(pb.MetricStatus)


class _IdHolder(Protocol):
    name: str


def _check_ids(ctx: Checks, kind: str, items: Sequence[_IdHolder], ids: Sequence[str],
               rules: tuple[str, str, str]) -> None:
    """Valid, unique-as-text and unique-as-UUID ids; `rules` = (valid, unique text, unique value)."""
    valid_rule, text_rule, value_rule = rules
    by_text: dict[str, str] = {}
    by_value: dict[int, str] = {}
    for position, (item, text) in enumerate(zip(items, ids, strict=True)):
        where = label(kind, item.name, position)
        value = uuid_int(text)
        if value is None:
            ctx.add(valid_rule, where, f"id {text!r} is not a valid UUID")
            continue
        if text in by_text:
            ctx.add(text_rule, where, f"id {text} is also the id of {by_text[text]}")
        elif value in by_value:
            ctx.add(value_rule, where, f"id {text} is the same UUID as the id of {by_value[value]}, "
                    "spelled differently")
        by_text.setdefault(text, where)
        by_value.setdefault(value, where)


def _check_names(ctx: Checks, kind: str, rule: str, named: Sequence[tuple[int, str]]) -> None:
    first: dict[str, int] = {}
    for position, name in named:
        if name in first:
            ctx.add(rule, label(kind, name, position),
                    f"name is not unique (also {kind} #{first[name]})")
        first.setdefault(name, position)


def _check_job(ctx: Checks) -> None:
    msg = ctx.msg
    if not msg.HasField("job_id"):
        ctx.add("6 job.id", "job", "job_id is not set")
    elif uuid_int(msg.job_id.id.data) is None:
        ctx.add("6 job.id", "job", f"job_id {msg.job_id.id.data!r} is not a valid UUID")
    check_enum(ctx, "job", "8 job.collection-status", "job_level_metrics.metrics_status",
               msg.job_level_metrics.metrics_status, pb.MetricStatus, _STATUSES)
    check_enum(ctx, "job", "9 job.status", "metrics_status", msg.metrics_status, pb.MetricStatus, _STATUSES)


def _check_metric_job_ids(ctx: Checks) -> None:
    job = ctx.msg.job_id
    if uuid_int(job.id.data) is None:
        return  # rule 6 already failed; every comparison would repeat it
    for position, metric in enumerate(ctx.msg.job_level_metrics.metrics):
        if metric.HasField("job_id") and metric.job_id != job:
            ctx.add("11 metric.job-id-match", label("metric", metric.name, position),
                    f"job_id {metric.job_id.id.data!r} is not the file's job_id {job.id.data!r}")


def _check_events(ctx: Checks) -> None:
    events = ctx.msg.events
    _check_names(ctx, "event", "14 event.name-unique", [(i, e.name) for i, e in enumerate(events)])
    for position, event in enumerate(events):
        if event.timestamp_type != events[0].timestamp_type:
            ctx.add("14 event.timestamp-types", label("event", event.name, position),
                    f"timestamp_type {enum_name(pb.TimestampType, event.timestamp_type)} differs from the "
                    f"first event's {enum_name(pb.TimestampType, events[0].timestamp_type)}")
        check_event(ctx, event, position)


def validate_job_metrics(msg: pb.JobMetrics) -> list[Violation]:
    """Every violation in `msg`, in a deterministic order (ids, metrics, job, names, data, events).

    Args:
        msg: a JobMetrics message (our generated class; the wire format is the platform's).

    Returns:
        All violations; empty when the message is valid. Never raises on message content.
    """
    ctx = Checks(msg)
    metrics = msg.job_level_metrics.metrics
    _check_ids(ctx, "data", msg.metrics_data, [d.metrics_data_id.id.data for d in msg.metrics_data],
               ("1 data.id", "2 data.duplicate-id", "extra:data.duplicate-uuid"))
    _check_ids(ctx, "metric", metrics, [m.metric_id.id.data for m in metrics],
               ("3 metric.id", "4 metric.duplicate-id", "extra:metric.duplicate-uuid"))
    _check_ids(ctx, "event", msg.events, [e.event_id.id.data for e in msg.events],
               ("5 event.id", "extra:event.duplicate-id", "extra:event.duplicate-id"))
    _check_job(ctx)
    referenced_by_events = {ref.id.data for event in msg.events for ref in event.metrics}
    for position, metric in enumerate(metrics):
        check_metric(ctx, metric, position, referenced_by_events)
    _check_names(ctx, "metric", "10 metric.name-unique",
                 [(i, m.name) for i, m in enumerate(metrics) if not m.event_metric])
    _check_metric_job_ids(ctx)
    _check_names(ctx, "data", "12 data.name-unique", [(i, d.name) for i, d in enumerate(msg.metrics_data)])
    for position, data in enumerate(msg.metrics_data):
        check_data(ctx, data, position)
    check_index_cycles(ctx)
    _check_events(ctx)
    return ctx.violations
