#!/usr/bin/env python3
"""Benchmark the JSONL step-log reader against a bare `orjson.loads` loop over the same lines.

    python scripts/bench_sources.py [--rows 1000000] [--repeat 3] [--file PATH] [--keep]

Generates (unless --file is given) a nested step log with 5 numeric metrics per row, then times,
each in a fresh process so peak RSS is its own: (1) a bare loop of `orjson.loads` over the lines,
(2) `metrics_build.sources.load_logs` on a directory holding the file (discovery, parsing, columns,
non-finite policy; two processes on two CPUs), (3) the JSONL reader forced to one process. Prints
best and median wall time and peak RSS (of the measured process; a forked worker's is not included),
as a markdown table.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson

METRICS = ("loss", "lr", "grad_norm", "accuracy", "tokens_per_s")


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """A nested step log like `{"ts": 1.7e9, "step": 0, "metrics": {...5 numbers}}`, written in blocks."""
    rng = np.random.default_rng(seed)
    with path.open("wb") as out:
        for start in range(0, rows, 100_000):
            count = min(100_000, rows - start)
            block = rng.standard_normal((count, len(METRICS)))
            lines = []
            for i in range(count):
                step = start + i
                b = block[i]
                row = {"ts": 1_700_000_000.0 + step * 0.05, "step": step,
                       "metrics": {"loss": abs(float(b[0])), "lr": 1e-4 * (1.0 + 0.01 * float(b[1])),
                                   "grad_norm": 3.0 * float(b[2]), "accuracy": float(b[3]),
                                   "tokens_per_s": 1000.0 + float(b[4])}}
                lines.append(orjson.dumps(row))
            out.write(b"\n".join(lines) + b"\n")


def _measure(kind: str, path: Path) -> dict[str, float]:
    start = time.perf_counter()
    if kind == "orjson":
        loads = orjson.loads
        with path.open("rb") as stream:
            for line in stream:
                loads(line)
        samples = 0
    elif kind == "reader":
        from metrics_build.sources import SourceOptions, load_logs

        loaded = load_logs(path.parent, SourceOptions())
        samples = sum(len(channel) for channel in loaded.channels.values())
    else:
        from metrics_build.sources import SourceOptions, jsonl_steps

        data = jsonl_steps.read(path, path.name, SourceOptions(), parallel_min_bytes=2**62)
        samples = sum(len(channel) for channel in data.channels)
    seconds = time.perf_counter() - start
    worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "peak_rss_mb": _peak_rss_mb(), "worker_peak_mb": worker_mb, "samples": samples}


def _peak_rss_mb() -> float:
    # VmHWM starts afresh at exec; ru_maxrss would include the parent's peak from before the fork.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(kind: str, path: Path) -> dict[str, float]:
    result = subprocess.run([sys.executable, __file__, "--measure", kind, "--file", str(path)],
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--file", type=Path, default=None, help="use this step log instead of generating one")
    parser.add_argument("--keep", action="store_true", help="keep the generated file (its path is printed)")
    parser.add_argument("--measure", choices=["orjson", "reader", "reader-1"], help=argparse.SUPPRESS)
    ns = parser.parse_args(argv)
    if ns.measure:
        print(json.dumps(_measure(ns.measure, ns.file)))
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench_sources_"))
    path = ns.file
    if path is None:
        path = tmp / "logs" / "metrics.jsonl"
        path.parent.mkdir()
        started = time.perf_counter()
        generate(path, ns.rows)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    size_mb = path.stat().st_size / 2**20
    results: dict[str, list[dict[str, float]]] = {"orjson": [], "reader": [], "reader-1": []}
    for _ in range(ns.repeat):
        for kind in results:  # interleaved, so machine load affects both alike
            results[kind].append(_run(kind, path))
    print(f"file: {size_mb:.0f} MiB, {ns.rows if ns.file is None else '?'} rows; repeats: {ns.repeat}\n")
    print("| what | best s | median s | peak RSS MiB | RSS / file | forked worker's peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    names = {"orjson": "bare `orjson.loads` loop", "reader": "`load_logs` (JSONL reader, columns)",
             "reader-1": "JSONL reader, one process (no fork)"}
    for kind, runs in results.items():
        secs = [r["seconds"] for r in runs]
        rss = max(r["peak_rss_mb"] for r in runs)
        worker = max(r["worker_peak_mb"] for r in runs)
        worker_text = f"{worker:.0f}" if worker else "-"
        print(f"| {names[kind]} | {min(secs):.2f} | {statistics.median(secs):.2f} | {rss:.0f} | {rss / size_mb:.2f} "
              f"| {worker_text} |")
    samples = {r["samples"] for r in results["reader"]}
    print(f"\nsamples read by load_logs: {sorted(samples)}")
    if ns.file is None and not ns.keep:
        path.unlink()
    elif ns.file is None:
        print(f"kept {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
