"""Message decoders of MCAP channels (JSON, protobuf, ROS 2 CDR, ROS 1) and the walk of their fields.

Every decoder turns one message's bytes into `(dotted field path, value)` pairs: nested messages by
dotted path (`pose.position.x`), arrays by index up to `MAX_LIST_ITEMS` (`ranges.0`), byte arrays
(`uint8[]` / `bytes`: images, point clouds) left out, protobuf enums by their value name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from mcap.records import Schema
from mcap_protobuf.decoder import DecoderFactory as ProtobufFactory

from metrics_build.channels import SourceReport
from metrics_build.sources._flatten import MAX_DEPTH, MAX_LIST_ITEMS, flatten
from metrics_build.sources._io import loads_lenient

Fields = Iterator[tuple[str, Any]]
Decode = Callable[[bytes, SourceReport], Fields]
_SKIPPED_PROTOBUF = frozenset(("google.protobuf.Timestamp", "google.protobuf.Duration"))
_BEYOND = f"list items beyond {MAX_LIST_ITEMS}"
_DEEP = f"nested deeper than {MAX_DEPTH} levels"
# The decoder libraries parse untrusted schemas and bytes and signal a bad one with whatever their
# parsers raise (DecodeError, struct.error, NameError from the ROS message parser, ...): at this
# boundary any exception means "this schema or message cannot be decoded", counted, never fatal.
DECODE_ERRORS = (Exception,)


def _factory(encoding: str) -> Any:
    """The mcap decoder factory of `encoding`, or None.

    The ROS packages are imported on first use: mcap-ros1-support alone takes ~0.25 s to import,
    which every run without a ROS bag would otherwise pay.
    """
    if encoding == "protobuf":
        return ProtobufFactory()
    if encoding == "cdr":
        from mcap_ros2.decoder import DecoderFactory as Ros2Factory

        return Ros2Factory()
    if encoding == "ros1":
        from mcap_ros1.decoder import DecoderFactory as Ros1Factory

        return Ros1Factory()
    return None


class Decoders:
    """Decoders per MCAP channel, built once from the channel's schema and message encoding."""

    def __init__(self) -> None:
        self._factories: dict[str, Any] = {}

    def for_channel(self, schema: Schema | None, encoding: str) -> Decode | str:
        """A decoder for messages of this encoding and schema, or why there is none."""
        if encoding == "json":
            return _json_fields
        if encoding not in self._factories:
            self._factories[encoding] = _factory(encoding)
        factory = self._factories[encoding]
        if factory is None:
            return f"unsupported message encoding {encoding or '(none)'}"
        if schema is None:
            return f"{encoding} channel without a schema"
        if encoding == "cdr":
            schema = service_event_schema(schema)
        try:
            parse = factory.decoder_for(encoding, schema)
        except DECODE_ERRORS:
            parse = None
        if parse is None:
            return f"{encoding} schema {schema.name!r} that cannot be decoded"
        return lambda data, report: message_fields(parse(data), report)


def _json_fields(data: bytes, report: SourceReport) -> Fields:
    document = loads_lenient(data)
    if not isinstance(document, dict):
        raise TypeError("not a JSON object")
    return flatten(document, report=report)


def message_fields(message: Any, report: SourceReport) -> Fields:
    """`(dotted path, value)` of every scalar in a decoded message (protobuf, ROS or JSON-like).

    Iterative, so no message can overflow the stack; nesting past `MAX_DEPTH` is dropped and counted.
    """
    stack: list[tuple[str, Iterator[tuple[str, Any]]]] = [("", _children(message, report))]
    while stack:
        base, children = stack[-1]
        for key, value in children:
            name = f"{base}{key}"
            if isinstance(value, bytes | bytearray):
                continue
            if isinstance(value, list | tuple | Mapping | Message) or hasattr(value, "__slots__"):
                if len(stack) > MAX_DEPTH:
                    report.drop(_DEEP)
                    continue
                stack.append((f"{name}.", _children(value, report)))
                break
            yield name, value
        else:
            stack.pop()


