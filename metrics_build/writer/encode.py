"""Fill protobuf series from NumPy arrays at C speed.

Large series are encoded to protobuf bytes with vectorised NumPy and parsed into the message
(`ParseFromString` runs in C), instead of appending a million Python objects. Timestamps use
fixed-width (padded) varints, which every protobuf parser accepts; the message re-encodes them
minimally when serialized, so output bytes are canonical.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from metrics_build.model.enums import SeriesKind
from metrics_build.model.times import NS_PER_S
from metrics_build.wire import metrics_pb2 as pb
from metrics_build.wire import uuid_pb2


def varint(value: int) -> bytes:
    """The minimal protobuf varint of a non-negative int."""
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


_LOW7 = np.uint64(0x7F)


def _spread35(values: npt.NDArray[np.uint64], *, last: bool) -> npt.NDArray[np.uint8]:
    """The low 35 bits of each value as five 7-bit varint bytes: shape (n, 5).

    The bits are spread with whole-array shifts (a handful of passes over the array, no per-byte
    fancy indexing); every byte carries the continuation bit except the fifth when `last`.
    """
    out = values & _LOW7
    for k in range(1, 5):
        out |= (values & (_LOW7 << np.uint64(7 * k))) << np.uint64(k)
    out |= np.uint64(0x80808080 if last else 0x8080808080)
    return out.view(np.uint8).reshape(-1, 8)[:, :5]


def _padded_varints(values: npt.NDArray[np.uint64], width: int) -> npt.NDArray[np.uint8]:
    """Each value as a `width`-byte varint (5: values below 2**35; 10: any uint64): shape (n, width)."""
    if width == 5:
        return _spread35(values, last=True)
    out = np.empty((values.shape[0], 10), dtype=np.uint8)
    out[:, :5] = _spread35(values, last=False)
    out[:, 5:] = _spread35(values >> np.uint64(35), last=True)
    return out


def timestamp_series_bytes(ns: npt.NDArray[np.int64]) -> bytes:
    """The TimestampSeries message bytes for int64 nanoseconds (field 1, one Timestamp per element)."""
    seconds = np.floor_divide(ns, NS_PER_S)
    nanos = (ns - seconds * NS_PER_S).astype(np.uint64)
    # 5 varint bytes hold 35 bits: enough for non-negative seconds until year 3058; else use 10.
    fits = seconds.size == 0 or (int(seconds.min()) >= 0 and int(seconds.max()) < 1 << 35)
    width = 5 if fits else 10
    body = 1 + width + 1 + 5
    rows = np.empty((ns.shape[0], 2 + body), dtype=np.uint8)
    rows[:, 0] = 0x0A  # TimestampSeries.series, length-delimited
    rows[:, 1] = body
    rows[:, 2] = 0x08  # Timestamp.seconds, varint
    rows[:, 3 : 3 + width] = _padded_varints(seconds.astype(np.int64).view(np.uint64), width)
    rows[:, 3 + width] = 0x10  # Timestamp.nanos, varint
    rows[:, 4 + width :] = _padded_varints(nanos, 5)
    return rows.tobytes()


def _packed(payload: bytes) -> bytes:
    return b"\x0a" + varint(len(payload)) + payload


def fill_series(msg: pb.Series, kind: SeriesKind, values: npt.NDArray[Any]) -> None:
    """Set the member of `msg` for `kind` to `values` (normalised as in metrics_build.model.data)."""
    if kind is SeriesKind.DOUBLE:
        msg.doubles.ParseFromString(_packed(values.astype("<f8", copy=False).tobytes()))
    elif kind is SeriesKind.TIMESTAMP:
        msg.timestamps.ParseFromString(timestamp_series_bytes(values.astype(np.int64, copy=False)))
    elif kind is SeriesKind.STATUS:
        # Status numbers are < 128, so each packed varint is exactly one byte.
        msg.statuses.ParseFromString(_packed(values.astype(np.uint8).tobytes()))
    elif kind is SeriesKind.STRING:
        msg.strings.SetInParent()
        msg.strings.series.extend(values.tolist())
    else:
        msg.uuids.SetInParent()
        msg.uuids.series.extend(uuid_pb2.UUID(data=s) for s in values.tolist())
    # An empty series still selects its oneof member (the validator then reports it as empty).
    getattr(msg, _MEMBER[kind]).SetInParent()


_MEMBER = {
    SeriesKind.DOUBLE: "doubles",
    SeriesKind.TIMESTAMP: "timestamps",
    SeriesKind.UUID: "uuids",
    SeriesKind.STRING: "strings",
    SeriesKind.STATUS: "statuses",
}
