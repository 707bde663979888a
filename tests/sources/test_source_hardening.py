"""Hostile inputs: each gives a skipped-and-counted row or a clean skip, never exit 5, a hang or a huge allocation."""

from __future__ import annotations

import io
import json
import logging
import os
import struct
import time
import zlib
from pathlib import Path

import lz4.frame
import pytest
import zstandard
from mcap.data_stream import RecordBuilder
from mcap.records import Channel, Chunk, DataEnd, Footer, Header, Message
from mcap.writer import MCAP0_MAGIC, Writer
from oracle import assert_resim_accepts
from source_helpers import load, steps, times, values, write_lines, write_text

from metrics_build.channels import SourceReport
from metrics_build.cli import main
from metrics_build.sources import SourceOptions, load_logs
from metrics_build.sources._columns import MAX_CHANNELS, MAX_TEXT
from metrics_build.sources._io import MAX_LINE_BYTES, line_chunks
from metrics_build.sources.discover import MAX_DIR_DEPTH
from metrics_build.sources.mcap_log import MAX_RECORD_BYTES


def _run(inputs: Path, outputs: Path) -> int:
    return main(["-q", "run", "--inputs", str(inputs), "--outputs", str(outputs)])


# --- timestamps outside int64 nanoseconds (before 1677-09-21, after 2262-04-11) ---------------------

def test_out_of_range_times_in_jsonl_skip_only_their_rows(tmp_path: Path) -> None:
    write_lines(tmp_path / "in" / "logs" / "metrics.jsonl", [
        {"step": 1, "ts": "1500-01-01T00:00:00Z", "x": 1},
        {"step": 2, "ts": "2024-01-01T00:00:00Z", "x": 2},
        {"step": 3, "ts": "2300-01-01T00:00:00Z", "x": 3},
        {"step": 4, "ts": 1e300, "x": 4},
        {"step": 5, "ts": "2024-01-01T00:00:01Z", "x": 5},
    ])
    loaded = load(tmp_path / "in" / "logs")
    assert values(loaded.channels["x"]) == [2.0, 5.0] and steps(loaded.channels["x"]) == [2, 5]
    assert times(loaded.channels["x"]) == [1_704_067_200_000_000_000, 1_704_067_201_000_000_000]
    assert dict(loaded.reports[0].skip_reasons) == {"invalid timestamp": 3}
    assert _run(tmp_path / "in", tmp_path / "out") == 0
    assert_resim_accepts(tmp_path / "out" / "metrics.binproto")


@pytest.mark.parametrize("name, text", [
    ("t.csv", "time,x\n1500-01-01,1\n2024-01-01,2\n2263-01-01T00:00:00Z,3\n99999999999999999999,4\n"),
    ("s.json", json.dumps([{"timestamp": "1500-01-01", "x": 1}, {"timestamp": "2024-01-01", "x": 2},
                           {"timestamp": "2263-01-01", "x": 3}, {"timestamp": 1e30, "x": 4}])),
])
def test_out_of_range_times_in_tables_skip_only_their_rows(tmp_path: Path, name: str, text: str) -> None:
    write_text(tmp_path / "in" / "logs" / name, text)
    loaded = load(tmp_path / "in" / "logs")
    assert values(loaded.channels["x"]) == [2.0]
    assert dict(loaded.reports[0].skip_reasons) == {"no timestamp": 3}
    assert _run(tmp_path / "in", tmp_path / "out") == 0


def test_emission_timestamps_beyond_int64(tmp_path: Path) -> None:
    write_lines(tmp_path / "emissions.resim.jsonl", [
        {"$metadata": {"topic": "ego", "timestamp": 2**63}, "$data": {"v": 1}},
        {"$metadata": {"topic": "ego", "timestamp": 5}, "$data": {"v": 2}},
    ])
    loaded = load(tmp_path)
    assert values(loaded.channels["ego.v"]) == [2.0]
    assert dict(loaded.reports[0].skip_reasons) == {"invalid timestamp": 1}


# --- MCAP built record by record, so chunks can lie about their size -------------------------------

def _records(*records: object) -> bytes:
    builder = RecordBuilder()
    for record in records:
        record.write(builder)  # type: ignore[attr-defined]
    return bytes(builder.end())


def _message(log_time: int, payload: bytes = b'{"v": 1.5}') -> Message:
    return Message(channel_id=1, log_time=log_time, publish_time=0, sequence=0, data=payload)


def _chunk(inner: bytes, compression: str, data: bytes, declared: int | None = None) -> Chunk:
    return Chunk(compression=compression, data=data, message_start_time=0, message_end_time=0,
                 uncompressed_crc=zlib.crc32(inner), uncompressed_size=len(inner) if declared is None else declared)


