"""MCAP: protobuf channels with embedded schemas, JSON channels, unsupported and damaged data."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.message_factory import GetMessageClass
from mcap.writer import CompressionType, Writer
from source_helpers import DROP, KEEP, load, times, values, write_text

from metrics_build.channels import ChannelKind

FDP = descriptor_pb2.FieldDescriptorProto


def _state_class() -> Any:
    fdp = descriptor_pb2.FileDescriptorProto(name="t/state.proto", package="t", syntax="proto3")
    inner = fdp.message_type.add(name="Inner")
    inner.field.add(name="x", number=1, type=FDP.TYPE_DOUBLE, label=FDP.LABEL_OPTIONAL)
    mode = fdp.enum_type.add(name="Mode")
    for number, name in enumerate(("OFF", "ON")):
        mode.value.add(name=name, number=number)
    msg = fdp.message_type.add(name="State")
    msg.field.add(name="speed", number=1, type=FDP.TYPE_DOUBLE, label=FDP.LABEL_OPTIONAL)
    msg.field.add(name="count", number=2, type=FDP.TYPE_INT64, label=FDP.LABEL_OPTIONAL)
    msg.field.add(name="label", number=3, type=FDP.TYPE_STRING, label=FDP.LABEL_OPTIONAL)
    msg.field.add(name="inner", number=4, type=FDP.TYPE_MESSAGE, type_name=".t.Inner", label=FDP.LABEL_OPTIONAL)
    msg.field.add(name="mode", number=5, type=FDP.TYPE_ENUM, type_name=".t.Mode", label=FDP.LABEL_OPTIONAL)
    msg.field.add(name="history", number=6, type=FDP.TYPE_DOUBLE, label=FDP.LABEL_REPEATED)
    msg.field.add(name="blob", number=7, type=FDP.TYPE_BYTES, label=FDP.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return GetMessageClass(pool.FindMessageTypeByName("t.State"))


def _mcap(json_payloads: list[bytes] | None = None, chunk_size: int = 1 << 20) -> bytes:
    state = _state_class()
    fds = descriptor_pb2.FileDescriptorSet()
    fds.file.append(descriptor_pb2.FileDescriptorProto.FromString(state.DESCRIPTOR.file.serialized_pb))
    out = io.BytesIO()
    writer = Writer(out, compression=CompressionType.NONE, chunk_size=chunk_size)
    writer.start(profile="", library="test")
    schema = writer.register_schema(name="t.State", encoding="protobuf", data=fds.SerializeToString())
    ego = writer.register_channel(topic="/ego", message_encoding="protobuf", schema_id=schema)
    ctl = writer.register_channel(topic="/ctl", message_encoding="json", schema_id=0)
    ros = writer.register_channel(topic="/ros", message_encoding="cdr", schema_id=0)
    for i in range(3):
        message = state(speed=1.5 * i, count=i, label=["nominal", "DEGRADED", "fault"][i], mode=i % 2,
                        history=[1.0, 2.0], blob=b"x")
        if i != 1:
            message.inner.x = 10.0 + i
        writer.add_message(ego, log_time=1_000 + i, data=message.SerializeToString(), publish_time=1_000 + i)
    for i, payload in enumerate(json_payloads or [b'{"cpu": 0.5, "mode": {"name": "auto"}}']):
        writer.add_message(ctl, log_time=2_000 + i, data=payload, publish_time=2_000 + i)
    writer.add_message(ros, log_time=3_000, data=b"\x00\x01", publish_time=3_000)
    writer.finish()  # type: ignore[no-untyped-call]
    return out.getvalue()


def test_protobuf_and_json_channels(tmp_path: Path) -> None:
    (tmp_path / "run.mcap").write_bytes(_mcap())
    loaded = load(tmp_path)
    ch = loaded.channels
    assert list(ch) == ["ego.speed", "ego.count", "ego.label", "ego.inner.x", "ego.mode", "ego.history.0",
                        "ego.history.1", "ctl.cpu", "ctl.mode.name"]
    assert values(ch["ego.history.1"]) == [2.0, 2.0, 2.0]  # repeated fields by index; bytes left out
    assert values(ch["ego.speed"]) == [0.0, 1.5, 3.0] and times(ch["ego.speed"]) == [1_000, 1_001, 1_002]
    assert values(ch["ego.count"]) == [0.0, 1.0, 2.0]
    assert ch["ego.label"].kind is ChannelKind.STATE and values(ch["ego.label"]) == ["nominal", "DEGRADED", "fault"]
    assert values(ch["ego.inner.x"]) == [10.0, 12.0] and times(ch["ego.inner.x"]) == [1_000, 1_002]
    assert values(ch["ego.mode"]) == ["OFF", "ON", "OFF"]
    assert values(ch["ctl.cpu"]) == [0.5] and times(ch["ctl.cpu"]) == [2_000]
    report = loaded.reports[0]
    assert (report.format, report.rows_read, report.rows_skipped) == ("mcap", 5, 1)
    assert dict(report.skip_reasons) == {"cdr channel without a schema": 1}


def test_malformed_json_messages_and_nonfinite_values(tmp_path: Path) -> None:
    (tmp_path / "run.mcap").write_bytes(_mcap([b'{"cpu": 1e308}', b"{broken", b"[1, 2]", b'{"cpu": NaN}',
                                               b'{"cpu": Infinity}', b'{"cpu": 0.25}']))
    dropped = load(tmp_path, DROP)
    assert values(dropped.channels["ctl.cpu"]) == [1e308, 0.25]
    assert dropped.reports[0].skip_reasons["undecodable message on ctl"] == 2
    assert dropped.reports[0].values_dropped == {"non-finite value": 2}
    kept = values(load(tmp_path, KEEP).channels["ctl.cpu"])
    assert kept[0] == 1e308 and math.isnan(kept[1]) and kept[2:] == [math.inf, 0.25]


def test_truncated_file_keeps_what_was_read(tmp_path: Path) -> None:
    data = _mcap(chunk_size=64)  # one chunk per message, so a cut loses only the tail
    cut = data.index(b"fault")  # inside the third /ego message
    (tmp_path / "run.mcap").write_bytes(data[:cut])
    loaded = load(tmp_path)
    assert values(loaded.channels["ego.speed"]) == [0.0, 1.5]
    report = loaded.reports[0]
    assert report.rows_read == 3 and report.rows_skipped == 1
    assert [reason for reason in report.skip_reasons if reason.startswith("damaged MCAP data")]


def test_empty_and_garbage_files(tmp_path: Path) -> None:
    write_text(tmp_path / "empty.mcap", "")
    write_text(tmp_path / "garbage.mcap", json.dumps({"not": "mcap"}))
    loaded = load(tmp_path)
    assert loaded.channels == {}
    by_path = {r.path: r for r in loaded.reports}
    assert by_path["empty.mcap"].rows_read == 0
    assert by_path["garbage.mcap"].rows_skipped == 1
