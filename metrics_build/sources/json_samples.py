"""JSON sample documents: a list of records, or an object holding one list of records.

An object may carry a `metadata` block beside the list (`{"units": {"speed": "m/s"}}` gives units,
nested like the records: `{"units": {"position": {"x": "m"}}}`). Records are flattened to dotted
names (`position.x`, lists by index: `partial_sums.0`); the time field (ISO-8601 or numeric) and step
field are found by name or set in the options; numbers and bools make numeric channels, text makes
state channels (the words are kept exactly as written). With neither a time nor a step field, the
record's position in the list is its step.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from metrics_build.channels import SourceReport
from metrics_build.sources._columns import ColumnSet
from metrics_build.sources._flatten import flatten
from metrics_build.sources._io import INVALID, load_json_file
from metrics_build.sources._keys import step_key, time_key
from metrics_build.sources._numbers import as_step
from metrics_build.sources._options import FileData, SourceOptions
from metrics_build.sources._timestamps import TimeAxis

FORMAT = "json"
LIST_KEYS = ("samples", "records", "data", "rows", "points", "entries", "items")


def read(path: Path, rel: str, options: SourceOptions) -> FileData:
    """Read one JSON sample document.

    Raises:
        OSError: The file cannot be opened or read.
    """
    report = SourceReport(path=rel, format=FORMAT)
    document = load_json_file(path, report)
    if document is INVALID:
        return FileData(report=report)
    return read_document(document, rel, options, report)


def find_records(document: Any) -> tuple[list[Any] | None, Mapping[str, Any]]:
    """The list of records in `document` and its metadata block (empty when absent)."""
    if isinstance(document, list):
        return document, {}
    if not isinstance(document, dict):
        return None, {}
    metadata = document.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    lists = {key: value for key, value in document.items()
             if isinstance(value, list) and any(isinstance(item, dict) for item in value)}
    for key in LIST_KEYS:
        if key in lists:
            return lists[key], metadata
    if len(lists) == 1:
        return next(iter(lists.values())), metadata
    return None, metadata


def read_document(document: Any, rel: str, options: SourceOptions, report: SourceReport) -> FileData:
    """Channels of an already parsed sample document."""
    records, metadata = find_records(document)
    if records is None:
        report.rows_read += 1
        report.skip("no list of records")
        return FileData(report=report)
    columns = ColumnSet(rel, report)
    first = next((item for item in records if isinstance(item, dict)), {})
    keys = [name for name, _ in flatten(first)]
    t_key = time_key(keys, options.time_column)
    s_key = step_key(keys, options.step_column)
    axis = TimeAxis(name=t_key)
    skip = frozenset(k for k in (t_key, s_key) if k is not None)
    for position, record in enumerate(records):
        report.rows_read += 1
        if not isinstance(record, dict):
            report.skip("not a JSON object")
            continue
        fields = dict(flatten(record, report=report))
        time_ns = None
        if t_key is not None:
            time_ns = axis.to_ns(fields.get(t_key))
            if time_ns is None:  # missing, not a time, or outside int64 nanoseconds
                report.skip("no timestamp")
                continue
        step: int | None = position if t_key is None and s_key is None else None
        if s_key is not None:
            step = as_step(fields.get(s_key))
            if step is None:
                report.skip("no step")
                continue
        used = False
        for name, value in fields.items():
            if name not in skip:
                used = columns.add(name, value, step, time_ns) or used
        if not used:
            report.skip("no usable value")
    for name, unit in _units(metadata).items():
        columns.set_unit(name, unit)
    return FileData(report=report, channels=columns.finish(options.nonfinite))


def _units(metadata: Mapping[str, Any]) -> dict[str, str]:
    # {"units": {"speed": "m/s", "position": {"x": "m"}}} or {"speed": {"unit": "m/s"}}.
    units = metadata.get("units")
    found = {name: unit for name, unit in flatten(units) if isinstance(unit, str)} if isinstance(units, dict) else {}
    for key, value in metadata.items():
        if isinstance(value, dict) and isinstance(value.get("unit"), str):
            found.setdefault(str(key), value["unit"])
    return found