def _mcap(*middle: object) -> bytes:
    channel = Channel(id=1, schema_id=0, topic="/ctl", message_encoding="json", metadata={})
    return (MCAP0_MAGIC + _records(Header(profile="", library="test"), channel, *middle, DataEnd(data_section_crc=0),
                                   Footer(summary_start=0, summary_offset_start=0, summary_crc=0)) + MCAP0_MAGIC)


def test_mcap_log_time_beyond_int64_skips_the_message(tmp_path: Path) -> None:
    (tmp_path / "in" / "logs").mkdir(parents=True)
    (tmp_path / "in" / "logs" / "run.mcap").write_bytes(_mcap(_message(2**63), _message(2**64 - 1), _message(7)))
    loaded = load(tmp_path / "in" / "logs")
    assert values(loaded.channels["ctl.v"]) == [1.5] and times(loaded.channels["ctl.v"]) == [7]
    assert dict(loaded.reports[0].skip_reasons) == {"log time beyond int64 nanoseconds": 2}
    assert _run(tmp_path / "in", tmp_path / "out") == 0


def test_mcap_chunks_that_lie_about_their_size_are_skipped_with_bounded_memory(tmp_path: Path) -> None:
    inner = _records(_message(1))
    bomb = b"\0" * (16 << 20)  # what the lying chunks' data expand to: far beyond their declared size
    data = _mcap(
        _chunk(inner, "zstd", zstandard.ZstdCompressor().compress(inner), declared=1 << 40),
        _chunk(inner, "zstd", zstandard.ZstdCompressor().compress(bomb)),
        _chunk(inner, "lz4", lz4.frame.compress(bomb)),
        _chunk(inner, "zstd", b"not zstd at all"),
        _chunk(inner, "", inner),  # the one honest chunk
        _chunk(inner, "lz4", lz4.frame.compress(inner)),
    )
    (tmp_path / "run.mcap").write_bytes(data)
    loaded = load(tmp_path)
    assert values(loaded.channels["ctl.v"]) == [1.5, 1.5]
    reasons = dict(loaded.reports[0].skip_reasons)
    assert reasons.pop(f"MCAP chunk larger than {MAX_RECORD_BYTES >> 20} MiB") == 1
    assert sum(n for reason, n in reasons.items() if reason.startswith("damaged MCAP chunk")) == 3
    assert not [reason for reason in reasons if not reason.startswith("damaged MCAP chunk")]


# --- CSV header de-duplication is linear -----------------------------------------------------------

def test_thousands_of_repeated_header_names(tmp_path: Path) -> None:
    count = 4000  # an 8 KB header: cubic de-duplication took minutes
    write_text(tmp_path / "t.csv", ",".join(["a"] * count) + "\n" + ",".join(str(i) for i in range(count)) + "\n")
    started = time.perf_counter()
    channels = load(tmp_path).channels
    assert time.perf_counter() - started < 5
    assert list(channels)[:3] == ["a", "a_2", "a_3"] and len(channels) == count
    assert values(channels[f"a_{count}"]) == [float(count - 1)]


def test_repeated_names_never_collide_with_written_ones(tmp_path: Path) -> None:
    write_text(tmp_path / "t.csv", "a,a_2,a,a,,\n1,2,3,4,5,6\n")
    assert {name: values(ch) for name, ch in load(tmp_path).channels.items()} == {
        "a": [1.0], "a_2": [2.0], "a_3": [3.0], "a_4": [4.0], "column_5": [5.0], "column_6": [6.0]}


# --- surrogates, undecodable file names, empty keys ------------------------------------------------

def test_lone_surrogates_in_values_keys_and_topics(tmp_path: Path) -> None:
    logs = tmp_path / "in" / "logs"
    write_lines(logs / "metrics.jsonl", [
        '{"step": 1, "mode": "a\\ud800b", "k\\udfffey": 2, "ok": 1}',
        '{"step": 2, "mode": "\\ud83d\\ude00", "k\\udfffey": 3, "ok": 2}',
    ])
    write_lines(logs / "emissions.resim.jsonl", ['{"$metadata": {"topic": "t\\ud800"}, "$data": {"v": 1}}'])
    write_text(logs / "s.json", '[{"step": 0, "\\udc80": "\\udc80"}]')
    loaded = load(logs)
    assert values(loaded.channels["mode"]) == ["a\ufffdb", "\U0001f600"]  # a valid pair stays one character
    assert values(loaded.channels["k\ufffdey"]) == [2.0, 3.0]
    assert "t\ufffd.v" in loaded.channels and "\ufffd" in loaded.channels
    assert _run(tmp_path / "in", tmp_path / "out") == 0
    assert_resim_accepts(tmp_path / "out" / "metrics.binproto")


