"""JSONL step logs (`metrics.jsonl`): one JSON object per line, keyed by a step.

Rows are nested (`{"ts": 1.7e9, "step": 50, "metrics": {"loss": 0.42}}`) or flat
(`{"step": 50, "epoch": 0, "loss": 0.42}`). Every non-meta value is a channel (numbers and bools
numeric, text a state channel, nested objects and lists flattened to dotted names); the `metrics`
object's keys are used without a prefix. A log with no step field in its first rows is stepped by
row position. Rows without a step, with an unusable time, with invalid JSON or with no usable value
are skipped and counted.

Speed: lines are parsed with orjson in ~256 KB chunks; a chunk whose rows all share one shape is
turned into columns with C-level list operations (no per-value Python work). Chunks that do not fit
fall back to 64-row pieces, then to the row-by-row path that handles every oddity.
"""

from __future__ import annotations

import multiprocessing
import os
from array import array
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from metrics_build.channels import SourceReport
from metrics_build.sources._columns import ColumnSet, IntArray
from metrics_build.sources._flatten import flatten
from metrics_build.sources._io import INVALID, line_chunks, loads_lenient, paused_gc, split_offset
from metrics_build.sources._keys import is_meta, step_key, time_key
from metrics_build.sources._numbers import as_step
from metrics_build.sources._options import FileData, SourceOptions
from metrics_build.sources._timestamps import TimeAxis

FORMAT = "jsonl"
NESTED_KEY = "metrics"
_PIECE = 64
# Below this size one process is fast enough (~6 ms per MiB) that a fork would not pay off.
PARALLEL_MIN_BYTES = 32 << 20
# How much of a log is looked at to decide whether its rows carry steps at all.
_HEAD_BYTES = 1 << 20
_SHAPES_KEPT = 4096


def read(path: Path, rel: str, options: SourceOptions, parallel_min_bytes: int = PARALLEL_MIN_BYTES) -> FileData:
    """Read one JSONL step log.

    Files of at least `parallel_min_bytes` are read in two halves at once (this process and one
    forked worker) when two CPUs are available; the result is the same as one sequential pass.

    Raises:
        OSError: The file cannot be opened or read.
    """
    positional = not _has_steps(path)
    columns = None
    if not positional and path.stat().st_size >= parallel_min_bytes and _two_cpus():
        columns = _read_halves(path, rel)
    if columns is None:
        columns = _read_range(path, rel, 0, None, None, positional)
    return FileData(report=columns.report, channels=columns.finish(options.nonfinite))


def _has_steps(path: Path) -> bool:
    """True when a row in the log's first MiB has a step field (or no whole row is there to tell)."""
    with path.open("rb") as stream:
        head = stream.read(_HEAD_BYTES)
    lines = head.split(b"\n")
    if len(head) == _HEAD_BYTES:
        lines.pop()  # possibly cut short
    rows = [row for row in map(loads_lenient, filter(bytes.strip, lines)) if isinstance(row, dict)]
    return not rows or any(step_key(row) is not None for row in rows)


def _read_range(path: Path, rel: str, start: int, end: int | None, per_unit: int | None,
                positional: bool = False) -> ColumnSet:
    report = SourceReport(path=rel, format=FORMAT)
    columns = ColumnSet(rel, report)
    reader = _Reader(columns, TimeAxis(per_unit=per_unit), positional)
    with path.open("rb") as stream, paused_gc():
        stream.seek(start)
        for lines in line_chunks(stream, end=end, report=report):
            reader.lines(lines)
    columns.flush()
    return columns


def _two_cpus() -> bool:
    if "fork" not in multiprocessing.get_all_start_methods() or multiprocessing.current_process().daemon:
        return False
    affinity = getattr(os, "sched_getaffinity", None)
    count = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return count >= 2 and cgroup_cpu_quota() >= 2


def cgroup_cpu_quota(path: Path = Path("/sys/fs/cgroup/cpu.max")) -> float:
    """CPUs a cgroup v2 quota allows (`docker --cpus`), or infinity when there is none."""
    # A container limited by quota still sees every host CPU in its affinity mask.
    try:
        quota, period = path.read_text().split()[:2]
        return float("inf") if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError, ZeroDivisionError):
        return float("inf")


def _time_unit(path: Path, max_lines: int = 10_000) -> int | None:
    """The numeric time unit one pass would fix (from the first non-zero time), if found early."""
    axis = TimeAxis()
    with path.open("rb") as stream:
        for number, line in enumerate(stream):
            if number >= max_lines:
                break
            row = loads_lenient(line)
            if isinstance(row, dict):
                # Like the real pass: only rows with a valid step are read for their time.
                s_key, t_key = step_key(row), time_key(row)
                if t_key is not None and s_key is not None and as_step(row[s_key]) is not None:
                    axis.use_name(t_key)
                    axis.to_ns(row[t_key])
                    if axis.per_unit is not None:
                        return axis.per_unit
    return None


