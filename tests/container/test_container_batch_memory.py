"""Batch mode inside the image under a memory limit smaller than the batch it aggregates.

The batch holds about 650 MB of test-mode output (72 tests of about 9 MB each); the container may use
512 MB (and no swap). The pre-streaming batch mode kept every fetched object and is killed by the
kernel here (exit 137, OOMKilled; checked by hand with that commit mounted into the same image); the
streaming one folds each test in, lets it go, and reads the cache again for the default histograms.
Its output must equal the same run's outside the container, byte for byte.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from emulator_fixtures import TestSpec, write_test
from oracle import assert_resim_accepts

from metrics_build import model as m
from metrics_build.emulator import Emulator

pytestmark = pytest.mark.docker

LIMIT = 512 * 1024 * 1024
TESTS = 72
DISTINCT = 4  # distinct 9 MB tests, hard-linked to fill the batch (what is served and decoded is the same)
LENGTH = 50_000  # points per exported series: about 9 MB a test


def _build_batch(root: Path) -> Path:
    pool, jobs = root / "pool", root / "jobs"
    sources = []
    for i in range(DISTINCT):
        status = m.Status.FAIL_WARN if i == 1 else m.Status.PASSED
        spec = TestSpec(name=f"seed_{i}", seed=i, scalars=5, series=20, length=LENGTH, image=False, status=status)
        sources.append(write_test(pool, spec) / "metrics.binproto")
    for i in range(TESTS):
        test_dir = jobs / f"test_{i:03d}"
        test_dir.mkdir(parents=True)
        os.link(sources[i % DISTINCT], test_dir / "metrics.binproto")
    return jobs


def test_batch_mode_larger_than_the_memory_limit(run_container: Any, tmp_path: Path,
                                                 fresh_outputs: Callable[[str], Path]) -> None:
    jobs = _build_batch(tmp_path)
    served = sum(f.stat().st_size for f in jobs.glob("*/metrics.binproto"))
    assert served > LIMIT * 1.2  # the batch does not fit in the container's memory
    inputs = tmp_path / "inputs"
    outputs = fresh_outputs("outputs")
    local = tmp_path / "local"
    with Emulator(jobs) as emulator:
        config = emulator.write_config(inputs / "batch_metrics_config.json")
        config.chmod(0o644)  # the container's user is not the owner
        run = run_container(inputs=inputs, outputs=outputs, network="host", mem_limit=LIMIT, memswap_limit=LIMIT)
        proc = subprocess.run([sys.executable, "-m", "metrics_build", "run", "--inputs", str(inputs),
                               "--outputs", str(local)], capture_output=True, text=True, check=False, timeout=600)
        downloads = [r for r in emulator.requests if r.server == "store"]
    assert run.exit_code == 0, run.output[-3000:]  # 137 would be the kernel's OOM kill
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "fetch cache" in run.output and "removed" in run.output  # disk use reported, temporary cache gone
    assert run.changes == []
    assert_resim_accepts(outputs / "metrics.binproto")
    assert (outputs / "metrics.binproto").read_bytes() == (local / "metrics.binproto").read_bytes()
    assert len(downloads) >= 2 * TESTS * 20  # both runs fetched every exported series
