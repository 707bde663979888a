"""JSONL step logs (`metrics.jsonl`): one JSON object per line, keyed by a step.

Rows are nested (`{"ts": 1.7e9, "step": 50, "metrics": {"loss": 0.42}}`) or flat
(`{"step": 50, "epoch": 0, "loss": 0.42}`). Every non-meta value is a channel (numbers and bools
numeric, text a state channel, nested objects flattened to dotted names); the `metrics` object's
keys are used without a prefix. Rows without a step, with invalid JSON or with no usable value
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
from metrics_build.sources._options import FileData, SourceOptions
from metrics_build.sources._timestamps import TimeAxis

FORMAT = "jsonl"
STEP_KEYS = ("step", "global_step", "_step", "iteration", "iter")
TIME_KEYS = ("ts", "timestamp", "time", "wall_time", "walltime", "_timestamp")
META_KEYS = frozenset((*STEP_KEYS, *TIME_KEYS, "epoch", "_runtime"))
NESTED_KEY = "metrics"
_PIECE = 64
# Below this size one process is fast enough (~6 ms per MiB) that a fork would not pay off.
PARALLEL_MIN_BYTES = 32 << 20
_INT64 = (-(2**63), 2**63 - 1)


def read(path: Path, rel: str, options: SourceOptions, parallel_min_bytes: int = PARALLEL_MIN_BYTES) -> FileData:
    """Read one JSONL step log.

    Files of at least `parallel_min_bytes` are read in two halves at once (this process and one
    forked worker) when two CPUs are available; the result is the same as one sequential pass.

    Raises:
        OSError: The file cannot be opened or read.
    """
    columns = None
    if path.stat().st_size >= parallel_min_bytes and _two_cpus():
        columns = _read_halves(path, rel)
    if columns is None:
        columns = _read_range(path, rel, 0, None, None)
    return FileData(report=columns.report, channels=columns.finish(options.nonfinite))


def _read_range(path: Path, rel: str, start: int, end: int | None, per_unit: int | None) -> ColumnSet:
    columns = ColumnSet(rel, SourceReport(path=rel, format=FORMAT))
    reader = _Reader(columns, TimeAxis(per_unit=per_unit))
    with path.open("rb") as stream, paused_gc():
        stream.seek(start)
        for lines in line_chunks(stream, end=end):
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
                step_key = next((k for k in STEP_KEYS if k in row), None)
                time_key = next((k for k in TIME_KEYS if k in row), None)
                if time_key is not None and step_key is not None and as_step(row[step_key]) is not None:
                    axis.to_ns(row[time_key])
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


def as_step(value: Any) -> int | None:
    """An integer step (integral floats accepted), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and _INT64[0] <= value <= _INT64[1]:
        return value
    return None


def row_metrics(row: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """The (channel, value) pairs of one row: non-meta keys, `metrics` contents without a prefix."""
    for key, value in row.items():
        if key in META_KEYS:
            continue
        if key == NESTED_KEY and isinstance(value, dict):
            yield from flatten(value)
        elif isinstance(value, dict):
            yield from flatten(value, f"{key}.")
        else:
            yield key, value


class _Reader:
    def __init__(self, columns: ColumnSet, axis: TimeAxis) -> None:
        self.columns = columns
        self.axis = axis
        self.report = columns.report

    def lines(self, lines: list[bytes]) -> None:
        if self._fast(lines):
            return
        for start in range(0, len(lines), _PIECE):
            piece = lines[start:start + _PIECE]
            if len(lines) <= _PIECE or not self._fast(piece):
                self._slow(piece)

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
            step_key = next((k for k in STEP_KEYS if k in first), None)
            if step_key is None:
                return False
            time_key = next((k for k in TIME_KEYS if k in first), None)
            step_list = list(map(itemgetter(step_key), rows))
            if set(map(type, step_list)) != {int}:
                return False
            steps: IntArray = np.frombuffer(array("q", step_list), dtype=np.int64)
            times = None
            if time_key is not None:
                times = self._times(list(map(itemgetter(time_key), rows)))
                if times is None:
                    return False
            names = [k for k in keys if k not in META_KEYS]
            for key in keys:
                if key in META_KEYS and key not in (step_key, time_key):
                    list(map(itemgetter(key), rows))  # KeyError unless every row has the same keys
            if names == [NESTED_KEY] and type(first[NESTED_KEY]) is dict:
                source = list(map(itemgetter(NESTED_KEY), rows))
                names = list(first[NESTED_KEY])
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
            report.rows_read += 1
            row = loads_lenient(line)
            if row is INVALID:
                report.skip("invalid JSON")
                continue
            if not isinstance(row, dict):
                report.skip("not a JSON object")
                continue
            step_key = next((k for k in STEP_KEYS if k in row), None)
            step = None if step_key is None else as_step(row[step_key])
            if step is None:
                report.skip("no step")
                continue
            time_key = next((k for k in TIME_KEYS if k in row), None)
            time_ns = None if time_key is None else self.axis.to_ns(row[time_key])
            used = False
            for name, value in row_metrics(row):
                used = self.columns.add(name, value, step, time_ns) or used
            if not used:
                report.skip("no usable metric")


__all__ = ["FORMAT", "META_KEYS", "STEP_KEYS", "TIME_KEYS", "as_step", "read", "row_metrics"]
