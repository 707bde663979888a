"""The `Emulator`: starts the API server and the object-store server on loopback and hands out their configs."""

from __future__ import annotations

import json
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from metrics_build.emulator.api import API_PREFIX, ApiHandler
from metrics_build.emulator.faults import Faults
from metrics_build.emulator.handler import LoopbackServer
from metrics_build.emulator.history import load_history, single_batch
from metrics_build.emulator.models import job_json
from metrics_build.emulator.paths import resolved_root
from metrics_build.emulator.state import RequestRecord, State
from metrics_build.emulator.store import StoreHandler
from metrics_build.errors import InputError
from metrics_build.http.loopback import is_loopback_host as is_loopback


class Emulator:
    """The API server and the object-store server, both on loopback, serving one batch or a history.

    Use as a context manager:

        with Emulator(jobs_dir, faults=Faults(rate=0.2)) as emu:
            emu.write_config(inputs / "batch_metrics_config.json")
        with Emulator(history=history_dir) as emu:
            emu.write_report_config(inputs / "report_config.json")

    Attributes:
        token: The bearer token the API accepts (random unless given).
        project_id: The project's id.
        batch_id: The batch's id (with a history: the newest batch's).
        batch_ids: Every batch's id, oldest first.
        report_id: The id of the report over the served batches.
        requests: Every request seen so far (`RequestRecord`), for assertions (empty with
            `keep_log=False`, which a long-running server uses so that memory stays flat).
    """

    def __init__(self, jobs_dir: Path | None = None, *, history: Path | None = None, host: str = "127.0.0.1",
                 port: int = 0, store_port: int = 0, token: str | None = None, project_id: str | None = None,
                 batch_id: str | None = None, faults: Faults | None = None, max_page_size: int = 100,
                 extra_projects: int = 2, quirks: bool = False, keep_log: bool = True,
                 cache_size: int = 64) -> None:
        """Read what to serve and open both listening sockets (serving starts with `start`).

        Args:
            jobs_dir: One batch: `DIR/<test>/metrics.binproto` (and optional `job.json`).
            history: Instead of `jobs_dir`, a test suite's history: a directory of batches.
            host: A loopback address or a name that resolves to loopback only.
            cache_size: How many jobs' parsed contents are kept; the rest are read again when asked for.

        Raises:
            InputError: Neither or both of `jobs_dir` and `history`, a host that is not loopback, or
                unreadable inputs.
        """
        if not is_loopback(host):
            raise InputError(f"host {host}: the emulator only listens on loopback addresses")
        if jobs_dir is not None and history is None:
            catalog = single_batch(jobs_dir, project_id=project_id, batch_id=batch_id)
            root = resolved_root(jobs_dir)
        elif history is not None and jobs_dir is None:
            catalog, root = load_history(history, project_id=project_id), resolved_root(history)
        else:
            raise InputError("give the emulator either a jobs directory or a history directory")
        self.token = token or secrets.token_urlsafe(32)
        self.project_id = catalog.project_id
        self.batch_ids = [b.batch_id for b in catalog.batches]
        self.batch_id = self.batch_ids[-1]
        self.report_id = catalog.report.report_id
        self._host = host
        self._state = State(catalog=catalog, root=root, token=self.token, faults=faults or Faults(),
                            max_page_size=max_page_size, extra_projects=extra_projects, quirks=quirks,
                            cache_size=cache_size)
        self._state.keep_log = keep_log
        self._store_server = LoopbackServer((host, store_port), self._state, StoreHandler)
        try:
            self._api_server = LoopbackServer((host, port), self._state, ApiHandler)
        except BaseException:
            self._store_server.server_close()
            raise
        self._state.store_url = f"http://{self._url_host()}:{self._store_server.server_address[1]}"
        self._threads: list[threading.Thread] = []

    def _url_host(self) -> str:
        return f"[{self._host}]" if ":" in self._host else self._host

    @property
    def api_url(self) -> str:
        """The `apiURL` clients use (with the `/v1` base path)."""
        return f"http://{self._url_host()}:{self._api_server.server_address[1]}{API_PREFIX}"

    @property
    def store_url(self) -> str:
        """Base URL of the object-store server."""
        return self._state.store_url

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request answered so far (empty with `keep_log=False`)."""
        with self._state.lock:
            return list(self._state.log)

    @property
    def faults_injected(self) -> dict[str, int]:
        """Faults injected so far, per kind."""
        return self._state.injector.injected()

    @property
    def peak_concurrency(self) -> dict[str, int]:
        """Most requests answered at the same time, per server ("api", "store")."""
        with self._state.lock:
            return dict(self._state.peak)

    @property
    def job_ids(self) -> dict[str, str]:
        """Test directory name → job id, for every job of `batch_id` (the newest batch)."""
        return self.jobs_of(self.batch_id)

    @property
    def batch_names(self) -> dict[str, str]:
        """Batch name → batch id, for every served batch (oldest first)."""
        return {b.name: b.batch_id for b in self._state.catalog.batches}

    def jobs_of(self, batch_id: str) -> dict[str, str]:
        """Test directory name → job id, for every job of the batch `batch_id`."""
        return {j.name: j.job_id for j in self._state.catalog.batches_by_id[batch_id].jobs}

    def jobs_json(self, batch_id: str | None = None) -> list[dict[str, Any]]:
        """The jobs of a batch (default: the newest) exactly as the jobs listing serves them, in order,
        without going through HTTP (what a shard reading the tests' files locally needs to know of them)."""
        catalog = self._state.catalog
        batch = catalog.batches_by_id[batch_id or self.batch_id]
        return [job_json(catalog, batch, job) for job in batch.jobs]

    def start(self) -> Emulator:
        """Serve both servers in background threads."""
        for server in (self._store_server, self._api_server):
            t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                 name=f"emulator-{server.role}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        """Stop serving and close the listening sockets."""
        for server in (self._api_server, self._store_server):
            if self._threads:
                server.shutdown()
            server.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def config(self, *, with_project: bool = True, batch_id: str | None = None) -> dict[str, str]:
        """The `batch_metrics_config.json` content (the newer 4-field form, or the older 3-field one)."""
        cfg = {"authToken": self.token, "apiURL": self.api_url, "batchID": batch_id or self.batch_id}
        if with_project:
            cfg["projectID"] = self.project_id
        return cfg

    def write_config(self, path: Path, *, with_project: bool = True, batch_id: str | None = None) -> Path:
        """Write `config()` to `path` (readable by the owner only) and return the path."""
        return _write_private(path, self.config(with_project=with_project, batch_id=batch_id))

    def report_config(self) -> dict[str, str]:
        """The `report_config.json` content: token, API URL, project and report."""
        return {"authToken": self.token, "apiURL": self.api_url, "projectID": self.project_id,
                "reportID": self.report_id}

    def write_report_config(self, path: Path) -> Path:
        """Write `report_config()` to `path` (readable by the owner only) and return the path."""
        return _write_private(path, self.report_config())


def _write_private(path: Path, content: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(content, fh, indent=2)
        fh.write("\n")
    return path


__all__ = ["Emulator"]
