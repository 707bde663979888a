"""The `Emulator`: starts the API server and the object-store server on loopback and hands out their config."""

from __future__ import annotations

import json
import os
import secrets
import threading
import uuid
from pathlib import Path

from metrics_build.emulator.api import API_PREFIX, ApiHandler
from metrics_build.emulator.faults import Faults
from metrics_build.emulator.handler import LoopbackServer
from metrics_build.emulator.jobs import JOB_NAMESPACE
from metrics_build.emulator.state import RequestRecord, State
from metrics_build.emulator.store import StoreHandler


class Emulator:
    """The API server and the object-store server, both on loopback, serving one batch.

    Use as a context manager:

        with Emulator(jobs_dir, faults=Faults(rate=0.2)) as emu:
            emu.write_config(inputs / "batch_metrics_config.json")

    Attributes:
        token: The bearer token the API accepts (random unless given).
        project_id, batch_id: The batch's ids.
        requests: Every request seen so far (`RequestRecord`), for assertions (empty with
            `keep_log=False`, which a long-running server uses so that memory stays flat).
    """

    def __init__(self, jobs_dir: Path, *, host: str = "127.0.0.1", port: int = 0, store_port: int = 0,
                 token: str | None = None, project_id: str | None = None, batch_id: str | None = None,
                 faults: Faults | None = None, max_page_size: int = 100, extra_projects: int = 2,
                 quirks: bool = False, keep_log: bool = True) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self.project_id = project_id or str(uuid.uuid5(JOB_NAMESPACE, f"project/{jobs_dir.resolve()}"))
        self.batch_id = batch_id or str(uuid.uuid5(JOB_NAMESPACE, f"batch/{jobs_dir.resolve()}"))
        self._host = host
        self._state = State(token=self.token, project_id=self.project_id, batch_id=self.batch_id,
                            faults=faults or Faults(), max_page_size=max_page_size,
                            extra_projects=extra_projects, quirks=quirks)
        self._state.keep_log = keep_log
        self._store_server = LoopbackServer((host, store_port), self._state, StoreHandler)
        self._api_server = LoopbackServer((host, port), self._state, ApiHandler)
        self._state.store_url = f"http://{self._url_host()}:{self._store_server.server_address[1]}"
        try:
            self._state.load(jobs_dir)
        except BaseException:
            self._store_server.server_close()
            self._api_server.server_close()
            raise
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
        with self._state.lock:
            return list(self._state.log)

    @property
    def faults_injected(self) -> dict[str, int]:
        return self._state.injector.injected()

    @property
    def peak_concurrency(self) -> dict[str, int]:
        """Most requests answered at the same time, per server ("api", "store")."""
        with self._state.lock:
            return dict(self._state.peak)

    @property
    def job_ids(self) -> dict[str, str]:
        """Test directory name → job id, for every served job."""
        return {str(j.json.get("experienceName", "")): str(j.json.get("jobID", "")) for j in self._state.jobs}

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

    def config(self, *, with_project: bool = True) -> dict[str, str]:
        """The `batch_metrics_config.json` content (the newer 4-field form, or the older 3-field one)."""
        cfg = {"authToken": self.token, "apiURL": self.api_url, "batchID": self.batch_id}
        if with_project:
            cfg["projectID"] = self.project_id
        return cfg

    def write_config(self, path: Path, *, with_project: bool = True) -> Path:
        """Write `config()` to `path` (readable by the owner only) and return the path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(self.config(with_project=with_project), fh, indent=2)
            fh.write("\n")
        return path
