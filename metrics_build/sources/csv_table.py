"""CSV (and TSV) tables with a header row: one channel per column.

The delimiter is sniffed among `, ; tab |`. Cells that parse as numbers (including `nan`, `inf`)
are numeric samples, cells holding a JSON object or list are flattened under the column's name
(`bbox` -> `bbox.0`, `bbox.1`...; other bracketed text is dropped and counted), other non-empty
cells are state words (kept exactly as written),
empty cells are missing. A header `speed [m/s]` names channel `speed` with unit `m/s`. The time and
step columns are found by name or set in the options; with neither, the row number (from 0) is the
step. Rows with a different number of fields than the header are skipped and counted.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

from metrics_build.channels import SourceReport
from metrics_build.sources._columns import ColumnSet
from metrics_build.sources._flatten import flatten
from metrics_build.sources._io import loads_lenient
from metrics_build.sources._keys import step_key, time_key
from metrics_build.sources._numbers import as_step, parse_number
from metrics_build.sources._options import FileData, SourceOptions
from metrics_build.sources._timestamps import TimeAxis

FORMAT = "csv"
_SNIFF_BYTES = 65_536
_UNIT = re.compile(r"(.*?)\s*\[([^\]]*)\]")


def read(path: Path, rel: str, options: SourceOptions) -> FileData:
    """Read one CSV table.

    Raises:
        OSError: The file cannot be opened or read.
    """
    report = SourceReport(path=rel, format=FORMAT)
    columns = ColumnSet(rel, report)
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as stream:
        dialect = _dialect(stream.read(_SNIFF_BYTES))
        stream.seek(0)
        rows = csv.reader(stream, dialect)
        header = _next_row(rows, report)
        if header is None:
            return FileData(report=report)
        names, units = _header(header)
        t_key = time_key(names, options.time_column)
        s_key = step_key(names, options.step_column)
        t_index = None if t_key is None else names.index(t_key)
        s_index = None if s_key is None else names.index(s_key)
        axis = TimeAxis(name=t_key)
        position = -1
        while (row := _next_row(rows, report)) is not None:
            position += 1
            report.rows_read += 1
            if len(row) != len(names):
                report.skip("wrong number of fields")
                continue
            time_ns = None
            if t_index is not None:
                time_ns = axis.to_ns(row[t_index])
                if time_ns is None:  # missing, not a time, or outside int64 nanoseconds
                    report.skip("no timestamp")
                    continue
            step: int | None = position if t_index is None and s_index is None else None
            if s_index is not None:
                step = as_step(parse_number(row[s_index].strip()))
                if step is None:
                    report.skip("no step")
                    continue
            used = False
            for index, cell in enumerate(row):
                text = cell.strip()
                if index in (t_index, s_index) or not text:
                    continue
                used = _cell(columns, names[index], text, step, time_ns) or used
            if not used:
                report.skip("no usable value")
    for name, unit in units.items():
        columns.set_unit(name, unit)
    return FileData(report=report, channels=columns.finish(options.nonfinite))


def _cell(columns: ColumnSet, name: str, text: str, step: int | None, time_ns: int | None) -> bool:
    number = parse_number(text)
    if number is not None:
        return columns.add(name, number, step, time_ns)
    if text[0] in "{[" and text[-1] in "}]":
        # A bracketed cell is a small document (JSON, or a Python repr that is not), never a state word.
        document = loads_lenient(text.encode())
        if not isinstance(document, dict | list):
            columns.report.drop("bracketed cell that is not JSON")
            return False
        used = False
        for field, value in flatten({name: document}, report=columns.report):
            used = columns.add(field, value, step, time_ns) or used
        return used
    return columns.add(name, text, step, time_ns)


def _dialect(sample: str) -> type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _next_row(rows: Iterator[list[str]], report: SourceReport) -> list[str] | None:
    # Skips blank lines; a row the csv module rejects (a NUL byte, say) is counted and skipped.
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return None
        except csv.Error:
            report.rows_read += 1
            report.skip("malformed CSV row")
            continue
        if any(cell.strip() for cell in row):
            return row


def _header(row: list[str]) -> tuple[list[str], dict[str, str]]:
    """Column names (blank ones `column_<n>`, repeats `<name>_2`, `_3`...) and their units.

    Linear in the number of columns: each repeated name resumes counting where it left off.
    """
    names: list[str] = []
    taken: set[str] = set()
    next_suffix: dict[str, int] = {}
    units: dict[str, str] = {}
    for index, cell in enumerate(row):
        text = cell.strip()
        match = _UNIT.fullmatch(text)
        name, unit = (match.group(1), match.group(2).strip()) if match else (text, "")
        name = name or f"column_{index + 1}"
        if name in taken:
            base, n = name, next_suffix.get(name, 2)
            while f"{base}_{n}" in taken:
                n += 1
            name = f"{base}_{n}"
            next_suffix[base] = n + 1
        taken.add(name)
        names.append(name)
        if unit:
            units[name] = unit
    return names, units
