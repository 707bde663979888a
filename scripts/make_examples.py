#!/usr/bin/env python3
"""(Re)create the log inputs of the six source examples, deterministically (fixed seeds).

    python scripts/make_examples.py [--root examples]

Writes `examples/<name>/inputs/logs/...` for jsonl-steps, emissions, json-samples, csv-table,
eval-runner and mcap. Reruns produce byte-identical files. Some files contain a few deliberately
malformed rows, so the examples also show the input report's skip counts.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.message_factory import GetMessageClass
from mcap.writer import CompressionType, Writer

START_NS = 1_714_564_800_000_000_000  # 2024-05-01T12:00:00Z
STATES = ("nominal", "nominal", "DEGRADED", "Nominal", "fault", "NOMINAL")


@dataclass(frozen=True)
class Drive:
    """A robot driving toward obstacles: one sample per tick, as columns."""

    t_s: np.ndarray
    speed: np.ndarray
    acceleration: np.ndarray
    distance: np.ndarray
    x: np.ndarray
    y: np.ndarray
    state: list[str]


def drive(n: int, dt: float, seed: int) -> Drive:
    """A plausible drive: speed follows a noisy profile, braking near obstacles, a fault episode."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) * dt
    target = 8.0 + 3.0 * np.sin(t / 9.0)
    speed = np.empty(n)
    v = 0.9 * target[0]
    for i in range(n):
        v += 0.15 * (target[i] - v) + rng.normal(0.0, 0.08)
        speed[i] = max(v, 0.0)
    acceleration = np.gradient(speed, dt)
    heading = np.cumsum(rng.normal(0.0, 0.01, n))
    x = np.cumsum(speed * np.cos(heading) * dt)
    y = np.cumsum(speed * np.sin(heading) * dt)
    distance = 40.0 - np.mod(x, 40.0) + rng.normal(0.0, 0.05, n)
    state = []
    for i in range(n):
        phase = (i * 6) // n
        word = STATES[phase]
        if distance[i] < 2.0:
            word = "DEGRADED"
        state.append(word)
    return Drive(t, speed, acceleration, distance, x, y, state)


def r4(value: Any) -> float:
    return round(float(value), 4)


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"{path} ({len(data)} bytes)")


def jsonl_steps(logs: Path) -> None:
    """A training run: nested rows, validation rows every 100 steps, two malformed lines."""
    rng = np.random.default_rng(11)
    lines = []
    for step in range(0, 3000, 5):
        loss = 2.3 * np.exp(-step / 900.0) + 0.05 + rng.normal(0.0, 0.02)
        metrics = {"loss": r4(loss), "lr": float(f"{3e-4 * min(1.0, (step + 5) / 300.0):.3e}"),
                   "grad_norm": r4(abs(rng.normal(1.0, 0.3))), "accuracy": r4(min(1.0, 1.0 - loss / 2.5))}
        if step % 100 == 0 and step:
            metrics["val_loss"] = r4(loss + 0.08 + rng.normal(0.0, 0.01))
        lines.append(json.dumps({"ts": round(1714564800.0 + step * 0.75, 3), "step": step, "metrics": metrics}))
    lines.insert(200, '{"ts": 1714565100.0, "step": 1000, "metrics": {"loss": 0.5')  # truncated write
    lines.insert(401, '{"ts": 1714565400.0, "metrics": {"loss": 0.3}}')  # no step
    write_bytes(logs / "metrics.jsonl", ("\n".join(lines) + "\n").encode())


