"""Metrics data: series (optionally indexed by another series), per-category groups, external files.

Values go in as NumPy arrays and are normalised once, without per-element Python loops (except for
UUID text, which is validated element by element and is small in practice):
DOUBLE → float64, TIMESTAMP → int64 ns, STRING → NumPy str or object arrays of `str`, UUID → canonical lowercase text,
STATUS → int8 status numbers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from metrics_build.model.enums import SeriesKind, Status
from metrics_build.model.times import to_ns_array


def _strings(values: Any) -> npt.NDArray[Any]:
    """Strings as given: a NumPy unicode array is kept; anything else becomes an object array of `str`.

    Converting Python strings to a NumPy unicode array would silently drop trailing NUL characters.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind == "U":
        return values
    arr = np.asarray(values, dtype=object)
    if arr.ndim == 1 and not all(isinstance(v, str) for v in arr):
        arr = np.array([str(v) for v in arr], dtype=object)
    return arr


def normalise(kind: SeriesKind, values: Any) -> npt.NDArray[Any]:
    """`values` as the canonical 1-D array for `kind` (see the module docstring)."""
    arr: npt.NDArray[Any]
    if kind is SeriesKind.DOUBLE:
        arr = np.asarray(values, dtype=np.float64)
    elif kind is SeriesKind.TIMESTAMP:
        arr = to_ns_array(values)
    elif kind is SeriesKind.STRING:
        arr = _strings(values)
    elif kind is SeriesKind.UUID:
        arr = np.asarray([str(v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))) for v in values],
                         dtype=np.str_)
    else:
        raw = np.asarray(values)
        if raw.dtype.kind not in "iu":
            raw = np.asarray([int(Status[v] if isinstance(v, str) else v) for v in raw.ravel()])
        arr = raw.astype(np.int8)
    if arr.ndim != 1:
        raise ValueError(f"a series must be one-dimensional, got shape {arr.shape}")
    return arr


@dataclass(frozen=True, eq=False)
class SeriesData:
    """One named series; `index` (if any) is a series of the same length labelling each element.

    Build with `doubles`, `timestamps`, `strings`, `uuids` or `statuses` rather than directly.
    """

    name: str
    kind: SeriesKind
    values: npt.NDArray[Any]
    unit: str = ""
    index: SeriesData | None = None

    def __len__(self) -> int:
        return int(self.values.shape[0])


@dataclass(frozen=True, eq=False)
class GroupedData:
    """Per-category series (category → values), optionally indexed by a grouped index of equal shape."""

    name: str
    kind: SeriesKind
    categories: Mapping[str, npt.NDArray[Any]] = field(default_factory=dict)
    unit: str = ""
    index: GroupedData | None = None


@dataclass(frozen=True, eq=False)
class ExternalFileData:
    """A file (e.g. an image) placed next to metrics.binproto; `path` is relative to that directory."""

    name: str
    path: str


Data = SeriesData | GroupedData | ExternalFileData


def doubles(name: str, values: Any, *, unit: str = "", index: SeriesData | None = None) -> SeriesData:
    """A DOUBLE series (ints and bools are converted)."""
    return SeriesData(name, SeriesKind.DOUBLE, normalise(SeriesKind.DOUBLE, values), unit, index)


def timestamps(name: str, values: Any, *, index: SeriesData | None = None) -> SeriesData:
    """A TIMESTAMP series from datetime64, int nanoseconds or float seconds."""
    return SeriesData(name, SeriesKind.TIMESTAMP, normalise(SeriesKind.TIMESTAMP, values), "", index)


def strings(name: str, values: Any, *, unit: str = "", index: SeriesData | None = None) -> SeriesData:
    """A STRING series (state names, labels)."""
    return SeriesData(name, SeriesKind.STRING, normalise(SeriesKind.STRING, values), unit, index)


def uuids(name: str, values: Iterable[uuid.UUID | str], *, index: SeriesData | None = None) -> SeriesData:
    """A UUID series (written as canonical lowercase text)."""
    return SeriesData(name, SeriesKind.UUID, normalise(SeriesKind.UUID, values), "", index)


def statuses(name: str, values: Any, *, index: SeriesData | None = None) -> SeriesData:
    """A METRIC_STATUS series from `Status` members, their numbers or their names."""
    return SeriesData(name, SeriesKind.STATUS, normalise(SeriesKind.STATUS, values), "", index)


def grouped(
    name: str,
    kind: SeriesKind,
    categories: Mapping[str, Any],
    *,
    unit: str = "",
    index: GroupedData | None = None,
) -> GroupedData:
    """Per-category data; categories keep their insertion order."""
    return GroupedData(name, kind, {str(k): normalise(kind, v) for k, v in categories.items()}, unit, index)


def group_by(
    data: SeriesData, by: SeriesData, *, name: str | None = None, index_name: str | None = None
) -> GroupedData:
    """Partition `data` by the value of `by` at each position (categories in order of first appearance).

    An index of `data` is partitioned the same way into `<index name>-grouped-by-<by name>`.
    """
    if len(data) != len(by):
        raise ValueError(f"cannot group {data.name!r} ({len(data)}) by {by.name!r} ({len(by)}): lengths differ")
    keys = by.values.astype(object) if by.values.dtype.kind in "OU" else by.values.astype(np.str_)
    cats, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    suffix = f"-grouped-by-{by.name}"
    index = None
    if data.index is not None:
        index = group_by(data.index, by, name=index_name or f"{data.index.name}{suffix}")
    parts = {str(cats[c]): data.values[inverse == c] for c in order}
    return GroupedData(name or f"{data.name}{suffix}", data.kind, parts, data.unit, index)


def external_file(name: str, path: str) -> ExternalFileData:
    """A file next to metrics.binproto (relative `path`), e.g. an image for an image metric."""
    return ExternalFileData(name, path)


def same_shape_statuses(name: str, like: Data, per_point: Any) -> Data:
    """A status data shaped like `like` (same length or categories, same index).

    `per_point` is a status number for every point (an array as long as `like`, or for grouped
    data a mapping category → array), or a single `Status` broadcast to every point.
    """
    if isinstance(like, SeriesData):
        arr = np.broadcast_to(np.asarray(per_point, dtype=np.int8), (len(like),))
        return SeriesData(name, SeriesKind.STATUS, np.array(arr, dtype=np.int8), "", like.index)
    if isinstance(like, GroupedData):
        parts = {}
        for cat, values in like.categories.items():
            point = per_point[cat] if isinstance(per_point, Mapping) else per_point
            parts[cat] = np.array(np.broadcast_to(np.asarray(point, dtype=np.int8), values.shape), dtype=np.int8)
        return GroupedData(name, SeriesKind.STATUS, parts, "", like.index)
    raise TypeError(f"external file data {like.name!r} has no points to give statuses to")
