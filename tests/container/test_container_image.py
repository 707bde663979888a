"""The image itself: entrypoint, user, leanness, size, and how it fails on empty inputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from metrics_build import __version__

pytestmark = pytest.mark.docker

ADDED_MB_GOAL = 150


def test_entrypoint_user_and_config_location(docker_client: Any, image: str, run_container: Any) -> None:
    config = docker_client.images.get(image).attrs["Config"]
    assert config["Entrypoint"] == ["metrics-build"]
    assert not config["Cmd"]  # no arguments: `run` on the platform's paths
    assert config["User"] == "metrics"
    listing = run_container(entrypoint=["ls", "-A", "/etc/metrics-build"])
    assert listing.exit_code == 0
    assert listing.output.split() == ["README"]  # the place exists; images FROM ours add metrics.toml


def test_version(run_container: Any) -> None:
    run = run_container(command=["--version"])
    assert (run.exit_code, run.output.strip()) == (0, f"metrics-build {__version__}")


def test_runs_as_non_root(run_container: Any) -> None:
    run = run_container(entrypoint=["id"])
    assert run.exit_code == 0
    assert "uid=10001(metrics) gid=10001(metrics)" in run.output


def test_runtime_is_lean(run_container: Any) -> None:
    # No installer, no test dependencies, no ReSim oracle, no compiler in the runtime image.
    probe = ("import importlib.util as u; "
             "print([m for m in ('pip', 'setuptools', 'pytest', 'resim', 'grpc_tools', 'docker') if u.find_spec(m)])")
    run = run_container(entrypoint=["python", "-c", probe])
    assert (run.exit_code, run.output.strip()) == (0, "[]")
    run = run_container(entrypoint=["sh", "-c", "command -v gcc cc make || echo none"])
    assert run.output.strip() == "none"


def test_added_size_within_goal(docker_client: Any, image: str) -> None:
    attrs = docker_client.images.get(image).attrs
    base = attrs["Config"]["Labels"]["org.opencontainers.image.base.name"]
    added_mb = (attrs["Size"] - docker_client.images.get(base).attrs["Size"]) / 1e6
    assert 0 < added_mb <= ADDED_MB_GOAL, f"the project adds {added_mb:.0f} MB on top of {base}"


def test_empty_inputs_exit_2_and_write_nothing(run_container: Any, tmp_path: Path,
                                               fresh_outputs: Callable[[str], Path]) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    outputs = fresh_outputs("outputs")
    run = run_container(inputs=inputs, outputs=outputs)
    assert run.exit_code == 2, run.output
    errors = [line for line in run.output.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("metrics-build: error: logs directory"), run.output
    assert "Traceback" not in run.output
    assert list(outputs.iterdir()) == []
    assert run.changes == []


def test_no_mounts_is_the_same_as_empty_inputs(run_container: Any) -> None:
    run = run_container()
    assert run.exit_code == 2, run.output
    assert run.output.strip().splitlines()[-1].startswith("metrics-build: error: logs directory")
