"""The NumPy encoder produces exactly the series protobuf would, for every kind and extreme values."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from metrics_build.model import SeriesKind
from metrics_build.wire import metrics_pb2 as pb
from metrics_build.wire import uuid_pb2
from metrics_build.writer.encode import fill_series, varint


def reference_timestamps(ns: np.ndarray) -> pb.Series:
    """The same series built one message at a time with the protobuf API."""
    out = pb.Series()
    out.timestamps.SetInParent()
    for value in ns.tolist():
        seconds, nanos = divmod(value, 1_000_000_000)
        out.timestamps.series.add(seconds=seconds, nanos=nanos)
    return out


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.int64, st.integers(0, 50)))
def test_timestamps_match_the_protobuf_api_byte_for_byte(ns: np.ndarray) -> None:
    ours = pb.Series()
    fill_series(ours, SeriesKind.TIMESTAMP, ns)
    reference = reference_timestamps(ns)
    assert ours.SerializeToString(deterministic=True) == reference.SerializeToString(deterministic=True)


def test_extreme_timestamps_round_trip() -> None:
    ns = np.array([0, 1, -1, 999_999_999, -(2**63), 2**63 - 1, 1_700_000_000_123_456_789], dtype=np.int64)
    series = pb.Series()
    fill_series(series, SeriesKind.TIMESTAMP, ns)
    back = [t.seconds * 1_000_000_000 + t.nanos for t in series.timestamps.series]
    assert back == ns.tolist()
    assert all(0 <= t.nanos < 1_000_000_000 for t in series.timestamps.series)


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 50)))
def test_doubles_match_including_nan_inf_and_negative_zero(values: np.ndarray) -> None:
    ours = pb.Series()
    fill_series(ours, SeriesKind.DOUBLE, values)
    reference = pb.Series()
    reference.doubles.SetInParent()
    reference.doubles.series.extend(values.tolist())
    assert ours.SerializeToString() == reference.SerializeToString()


def test_statuses_strings_and_uuids_match_the_protobuf_api() -> None:
    statuses = np.array([1, 2, 3, 4, 5, 0], dtype=np.int8)
    ours = pb.Series()
    fill_series(ours, SeriesKind.STATUS, statuses)
    assert list(ours.statuses.series) == statuses.tolist()
    words = np.array(["nominal", "DEGRADED", "", "ünïcode"], dtype=np.str_)
    ours = pb.Series()
    fill_series(ours, SeriesKind.STRING, words)
    assert list(ours.strings.series) == words.tolist()
    ids = np.array(["00000000-0000-4000-8000-000000000001"], dtype=np.str_)
    ours = pb.Series()
    fill_series(ours, SeriesKind.UUID, ids)
    assert list(ours.uuids.series) == [uuid_pb2.UUID(data=ids[0])]


def test_empty_series_still_select_their_member() -> None:
    for kind, member in [(SeriesKind.DOUBLE, "doubles"), (SeriesKind.TIMESTAMP, "timestamps"),
                         (SeriesKind.STRING, "strings"), (SeriesKind.UUID, "uuids"), (SeriesKind.STATUS, "statuses")]:
        series = pb.Series()
        fill_series(series, kind, np.array([], dtype=np.float64 if kind is SeriesKind.DOUBLE else np.int64))
        assert series.WhichOneof("series") == member


def test_varint() -> None:
    assert varint(0) == b"\x00"
    assert varint(127) == b"\x7f"
    assert varint(128) == b"\x80\x01"
    assert varint(300) == b"\xac\x02"