def test_file_names_that_are_not_utf8(tmp_path: Path) -> None:
    logs = tmp_path / "in" / "logs"
    logs.mkdir(parents=True)
    name = os.fsdecode(b"run-\xff\xfe.jsonl")
    (logs / name).write_text('{"step": 1, "x": 1}\n')
    loaded = load(logs)
    assert [r.path for r in loaded.reports] == ["run-\ufffd\ufffd.jsonl"]
    assert loaded.channels["x"].source == "run-\ufffd\ufffd.jsonl"
    assert _run(tmp_path / "in", tmp_path / "out") == 0
    assert_resim_accepts(tmp_path / "out" / "metrics.binproto")


def test_empty_keys_are_dropped_and_counted(tmp_path: Path) -> None:
    write_lines(tmp_path / "in" / "logs" / "metrics.jsonl", [
        {"step": 1, "": 1, " ": 2, "a": {"": 3, "b": 4}},
    ])
    write_text(tmp_path / "in" / "logs" / "t.csv", "x, ,y\n1,2,3\n")
    loaded = load(tmp_path / "in" / "logs")
    assert sorted(loaded.channels) == ["a.b", "column_2", "x", "y"]
    assert dict(loaded.reports[0].values_dropped) == {"empty name": 2, "empty key": 1}
    assert _run(tmp_path / "in", tmp_path / "out") == 0


# --- symbolic links, loops, FIFOs and deep trees ---------------------------------------------------

def test_links_inside_are_read_once_links_outside_never(tmp_path: Path) -> None:
    outside = tmp_path / "secret"
    write_lines(outside / "metrics.jsonl", [{"step": 1, "password": 42}])
    logs = tmp_path / "logs"
    write_lines(logs / "real" / "metrics.jsonl", [{"step": 1, "x": 1}])
    (logs / "to-real").symlink_to(logs / "real")              # a link to a directory inside: same files
    (logs / "alias.jsonl").symlink_to(logs / "real" / "metrics.jsonl")
    (logs / "secret-dir").symlink_to(outside)
    (logs / "secret.jsonl").symlink_to(outside / "metrics.jsonl")
    (logs / "passwd.csv").symlink_to("/etc/passwd")
    (logs / "loop").symlink_to(logs / "loop2")
    (logs / "loop2").symlink_to(logs / "loop")
    (logs / "self").symlink_to(logs)                           # a directory loop
    loaded = load(logs)
    assert list(loaded.channels) == ["x"] and values(loaded.channels["x"]) == [1.0]
    refused = {r.path: dict(r.skip_reasons) for r in loaded.reports if r.format == "-"}
    outside_reason = {"symbolic link leading outside logs/ (not followed)": 1}
    assert refused["secret-dir"] == refused["secret.jsonl"] == refused["passwd.csv"] == outside_reason
    assert [r.path for r in loaded.reports if r.format != "-"] == ["real/metrics.jsonl"]
    assert all(next(iter(refused[name])).startswith("unreadable (") for name in ("loop", "loop2"))


def test_fifos_are_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "metrics.jsonl")  # opening it would wait for a writer forever
    write_lines(tmp_path / "ok.jsonl", [{"step": 1, "x": 1}])
    assert [r.path for r in load(tmp_path).reports] == ["ok.jsonl"]


