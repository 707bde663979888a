"""Fetch a whole batch: list its jobs, list each job's objects, download and parse them in a bounded pool.

Workers return their results; only the calling thread assembles them, so no shared state is locked
and the outcome (ordered by `model`) does not depend on which download finished first. An object that
still fails after the client's retries fails the run, or with `allow_partial` is recorded as skipped.
"""

from __future__ import annotations

import logging
import queue
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import DecodeError

from metrics_build.batch.model import (
    FetchedBatch,
    SkippedObject,
    StoredObject,
    TestInfo,
    TestMetrics,
    stored_data,
    stored_metric,
)
from metrics_build.errors import AuthenticationError, NotFoundError, UpstreamError
from metrics_build.http import ApiClient
from metrics_build.wire import metrics_pb2 as pb

log = logging.getLogger(__name__)

_IMAGE_TYPES = frozenset({pb.IMAGE_METRIC_TYPE, pb.IMAGE_LIST_METRIC_TYPE})
METRIC = "metric"
DATA = "metricsData"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_job(item: dict[str, Any], position: int) -> TestInfo:
    """A `TestInfo` from one item of the jobs listing; unknown keys and enum strings are kept or ignored.

    Raises:
        UpstreamError: when the item has no `jobID`.
    """
    job_id = _text(item.get("jobID"))
    if job_id is None:
        raise UpstreamError(f"jobs listing: item {position} has no jobID")
    experience = _text(item.get("experienceName"))
    return TestInfo(
        job_id=job_id,
        name=experience or job_id,
        experience_name=experience,
        conflated_status=_text(item.get("conflatedStatus")),
        job_status=_text(item.get("jobStatus")),
        job_metrics_status=_text(item.get("jobMetricsStatus")),
    )


def resolve_project(client: ApiClient, batch_id: str) -> str:
    """The project holding `batch_id`, for the older config form without `projectID`.

    Pages through `GET /projects` and probes `GET /projects/{p}/batches/{batch_id}` until one answers.

    Raises:
        UpstreamError: when no visible project holds the batch.
    """
    projects = client.list_all("/projects", "projects")
    for project in projects:
        project_id = _text(project.get("projectID"))
        if project_id is None:
            continue
        try:
            client.get_json(f"/projects/{project_id}/batches/{batch_id}")
        except NotFoundError:
            continue
        log.info("batch %s belongs to project %s", batch_id, project_id)
        return project_id
    raise UpstreamError(f"batch {batch_id} was not found in any of the {len(projects)} projects this token can see")


@dataclass
class _JobState:
    info: TestInfo
    listings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    metrics: list[StoredObject] = field(default_factory=list)
    data: list[StoredObject] = field(default_factory=list)


@dataclass(frozen=True)
class _Task:
    job: int
    kind: str  # METRIC / DATA for downloads, "metrics listing" / "metricsData listing" for listings
    name: str  # object name or id; "" for a listing


