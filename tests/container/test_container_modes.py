"""Both modes inside the image, run the way the platform runs it; ReSim's validator judges the output."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from emulator_fixtures import build_jobs_dir
from oracle import assert_resim_accepts

from metrics_build.emulator import Emulator

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent for p in (REPO / "examples").glob("*/inputs"))
BAKED_DIR = "/etc/metrics-build"
BAKED_CONFIG = f"{BAKED_DIR}/metrics.toml"


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 3, "examples/<name>/inputs are what the container tests run on"


def _local_run(inputs: Path, outputs: Path, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "metrics_build", "run", "--inputs", str(inputs), "--outputs", str(outputs)]
    if config is not None:
        cmd += ["--config", str(config)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_test_mode_on_example(example: Path, run_container: Any, tmp_path: Path,
                              fresh_outputs: Callable[[str], Path]) -> None:
    outputs = fresh_outputs("outputs")
    config = example / "metrics.toml"
    # The example's config (and the Python metric modules beside it) go where an image built FROM
    # ours bakes them.
    volumes = {str(f): {"bind": f"{BAKED_DIR}/{f.name}", "mode": "ro"} for f in example.iterdir() if f.is_file()}
    run = run_container(inputs=example / "inputs", outputs=outputs, extra_volumes=volumes)
    assert run.exit_code == 0, run.output
    assert_resim_accepts(outputs / "metrics.binproto")
    assert run.changes == [], "the container wrote outside /tmp/resim/outputs"
    assert all(p.stat().st_uid == 10001 for p in outputs.rglob("*")), "not written by the non-root user"
    # The same code outside the container gives the same bytes (deterministic output).
    local = tmp_path / "local"
    proc = _local_run(example / "inputs", local, config if config.is_file() else None)
    assert proc.returncode == 0, proc.stderr
    assert (outputs / "metrics.binproto").read_bytes() == (local / "metrics.binproto").read_bytes()


def test_baked_config_is_used(docker_client: Any, image: str, run_container: Any, tmp_path: Path,
                              fresh_outputs: Callable[[str], Path]) -> None:
    # An image built FROM ours with a broken metrics.toml: the error names the baked file.
    context = tmp_path / "derived"
    context.mkdir()
    (context / "metrics.toml").write_text("this is = = not toml\n", encoding="utf-8")
    (context / "Dockerfile").write_text(f"FROM {image}\nCOPY metrics.toml {BAKED_CONFIG}\n", encoding="utf-8")
    derived, _ = docker_client.images.build(path=str(context), tag=f"{image}-derived", rm=True)
    try:
        run = run_container(inputs=EXAMPLES[0] / "inputs", outputs=fresh_outputs("outputs"),
                            image_tag=derived.id)
    finally:
        docker_client.images.remove(derived.id, force=True)
    assert run.exit_code == 2, run.output
    assert BAKED_CONFIG in run.output
    assert "Traceback" not in run.output


def test_batch_mode_against_emulator(run_container: Any, tmp_path: Path,
                                     fresh_outputs: Callable[[str], Path]) -> None:
    jobs = tmp_path / "jobs"
    build_jobs_dir(jobs, 6)
    inputs = tmp_path / "inputs"
    outputs = fresh_outputs("outputs")
    with Emulator(jobs) as emulator:
        config = emulator.write_config(inputs / "batch_metrics_config.json")
        config.chmod(0o644)  # the container's user is not the owner
        run = run_container(inputs=inputs, outputs=outputs, network="host")
        local = tmp_path / "local"
        proc = _local_run(inputs, local)
        api_calls = [r for r in emulator.requests if r.server == "api"]
    assert run.exit_code == 0, run.output
    assert proc.returncode == 0, proc.stderr
    assert_resim_accepts(outputs / "metrics.binproto")
    assert (outputs / "metrics.binproto").read_bytes() == (local / "metrics.binproto").read_bytes()
    assert run.changes == []
    assert api_calls and all(r.authorization for r in api_calls)
    assert emulator.token not in run.output