def _read_halves(path: Path, rel: str) -> ColumnSet | None:
    """Both halves of the file at once, merged; None when a sequential pass is needed instead."""
    # The time unit is fixed by the first non-zero time in the file, so both halves must be
    # told it up front; logs whose first rows carry no numeric time are read sequentially.
    per_unit = _time_unit(path)
    if per_unit is None:
        return None
    with path.open("rb") as stream:
        size = stream.seek(0, os.SEEK_END)
        middle = split_offset(stream, size // 2)
    if middle >= size:
        return None
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
        later = pool.submit(_read_range, path, rel, middle, size, per_unit)
        first = _read_range(path, rel, 0, middle, per_unit)
        second = later.result()
    return first if first.absorb(second) else None


def row_metrics(row: dict[str, Any], keys: tuple[str, ...], report: SourceReport) -> Iterator[tuple[str, Any]]:
    """The (channel, value) pairs of a row's data `keys`: `metrics` contents without a prefix."""
    for key in keys:
        value = row[key]
        if key == NESTED_KEY and isinstance(value, dict):
            yield from flatten(value, report=report)
        elif isinstance(value, dict | list):
            yield from flatten({key: value}, report=report)
        else:
            yield key, value


class _Reader:
    def __init__(self, columns: ColumnSet, axis: TimeAxis, positional: bool) -> None:
        self.columns = columns
        self.axis = axis
        self.report = columns.report
        self.positional = positional
        # Row shape -> (step key, time key, data keys); rows of one log mostly share a few shapes.
        self._shapes: dict[tuple[str, ...], tuple[str | None, str | None, tuple[str, ...]]] = {}

    def _shape(self, row: dict[str, Any]) -> tuple[str | None, str | None, tuple[str, ...]]:
        keys = tuple(row)
        found = self._shapes.get(keys)
        if found is None:
            if len(self._shapes) >= _SHAPES_KEPT:
                self._shapes.clear()
            s_key, t_key = step_key(keys), time_key(keys)
            if t_key is not None:
                self.axis.use_name(t_key)
            found = self._shapes[keys] = (s_key, t_key, tuple(k for k in keys if not is_meta(k)))
        return found

    def lines(self, lines: list[bytes]) -> None:
        if self._fast(lines):
            return
        for start in range(0, len(lines), _PIECE):
            piece = lines[start:start + _PIECE]
            if len(lines) <= _PIECE or not self._fast(piece):
                self._slow(piece)

    def _steps(self, rows: list[Any], s_key: str | None) -> IntArray | None:
        if self.positional:
            start = self.report.rows_read
            return np.arange(start, start + len(rows), dtype=np.int64)
        if s_key is None:
            return None
        step_list = list(map(itemgetter(s_key), rows))
        if set(map(type, step_list)) != {int}:
            return None
        return np.frombuffer(array("q", step_list), dtype=np.int64)

    def _fast(self, lines: list[bytes]) -> bool:
        """Columns for rows of one shape, or False (nothing recorded) when the rows differ."""
        try:
            rows = [orjson.loads(line) for line in lines]
            first = rows[0]
            if type(first) is not dict:
                return False
            keys = list(first)
            count = len(rows)
            if sum(map(len, rows)) != count * len(keys):
                return False
            s_key, t_key, names = self._shape(first)
            steps = self._steps(rows, s_key)
            if steps is None:
                return False
            times = None
            if t_key is not None:
                times = self._times(list(map(itemgetter(t_key), rows)))
                if times is None:
                    return False
            for key in keys:
                if key not in names and key not in (s_key, t_key):
                    list(map(itemgetter(key), rows))  # KeyError unless every row has the same keys
            if names == (NESTED_KEY,) and type(first[NESTED_KEY]) is dict:
                source = list(map(itemgetter(NESTED_KEY), rows))
                names = tuple(first[NESTED_KEY])
                if sum(map(len, source)) != count * len(names):
                    return False
            else:
                source = rows
            if not names:
                return False
            # Build every column before recording any, so a late failure leaves nothing behind.
            built = [(name, np.frombuffer(array("d", map(itemgetter(name), source)), dtype=np.float64))
                     for name in names]
        except (orjson.JSONDecodeError, KeyError, TypeError, OverflowError):
            return False
        for name, values in built:
            self.columns.add_segment(name, values, steps, times)
        self.report.rows_read += count
        return True

    def _times(self, raw: list[Any]) -> IntArray | None:
        kinds = set(map(type, raw))
        if kinds == {int}:
            column = np.frombuffer(array("q", raw), dtype=np.int64)
        elif kinds <= {int, float}:
            column = np.frombuffer(array("d", raw), dtype=np.float64)
        else:
            return None
        return self.axis.array_to_ns(column)

    def _slow(self, lines: list[bytes]) -> None:
        report = self.report
        for line in lines:
            if not line.strip():
                continue
            position = report.rows_read
            report.rows_read += 1
            row = loads_lenient(line)
            if row is INVALID:
                report.skip("invalid JSON")
                continue
            if not isinstance(row, dict):
                report.skip("not a JSON object")
                continue
            s_key, t_key, names = self._shape(row)
            step = position if self.positional else None if s_key is None else as_step(row[s_key])
            if step is None:
                report.skip("no step")
                continue
            time_ns = None
            if t_key is not None and row[t_key] is not None:
                time_ns = self.axis.to_ns(row[t_key])
                if time_ns is None:  # not a time, or outside int64 nanoseconds (1677..2262)
                    report.skip("invalid timestamp")
                    continue
            used = False
            for name, value in row_metrics(row, names, report):
                used = self.columns.add(name, value, step, time_ns) or used
            if not used:
                report.skip("no usable metric")


__all__ = ["FORMAT", "read", "row_metrics"]