def plan_downloads(metrics: list[dict[str, Any]], data: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(kind, name, url) of every object worth downloading from one job's two listings.

    Only STANDARD data are fetched (external files are not protobufs). Metrics whose referenced data
    are all non-STANDARD (image and image-list metrics) are not fetched either; a metric listed
    without `dataIDs` is fetched and dropped after parsing if it turns out to be an image metric.
    Items without a URL are returned with url "" so the caller reports them.
    """
    external = {d.get("dataID") for d in data if d.get("metricsDataType") != "STANDARD"}
    plan: list[tuple[str, str, str]] = []
    for m in metrics:
        ids = m.get("dataIDs")
        if isinstance(ids, list) and ids and all(i in external for i in ids):
            continue
        plan.append((METRIC, _text(m.get("name")) or _text(m.get("metricID")) or "?", _text(m.get("metricURL")) or ""))
    for d in data:
        if d.get("metricsDataType") != "STANDARD":
            continue
        plan.append((DATA, _text(d.get("name")) or _text(d.get("dataID")) or "?", _text(d.get("metricsDataURL")) or ""))
    return plan


def _download(client: ApiClient, kind: str, url: str) -> StoredObject | None:
    """Download and check one object; None for an image metric (not used by batch metrics)."""
    if not url:
        raise UpstreamError("the listing gives no download URL")
    body = client.download(url)
    try:
        if kind == METRIC:
            metric = pb.Metric.FromString(body)
            return None if metric.type in _IMAGE_TYPES else stored_metric(metric, body)
        return stored_data(pb.MetricsData.FromString(body), body)
    except DecodeError:
        raise UpstreamError(f"the object is not a serialized {'Metric' if kind == METRIC else 'MetricsData'}") from None


class _Fetcher:
    """One batch fetch: the pool, a bounded window of submitted tasks, the per-job results.

    Only this object's thread touches its state; workers just return bytes or JSON. At most
    `workers * 4` tasks are submitted at a time (a Future costs about 1 kB; a batch can have 100,000s of objects).
    """

    def __init__(self, client: ApiClient, prefix: str, jobs: list[TestInfo], allow_partial: bool) -> None:
        self.client = client
        self.prefix = prefix
        self.jobs = [_JobState(info) for info in jobs]
        self.allow_partial = allow_partial
        self.skipped: list[SkippedObject] = []
        self.done: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
        self.tasks: dict[Future[Any], _Task] = {}
        # Downloads go before listings, so that planned-but-unsubmitted work stays small.
        self.waiting: deque[tuple[_Task, Callable[..., Any], tuple[Any, ...]]] = deque()
        self.listings: deque[tuple[_Task, Callable[..., Any], tuple[Any, ...]]] = deque()
        self.listing_calls = 0  # listings in flight, at most `options.api_workers`
        workers = client.options.workers
        self.window = workers * 4
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="metrics-build-fetch")

    def _submit(self, task: _Task, fn: Callable[..., Any], *args: Any) -> None:
        (self.listings if task.kind.endswith("listing") else self.waiting).append((task, fn, args))

    def _pump(self) -> None:
        while len(self.tasks) < self.window:
            if self.waiting:
                task, fn, args = self.waiting.popleft()
            elif self.listings and self.listing_calls < self.client.options.api_workers:
                task, fn, args = self.listings.popleft()
                self.listing_calls += 1
            else:
                return
            future = self.pool.submit(fn, *args)
            self.tasks[future] = task
            future.add_done_callback(self.done.put)

    def run(self) -> None:
        try:
            for i, job in enumerate(self.jobs):
                base = f"{self.prefix}/jobs/{job.info.job_id}"
                self._submit(_Task(i, "metrics listing", ""), self.client.list_all, f"{base}/metrics", "metrics")
                self._submit(_Task(i, "metricsData listing", ""), self.client.list_all, f"{base}/metricsData",
                             "metricsData")
            self._pump()
            while self.tasks:
                future = self.done.get()
                self._collect(self.tasks.pop(future), future)
                self._pump()
        finally:
            self.waiting.clear()
            self.listings.clear()
            self.pool.shutdown(wait=True, cancel_futures=True)

    def _collect(self, task: _Task, future: Future[Any]) -> None:
        job = self.jobs[task.job]
        exc = future.exception()
        listing = task.kind.endswith("listing")
        if listing:
            self.listing_calls -= 1
        if exc is not None:
            self._failed(task, job.info, exc)
            if listing:
                job.listings[task.kind] = []
        elif listing:
            job.listings[task.kind] = future.result()
        else:
            stored = future.result()
            if stored is not None:
                (job.metrics if task.kind == METRIC else job.data).append(stored)
        if listing:
            self._plan(task.job)

    def _plan(self, index: int) -> None:
        job = self.jobs[index]
        if len(job.listings) < 2:
            return
        # Items are visited in (name, url) order so that the work queue, like the result, is deterministic.
        plan = sorted(plan_downloads(job.listings.pop("metrics listing"), job.listings.pop("metricsData listing")))
        for kind, name, url in plan:
            self._submit(_Task(index, kind, name), _download, self.client, kind, url)

    def _failed(self, task: _Task, info: TestInfo, exc: BaseException) -> None:
        if not isinstance(exc, UpstreamError):
            raise exc
        what = f"{task.kind} {task.name!r}" if task.name else task.kind
        if isinstance(exc, AuthenticationError) or not self.allow_partial:
            raise UpstreamError(f"test {info.name!r} (job {info.job_id}): {what} failed: {exc}"
                                + ("" if isinstance(exc, AuthenticationError) else
                                   " (use --allow-partial to skip it and report it instead)")) from None
        log.warning("test %r (job %s): skipping %s: %s", info.name, info.job_id, what, exc)
        self.skipped.append(SkippedObject(job_id=info.job_id, test_name=info.name, kind=task.kind,
                                          object_name=task.name, error=str(exc)))


def fetch_batch(client: ApiClient, *, batch_id: str, project_id: str | None = None,
                allow_partial: bool = False) -> FetchedBatch:
    """Download every test's metrics and STANDARD data of a batch.

    Args:
        client: The API client; its `options.workers` bounds the number of threads and connections.
        batch_id: The batch to fetch.
        project_id: Its project, or None to find it through `GET /projects`.
        allow_partial: Skip (and report in `FetchedBatch.skipped`) objects and listings that still fail
            after retries, instead of failing. Authentication failures are always fatal.

    Returns:
        Every job of the batch (including errored, cancelled and metric-less ones), deterministically ordered.

    Raises:
        UpstreamError: naming the test and the object that failed.
    """
    started = time.monotonic()
    project = project_id or resolve_project(client, batch_id)
    prefix = f"/projects/{project}/batches/{batch_id}"
    infos: dict[str, TestInfo] = {}
    for position, item in enumerate(client.list_all(f"{prefix}/jobs", "jobs")):
        info = parse_job(item, position)
        infos.setdefault(info.job_id, info)  # a job repeated across pages counts once
    fetcher = _Fetcher(client, prefix, list(infos.values()), allow_partial)
    fetcher.run()
    tests = [TestMetrics.from_stored(j.info, j.metrics, j.data) for j in fetcher.jobs]
    batch = FetchedBatch(project_id=project, batch_id=batch_id, tests=tests, skipped=fetcher.skipped)
    log.info("fetched %d tests (%d metrics, %d data, %d skipped) in %.1f s", len(tests),
             sum(len(t.metrics) for t in tests), sum(len(t.data) for t in tests), len(batch.skipped),
             time.monotonic() - started)
    return batch


__all__ = ["DATA", "METRIC", "fetch_batch", "parse_job", "plan_downloads", "resolve_project"]
