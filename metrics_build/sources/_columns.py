"""Per-channel column buffers shared by every source: rows or column segments in, Channels out.

Readers either append whole column segments (fast paths) or single values through `add` (row by
row); `finish` concatenates the segments, applies the non-finite policy and builds `Channel`s whose
values, steps and timestamps are aligned sample by sample.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from metrics_build.channels import Channel, ChannelKind, SourceReport
from metrics_build.sources._numbers import as_number
from metrics_build.sources._options import NonFinitePolicy
from metrics_build.sources._timestamps import MISSING_NS

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_FLUSH_EVERY = 65_536
# A file whose rows keep inventing new field names (ids as keys, say) would otherwise grow without bound.
MAX_CHANNELS = 10_000
_TOO_MANY = f"channels beyond {MAX_CHANNELS} in one file"
# State values live in fixed-width NumPy string arrays (every element as wide as the longest), so
# one long text would multiply the memory of its whole channel; longer texts are cut (and counted).
MAX_TEXT = 256
_CUT = f"text longer than {MAX_TEXT} characters cut"


@dataclass
class _Pending:
    values: list[Any] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    times: list[int] = field(default_factory=list)


@dataclass
class _Column:
    kind: ChannelKind
    unit: str = ""
    values: list[npt.NDArray[Any]] = field(default_factory=list)
    steps: list[IntArray | None] = field(default_factory=list)
    times: list[IntArray | None] = field(default_factory=list)
    pending: _Pending = field(default_factory=_Pending)


class ColumnSet:
    """The channels of one file while it is being read.

    Every sample of a file must consistently have a step (or never have one); timestamps may be
    missing per sample (`None` / `MISSING_NS`): a channel keeps its time axis only when all of its
    samples have one. A channel's kind is fixed by its first value; values of the other kind are
    dropped and counted as "type mismatch". Empty names and names beyond `MAX_CHANNELS` new ones
    are dropped and counted too; text longer than `MAX_TEXT` characters is cut and counted.
    """

    def __init__(self, source: str, report: SourceReport) -> None:
        self.source = source
        self.report = report
        self._columns: dict[str, _Column] = {}
        self._pending_count = 0

    def __contains__(self, name: str) -> bool:
        return name in self._columns

    def set_unit(self, name: str, unit: str) -> None:
        """Declare `name`'s unit (ignored for channels that never get a sample)."""
        column = self._columns.get(name)
        if column is not None:
            column.unit = unit

    def _column(self, name: str, kind: ChannelKind) -> _Column | None:
        column = self._columns.get(name)
        if column is None:
            if not name.strip():
                self.report.drop("empty name")
                return None
            if len(self._columns) >= MAX_CHANNELS:
                self.report.drop(_TOO_MANY)
                return None
            column = self._columns[name] = _Column(kind)
        elif column.kind is not kind:
            self.report.drop("type mismatch")
            return None
        return column

    def add_segment(self, name: str, values: FloatArray, steps: IntArray | None,
                    times: IntArray | None) -> None:
        """Append a numeric column segment (arrays of equal length; `times` uses MISSING_NS)."""
        column = self._column(name, ChannelKind.NUMERIC)
        if column is None:
            return
        self._flush_column(column)
        column.values.append(values)
        column.steps.append(steps)
        column.times.append(times)

    def add(self, name: str, value: Any, step: int | None, time_ns: int | None) -> bool:
        """Append one sample; returns False when `value` is neither a number nor text (not used)."""
        number = as_number(value)
        if number is not None:
            column = self._column(name, ChannelKind.NUMERIC)
            value = number
        elif isinstance(value, str):
            column = self._column(name, ChannelKind.STATE)
            if len(value) > MAX_TEXT and column is not None:
                value = value[:MAX_TEXT - 1] + "…"
                self.report.drop(_CUT)
        else:
            return False
        if column is None:
            return True
        pending = column.pending
        pending.values.append(value)
        if step is not None:
            pending.steps.append(step)
        pending.times.append(MISSING_NS if time_ns is None else time_ns)
        self._pending_count += 1
        if self._pending_count >= _FLUSH_EVERY:
            self.flush()
        return True

    def flush(self) -> None:
        """Move row-by-row samples into column segments (bounds Python-object memory)."""
        for column in self._columns.values():
            self._flush_column(column)
        self._pending_count = 0

    @staticmethod
    def _flush_column(column: _Column) -> None:
        pending = column.pending
        if not pending.values:
            return
        if column.kind is ChannelKind.NUMERIC:
            column.values.append(np.array(pending.values, dtype=np.float64))
        else:
            column.values.append(np.array(pending.values, dtype=np.str_))
        column.steps.append(np.array(pending.steps, dtype=np.int64) if pending.steps else None)
        column.times.append(np.array(pending.times, dtype=np.int64))
        column.pending = _Pending()

    def absorb(self, later: ColumnSet) -> bool:
        """Append `later` (read from the rows after this one's) channel by channel.

        Returns False, leaving this set unusable, when a channel has different kinds in the two
        sets: the kind would then have been fixed differently by one pass over all rows.
        """
        self.flush()
        later.flush()
        for name, column in later._columns.items():
            mine = self._columns.get(name)
            if mine is None:
                self._columns[name] = column
                continue
            if mine.kind is not column.kind:
                return False
            mine.values.extend(column.values)
            mine.steps.extend(column.steps)
            mine.times.extend(column.times)
            mine.unit = mine.unit or column.unit
        report, other = self.report, later.report
        report.rows_read += other.rows_read
        report.rows_skipped += other.rows_skipped
        report.skip_reasons.update(other.skip_reasons)
        report.values_dropped.update(other.values_dropped)
        return True

    def finish(self, nonfinite: NonFinitePolicy) -> list[Channel]:
        """Build the channels in order of first appearance, applying the non-finite policy."""
        self.flush()
        joined: dict[tuple[int, ...], npt.NDArray[Any]] = {}
        by_content: dict[bytes, list[IntArray]] = {}
        kept: dict[int, IntArray] = {}
        channels = []
        for name, column in self._columns.items():
            values = _concat(column.values, joined)
            steps = _axis(column.steps, joined, by_content, kept)
            times = _axis(column.times, joined, by_content, kept)
            if times is not None and bool((times == MISSING_NS).any()):
                times = None
            if column.kind is ChannelKind.NUMERIC:
                bad = ~np.isfinite(values)
                count = int(bad.sum())
                if count and nonfinite == "drop":
                    self.report.drop("non-finite value", count)
                    keep = ~bad
                    values = values[keep]
                    steps = None if steps is None else steps[keep]
                    times = None if times is None else times[keep]
            if values.size == 0:
                continue
            channels.append(Channel(name=name, kind=column.kind, values=values, timestamps_ns=times,
                                    steps=steps, unit=column.unit, source=self.source))
        return channels


