"""MCAP with ROS 2 (CDR) and ROS 1 messages: every field a channel, arrays by index, rosbag2's own bags."""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mcap.reader import make_reader
from mcap.writer import CompressionType, Writer
from mcap_ros2.decoder import DecoderFactory
from mcap_ros2.writer import Writer as Ros2Writer
from source_helpers import load, times, values

from metrics_build.channels import ChannelKind
from metrics_build.sources._flatten import MAX_LIST_ITEMS

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus" / "ros2-mcap"
POSE = """std_msgs/Header header
geometry_msgs/Point position
float64[3] gains
float32[] ranges
uint8[] image
bool moving
string mode
int8 level
================================================================================
MSG: std_msgs/Header
builtin_interfaces/Time stamp
string frame_id
================================================================================
MSG: builtin_interfaces/Time
int32 sec
uint32 nanosec
================================================================================
MSG: geometry_msgs/Point
float64 x
float64 y
float64 z
"""


def _pose(i: int) -> dict[str, Any]:
    return {
        "header": {"stamp": {"sec": 100 + i, "nanosec": 5}, "frame_id": "map"},
        "position": {"x": 1.5 * i, "y": -2.0, "z": 0.25},
        "gains": [0.1, 0.2, 0.3],
        "ranges": [float(r) for r in range(i, i + MAX_LIST_ITEMS + 4)],
        "image": bytes(range(64)),
        "moving": i % 2 == 1,
        "mode": ["IDLE", "DRIVE", "STOP"][i],
        "level": -i,
    }


def test_ros2_fields_become_channels_by_path(tmp_path: Path) -> None:
    out = tmp_path / "logs" / "drive.mcap"
    out.parent.mkdir()
    with out.open("wb") as stream:
        writer = Ros2Writer(stream)
        schema = writer.register_msgdef("demo_msgs/msg/Pose", POSE)
        for i in range(3):
            writer.write_message("/robot/pose", schema, _pose(i), log_time=1_000 + i)
        writer.finish()
    loaded = load(out.parent)
    ch = loaded.channels
    assert values(ch["robot/pose.position.x"]) == [0.0, 1.5, 3.0]
    assert times(ch["robot/pose.position.x"]) == [1_000, 1_001, 1_002]
    assert values(ch["robot/pose.header.stamp.sec"]) == [100.0, 101.0, 102.0]
    assert values(ch["robot/pose.header.frame_id"]) == ["map"] * 3
    assert values(ch["robot/pose.gains.2"]) == [0.3] * 3
    # Variable arrays by index up to the cap; what is past it is counted, byte arrays left out.
    assert values(ch[f"robot/pose.ranges.{MAX_LIST_ITEMS - 1}"]) == [15.0, 16.0, 17.0]
    assert f"robot/pose.ranges.{MAX_LIST_ITEMS}" not in ch
    assert not [name for name in ch if ".image" in name]
    assert loaded.reports[0].values_dropped == {f"list items beyond {MAX_LIST_ITEMS}": 12}
    assert values(ch["robot/pose.moving"]) == [0.0, 1.0, 0.0]  # bools as 0/1
    assert ch["robot/pose.mode"].kind is ChannelKind.STATE
    assert values(ch["robot/pose.mode"]) == ["IDLE", "DRIVE", "STOP"]
    assert values(ch["robot/pose.level"]) == [0.0, -1.0, -2.0]
    assert loaded.reports[0].rows_read == 3 and loaded.reports[0].rows_skipped == 0


# ROS 1 messages are serialized by hand here (little endian; strings and variable arrays carry a
# uint32 length), so the reader is checked against the wire format, not against its own library.
ROS1_SCHEMA = """float64 x
int32 count
bool ok
string label
float32[] samples
uint8[] blob
geometry_msgs/Point p
================================================================================
MSG: geometry_msgs/Point
float64 x
float64 y
float64 z
"""


def _ros1_message(i: int) -> bytes:
    label = f"step {i}".encode()
    samples = [0.5 * i, 1.5]
    return (struct.pack("<diB", 2.5 * i, i, i % 2) + struct.pack("<I", len(label)) + label
            + struct.pack(f"<I{len(samples)}f", len(samples), *samples) + struct.pack("<I", 2) + b"\x01\x02"
            + struct.pack("<3d", 1.0, 2.0, float(i)))


