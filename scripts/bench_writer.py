#!/usr/bin/env python3
"""Writer benchmark: one 1,000,000-point double-over-time metric plus 50 scalars.

Three columns, measured in one run on the same data:
  resim  ReSim's `ResimMetricsWriter` (resim-open-core, test-only): build its objects, write(),
         SerializeToString(); it does not validate.
  ours   our public API: build the model, `JobMetricsWriter.serialize()` (pack + validate +
         deterministic serialization).
  floor  a bare `SerializeToString()` of our finished message.

Usage: .venv/bin/python scripts/bench_writer.py [--points N] [--scalars K] [--repeat R] [--markdown]
Ours and the floor are the best of R runs; ReSim's writer runs once (it takes seconds).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np

from metrics_build import model as m
from metrics_build.validate import validate_job_metrics
from metrics_build.wire import metrics_pb2 as pb
from metrics_build.writer import JobMetricsWriter

JOB_ID = uuid.UUID("3f2b8c1e-5d4a-4c3b-9e2f-1a0b9c8d7e6f")
START_NS = 1_700_000_000 * 10**9
STEP_NS = 10_000_000  # 100 Hz


def _inputs(points: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(7)
    times = START_NS + np.arange(points, dtype=np.int64) * STEP_NS
    return times, rng.normal(10.0, 2.0, points)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def ours(times: np.ndarray[Any, Any], speeds: np.ndarray[Any, Any], scalars: int) -> bytes:
    """Our public API end to end: model objects, then build + validate + serialize."""
    writer = JobMetricsWriter(JOB_ID)
    time_data = m.timestamps("time", times)
    speed = m.doubles("speed", speeds, unit="m/s", index=time_data)
    writer.add_metric(m.DoubleOverTimeMetric(
        name="speed over time", series=[speed], failures=[m.FailureDefinition(fails_above=20.0)],
        y_axis_name="speed (m/s)", importance=m.Importance.HIGH))
    for i in range(scalars):
        writer.add_metric(m.ScalarMetric(name=f"scalar {i}", value=float(i), unit="m"))
    return writer.serialize()


def ours_phases(times: np.ndarray[Any, Any], speeds: np.ndarray[Any, Any], scalars: int) -> dict[str, float]:
    """The same work split into phases, to show where our time goes."""
    phases: dict[str, float] = {}
    start = time.perf_counter()
    writer = JobMetricsWriter(JOB_ID)
    speed = m.doubles("speed", speeds, unit="m/s", index=m.timestamps("time", times))
    writer.add_metric(m.DoubleOverTimeMetric(
        name="speed over time", series=[speed], failures=[m.FailureDefinition(fails_above=20.0)],
        y_axis_name="speed (m/s)", importance=m.Importance.HIGH))
    for i in range(scalars):
        writer.add_metric(m.ScalarMetric(name=f"scalar {i}", value=float(i), unit="m"))
    phases["model objects (incl. point statuses)"] = time.perf_counter() - start
    phases["pack (writer.build)"], msg = _timed(writer.build)
    phases["validate"], violations = _timed(lambda: validate_job_metrics(msg))
    assert violations == []
    phases["serialize (deterministic)"], _ = _timed(lambda: msg.SerializeToString(deterministic=True))
    return phases


def resim(times: np.ndarray[Any, Any], speeds: np.ndarray[Any, Any], scalars: int) -> tuple[dict[str, float], bytes]:
    """ReSim's writer doing the same work: objects, write(), SerializeToString()."""
    from resim.metrics.python.metrics import SeriesMetricsData
    from resim.metrics.python.metrics_utils import (
        DoubleFailureDefinition,
        MetricImportance,
        MetricStatus,
        Timestamp,
    )
    from resim.metrics.python.metrics_writer import ResimMetricsWriter

    phases: dict[str, float] = {}
    start = time.perf_counter()
    secs, nanos = np.divmod(times, 10**9)
    stamps = np.array([Timestamp(secs=int(s), nanos=int(n)) for s, n in zip(secs, nanos, strict=True)],
                      dtype=object)
    phases["timestamp objects"] = time.perf_counter() - start
    start = time.perf_counter()
    choices = np.array([MetricStatus.PASSED_METRIC_STATUS, MetricStatus.FAIL_WARN_METRIC_STATUS], dtype=object)
    statuses = choices[(speeds > 20.0).astype(np.intp)]
    writer = ResimMetricsWriter(JOB_ID)
    time_data = SeriesMetricsData("time", series=stamps)
    speed = SeriesMetricsData("speed", series=speeds, unit="m/s", index_data=time_data)
    status = SeriesMetricsData("speed status", series=statuses, index_data=time_data)
    (writer.add_double_over_time_metric("speed over time").append_doubles_over_time_data(speed)
     .append_statuses_over_time_data(status)
     .with_failure_definitions([DoubleFailureDefinition(fails_above=20.0, fails_below=None)])
     .with_y_axis_name("speed (m/s)").with_status(MetricStatus.PASSED_METRIC_STATUS)
     .with_importance(MetricImportance.HIGH_IMPORTANCE))
    for i in range(scalars):
        (writer.add_scalar_metric(f"scalar {i}").with_value(float(i)).with_unit("m")
         .with_status(MetricStatus.PASSED_METRIC_STATUS).with_importance(MetricImportance.MEDIUM_IMPORTANCE))
    phases["other objects"] = time.perf_counter() - start
    phases["write()"], output = _timed(writer.write)
    phases["SerializeToString()"], data = _timed(output.metrics_msg.SerializeToString)
    return phases, data


