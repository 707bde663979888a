"""Report mode inside the image, run the way the platform runs it, against the emulator serving the example
history: ReSim's validator judges the output, and the same code outside the container writes the same bytes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from oracle import assert_resim_accepts

from metrics_build.emulator import Emulator

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
HISTORY = REPO / "examples" / "history"


def test_report_mode_against_emulator(run_container: Any, tmp_path: Path,
                                      fresh_outputs: Callable[[str], Path]) -> None:
    inputs = tmp_path / "inputs"
    outputs = fresh_outputs("outputs")
    with Emulator(history=HISTORY) as emulator:
        config = emulator.write_report_config(inputs / "report_config.json")
        config.chmod(0o644)  # the container's user is not the owner
        run = run_container(inputs=inputs, outputs=outputs, network="host")
        local = tmp_path / "local"
        proc = subprocess.run([sys.executable, "-m", "metrics_build", "run", "--inputs", str(inputs),
                               "--outputs", str(local)], capture_output=True, text=True, check=False, timeout=300)
        api_calls = [r for r in emulator.requests if r.server == "api"]
        store_calls = [r for r in emulator.requests if r.server == "store"]
    assert run.exit_code == 0, run.output
    assert proc.returncode == 0, proc.stderr
    msg = assert_resim_accepts(outputs / "metrics.binproto")
    assert "regression onset" in [m.name for m in msg.job_level_metrics.metrics]
    assert (outputs / "metrics.binproto").read_bytes() == (local / "metrics.binproto").read_bytes()
    assert run.changes == [], "the container wrote outside /tmp/resim/outputs"
    assert all(p.stat().st_uid == 10001 for p in outputs.rglob("*")), "not written by the non-root user"
    assert api_calls and all(r.authorization for r in api_calls)
    assert not store_calls, "report mode reads listings, not objects"
    assert emulator.token not in run.output