def _concat(parts: list[npt.NDArray[Any]], joined: dict[tuple[int, ...], npt.NDArray[Any]]) -> npt.NDArray[Any]:
    # Channels read from the same rows share their step/time segments; joining each distinct
    # list of segments once lets those channels share one axis array too.
    key = tuple(id(part) for part in parts)
    result = joined.get(key)
    if result is None:
        result = parts[0] if len(parts) == 1 else np.concatenate(parts)
        joined[key] = result
    return result


def _axis(parts: list[IntArray | None], joined: dict[tuple[int, ...], npt.NDArray[Any]],
          by_content: dict[bytes, list[IntArray]], kept: dict[int, IntArray]) -> IntArray | None:
    if not parts or any(part is None for part in parts):
        return None
    axis = _concat([part for part in parts if part is not None], joined)
    # Rows read one by one give each channel its own axis arrays; equal axes are shared so memory
    # grows with the samples, not with samples x channels. Arrays already kept are found by
    # identity first (`kept` holds them alive, so their ids cannot be reused meanwhile).
    if id(axis) in kept:
        return axis
    digest = hashlib.blake2b(np.ascontiguousarray(axis).data, digest_size=16).digest()
    for known in by_content.setdefault(digest, []):
        if np.array_equal(known, axis):
            return known
    by_content[digest].append(axis)
    kept[id(axis)] = axis
    return axis
