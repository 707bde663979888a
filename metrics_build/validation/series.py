"""Series facts the rules need: which member a data type requires, lengths, shape agreement,
and the few element checks (status values, UUID text), done in NumPy or C where it matters.
"""

from __future__ import annotations

import numpy as np

from metrics_build.validation.context import is_valid_uuid
from metrics_build.wire import metrics_pb2 as pb

DOUBLE = pb.DOUBLE_SERIES_DATA_TYPE
TIMESTAMP = pb.TIMESTAMP_SERIES_DATA_TYPE
UUID = pb.UUID_SERIES_DATA_TYPE
STRING = pb.STRING_SERIES_DATA_TYPE
STATUS = pb.METRIC_STATUS_SERIES_DATA_TYPE
INDEXED_DOUBLE = pb.INDEXED_DOUBLE_SERIES_DATA_TYPE
INDEXED_TIMESTAMP = pb.INDEXED_TIMESTAMP_SERIES_DATA_TYPE
INDEXED_UUID = pb.INDEXED_UUID_SERIES_DATA_TYPE
INDEXED_STRING = pb.INDEXED_STRING_SERIES_DATA_TYPE
INDEXED_STATUS = pb.INDEXED_METRIC_STATUS_SERIES_DATA_TYPE
EXTERNAL_FILE = pb.EXTERNAL_FILE_DATA_TYPE

INDEXED_TYPES: frozenset[int] = frozenset(
    {INDEXED_DOUBLE, INDEXED_TIMESTAMP, INDEXED_UUID, INDEXED_STRING, INDEXED_STATUS}
)
ALL_SERIES_TYPES: frozenset[int] = frozenset(
    {DOUBLE, TIMESTAMP, UUID, STRING, STATUS} | INDEXED_TYPES
)
_KIND_OF_TYPE: dict[int, str] = {
    DOUBLE: "doubles", INDEXED_DOUBLE: "doubles",
    TIMESTAMP: "timestamps", INDEXED_TIMESTAMP: "timestamps",
    UUID: "uuids", INDEXED_UUID: "uuids",
    STRING: "strings", INDEXED_STRING: "strings",
}
# The platform's own status values; NO_METRIC_STATUS (0) inside a status series is not one of them.
_FIRST_STATUS, _LAST_STATUS = 1, max(pb.MetricStatus.values())


def kind_for(data_type: int) -> str:
    """The `Series` member a data type needs (the platform maps every other value to statuses)."""
    return _KIND_OF_TYPE.get(data_type, "statuses")


def series_length(series: pb.Series) -> int | None:
    """Number of elements, or None when no member of the `series` oneof is set. O(1)."""
    kind = series.WhichOneof("series")
    if kind is None:
        return None
    member: pb.DoubleSeries = getattr(series, kind)  # every member has a repeated `series`
    return len(member.series)


def disagreement(a: pb.MetricsData, b: pb.MetricsData) -> str | None:
    """Why `a` and `b` do not have the same shape (the platform's "agree" rule), or None.

    Same `data` member; equal lengths for series; for per-category data the same number of
    categories, every category of `a` present in `b`, and equal per-category lengths.
    """
    member_a, member_b = a.WhichOneof("data"), b.WhichOneof("data")
    if member_a is None:
        return "it holds no data"
    if member_a != member_b:
        return f"one holds {member_a}, the other {member_b or 'nothing'}"
    if member_a == "series":
        len_a, len_b = series_length(a.series), series_length(b.series)
        if len_a is None or len_b is None:
            return "a series has no values member"
        return None if len_a == len_b else f"lengths differ ({len_a} vs {len_b})"
    map_a = a.series_per_category.category_to_series
    map_b = b.series_per_category.category_to_series
    if len(map_a) != len(map_b):
        return f"category counts differ ({len(map_a)} vs {len(map_b)})"
    for key in sorted(map_a):
        if key not in map_b:
            return f"category {key!r} is missing from the other"
        len_a, len_b = series_length(map_a[key]), series_length(map_b[key])
        if len_a is None or len_b is None:
            return f"category {key!r} has a series with no values member"
        if len_a != len_b:
            return f"category {key!r} lengths differ ({len_a} vs {len_b})"
    return None


def bad_status_values(statuses: pb.MetricStatusSeries) -> list[int]:
    """Distinct values in a status series that are not a real status (0 or unknown), sorted."""
    if not len(statuses.series):
        return []
    values = np.asarray(statuses.series, dtype=np.int64)
    bad = values[(values < _FIRST_STATUS) | (values > _LAST_STATUS)]
    return sorted(int(v) for v in np.unique(bad))


def bad_uuid_values(uuids: pb.UUIDSeries) -> list[str]:
    """UUID-series elements that are not valid UUIDs (first few, in order)."""
    bad: list[str] = []
    for element in uuids.series:
        if not is_valid_uuid(element.data):
            bad.append(element.data)
            if len(bad) == 3:
                break
    return bad


def all_series(data: pb.MetricsData) -> list[tuple[str | None, pb.Series]]:
    """(category or None, Series) pairs of a data, categories in sorted order."""
    if data.WhichOneof("data") == "series":
        return [(None, data.series)]
    if data.WhichOneof("data") == "series_per_category":
        mapping = data.series_per_category.category_to_series
        return [(key, mapping[key]) for key in sorted(mapping)]
    return []
