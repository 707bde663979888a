#!/usr/bin/env python3
"""Benchmark the HTML view: `metrics-build view` on a file with one 1,000,000-point series (time, peak
RSS, page size) and how long headless Chromium takes from opening the page to all charts drawn, next
to the csv-table example's page.

Usage: .venv/bin/python scripts/bench_view.py [--points 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
READY = "document.body && document.body.dataset.ready === '1'"


def long_file(path: Path, n: int) -> Path:
    from metrics_build import model as m
    from metrics_build.writer import JobMetricsWriter

    rng = np.random.default_rng(0)
    values = np.sin(np.linspace(0, 20, n)) + rng.normal(0, 0.1, n)
    w = JobMetricsWriter(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-view-{n}"))
    t = m.timestamps("time", np.datetime64("2026-01-01") + np.arange(n) * np.timedelta64(1, "ms"))
    w.add_metric(m.DoubleOverTimeMetric(name="signal", series=[m.doubles("signal", values, index=t)],
                                        failures=[m.FailureDefinition(fails_above=1.2)]))
    w.write(path)
    return path


# The child reports its own peak from /proc: wait4's and getrusage's maxrss start from the parent's
# RSS at fork, which here holds the generated million points.
_CHILD = """
import sys
from metrics_build.cli import main
code = main(["-q", "view", sys.argv[1], "-o", sys.argv[2]])
peak = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print(peak, file=sys.stderr)
sys.exit(code)
"""


def render(file: Path, page: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `metrics-build view` in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, str(file), str(page)], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=True)
    wall = time.perf_counter() - start
    return wall, int(done.stderr.split()[-1]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from metrics_build.test_mode.run import run_test_mode
    from metrics_build.view.browser import Browser, find_chromium

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        big = long_file(root / "big" / "metrics.binproto", args.points)
        example = REPO / "examples" / "csv-table"
        run_test_mode(inputs=example / "inputs", outputs=root / "small", config_path=example / "metrics.toml",
                      job_id=None)
        rows = []
        for name, file in (("csv-table example", root / "small" / "metrics.binproto"),
                           (f"{args.points:,} points", big)):
            page = file.parent / "report.html"
            runs = [render(file, page) for _ in range(args.repeat)]
            walls = [r[0] for r in runs]
            rows.append([name, file.stat().st_size / 1e6, min(walls), statistics.median(walls),
                         max(r[1] for r in runs), page.stat().st_size / 1e6, page])
        chromium = find_chromium()
        for row in rows:
            if chromium is None:
                row.append(float("nan"))
                continue
            times = []
            with Browser(chromium) as browser:
                for _ in range(args.repeat):
                    report = browser.load(row[-1], ready=READY, probes={"ms": "Number(document.body.dataset.readyMs)"})
                    if not report.ready or report.errors:
                        print(f"bench: {row[0]}: not drawn cleanly: {report.errors}", file=sys.stderr)
                        return 1
                    times.append(report.values["ms"] / 1000)
            row.append(statistics.median(times))
        print("| file | metrics file MB | view best s | view median s | peak RSS MB | page MB "
              "| open to drawn s (median) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, size, best, median, rss, page_mb, _, drawn in rows:
            print(f"| {name} | {size:.1f} | {best:.2f} | {median:.2f} | {rss:.0f} | {page_mb:.2f} | {drawn:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