def _children(value: Any, report: SourceReport) -> Iterator[tuple[str, Any]]:
    if isinstance(value, list | tuple):
        if len(value) > MAX_LIST_ITEMS:
            report.drop(_BEYOND, len(value) - MAX_LIST_ITEMS)
        return ((str(i), item) for i, item in enumerate(value[:MAX_LIST_ITEMS]))
    if isinstance(value, Mapping):
        return ((str(k), v) for k, v in value.items() if str(k))
    if isinstance(value, Message):
        return _protobuf_children(value)
    # ROS 1 and ROS 2 messages decoded by the mcap support packages list their fields in __slots__.
    return ((name, getattr(value, name)) for name in value.__slots__ if not name.startswith("_"))


def _protobuf_children(message: Message) -> Iterator[tuple[str, Any]]:
    """Fields of a protobuf message: singular ones with defaults, repeated ones as lists."""
    field: Any
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.type == FieldDescriptor.TYPE_BYTES:
            continue
        if _is_repeated(field):
            entry = field.message_type
            if entry is not None and entry.GetOptions().map_entry:
                yield field.name, dict(value)
                continue
            if field.type == FieldDescriptor.TYPE_ENUM:
                value = [_enum_name(field, number) for number in value]
            yield field.name, list(value)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            kind = field.message_type.full_name if field.message_type is not None else ""
            if message.HasField(field.name) and kind not in _SKIPPED_PROTOBUF:
                yield field.name, value
        elif field.type == FieldDescriptor.TYPE_ENUM:
            yield field.name, _enum_name(field, value)
        else:
            yield field.name, value


def _enum_name(field: Any, number: int) -> str:
    value = field.enum_type.values_by_number.get(number) if field.enum_type is not None else None
    return value.name if value is not None else str(number)


def _is_repeated(field: Any) -> bool:
    # protobuf >= 5 offers `is_repeated`; `label` is the older spelling.
    flag = getattr(field, "is_repeated", None)
    if flag is not None:
        return bool(flag)
    return bool(field.label == FieldDescriptor.LABEL_REPEATED)


# rosbag2 (Iron and later) records service events under a schema holding the service's own
# definition ("request --- response") instead of the event message's; the event message is always
# this envelope around the two halves (service_msgs/msg/ServiceEventInfo, ROS 2 interface docs).
_SEPARATOR = "=" * 80
_EVENT_INFO = """uint8 REQUEST_SENT = 0
uint8 REQUEST_RECEIVED = 1
uint8 RESPONSE_SENT = 2
uint8 RESPONSE_RECEIVED = 3
uint8 event_type
builtin_interfaces/Time stamp
uint8[16] client_gid
int64 sequence_number"""


def service_event_schema(schema: Schema) -> Schema:
    """The full event-message schema of a rosbag2 service event channel; other schemas unchanged."""
    package, marker, name = schema.name.partition("/srv/")
    if not marker or not name.endswith("_Event") or schema.encoding != "ros2msg":
        return schema
    text = schema.data.decode("utf-8", "replace")
    main, _, dependencies = text.partition(_SEPARATOR)
    lines = main.splitlines()
    if lines.count("---") != 1:
        return schema
    cut = lines.index("---")
    service = name.removesuffix("_Event").replace("_", "")
    event = "\n".join([
        "service_msgs/ServiceEventInfo info",
        f"{package}/{service}Request[<=1] request",
        f"{package}/{service}Response[<=1] response",
        _SEPARATOR, "MSG: service_msgs/ServiceEventInfo", _EVENT_INFO,
        _SEPARATOR, "MSG: builtin_interfaces/Time", "int32 sec", "uint32 nanosec",
        _SEPARATOR, f"MSG: {package}/{service}Request", *lines[:cut],
        _SEPARATOR, f"MSG: {package}/{service}Response", *lines[cut + 1:],
    ])
    if dependencies:
        event += "\n" + _SEPARATOR + dependencies
    # The message parser only accepts plain CamelCase type names, so the envelope gets one.
    return Schema(id=schema.id, name=f"{package}/msg/{service}Event", encoding=schema.encoding,
                  data=event.encode())
