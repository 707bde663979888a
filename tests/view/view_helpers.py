"""Helpers for the view tests: tiny real PNG files, the ReSim-written fixture on disk, examples run
through test mode, and one shared headless Chromium."""

from __future__ import annotations

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