def test_a_deep_directory_tree_is_bounded(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    deep = tmp_path.joinpath(*["d"] * (MAX_DIR_DEPTH + 5))
    write_lines(deep / "metrics.jsonl", [{"step": 1, "deep": 1}])
    write_lines(tmp_path.joinpath(*["d"] * MAX_DIR_DEPTH) / "metrics.jsonl", [{"step": 1, "shallow": 1}])
    with caplog.at_level(logging.WARNING, logger="metrics_build.sources"):
        loaded = load(tmp_path)
    assert list(loaded.channels) == ["shallow"]
    assert {r.path: dict(r.skip_reasons) for r in loaded.reports if r.format == "-"} == {
        "(deeper directories)": {f"1 directories deeper than {MAX_DIR_DEPTH} levels not searched": 1}}
    assert any("deeper than" in message for message in caplog.messages)


def test_deeply_nested_json_documents(tmp_path: Path) -> None:
    write_text(tmp_path / "huge.json", "[" * 100_000 + "]" * 100_000)  # beyond any parser's depth
    write_text(tmp_path / "deep.json", json.dumps([{"step": 0, "x": 1, "n": json.loads('{"a":' * 200 + "1"
                                                                                     + "}" * 200)}]))
    loaded = load(tmp_path)
    by_path = {r.path: r for r in loaded.reports}
    assert dict(by_path["huge.json"].skip_reasons) == {"invalid JSON document": 1}
    assert values(loaded.channels["x"]) == [1.0]
    assert dict(by_path["deep.json"].values_dropped) == {"nested deeper than 32 levels": 1}


# --- bounded lines, channels; names in log lines ---------------------------------------------------

def test_a_line_longer_than_the_bound_is_skipped_and_counted() -> None:
    long_line = b'{"step": 2, "x": "' + b"y" * (MAX_LINE_BYTES + 10) + b'"}'
    stream = io.BytesIO(b'{"step": 1, "x": 1}\n' + long_line + b'\n{"step": 3, "x": 3}\n')
    report = SourceReport(path="m.jsonl", format="jsonl")
    lines = [line for chunk in line_chunks(stream, report=report) for line in chunk]
    assert lines == [b'{"step": 1, "x": 1}', b'{"step": 3, "x": 3}']
    assert dict(report.skip_reasons) == {f"line longer than {MAX_LINE_BYTES >> 20} MiB": 1}


def test_a_file_inventing_new_names_on_every_row_is_bounded(tmp_path: Path) -> None:
    rows = [{"step": i, f"id-{i}": 1.0} for i in range(MAX_CHANNELS + 7)]
    write_lines(tmp_path / "metrics.jsonl", rows)
    loaded = load(tmp_path)
    assert len(loaded.channels) == MAX_CHANNELS
    assert dict(loaded.reports[0].values_dropped) == {f"channels beyond {MAX_CHANNELS} in one file": 7}


def test_names_cannot_forge_log_lines(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    name = "x\nmetrics-build: ERROR: forged.jsonl"
    write_lines(tmp_path / name, [{"step": 1, "x": 1}, "oops\nnot json"])
    (tmp_path / "link\n.jsonl").symlink_to("/etc/hostname")
    with caplog.at_level(logging.INFO, logger="metrics_build.sources"):
        load_logs(tmp_path, SourceOptions())
    assert caplog.messages and not [m for m in caplog.messages if "\n" in m]
    assert any(repr(name) in m for m in caplog.messages)


def test_long_texts_are_cut_so_state_arrays_stay_small(tmp_path: Path) -> None:
    # One 1 MB text among short words would make every element of the channel's array 4 MB wide.
    write_lines(tmp_path / "metrics.jsonl", [{"step": i, "msg": "ok"} for i in range(1000)]
                + [{"step": 1000, "msg": "x" * 1_000_000}])
    loaded = load(tmp_path)
    msg = loaded.channels["msg"]
    assert msg.values.itemsize <= 4 * MAX_TEXT
    assert values(msg)[-1] == "x" * (MAX_TEXT - 1) + "…" and values(msg)[0] == "ok"
    assert dict(loaded.reports[0].values_dropped) == {f"text longer than {MAX_TEXT} characters cut": 1}


def test_a_chunk_whose_inner_length_claims_terabytes(tmp_path: Path) -> None:
    # The record's own length is honest; the chunk's records-length field inside it is not.
    inner = _records(_message(1))
    compression = b""
    body = (struct.pack("<QQQI", 0, 0, len(inner), zlib.crc32(inner)) + struct.pack("<I", len(compression))
            + compression + struct.pack("<Q", 1 << 62) + inner)
    lying = struct.pack("<BQ", 0x06, len(body)) + body
    channel = Channel(id=1, schema_id=0, topic="/ctl", message_encoding="json", metadata={})
    head = MCAP0_MAGIC + _records(Header(profile="", library="test"), channel, _message(0))
    (tmp_path / "run.mcap").write_bytes(head + lying)
    loaded = load(tmp_path)
    # Reads ask for no more than the file holds: the message inside is read, the missing end counted.
    assert values(loaded.channels["ctl.v"]) == [1.5, 1.5]
    assert [r for r in loaded.reports[0].skip_reasons if r.startswith("damaged MCAP")]


def test_a_schema_the_ros_parser_rejects_is_counted_per_schema(tmp_path: Path) -> None:
    out = io.BytesIO()
    writer = Writer(out)
    writer.start(profile="ros2", library="test")
    bad = writer.register_schema(name="demo/msg/Bad", encoding="ros2msg", data=b"float32 Bad-Name\n")
    good = writer.register_schema(name="demo/msg/Good", encoding="ros2msg", data=b"int32 n\n")
    for topic, schema, payload in (("/bad", bad, b"\x00\x01\x00\x00\x00\x00\x80\x3f"),
                                   ("/good", good, b"\x00\x01\x00\x00\x07\x00\x00\x00"),
                                   ("/short", good, b"\x00\x01\x00\x00\x07")):
        channel = writer.register_channel(topic=topic, message_encoding="cdr", schema_id=schema)
        writer.add_message(channel, log_time=10, data=payload, publish_time=10)
    writer.finish()  # type: ignore[no-untyped-call]
    (tmp_path / "run.mcap").write_bytes(out.getvalue())
    loaded = load(tmp_path)
    assert values(loaded.channels["good.n"]) == [7.0]
    assert dict(loaded.reports[0].skip_reasons) == {"cdr schema 'demo/msg/Bad' that cannot be decoded": 1,
                                                    "undecodable message on short": 1}
