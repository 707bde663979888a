"""MCAP recordings (`*.mcap`): JSON-encoded channels and protobuf channels with embedded schemas.

Every message field becomes channel `<topic>.<field>` (leading `/` of the topic dropped, nested
messages flattened to dotted names, repeated fields and bytes ignored, enums as state words) at the
message's log time. Channels in other encodings (ROS 1/2, CDR, ...) are skipped and counted.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message
from mcap.exceptions import McapError
from mcap.reader import NonSeekingReader
from mcap_protobuf.decoder import DecoderFactory

from metrics_build.channels import SourceReport
from metrics_build.sources._columns import ColumnSet
from metrics_build.sources._flatten import flatten
from metrics_build.sources._io import loads_lenient, paused_gc
from metrics_build.sources._options import FileData, SourceOptions

FORMAT = "mcap"
_SKIPPED_MESSAGES = frozenset(("google.protobuf.Timestamp", "google.protobuf.Duration"))
Decode = Callable[[bytes], Iterator[tuple[str, Any]]]


def read(path: Path, rel: str, options: SourceOptions) -> FileData:
    """Read one MCAP file in file order; a damaged file keeps what was read before the damage.

    Raises:
        OSError: The file cannot be opened or read.
    """
    report = SourceReport(path=rel, format=FORMAT)
    columns = ColumnSet(rel, report)
    size = path.stat().st_size
    if size == 0:
        return FileData(report=report)
    factory = DecoderFactory()
    decoders: dict[int, Decode | str] = {}
    with path.open("rb") as stream, paused_gc():
        try:
            # Streaming (not seeking via the summary) reads messages in file order and still
            # yields everything before a truncation; no record can be larger than the file.
            reader = NonSeekingReader(stream, record_size_limit=size)
            for schema, channel, message in reader.iter_messages(log_time_order=False):
                report.rows_read += 1
                decode = decoders.get(channel.id)
                if decode is None:
                    decode = decoders[channel.id] = _decoder(factory, schema, channel.message_encoding)
                if isinstance(decode, str):
                    report.skip(decode)
                    continue
                _message(decode, message.data, channel.topic.lstrip("/"), message.log_time, columns)
        # The mcap package signals damage with many exception types (its own, struct.error,
        # ValueError, EOFError...); anything it raises here means "the rest is unreadable".
        except (McapError, struct.error, ValueError, EOFError, IndexError, KeyError, RuntimeError) as exc:
            report.rows_read += 1
            report.skip(f"damaged MCAP data ({type(exc).__name__})")
    return FileData(report=report, channels=columns.finish(options.nonfinite))


def _message(decode: Decode, data: bytes, topic: str, log_time: int, columns: ColumnSet) -> None:
    try:
        fields = list(decode(data))
    except (DecodeError, TypeError):
        columns.report.skip("undecodable message")
        return
    used = False
    for name, value in fields:
        used = columns.add(f"{topic}.{name}", value, None, log_time) or used
    if not used:
        columns.report.skip("no usable value")


def _decoder(factory: DecoderFactory, schema: Any, encoding: str) -> Decode | str:
    if encoding == "json":
        return _json_fields
    if encoding == "protobuf":
        try:
            parse = factory.decoder_for(encoding, schema)
        except (McapError, TypeError, ValueError, DecodeError):
            parse = None
        if parse is None:
            return "protobuf channel without a usable schema"
        return lambda data: proto_fields(parse(data))
    return f"unsupported message encoding {encoding or '(none)'}"


def _json_fields(data: bytes) -> Iterator[tuple[str, Any]]:
    document = loads_lenient(data)
    if not isinstance(document, dict):
        raise TypeError("not a JSON object")
    return flatten(document)


def proto_fields(message: Message, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted name, value) for every scalar field of a protobuf message, defaults included."""
    field: Any
    for field in message.DESCRIPTOR.fields:
        if _is_repeated(field):
            continue
        name = f"{prefix}{field.name}"
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            kind = field.message_type.full_name if field.message_type is not None else ""
            if message.HasField(field.name) and kind not in _SKIPPED_MESSAGES:
                yield from proto_fields(getattr(message, field.name), f"{name}.")
        elif field.type == FieldDescriptor.TYPE_ENUM:
            number = getattr(message, field.name)
            value = field.enum_type.values_by_number.get(number) if field.enum_type is not None else None
            yield name, value.name if value is not None else str(number)
        elif field.type != FieldDescriptor.TYPE_BYTES:
            yield name, getattr(message, field.name)


def _is_repeated(field: Any) -> bool:
    # protobuf >= 5 offers `is_repeated`; `label` is the older spelling.
    flag = getattr(field, "is_repeated", None)
    if flag is not None:
        return bool(flag)
    return bool(field.label == FieldDescriptor.LABEL_REPEATED)
