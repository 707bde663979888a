"""MCAP recordings (`*.mcap`): JSON, protobuf, ROS 2 (CDR) and ROS 1 channels.

Every numeric or text field of every message becomes channel `<topic>.<field path>` (leading `/` of
the topic dropped, nested messages by dotted path, arrays by index up to a cap, byte arrays left
out, enums as state words, bools 0/1) at the message's log time. Read as a stream in file order:
memory is bounded by one record and one decompressed chunk (each at most `MAX_RECORD_BYTES`); a
chunk claiming more, a message that cannot be decoded, a channel whose schema cannot be parsed and a
log time beyond int64 nanoseconds are skipped and counted, never fatal.
"""

from __future__ import annotations

import struct
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

import lz4.frame
import zstandard
from mcap.exceptions import McapError, RecordLengthLimitExceeded
from mcap.records import Channel, Chunk, Message, Schema
from mcap.stream_reader import StreamReader, breakup_chunk

from metrics_build.channels import SourceReport
from metrics_build.sources._columns import ColumnSet
from metrics_build.sources._io import paused_gc
from metrics_build.sources._mcap_decode import DECODE_ERRORS, Decode, Decoders
from metrics_build.sources._numbers import INT64_MAX
from metrics_build.sources._options import FileData, SourceOptions

FORMAT = "mcap"
MAX_RECORD_BYTES = 256 << 20
_TOO_BIG = f"MCAP chunk larger than {MAX_RECORD_BYTES >> 20} MiB"
# The mcap package signals damage with many exception types (its own, struct.error, ValueError,
# EOFError...); anything it raises while reading records means "the rest is unreadable".
_DAMAGE = (McapError, struct.error, ValueError, EOFError, IndexError, KeyError, RuntimeError, OverflowError,
           MemoryError, zstandard.ZstdError)


class _Capped:
    """A binary file whose reads never ask for more than what is left in it.

    The mcap reader reads a length field and then that many bytes; a damaged field claiming
    terabytes would otherwise make the file object allocate a buffer of that size up front.
    """

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream = stream
        self._size = size

    def read(self, length: int = -1) -> bytes:
        left = max(self._size - self._stream.tell(), 0)
        return self._stream.read(left if length < 0 else min(length, left))


def read(path: Path, rel: str, options: SourceOptions) -> FileData:
    """Read one MCAP file in file order; a damaged file keeps what was read before the damage.

    Raises:
        OSError: The file cannot be opened or read.
    """
    report = SourceReport(path=rel, format=FORMAT)
    size = path.stat().st_size
    if size == 0:
        return FileData(report=report)
    reader = _Reader(ColumnSet(rel, report))
    with path.open("rb") as stream, paused_gc():
        try:
            capped = cast(IO[bytes], _Capped(stream, size))  # the reader only ever calls read()
            records = StreamReader(capped, emit_chunks=True, record_size_limit=min(size, MAX_RECORD_BYTES)).records
            for record in records:
                if isinstance(record, Chunk):
                    for inner in _chunk_records(record, report):
                        reader.record(inner)
                else:
                    reader.record(record)
        except RecordLengthLimitExceeded:
            report.rows_read += 1
            report.skip(f"MCAP record larger than {MAX_RECORD_BYTES >> 20} MiB (rest of the file not read)")
        except _DAMAGE as exc:
            report.rows_read += 1
            report.skip(f"damaged MCAP data ({type(exc).__name__})")
    return FileData(report=report, channels=reader.columns.finish(options.nonfinite))


def _chunk_records(chunk: Chunk, report: SourceReport) -> list[Any]:
    """The records inside `chunk`, decompressed within its declared size; [] (counted) if unusable."""
    if chunk.uncompressed_size > MAX_RECORD_BYTES:
        report.rows_read += 1
        report.skip(_TOO_BIG)
        return []
    try:
        data = _decompress(chunk)
        if len(data) != chunk.uncompressed_size:
            raise ValueError("size differs from the declared one")
        return breakup_chunk(replace(chunk, compression="", data=data))
    except (*_DAMAGE, MemoryError) as exc:
        report.rows_read += 1
        report.skip(f"damaged MCAP chunk ({type(exc).__name__})")
        return []


def _decompress(chunk: Chunk) -> bytes:
    # Never more than one byte past the declared size: a chunk lying about its size cannot make
    # the reader allocate what its compressed data would expand to.
    limit = chunk.uncompressed_size + 1
    if chunk.compression == "":
        return chunk.data
    if chunk.compression == "zstd":
        parts = []
        total = 0
        with zstandard.ZstdDecompressor().stream_reader(BytesIO(chunk.data), read_across_frames=True) as source:
            while total < limit and (piece := source.read(limit - total)):
                parts.append(piece)
                total += len(piece)
        return b"".join(parts)
    if chunk.compression == "lz4":
        return bytes(lz4.frame.LZ4FrameDecompressor().decompress(chunk.data, max_length=limit))
    raise McapError(f"unsupported compression {chunk.compression!r}")


class _Reader:
    """Schemas, channels and per-channel decoders seen so far; messages into columns."""

    def __init__(self, columns: ColumnSet) -> None:
        self.columns = columns
        self.report = columns.report
        self.decoders = Decoders()
        self.schemas: dict[int, Schema] = {}
        self.channels: dict[int, Channel] = {}
        self.decode: dict[int, Decode | str] = {}

    def record(self, record: Any) -> None:
        if isinstance(record, Message):
            self.message(record)
        elif isinstance(record, Schema):
            self.schemas[record.id] = record
        elif isinstance(record, Channel):
            self.channels[record.id] = record

    def message(self, message: Message) -> None:
        report = self.report
        report.rows_read += 1
        channel = self.channels.get(message.channel_id)
        if channel is None:
            report.skip("message on an unknown channel")
            return
        if message.log_time > INT64_MAX:
            report.skip("log time beyond int64 nanoseconds")
            return
        decode = self.decode.get(channel.id)
        if decode is None:
            schema = self.schemas.get(channel.schema_id) if channel.schema_id else None
            decode = self.decode[channel.id] = self.decoders.for_channel(schema, channel.message_encoding)
        if isinstance(decode, str):
            report.skip(decode)
            return
        topic = channel.topic.lstrip("/")
        prefix = f"{topic}." if topic else ""
        try:
            fields = list(decode(message.data, report))
        except DECODE_ERRORS:
            report.skip(f"undecodable message on {topic or '(no topic)'}")
            return
        used = False
        for name, value in fields:
            used = self.columns.add(prefix + name, value, None, message.log_time) or used
        if not used:
            report.skip("no usable value")
