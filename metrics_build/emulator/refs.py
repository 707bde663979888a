"""The MetricsData a metric references, found by walking every message, repeated and map field.

Only message types that can hold a `MetricsDataId` are entered, so a large Plotly figure (a
`google.protobuf.Struct`, whose `fields` is a map) costs nothing to walk past.
"""

from __future__ import annotations

from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

_DATA_ID = "MetricsDataId"
_reaches: dict[str, bool] = {}


def data_ids(message: Message) -> list[str]:
    """Ids of every MetricsData that `message` references, in field order (map entries in key order)."""
    found: list[str] = []
    _walk(message, found)
    return found


def _walk(message: Message, found: list[str]) -> None:
    if message.DESCRIPTOR.name == _DATA_ID:
        found.append(message.id.data)  # type: ignore[attr-defined]
        return
    for fd, value in message.ListFields():
        target = fd.message_type
        if target is None:
            continue
        if target.GetOptions().map_entry:
            value_type = target.fields_by_name["value"].message_type
            if value_type is None or not _can_reach(value_type):
                continue
            items = [value[key] for key in sorted(value)]
        elif not _can_reach(target):
            continue
        else:
            items = list(value) if fd.is_repeated else [value]
        for item in items:
            _walk(item, found)


def _can_reach(descriptor: Descriptor) -> bool:
    """Whether a message of this type can (transitively, through any field) hold a MetricsDataId."""
    name = descriptor.full_name
    if name not in _reaches:
        seen: set[str] = set()
        stack = [descriptor]
        found = False
        while stack and not found:
            current = stack.pop()
            if current.full_name in seen:
                continue
            seen.add(current.full_name)
            found = current.name == _DATA_ID
            stack.extend(fd.message_type for fd in current.fields if fd.message_type is not None)
        _reaches[name] = found
    return _reaches[name]


__all__ = ["data_ids"]