def test_ros1_messages(tmp_path: Path) -> None:
    out = io.BytesIO()
    writer = Writer(out, compression=CompressionType.LZ4)
    writer.start(profile="ros1", library="test")
    schema = writer.register_schema(name="demo/Sample", encoding="ros1msg", data=ROS1_SCHEMA.encode())
    channel = writer.register_channel(topic="/sample", message_encoding="ros1", schema_id=schema)
    for i in range(3):
        writer.add_message(channel, log_time=5_000 + i, data=_ros1_message(i), publish_time=5_000 + i)
    writer.finish()  # type: ignore[no-untyped-call]
    (tmp_path / "bag.mcap").write_bytes(out.getvalue())
    ch = load(tmp_path).channels
    assert values(ch["sample.x"]) == [0.0, 2.5, 5.0]
    assert values(ch["sample.count"]) == [0.0, 1.0, 2.0]
    assert values(ch["sample.ok"]) == [0.0, 1.0, 0.0]
    assert values(ch["sample.label"]) == ["step 0", "step 1", "step 2"]
    assert values(ch["sample.samples.0"]) == [0.0, 0.5, 1.0] and values(ch["sample.samples.1"]) == [1.5] * 3
    assert values(ch["sample.p.z"]) == [0.0, 1.0, 2.0] and times(ch["sample.p.z"]) == [5_000, 5_001, 5_002]
    assert not [name for name in ch if "blob" in name]


def _scalar_fields(message: Any, prefix: str = "") -> dict[str, Any]:
    # The oracle: top-level and nested scalar fields of a message decoded by mcap_ros2 itself.
    found: dict[str, Any] = {}
    for name in message.__slots__:
        value = getattr(message, name)
        if isinstance(value, bool | int | float | str):
            found[prefix + name] = float(value) if not isinstance(value, str) else value
        elif hasattr(value, "__slots__"):
            found.update(_scalar_fields(value, f"{prefix}{name}."))
    return found


@pytest.mark.parametrize("case", sorted(p.name for p in CORPUS.iterdir()
                                        if "service" not in p.name and "wrong_rmw" not in p.name))
def test_rosbag2_topics_equal_what_mcap_ros2_decodes(case: Path) -> None:
    logs = CORPUS / case / "logs"
    (path,) = logs.iterdir()
    expected: dict[str, list[Any]] = {}
    with path.open("rb") as stream:
        for _, channel, _, decoded in make_reader(stream, decoder_factories=[DecoderFactory()]).iter_decoded_messages(
                log_time_order=False):
            for name, value in _scalar_fields(decoded).items():
                expected.setdefault(f"{channel.topic.lstrip('/')}.{name}", []).append(value)
    channels = load(logs).channels
    assert expected, "the oracle decoded nothing"
    for name, series in expected.items():
        assert values(channels[name]) == series, name


def test_rosbag2_service_events_are_decoded() -> None:
    # rosbag2 stores these under the service's own definition ("int64 a / int64 b --- int64 sum");
    # the decoded calls must add up: every response's sum is its request's a + b.
    channels = load(CORPUS / "rosbag2_cpp_test_rosbag2_cpp_bags_only_services" / "logs").channels
    topic = "add_two_ints/_service_event"
    by_time = {}
    sequence = channels[f"{topic}.info.sequence_number"]
    for time_ns, number in zip(times(sequence) or [], values(sequence), strict=True):
        by_time[time_ns] = number
    requests = {by_time[t]: (a, b) for t, a, b in zip(times(channels[f"{topic}.request.0.a"]) or [],
                                                       values(channels[f"{topic}.request.0.a"]),
                                                       values(channels[f"{topic}.request.0.b"]), strict=True)}
    responses = {by_time[t]: s for t, s in zip(times(channels[f"{topic}.response.0.sum"]) or [],
                                               values(channels[f"{topic}.response.0.sum"]), strict=True)}
    assert len(requests) == len(responses) == 6
    assert all(requests[n][0] + requests[n][1] == total for n, total in responses.items())
    assert set(values(channels[f"{topic}.info.event_type"])) <= {0.0, 1.0, 2.0, 3.0}
    stamps = np.array(values(channels[f"{topic}.info.stamp.sec"]))
    assert ((stamps > 1.6e9) & (stamps < 1.8e9)).all()  # 2023, as the bag's other topics say


def test_topics_and_service_events_in_one_bag() -> None:
    loaded = load(CORPUS / "rosbag2_tests_resources_mcap_bag_with_topics_and_service_events_"
                           "bag_with_topics_and_service_events" / "logs")
    names = set(loaded.channels)
    assert {"test_topic1.string_value", "test_service1/_service_event.request.0.int32_value",
            "test_service2/_service_event.response.0.string_value"} <= names
    assert loaded.reports[0].rows_skipped == 0