def emissions(logs: Path) -> None:
    """A drive as ReSim emissions at 10 Hz, plus controller-state lines and hard-brake events."""
    d = drive(600, 0.1, seed=21)
    out = io.StringIO()
    previous = None
    for i in range(len(d.t_s)):
        ts = START_NS + i * 100_000_000
        ego = {"speed": r4(d.speed[i]), "acceleration": r4(d.acceleration[i]),
               "distance_to_obstacle": r4(d.distance[i]), "position": {"x": r4(d.x[i]), "y": r4(d.y[i])}}
        out.write(json.dumps({"$metadata": {"topic": "ego", "timestamp": ts}, "$data": ego}) + "\n")
        if d.state[i] != previous:
            out.write(json.dumps({"$metadata": {"topic": "controller", "timestamp": ts},
                                  "$data": {"state": d.state[i]}}) + "\n")
            previous = d.state[i]
        if d.acceleration[i] < -1.5:
            out.write(json.dumps({"$metadata": {"topic": "hard_brake", "timestamp": ts, "event": True},
                                  "$data": {"name": "hard brake", "deceleration": r4(-d.acceleration[i])}}) + "\n")
    write_bytes(logs / "emissions.resim.jsonl", out.getvalue().encode())


def json_samples(logs: Path) -> None:
    """A drive as one JSON document: ISO-8601 times, nested positions, units in metadata."""
    d = drive(400, 0.2, seed=31)
    samples = []
    for i in range(len(d.t_s)):
        ns = START_NS + i * 200_000_000
        seconds, frac = divmod(ns, 1_000_000_000)
        stamp = np.datetime_as_string(np.datetime64(seconds, "s")) + f".{frac // 1_000_000:03d}Z"
        samples.append({"timestamp": stamp, "speed": r4(d.speed[i]), "acceleration": r4(d.acceleration[i]),
                        "distance_to_obstacle": r4(d.distance[i]),
                        "position": {"x": r4(d.x[i]), "y": r4(d.y[i])}, "controller_state": d.state[i]})
    samples[57]["timestamp"] = "not a time"  # a broken record, skipped and counted
    document = {"metadata": {"robot": "rover-7", "units": {"speed": "m/s", "acceleration": "m/s^2",
                                                           "distance_to_obstacle": "m", "position.x": "m",
                                                           "position.y": "m"}},
                "samples": samples}
    write_bytes(logs / "drive.json", (json.dumps(document, indent=1) + "\n").encode())


def csv_table(logs: Path) -> None:
    """A drive as a CSV table with units in the header and one short row."""
    d = drive(1200, 0.05, seed=41)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["time_s", "speed [m/s]", "acceleration [m/s^2]", "distance_to_obstacle [m]", "controller_state"])
    for i in range(len(d.t_s)):
        writer.writerow([f"{1714564800 + d.t_s[i]:.2f}", r4(d.speed[i]), r4(d.acceleration[i]),
                         r4(d.distance[i]), d.state[i]])
    text = out.getvalue().splitlines(keepends=True)
    text.insert(300, "1714564815.00,7.1\n")  # a row cut short
    write_bytes(logs / "drive.csv", "".join(text).encode())


def eval_runner(logs: Path) -> None:
    """An RL evaluation: results per job and 64 episodes over 4 environments."""
    rng = np.random.default_rng(51)
    episodes = []
    cursor = [0, 0, 0, 0]
    for index in range(64):
        env = index % 4
        length = int(rng.integers(80, 400))
        success = bool(rng.random() < 0.7)
        reward = r4((200.0 if success else 40.0) - 0.2 * length + rng.normal(0.0, 5.0))
        episodes.append({"episode": index, "env_index": env, "start_step": cursor[env],
                         "end_step": cursor[env] + length - 1, "length": length, "success": success,
                         "reward": reward, "collisions": int(rng.integers(0, 3)) if not success else 0})
        cursor[env] += length
    rewards = np.array([e["reward"] for e in episodes])
    results = {
        "eval/pick_place": {"success_rate": r4(np.mean([e["success"] for e in episodes])),
                            "mean_reward": r4(rewards.mean()), "episodes": len(episodes), "policy": "ppo-v3"},
        "eval/pick_place_hard": {"success_rate": 0.41, "mean_reward": 61.2, "episodes": 32, "policy": "ppo-v3"},
    }
    write_bytes(logs / "results.json", (json.dumps(results, indent=2) + "\n").encode())
    lines = [json.dumps(e) for e in episodes]
    lines.insert(10, '{"episode": 999, "env_index": 1}')  # no boundaries: skipped and counted
    write_bytes(logs / "episodes.jsonl", ("\n".join(lines) + "\n").encode())


