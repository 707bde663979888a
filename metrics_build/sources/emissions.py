"""ReSim emissions (`emissions.resim.jsonl`): `{"$metadata": {...}, "$data": {...}}` per line.

`$metadata` holds the `topic`, an optional integer `timestamp` (ns since the epoch) and `event: true`
for events. Data lines become channels `<topic>.<field>` (nested objects and lists flattened to
dotted names, `<topic>.<field>.<index>`); event lines become `LogEvent`s named by their `name` field, else by the topic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from metrics_build.channels import LogEvent, SourceReport
from metrics_build.sources._columns import ColumnSet
from metrics_build.sources._flatten import flatten
from metrics_build.sources._io import INVALID, line_chunks, loads_lenient, paused_gc
from metrics_build.sources._options import FileData, SourceOptions
from metrics_build.sources._timestamps import NS_PER, TimeAxis

FORMAT = "emissions"
METADATA = "$metadata"
DATA = "$data"


def read(path: Path, rel: str, options: SourceOptions) -> FileData:
    """Read one emissions file.

    Raises:
        OSError: The file cannot be opened or read.
    """
    report = SourceReport(path=rel, format=FORMAT)
    columns = ColumnSet(rel, report)
    axis = TimeAxis(per_unit=NS_PER["ns"])
    events: list[LogEvent] = []
    with path.open("rb") as stream, paused_gc():
        for lines in line_chunks(stream, report=report):
            for line in lines:
                if line.strip():
                    report.rows_read += 1
                    _line(loads_lenient(line), rel, columns, axis, events)
    return FileData(report=report, channels=columns.finish(options.nonfinite), events=events)


def _line(row: Any, rel: str, columns: ColumnSet, axis: TimeAxis, events: list[LogEvent]) -> None:
    report = columns.report
    if row is INVALID:
        report.skip("invalid JSON")
        return
    meta = row.get(METADATA) if isinstance(row, dict) else None
    if not isinstance(meta, dict):
        report.skip("no $metadata object")
        return
    topic = meta.get("topic")
    if not isinstance(topic, str) or not topic:
        report.skip("no topic")
        return
    data = row.get(DATA, {})
    if not isinstance(data, dict):
        report.skip("$data is not an object")
        return
    time_ns = None
    if meta.get("timestamp") is not None:
        time_ns = axis.to_ns(meta["timestamp"])
        if time_ns is None:
            report.skip("invalid timestamp")
            return
    if meta.get("event") is True:
        name = data.get("name")
        events.append(LogEvent(name=name if isinstance(name, str) and name else topic, timestamp_ns=time_ns,
                               topic=topic, fields=dict(data), source=rel))
        return
    used = False
    for name, value in flatten(data, f"{topic}.", report=report):
        used = columns.add(name, value, None, time_ns) or used
    if not used:
        report.skip("no usable value")
