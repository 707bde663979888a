"""Build directories of test-mode outputs (`DIR/<test>/metrics.binproto`) for the emulator.

Each test is written with the project's own writer (validated, deterministic), with values derived
from a seed so that tests can compute the expected numbers with NumPy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from metrics_build import model as m
from metrics_build.emulator import job_id_for
from metrics_build.platform import export_name
from metrics_build.writer import JobMetricsWriter

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@dataclass(frozen=True)
class TestSpec:
    """What one generated test holds (for expected values in assertions)."""

    __test__ = False

    name: str
    seed: int
    scalars: int
    series: int
    length: int
    image: bool
    status: m.Status

    def series_values(self, k: int) -> np.ndarray[Any, np.dtype[np.float64]]:
        """The values of exported series `k` (`export/channel_<k>`)."""
        rng = np.random.default_rng(self.seed * 1000 + k)
        return rng.normal(loc=k, scale=1.0 + self.seed % 3, size=self.length)

    def scalar_value(self, k: int) -> float:
        """The value of scalar metric `k` (`scalar_<k>`)."""
        return float(self.seed) * 0.5 + k


def write_test(root: Path, spec: TestSpec) -> Path:
    """Write `root/<spec.name>/metrics.binproto` (plus an image file when `spec.image`)."""
    test_dir = root / spec.name
    test_dir.mkdir(parents=True, exist_ok=True)
    writer = JobMetricsWriter(job_id_for(spec.name))
    for k in range(spec.scalars):
        status = spec.status if k == 0 else m.Status.PASSED
        writer.add_metric(m.ScalarMetric(name=f"scalar_{k}", value=spec.scalar_value(k), unit="m/s", status=status))
    for k in range(spec.series):
        writer.add_data(m.doubles(export_name(f"channel_{k}"), spec.series_values(k), unit="m"))
    if spec.series:
        states = np.array(["idle", "drive", "stop"])[np.arange(spec.length) % 3]
        writer.add_data(m.strings(export_name("state"), states))
        times = m.timestamps("time", np.arange(spec.length, dtype=np.int64) * 1_000_000_000)
        speed = m.doubles("speed", spec.series_values(0), unit="m/s", index=times)
        writer.add_metric(m.DoubleOverTimeMetric(name="speed over time", series=[speed]))
    if spec.image:
        (test_dir / "plot.png").write_bytes(PNG)
        writer.add_metric(m.ImageMetric(name="plot", image=m.external_file("plot image", "plot.png")))
    writer.write(test_dir / "metrics.binproto")
    return test_dir


def build_jobs_dir(root: Path, n_tests: int, *, scalars: int = 2, series: int = 3, length: int = 20,
                   image: bool = True) -> list[TestSpec]:
    """`n_tests` tests named `test_000`…; every third one warns, every fifth one blocks."""
    specs = []
    for i in range(n_tests):
        status = m.Status.FAIL_BLOCK if i % 5 == 4 else m.Status.FAIL_WARN if i % 3 == 2 else m.Status.PASSED
        spec = TestSpec(name=f"test_{i:03d}", seed=i, scalars=scalars, series=series, length=length,
                        image=image, status=status)
        write_test(root, spec)
        specs.append(spec)
    return specs


def add_job_only(root: Path, name: str, **fields: Any) -> Path:
    """A test directory with only `job.json` (e.g. an ERROR or CANCELLED test that wrote no metrics)."""
    test_dir = root / name
    test_dir.mkdir(parents=True, exist_ok=True)
    (test_dir / "job.json").write_text(json.dumps(fields), encoding="utf-8")
    return test_dir


__all__ = ["PNG", "TestSpec", "add_job_only", "build_jobs_dir", "write_test"]
