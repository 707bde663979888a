"""Ways to run `metrics-build run` on one inputs directory: a local subprocess, or a container.

Both capture the command's stdout and stderr into a log file and report the exit code, the start
and finish times and a one-line error. A run never raises for a failing test; it raises only when
the runner itself cannot work (no Docker engine, no image).
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from metrics_build.errors import InputError
from metrics_build.local_batch.manifest import utc_now

log = logging.getLogger(__name__)

CONTAINER_INPUTS = "/tmp/resim/inputs"
CONTAINER_OUTPUTS = "/tmp/resim/outputs"
CONTAINER_CONFIG_DIR = "/tmp/metrics-build-config"
_ERROR_CHARS = 500


@dataclass(frozen=True)
class Job:
    """One `metrics-build run`: the inputs directory (read only), the outputs directory, the config
    file (None: the command's own default chain), and whether the run needs the network (batch mode
    talks to the API; test mode never does)."""

    inputs: Path
    outputs: Path
    config: Path | None = None
    network: bool = False


@dataclass(frozen=True)
class RunResult:
    """How one run ended: exit code (None when it did not end by itself: stopped at the timeout, or its
    container could not start), times, error line."""

    exit_code: int | None
    started: datetime
    finished: datetime
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class Runner(Protocol):
    """Runs `metrics-build run` for a job, capturing its output into `log_path`; `run` is called from
    several threads at once, `cancel` from another thread to stop every run in flight."""

    description: str

    def run(self, job: Job, log_path: Path) -> RunResult: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


def error_line(output: str, exit_code: int | None) -> str | None:
    """The line that says why a run failed: its last `metrics-build: ... error` line, else its last
    line, else the exit code. None for a success."""
    if exit_code == 0:
        return None
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    chosen = next((line for line in reversed(lines) if line.startswith("metrics-build:") and "error" in line),
                  lines[-1] if lines else f"exited with code {exit_code}")
    return chosen[:_ERROR_CHARS]


class ProcessRunner:
    """Runs `python -m metrics_build run` as a child process of this interpreter."""

    def __init__(self, *, timeout: float | None) -> None:
        self.timeout = timeout
        self.description = "process"
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def command(self, job: Job) -> list[str]:
        cmd = [sys.executable, "-m", "metrics_build", "run", "--inputs", str(job.inputs),
               "--outputs", str(job.outputs)]
        if job.config is not None:
            cmd += ["--config", str(job.config)]
        return cmd

    def run(self, job: Job, log_path: Path) -> RunResult:
        started = utc_now()
        with log_path.open("wb") as sink, subprocess.Popen(
            self.command(job), stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT
        ) as child:
            with self._lock:
                self._running.add(child)
            try:
                code: int | None = child.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
                code = None
            except BaseException:  # interrupted: do not leave the child running
                child.kill()
                raise
            finally:
                with self._lock:
                    self._running.discard(child)
        return result_of(code, started, utc_now(), log_path, self.timeout)

    def cancel(self) -> None:
        with self._lock:
            running = list(self._running)
        for child in running:
            child.kill()

    def close(self) -> None:
        return None


class DockerRunner:
    """Runs the image's entrypoint (`metrics-build`) in a container, with the job's inputs mounted read
    only at /tmp/resim/inputs and its outputs at /tmp/resim/outputs, as the platform does."""

    def __init__(self, *, image: str, timeout: float | None) -> None:
        try:
            import docker
        except ImportError:
            raise InputError("--image needs the Docker SDK: pip install 'metrics-build[docker]'") from None
        try:
            self._client: Any = docker.from_env()
            self._client.ping()
        except docker.errors.DockerException as exc:
            raise InputError(f"--image {image}: no Docker engine answers ({exc})") from exc
        try:
            self._client.images.get(image)
        except docker.errors.ImageNotFound:
            raise InputError(f"--image {image}: no such image; build it with scripts/build_image.sh") from None
        self.image = image
        self.timeout = timeout
        self.description = f"docker:{image}"
        self._running: set[Any] = set()
        self._lock = threading.Lock()
        # As the invoking user, so outputs belong to them; root keeps the image's non-root user.
        self._user = None if os.getuid() == 0 else f"{os.getuid()}:{os.getgid()}"

    def _run_options(self, job: Job) -> dict[str, Any]:
        from docker.types import Mount

        mounts = [
            Mount(CONTAINER_INPUTS, str(job.inputs.resolve()), type="bind", read_only=True),
            Mount(CONTAINER_OUTPUTS, str(job.outputs.resolve()), type="bind"),
        ]
        if job.config is not None:
            # The config's whole directory: Python metric modules are looked up beside the config.
            mounts.append(Mount(CONTAINER_CONFIG_DIR, str(job.config.resolve().parent), type="bind",
                                read_only=True))
        options: dict[str, Any] = {
            "mounts": mounts,
            "detach": True,
            # Test mode needs no network; batch mode reaches the emulator on the host's loopback.
            "network_mode": "host" if job.network else "none",
            "labels": {"metrics-build.local-batch": "1"},
        }
        if self._user is not None:
            options["user"] = self._user
        return options

    def run(self, job: Job, log_path: Path) -> RunResult:
        import docker
        import requests

        if self._user is None:
            job.outputs.chmod(0o777)  # the image's user must be able to write there
        # No arguments: the entrypoint alone runs on the platform's paths, exactly as the platform runs it.
        command = None if job.config is None else \
            ["run", "--config", f"{CONTAINER_CONFIG_DIR}/{job.config.name}"]
        started = utc_now()
        try:
            container = self._client.containers.run(self.image, command, **self._run_options(job))
        except docker.errors.APIError as exc:  # this step fails; the others may still run
            log_path.write_text(f"docker: {exc}\n", encoding="utf-8")
            return RunResult(None, started, utc_now(), f"docker could not start the container: {exc}")
        with self._lock:
            self._running.add(container)
        code: int | None = None
        try:
            try:
                code = int(container.wait(timeout=self.timeout)["StatusCode"])
            except requests.exceptions.RequestException:  # the timeout: stop it, report it
                container.kill()
            finished = utc_now()
            log_path.write_bytes(container.logs(stdout=True, stderr=True))
        finally:
            with self._lock:
                self._running.discard(container)
            container.remove(force=True)
        return result_of(code, started, finished, log_path, self.timeout)

    def cancel(self) -> None:
        import docker

        with self._lock:
            running = list(self._running)
        for container in running:
            with contextlib.suppress(docker.errors.APIError):  # it may just have ended by itself
                container.kill()

    def close(self) -> None:
        self._client.close()


def make_runner(*, image: str | None, timeout: float | None) -> Runner:
    """A DockerRunner when an image is named, else a ProcessRunner."""
    if image is not None:
        return DockerRunner(image=image, timeout=timeout)
    return ProcessRunner(timeout=timeout)


def result_of(code: int | None, started: datetime, finished: datetime, log_path: Path,
            timeout: float | None) -> RunResult:
    """The outcome of one finished run: a timeout when there is no exit code, else the code and the
    error line its log ends with."""
    if code is None:
        return RunResult(None, started, finished, f"timed out after {timeout:g} s")
    return RunResult(code, started, finished, error_line(_read_text(log_path), code))


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")
