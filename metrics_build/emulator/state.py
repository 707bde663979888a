"""What both servers share: the catalog, each file's content (a bounded cache), URL signing, the request log."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from metrics_build.emulator.catalog import BatchRecord, Catalog
from metrics_build.emulator.content import Content, Source, build_content
from metrics_build.emulator.faults import FaultInjector, Faults
from metrics_build.emulator.ids import stable_id
from metrics_build.emulator.jobs import METRICS_FILE
from metrics_build.emulator.models import batch_json, project_json

BATCH_OWNER = "batch"


@dataclass
class RequestRecord:
    """One request as the emulator saw it (query strings and secrets left out)."""

    server: str
    path: str
    status: int
    authorization: bool


def canonical_path(path: str) -> str:
    """One form of a URL path however a client encoded it: each segment decoded, then percent-encoded.

    Signatures are computed and compared over this form, so `{id}` and `%7Bid%7D` are the same object.
    """
    return "/".join(quote(unquote(segment, errors="strict"), safe="") for segment in path.split("/"))


class State:
    """Everything both servers share; content is built from the files on first use and cached (LRU)."""

    def __init__(self, *, catalog: Catalog, root: Path, token: str, faults: Faults, max_page_size: int,
                 extra_projects: int, quirks: bool, cache_size: int = 64) -> None:
        self.catalog = catalog
        self.root = root
        self.token = token
        self.faults = faults
        self.injector = FaultInjector(faults)
        self.max_page_size = max_page_size
        self.quirks = quirks
        self.secret = secrets.token_bytes(32)
        self.store_url = ""
        self.projects: list[dict[str, Any]] = [project_json(stable_id(f"decoy-{i}"), f"decoy {i}")
                                               for i in range(extra_projects)]
        self.projects.append(project_json(catalog.project_id, catalog.project_name))
        if quirks:
            self.projects[0] = {**self.projects[0], "futureField": {"nested": [1, 2]}}
        # Batch JSON counts every job's statuses: computed once, it is a few hundred bytes per batch.
        self.batch_json = {b.batch_id: batch_json(catalog, b) for b in catalog.batches}
        self.lock = threading.Lock()
        self.log: list[RequestRecord] = []
        self.keep_log = True
        self.active: Counter[str] = Counter()  # requests being answered, per server
        self.peak: Counter[str] = Counter()  # most answered at once, per server
        self.content: Callable[[str, str], Content | None] = functools.lru_cache(maxsize=cache_size)(self._build)

    def _build(self, batch_id: str, owner: str) -> Content | None:
        """The content of a job (`owner` = job id) or of the batch's own output (`owner` = "batch")."""
        batch = self.catalog.batches_by_id.get(batch_id)
        if batch is None:
            return None
        source = self._source(batch, owner)
        if source is None:
            return None
        return build_content(source, lambda kind, item: self.object_url(batch_id, owner, kind, item),
                             quirks=self.quirks and owner != BATCH_OWNER)

    def _source(self, batch: BatchRecord, owner: str) -> Source | None:
        common = {"project_id": self.catalog.project_id, "batch_id": batch.batch_id}
        if owner == BATCH_OWNER:
            if batch.batch_output is None:
                return None
            return Source(job_id=None, metrics_file=batch.batch_output, directory=batch.batch_output.parent, **common)
        job = batch.jobs_by_id.get(owner)
        if job is None or not job.has_metrics:
            return None
        return Source(job_id=job.job_id, metrics_file=job.directory / METRICS_FILE, directory=job.directory,
                      **common)

    def object_url(self, batch_id: str, owner: str, kind: str, item: str) -> str:
        """The presigned-style URL of one object: its canonical path and a signature over that path."""
        path = canonical_path("/".join(("", "objects", self.catalog.project_id, batch_id, owner, kind, item)))
        return f"{self.store_url}{path}?X-Amz-Expires=3600&X-Amz-Signature={self.sign(path)}"

    def sign(self, path: str) -> str:
        """The signature the store expects in a URL for `path` (canonical form)."""
        return hmac.new(self.secret, path.encode(), hashlib.sha256).hexdigest()

    def record(self, record: RequestRecord) -> None:
        """Keep `record` in the request log, unless the log is off."""
        if not self.keep_log:
            return
        with self.lock:
            self.log.append(record)


__all__ = ["BATCH_OWNER", "RequestRecord", "State", "canonical_path"]
