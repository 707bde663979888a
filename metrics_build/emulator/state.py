"""What both servers share: the batch's jobs and stored objects, URL signing, the request log and counts."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metrics_build.emulator.faults import FaultInjector, Faults
from metrics_build.emulator.jobs import JOB_NAMESPACE, Job, load_jobs


@dataclass
class RequestRecord:
    """One request as the emulator saw it (query strings and secrets left out)."""

    server: str
    path: str
    status: int
    authorization: bool


class State:
    """Everything both servers share: the batch's jobs, stored objects, fault bookkeeping and logs."""

    def __init__(self, *, token: str, project_id: str, batch_id: str, faults: Faults,
                 max_page_size: int, extra_projects: int, quirks: bool) -> None:
        self.token = token
        self.project_id = project_id
        self.batch_id = batch_id
        self.faults = faults
        self.injector = FaultInjector(faults)
        self.max_page_size = max_page_size
        self.quirks = quirks
        self.secret = secrets.token_bytes(32)
        self.jobs: list[Job] = []
        self.jobs_by_id: dict[str, Job] = {}
        self.objects: dict[str, bytes] = {}
        self.store_url = ""
        self.projects: list[dict[str, Any]] = [
            {"projectID": str(uuid.uuid5(JOB_NAMESPACE, f"decoy-{i}")), "name": f"decoy {i}"}
            for i in range(extra_projects)
        ]
        self.projects.append({"projectID": project_id, "name": "emulated project"})
        self.lock = threading.Lock()
        self.log: list[RequestRecord] = []
        self.keep_log = True
        self.active: Counter[str] = Counter()  # requests being answered, per server
        self.peak: Counter[str] = Counter()  # most answered at once, per server

    def load(self, jobs_dir: Path) -> None:
        """Serve the jobs of `jobs_dir` (see `load_jobs`); `store_url` must be set first."""
        self.jobs = load_jobs(jobs_dir, project_id=self.project_id, batch_id=self.batch_id, quirks=self.quirks,
                              store=self.put_object)
        for job in self.jobs:
            self.jobs_by_id.setdefault(str(job.json.get("jobID")), job)
        if self.quirks:
            self.projects[0] = {**self.projects[0], "futureField": {"nested": [1, 2]}}

    def put_object(self, key: str, body: bytes) -> str:
        """Store `body` under `key` in the batch's folder and return its presigned-style URL."""
        path = f"/objects/{self.project_id}/{self.batch_id}/{key}"
        self.objects[path] = body
        return f"{self.store_url}{path}?X-Amz-Expires=3600&X-Amz-Signature={self.sign(path)}"

    def sign(self, path: str) -> str:
        """The signature the store expects in a URL for `path`."""
        return hmac.new(self.secret, path.encode(), hashlib.sha256).hexdigest()

    def record(self, record: RequestRecord) -> None:
        """Keep `record` in the request log, unless the log is off."""
        if not self.keep_log:
            return
        with self.lock:
            self.log.append(record)