def _ego_state_class() -> Any:
    """A protobuf message type built at run time, so its schema can be embedded in the MCAP file."""
    fdp = descriptor_pb2.FileDescriptorProto(name="rover/ego_state.proto", package="rover", syntax="proto3")
    vec = fdp.message_type.add(name="Vec2")
    for number, name in enumerate(("x", "y"), start=1):
        vec.field.add(name=name, number=number, type=descriptor_pb2.FieldDescriptorProto.TYPE_DOUBLE,
                      label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
    mode = fdp.enum_type.add(name="DriveMode")
    for number, name in enumerate(("MANUAL", "AUTONOMOUS", "SAFE_STOP")):
        mode.value.add(name=name, number=number)
    msg = fdp.message_type.add(name="EgoState")
    double = descriptor_pb2.FieldDescriptorProto.TYPE_DOUBLE
    optional = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    for number, name in enumerate(("speed", "acceleration", "distance_to_obstacle"), start=1):
        msg.field.add(name=name, number=number, type=double, label=optional)
    msg.field.add(name="position", number=4, type=descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE,
                  type_name=".rover.Vec2", label=optional)
    msg.field.add(name="mode", number=5, type=descriptor_pb2.FieldDescriptorProto.TYPE_ENUM,
                  type_name=".rover.DriveMode", label=optional)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return GetMessageClass(pool.FindMessageTypeByName("rover.EgoState"))


def _schema_bytes(message_class: Any) -> bytes:
    fds = descriptor_pb2.FileDescriptorSet()
    fds.file.append(descriptor_pb2.FileDescriptorProto.FromString(message_class.DESCRIPTOR.file.serialized_pb))
    return fds.SerializeToString()


def mcap(logs: Path) -> None:
    """A drive recorded as MCAP: a protobuf `/ego/state` channel and a JSON `/controller` channel."""
    d = drive(500, 0.1, seed=61)
    ego_state = _ego_state_class()
    out = io.BytesIO()
    writer = Writer(out, compression=CompressionType.NONE)
    writer.start(profile="", library="metrics-build make_examples")
    proto_schema = writer.register_schema(name="rover.EgoState", encoding="protobuf", data=_schema_bytes(ego_state))
    ego = writer.register_channel(topic="/ego/state", message_encoding="protobuf", schema_id=proto_schema)
    controller = writer.register_channel(topic="/controller", message_encoding="json", schema_id=0)
    for i in range(len(d.t_s)):
        ns = START_NS + i * 100_000_000
        message = ego_state(speed=r4(d.speed[i]), acceleration=r4(d.acceleration[i]),
                            distance_to_obstacle=r4(d.distance[i]))
        message.position.x = r4(d.x[i])
        message.position.y = r4(d.y[i])
        message.mode = 2 if d.state[i] == "fault" else 1
        writer.add_message(ego, log_time=ns, data=message.SerializeToString(deterministic=True), publish_time=ns)
        if i % 5 == 0:
            payload = json.dumps({"state": d.state[i], "cpu_load": r4(0.3 + 0.2 * np.sin(i / 40.0))}).encode()
            writer.add_message(controller, log_time=ns, data=payload, publish_time=ns)
    writer.finish()  # type: ignore[no-untyped-call]
    write_bytes(logs / "drive.mcap", out.getvalue())


EXAMPLES = {
    "jsonl-steps": jsonl_steps,
    "emissions": emissions,
    "json-samples": json_samples,
    "csv-table": csv_table,
    "eval-runner": eval_runner,
    "mcap": mcap,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent / "examples")
    parser.add_argument("names", nargs="*", help=f"examples to make (default: all of {', '.join(EXAMPLES)})")
    ns = parser.parse_args(argv)
    unknown = [name for name in ns.names if name not in EXAMPLES]
    if unknown:
        parser.error(f"unknown example(s): {', '.join(unknown)}")
    for name in ns.names or EXAMPLES:
        EXAMPLES[name](ns.root / name / "inputs" / "logs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
