"""Fixtures for the container tests: a Docker client, the image built once per session with
scripts/build_image.sh, and `run_container`, which runs it the way the platform does.

The tests skip (with the reason) only when no Docker engine answers; a failing image build fails them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
IMAGE_TAG = os.environ.get("METRICS_BUILD_TEST_IMAGE", "metrics-build:test")
BUILD_TIMEOUT_S = 1200
RUN_TIMEOUT_S = 300


@dataclass(frozen=True)
class ContainerRun:
    """How a container ended: exit code, its combined output, and `docker diff` of its file system
    (every path it added, changed or deleted outside its mounts)."""

    exit_code: int
    output: str
    changes: list[dict[str, Any]]


@pytest.fixture(scope="session")
def docker_client() -> Iterator[Any]:
    try:
        import docker

        client = docker.from_env()
        client.ping()
    except Exception as exc:
        pytest.skip(f"no Docker engine answers: {exc}")
    yield client
    client.close()


@pytest.fixture(scope="session")
def image(docker_client: Any) -> str:
    """The image of the current checkout, built once per session by scripts/build_image.sh."""
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "build_image.sh"), "--tag", IMAGE_TAG],
        capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"scripts/build_image.sh exited {proc.returncode}:\n{proc.stderr[-4000:]}")
    return IMAGE_TAG


RunContainer = Callable[..., ContainerRun]


@pytest.fixture(scope="session")
def run_container(docker_client: Any, image: str) -> RunContainer:
    """Run the image (entrypoint `metrics-build`) with `inputs` mounted read only at /tmp/resim/inputs
    and `outputs` at /tmp/resim/outputs (no network unless given), wait, and return exit code, output
    and `docker diff`."""

    def run(*, inputs: Path | None = None, outputs: Path | None = None, command: list[str] | None = None,
            network: str = "none", image_tag: str | None = None,
            extra_volumes: dict[str, dict[str, str]] | None = None, **options: Any) -> ContainerRun:
        volumes: dict[str, dict[str, str]] = dict(extra_volumes or {})
        if inputs is not None:
            volumes[str(inputs)] = {"bind": "/tmp/resim/inputs", "mode": "ro"}
        if outputs is not None:
            volumes[str(outputs)] = {"bind": "/tmp/resim/outputs", "mode": "rw"}
        container = docker_client.containers.run(
            image_tag or image, command, volumes=volumes, network_mode=network, detach=True, **options
        )
        try:
            code = int(container.wait(timeout=RUN_TIMEOUT_S)["StatusCode"])
            output = container.logs(stdout=True, stderr=True).decode("utf-8", errors="replace")
            changes = [c for c in container.diff() or [] if not _is_mount_point(c["Path"], volumes)]
        finally:
            container.remove(force=True)
        return ContainerRun(code, output, changes)

    return run


def _is_mount_point(path: str, volumes: dict[str, dict[str, str]]) -> bool:
    # Docker itself creates a file mount's target (and so changes its parent directories).
    targets = [v["bind"] for v in volumes.values()]
    return any(path == t or t.startswith(path.rstrip("/") + "/") for t in targets)


@pytest.fixture
def fresh_outputs(tmp_path: Path) -> Callable[[str], Path]:
    """Makes new, empty outputs directories that the image's non-root user may write to."""

    def make(name: str = "outputs") -> Path:
        path = tmp_path / name
        path.mkdir(parents=True)
        path.chmod(0o777)
        return path

    return make
