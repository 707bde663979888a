"""Proof of wire compatibility: our schema equals ReSim's field by field, enum value by enum value.

Only names of packages differ (`metrics_build.wire` vs `resim.metrics.proto` / `resim.proto`),
which never reach the bytes. Every message (nested ones and map entries included) is compared on
field numbers, names, types, cardinality, packing, explicit presence and oneof membership.
"""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FileDescriptor
from resim.metrics.proto import metrics_pb2 as resim_pb
from resim.utils.proto import uuid_pb2 as resim_uuid_pb

from metrics_build.wire import metrics_pb2 as pb
from metrics_build.wire import uuid_pb2

_PACKAGES = ("metrics_build.wire.", "resim.metrics.proto.", "resim.proto.")


def _local(full_name: str) -> str:
    for prefix in _PACKAGES:
        if full_name.startswith(prefix):
            return full_name[len(prefix):]
    return full_name  # google.protobuf.* keep their full names


def _enum(desc: EnumDescriptor) -> dict[str, Any]:
    return {"values": [(v.name, v.number) for v in desc.values], "closed": desc.is_closed}


def _message(desc: Descriptor) -> dict[str, Any]:
    fields = []
    for f in sorted(desc.fields, key=lambda f: f.number):
        oneof = f.containing_oneof
        fields.append({
            "number": f.number,
            "name": f.name,
            "type": f.type,
            "repeated": f.is_repeated,
            "packed": f.is_packed if f.is_repeated else None,
            "presence": f.has_presence,
            "oneof": None if oneof is None else (oneof.name, len(oneof.fields)),
            "message": None if f.message_type is None else _local(f.message_type.full_name),
            "enum": None if f.enum_type is None else _local(f.enum_type.full_name),
        })
    return {
        "fields": fields,
        "oneofs": sorted((o.name, tuple(sorted(f.number for f in o.fields))) for o in desc.oneofs),
        "map_entry": desc.GetOptions().map_entry,
        "nested": sorted(n.name for n in desc.nested_types),
        "enums": sorted(e.name for e in desc.enum_types),
    }


def _all_messages(desc: Descriptor) -> list[Descriptor]:
    return [desc, *(m for nested in desc.nested_types for m in _all_messages(nested))]


def _schema(*files: FileDescriptor) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    for file in files:
        for enum in file.enum_types_by_name.values():
            schema[f"enum {_local(enum.full_name)}"] = _enum(enum)
        for top in file.message_types_by_name.values():
            for message in _all_messages(top):
                schema[f"message {_local(message.full_name)}"] = _message(message)
                for enum in message.enum_types:
                    schema[f"enum {_local(enum.full_name)}"] = _enum(enum)
    return schema


OURS = _schema(pb.DESCRIPTOR, uuid_pb2.DESCRIPTOR)
THEIRS = _schema(resim_pb.DESCRIPTOR, resim_uuid_pb.DESCRIPTOR)


def test_same_messages_and_enums() -> None:
    assert sorted(OURS) == sorted(THEIRS)
    # 5 enums and 35 messages (UUID, HistogramMetricValues.Bucket and the map entry included).
    assert len(OURS) == 40


@pytest.mark.parametrize("name", sorted(THEIRS))
def test_each_message_and_enum_is_identical(name: str) -> None:
    assert OURS[name] == THEIRS[name]


def test_imports_are_the_same_well_known_types() -> None:
    ours = sorted(d.name for d in pb.DESCRIPTOR.dependencies)
    theirs = sorted(d.name for d in resim_pb.DESCRIPTOR.dependencies)
    assert [n for n in ours if n.startswith("google/")] == [n for n in theirs if n.startswith("google/")]
