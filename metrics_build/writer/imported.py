"""Merging a JobMetrics written by another library (ReSim's `ResimMetricsWriter`) into our output.

Its metrics, data and events are copied as they are, except their ids: each gets the id our own
objects of that kind and name would get (`uuid5(job, "<kind>/<name>/<n>")`), every reference is
rewritten to match, and every job id becomes ours. A team's existing ReSim metric code then joins a
metrics-build output unchanged, and the output stays deterministic.
"""

from __future__ import annotations

from collections.abc import Callable

from google.protobuf.message import DecodeError, Message

from metrics_build.wire import metrics_pb2 as pb

IdFor = Callable[[str, str], str]
"""(kind, name) → a new id, as our packer gives the next object of that kind and name."""

_SKIPPED_TYPES = frozenset({"google.protobuf.Struct", "google.protobuf.Timestamp"})


def parse_imported(payload: bytes) -> pb.JobMetrics:
    """The JobMetrics in `payload`.

    Raises:
        ValueError: the bytes are not a JobMetrics message.
    """
    try:
        return pb.JobMetrics.FromString(payload)
    except DecodeError:
        raise ValueError("the returned bytes are not a serialized JobMetrics") from None


def names_of(payload: bytes) -> list[str]:
    """Every metric, data and event name of a serialized JobMetrics, each object once."""
    msg = parse_imported(payload)
    return ([m.name for m in msg.job_level_metrics.metrics] + [d.name for d in msg.metrics_data]
            + [e.name for e in msg.events])


class IdMap:
    """Old id text → new id text, per kind of id message."""

    def __init__(self) -> None:
        self.by_kind: dict[str, dict[str, str]] = {"MetricId": {}, "MetricsDataId": {}, "EventId": {}}

    def rewrite(self, msg: Message, job_text: str) -> None:
        """Rewrite every id reference inside `msg` (recursively), and every job id to `job_text`."""
        for field, value in msg.ListFields():
            message_type = field.message_type
            if field.type != field.TYPE_MESSAGE or message_type is None or message_type.full_name in _SKIPPED_TYPES:
                continue
            if message_type.GetOptions().map_entry:  # a map: its values are the messages
                items = list(value.values())
                if not items or not hasattr(items[0], "DESCRIPTOR"):
                    continue
            else:
                items = list(value) if field.is_repeated else [value]
            for item in items:
                kind = item.DESCRIPTOR.name
                if kind == "JobId":
                    item.id.data = job_text
                elif kind in self.by_kind:
                    item.id.data = self.by_kind[kind].get(item.id.data, item.id.data)
                else:
                    self.rewrite(item, job_text)


def merge_imported(target: pb.JobMetrics, source: pb.JobMetrics, id_for: IdFor, *, job_text: str,
                   first_position: int) -> None:
    """Append `source`'s metrics, data and events to `target` with ids from `id_for`.

    Metrics without an `order` get their position after `first_position`, as ours do.
    """
    ids = IdMap()
    for metric in source.job_level_metrics.metrics:
        ids.by_kind["MetricId"][metric.metric_id.id.data] = id_for("metric", metric.name)
    for data in source.metrics_data:
        ids.by_kind["MetricsDataId"][data.metrics_data_id.id.data] = id_for("data", data.name)
    for event in source.events:
        ids.by_kind["EventId"][event.event_id.id.data] = id_for("event", event.name)
    for position, metric in enumerate(source.job_level_metrics.metrics, start=first_position):
        copy = target.job_level_metrics.metrics.add()
        copy.CopyFrom(metric)
        if not copy.HasField("order"):
            copy.order = float(position)
        ids.rewrite(copy, job_text)
    for data in source.metrics_data:
        copy_data = target.metrics_data.add()
        copy_data.CopyFrom(data)
        ids.rewrite(copy_data, job_text)
    for event in source.events:
        copy_event = target.events.add()
        copy_event.CopyFrom(event)
        ids.rewrite(copy_event, job_text)


__all__ = ["merge_imported", "names_of", "parse_imported"]
