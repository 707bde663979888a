"""Helpers for the view tests: tiny real PNG files, the ReSim-written fixture on disk, examples run
through test mode, and one shared headless Chromium."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

from resim_fixtures import resim_written_bytes

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent for p in (REPO / "examples").glob("*/inputs"))
READY = "document.body && document.body.dataset.ready === '1'"
# Charts drawn for metrics (the events timeline is drawn too, outside any metric card).
METRIC_PLOTS = "document.querySelectorAll('.metric .chart.js-plotly-plot[data-drawn]').length"
METRIC_CHART_DIVS = "document.querySelectorAll('.metric .chart').length"


def markup(page: str) -> str:
    """A page without the contents of its script elements (plotly.js holds links and data: images)."""
    return re.sub(r"<script([^>]*)>.*?</script>", r"<script\1></script>", page, flags=re.DOTALL)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid PNG of one colour, written by hand (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height))
            + chunk(b"IEND", b""))


def resim_written_dir(root: Path) -> Path:
    """ReSim's every-metric-type file at root/metrics.binproto with the images it names beside it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "metrics.binproto").write_bytes(resim_written_bytes())
    (root / "plot.png").write_bytes(png(64, 40, (30, 120, 200)))
    (root / "frames").mkdir(exist_ok=True)
    for i in range(2):
        (root / "frames" / f"{i}.png").write_bytes(png(48, 32, (200, 60 + 100 * i, 40)))
    return root / "metrics.binproto"


HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"
BREAKOUT = "</script><script>document.title='pwned'</script>"


def hostile_file(path: Path) -> Path:
    """A valid file whose every user text tries to inject markup: names, descriptions, units, tags,
    legends, states, labels, event names and a text metric with raw HTML and a javascript: link."""
    import uuid

    import numpy as np

    from metrics_build import model as m
    from metrics_build.writer import JobMetricsWriter

    w = JobMetricsWriter(uuid.uuid5(uuid.NAMESPACE_URL, "hostile"))
    t = m.timestamps(f"time {HOSTILE}", np.datetime64("2026-01-01") + np.arange(50) * np.timedelta64(100, "ms"))
    y = m.doubles(f"y {BREAKOUT}", np.linspace(0, 10, 50), unit=HOSTILE, index=t)
    scalar = w.add_metric(m.ScalarMetric(name=HOSTILE, value=3.0, unit=BREAKOUT, description=HOSTILE,
                                         tags=[(HOSTILE, BREAKOUT)], failure=m.FailureDefinition(fails_above=1),
                                         status=m.Status.FAIL_BLOCK))
    w.add_metric(m.DoubleOverTimeMetric(name=BREAKOUT, series=[y], y_axis_name=HOSTILE, legend=[HOSTILE]))
    states = m.strings(f"s {HOSTILE}", np.array([HOSTILE, "ok"] * 25), index=t)
    w.add_metric(m.StatesOverTimeMetric(name=f"states {HOSTILE}", states=[states], states_set=[HOSTILE, "ok"],
                                        failure_states=[HOSTILE]))
    labels = m.strings(f"labels {HOSTILE}", np.array([HOSTILE, BREAKOUT]))
    w.add_metric(m.BarChartMetric(name=f"bars {HOSTILE}", values=[m.doubles("bar values", [1.0, 2.0], index=labels)],
                                  x_axis_name=HOSTILE, legend=[BREAKOUT]))
    w.add_metric(m.TextMetric(name=f"text {BREAKOUT}", text=f"{HOSTILE}\n\n[click](javascript:document.title='pwned')"
                              f"\n\n![remote](https://example.com/x.png)\n\n{BREAKOUT}"))
    w.add_metric(m.PlotlyMetric(name=f"figure {HOSTILE}", figure={
        "data": [{"type": "bar", "x": [HOSTILE], "y": [1]}], "layout": {"title": {"text": BREAKOUT}}}))
    w.add_event(m.Event(name=HOSTILE, timestamp=np.datetime64("2026-01-01T00:00:01"), metrics=[scalar],
                        description=BREAKOUT, tags=[HOSTILE], status=m.Status.FAIL_BLOCK))
    w.write(path)
    return path


def long_series_file(path: Path, n: int, *, seed: int = 0) -> Path:
    """A file with one DOUBLE_OVER_TIME metric of `n` points (a noisy sine with a spike and a dip)."""
    import uuid

    import numpy as np

    from metrics_build import model as m
    from metrics_build.writer import JobMetricsWriter

    rng = np.random.default_rng(seed)
    values = np.sin(np.linspace(0, 20, n)) + rng.normal(0, 0.1, n)
    values[n // 3], values[2 * n // 3] = 50.0, -50.0
    w = JobMetricsWriter(uuid.uuid5(uuid.NAMESPACE_URL, f"long-{n}"))
    t = m.timestamps("time", np.datetime64("2026-01-01") + np.arange(n) * np.timedelta64(1, "ms"))
    w.add_metric(m.DoubleOverTimeMetric(name="signal", series=[m.doubles("signal", values, index=t)],
                                        failures=[m.FailureDefinition(fails_above=40.0)]))
    w.write(path)
    return path
