#!/usr/bin/env python3
"""Benchmark: test mode end to end on a 1,000,000-row nested JSONL step log, against a bare orjson loop.

Generates `<workdir>/inputs/logs/metrics.jsonl` (1M rows, 5 numeric metrics per row, ~180 MB; fixed
seed, reused when present), then runs, each in a fresh subprocess and in the same session:

  * `orjson loop`: `for line in file: orjson.loads(line)` (the floor the goal is set against);
  * `json loop` (with --json): the same with the standard library's `json`;
  * `metrics-build run` with the built-in default config (every channel: min, max, mean, an
    over-time plot, an export), writing a validated metrics.binproto.

Wall time and peak RSS (`ru_maxrss` of the child) are measured per run; the best of `--repeat`
runs is reported. Goal: test mode no slower than the orjson loop, peak RSS at most 1.5x the file.

Usage: .venv/bin/python scripts/bench_test_mode.py [--rows 1000000] [--repeat 3] [--json] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
METRICS = ("loss", "accuracy", "grad_norm", "learning_rate", "throughput")


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write the nested step log (deterministic for a given `rows` and `seed`)."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    chunk = 100_000
    with tmp.open("w", encoding="ascii") as f:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            steps = np.arange(start, start + n)
            ts = 1_700_000_000.0 + steps * 0.05
            loss = 2.5 * np.exp(-steps / 300_000) + rng.normal(0, 0.05, n)
            acc = 1 - loss / 3 + rng.normal(0, 0.01, n)
            grad = np.abs(rng.normal(1.0, 0.3, n))
            lr = 3e-4 * (1 - steps / rows)
            thr = rng.normal(1200, 50, n)
            # Rounded like typical training logs; keeps the file near 180 bytes a row.
            loss, acc, grad, lr, thr = (np.round(loss, 10), np.round(acc, 10), np.round(grad, 10),
                                        np.round(lr, 12), np.round(thr, 6))
            f.writelines(
                f'{{"ts": {t!r}, "step": {s}, "metrics": {{"loss": {a!r}, "accuracy": {b!r}, '
                f'"grad_norm": {c!r}, "learning_rate": {d!r}, "throughput": {e!r}}}}}\n'
                for t, s, a, b, c, d, e in zip(ts.tolist(), steps.tolist(), loss.tolist(), acc.tolist(),
                                               grad.tolist(), lr.tolist(), thr.tolist(), strict=True)
            )
    tmp.replace(path)


def run_child(argv: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS bytes) of one child process; fails loudly on a non-zero exit."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{argv[0]} exited {code}:\n{stderr}")
    return wall, usage.ru_maxrss * 1024  # Linux reports KiB


def loop_argv(module: str, path: Path) -> list[str]:
    code = (f"import {module}\n"
            f"with open({str(path)!r}, 'rb') as f:\n"
            f"    for line in f:\n"
            f"        {module}.loads(line)\n")
    return [sys.executable, "-c", code]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="also time a stdlib json loop")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "metrics-build-bench-test-mode")
    args = parser.parse_args()

    log = args.workdir / f"rows-{args.rows}" / "inputs" / "logs" / "metrics.jsonl"
    if not log.is_file():
        print(f"generating {log} ...", flush=True)
        generate(log, args.rows)
    size = log.stat().st_size
    outputs = args.workdir / "outputs"
    cli = [str(Path(sys.executable).with_name("metrics-build")), "-q", "run",
           "--inputs", str(log.parent.parent), "--outputs", str(outputs)]

    cases = [("orjson loop", loop_argv("orjson", log))]
    if args.json:
        cases.append(("json loop", loop_argv("json", log)))
    cases.append(("metrics-build run (default config)", cli))
    results: dict[str, list[tuple[float, int]]] = {name: [] for name, _ in cases}
    for _ in range(args.repeat):
        for name, argv in cases:  # interleaved, so drifts in machine load hit every case alike
            results[name].append(run_child(argv))

    out_size = (outputs / "metrics.binproto").stat().st_size
    print(f"\n{dt.date.today()}  {platform.python_implementation()} {platform.python_version()}  "
          f"{os.cpu_count()} cores  rows={args.rows}  file={size / 1e6:.1f} MB  output={out_size / 1e6:.1f} MB")
    print(f"{'case':40} {'best s':>8} {'median s':>9} {'peak RSS MB':>12} {'RSS/file':>9}")
    for name, runs in results.items():
        walls = sorted(w for w, _ in runs)
        rss = max(r for _, r in runs)
        print(f"{name:40} {walls[0]:8.2f} {walls[len(walls) // 2]:9.2f} {rss / 1e6:12.1f} {rss / size:9.2f}")
    floor = min(w for w, _ in results["orjson loop"])
    ours = min(w for w, _ in results["metrics-build run (default config)"])
    peak = max(r for _, r in results["metrics-build run (default config)"])
    print(f"\ntest mode / orjson loop: {ours / floor:.2f}x (goal <= 1.0);  peak RSS / file: {peak / size:.2f} "
          f"(goal <= 1.5)")
    print(f"self: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (bench driver)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