def _best(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    runs = [_timed(fn) for _ in range(repeat)]
    return min(r[0] for r in runs), runs[-1][1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--scalars", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-resim", action="store_true", help="only measure ours and the floor")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    args = parser.parse_args(argv)

    times, speeds = _inputs(args.points)
    ours(times[:10], speeds[:10], 1)  # warm up imports and caches outside the timings
    ours_total, our_bytes = _best(args.repeat, lambda: ours(times, speeds, args.scalars))
    phases = min((ours_phases(times, speeds, args.scalars) for _ in range(args.repeat)),
                 key=lambda p: sum(p.values()))
    finished = pb.JobMetrics.FromString(our_bytes)
    floor, _ = _best(args.repeat, finished.SerializeToString)
    floor_det, _ = _best(args.repeat, lambda: finished.SerializeToString(deterministic=True))

    from resim.metrics.proto import metrics_pb2 as resim_pb
    from resim.metrics.proto.validate_metrics_proto import validate_job_metrics as resim_validate

    resim_validate(resim_pb.JobMetrics.FromString(our_bytes))  # type: ignore[attr-defined] # ReSim's validator accepts our output
    rows = [("ours: build + validate + serialize (public API)", ours_total)]
    rows += [(f"  ours phase: {name}", t) for name, t in phases.items()]
    rows += [("floor: bare SerializeToString() of our message", floor),
             ("floor: SerializeToString(deterministic=True)", floor_det)]
    resim_total = None
    if not args.skip_resim:
        resim_phases, resim_bytes = resim(times, speeds, args.scalars)
        resim_validate(resim_pb.JobMetrics.FromString(resim_bytes))  # type: ignore[attr-defined]
        resim_total = sum(resim_phases.values())
        rows.append(("resim: ResimMetricsWriter, objects + write() + serialize", resim_total))
        rows += [(f"  resim phase: {name}", t) for name, t in resim_phases.items()]

    print(f"{args.points:,} points + {args.scalars} scalars; output {len(our_bytes):,} bytes; "
          f"Python {platform.python_version()}, {platform.machine()}")
    if args.markdown:
        print("\n| what | seconds |\n|---|---:|")
        for name, t in rows:
            print(f"| {name.strip()} | {t:.3f} |")
    else:
        for name, t in rows:
            print(f"{name:<62} {t:8.3f} s")
    print(f"ours / floor: {ours_total / floor:.1f}x (goal <= 3x)")
    if resim_total is not None:
        print(f"resim / ours: {resim_total / ours_total:.1f}x faster (goal >= 20x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
