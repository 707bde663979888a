"""Fetch a batch as a stream: list its jobs, then list and download each job's objects in a bounded pool
into the fetch cache, and yield each test as a `TestRecord` in the batch's deterministic order.

Only downloads in flight are held in memory (each object goes to the cache as it arrives); a test is
decoded once, when it is next in order and complete, and let go after the caller folded it in. Workers
only download and return the bytes; the iterating thread stores them and assembles the tests, so
nothing is locked, and the order of what is yielded does not depend on which download finished first.
An object that still fails after the client's retries fails the run, or with `allow_partial` is
recorded as skipped.
"""

from __future__ import annotations

import logging
import queue
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from metrics_build.batch.cache import CachedObject, FetchCache
from metrics_build.errors import AuthenticationError, NotFoundError, UpstreamError, one_line
from metrics_build.http import ApiClient
from metrics_build.reader import ObjectKind, record_from_bodies
from metrics_build.records import TestInfo, TestRecord

log = logging.getLogger("metrics_build.batch")

_MAX_SKIPPED_KEPT = 1000


@dataclass(frozen=True)
class SkippedObject:
    """An object that still failed after retries and was skipped because partial results were allowed.

    Attributes:
        job_id: The job the object belongs to.
        test_name: That job's `TestInfo.name`.
        kind: "metric", "metricsData", "metrics listing" or "metricsData listing".
        object_name: The object's name (or id) from the listing; "" for a listing.
        error: What went wrong (status code or transport error); never a URL with its signature.
    """

    job_id: str
    test_name: str
    kind: str
    object_name: str
    error: str


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
    return TestInfo(job_id=job_id, name=experience or job_id, experience_name=experience,
                    experience_id=_text(item.get("experienceID")),
                    conflated_status=_text(item.get("conflatedStatus")), job_status=_text(item.get("jobStatus")),
                    job_metrics_status=_text(item.get("jobMetricsStatus")))


def resolve_project(client: ApiClient, batch_id: str) -> str:
    """The project holding `batch_id`, for the older config form without `projectID`: pages through
    `GET /projects` and probes `GET /projects/{p}/batches/{batch_id}` until one answers.

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


def list_tests(client: ApiClient, prefix: str) -> list[TestInfo]:
    """Every job of the batch at `prefix` (`/projects/{p}/batches/{b}`), once each, in test order."""
    infos: dict[str, TestInfo] = {}
    for position, item in enumerate(client.list_all(f"{prefix}/jobs", "jobs")):
        info = parse_job(item, position)
        infos.setdefault(info.job_id, info)  # a job repeated across pages counts once
    return sorted(infos.values(), key=lambda i: i.sort_key)


@dataclass(frozen=True)
class Planned:
    """One object a job's listings offer: its kind, name, id and presigned URL ("" when missing)."""

    kind: ObjectKind
    name: str
    object_id: str
    url: str


def plan_downloads(metrics: list[dict[str, Any]], data: list[dict[str, Any]]) -> list[Planned]:
    """Every object worth downloading from one job's two listings, in (kind, name, id) order.

    Only STANDARD data are fetched (external files are not protobufs). Metrics whose referenced data
    are all non-STANDARD (image and image-list metrics) are not fetched either; a metric listed without
    `dataIDs` is fetched and dropped when decoded if it turns out to be an image metric.
    """
    external = {d.get("dataID") for d in data if d.get("metricsDataType") != "STANDARD"}
    plan: list[Planned] = []
    for position, item in enumerate(metrics):
        ids = item.get("dataIDs")
        if isinstance(ids, list) and ids and all(i in external for i in ids):
            continue
        name = _text(item.get("name")) or _text(item.get("metricID")) or "?"
        plan.append(Planned(ObjectKind.METRIC, name, _text(item.get("metricID")) or f"{name}#{position}",
                            _text(item.get("metricURL")) or ""))
    for position, item in enumerate(data):
        if item.get("metricsDataType") != "STANDARD":
            continue
        name = _text(item.get("name")) or _text(item.get("dataID")) or "?"
        plan.append(Planned(ObjectKind.DATA, name, _text(item.get("dataID")) or f"{name}#{position}",
                            _text(item.get("metricsDataURL")) or ""))
    return sorted(plan, key=lambda p: (p.kind.value, p.name, p.object_id))


@dataclass
class _Job:
    info: TestInfo
    started: bool = False
    listings: dict[ObjectKind, list[dict[str, Any]]] = field(default_factory=dict)
    pending: int = -1  # downloads not finished; -1 until the listings are in
    stored: dict[int, CachedObject] = field(default_factory=dict)  # by position in the plan

    @property
    def complete(self) -> bool:
        return self.pending == 0

    @property
    def objects(self) -> list[CachedObject]:
        """The stored objects in plan order (skipped ones left out)."""
        return [self.stored[k] for k in sorted(self.stored)]


@dataclass(frozen=True)
class _Task:
    job: int
    kind: str  # "metric" / "metricsData" for downloads, "... listing" for listings
    name: str  # object name; "" for a listing
    planned: Planned | None = None  # what a download fetches
    position: int = 0  # its place in the job's plan


class BatchStream:
    """The tests of one batch, fetched in a bounded pool and yielded as records in test order.

    Iterate once. At most `workers * 4` requests are submitted at a time and at most `workers * 4`
    tests are being fetched ahead of the one the caller waits for.

    Attributes:
        project_id / batch_id: The batch.
        tests: Every test of the batch (errored and cancelled ones too), in order.
        skipped: Objects skipped with `allow_partial` (the first 1,000; `skipped_count` counts all).
    """

    def __init__(self, client: ApiClient, cache: FetchCache, *, project_id: str, batch_id: str,
                 tests: list[TestInfo], allow_partial: bool) -> None:
        self.client = client
        self.cache = cache
        self.project_id = project_id
        self.batch_id = batch_id
        self.tests = tests
        self.allow_partial = allow_partial
        self.skipped: list[SkippedObject] = []
        self.skipped_count = 0
        self._prefix = f"/projects/{project_id}/batches/{batch_id}"
        self._jobs = [_Job(info) for info in tests]
        workers = client.options.workers
        self._task_window = workers * 4
        self._job_window = max(8, workers * 4)
        self._done: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
        self._tasks: dict[Future[Any], _Task] = {}
        self._downloads: deque[tuple[_Task, Callable[..., Any], tuple[Any, ...]]] = deque()
        self._listings: deque[tuple[_Task, Callable[..., Any], tuple[Any, ...]]] = deque()
        self._listing_calls = 0
        self._next_job = 0
        self._iterated = False

    # -- the pool --------------------------------------------------------------------------------------

    def _start_jobs(self, upto: int) -> None:
        while self._next_job < min(upto, len(self._jobs)):
            job = self._jobs[self._next_job]
            base = f"{self._prefix}/jobs/{job.info.job_id}"
            job.started = True
            self._listings.append((_Task(self._next_job, "metrics listing", ""), self.client.list_all,
                                   (f"{base}/metrics", "metrics")))
            self._listings.append((_Task(self._next_job, "metricsData listing", ""), self.client.list_all,
                                   (f"{base}/metricsData", "metricsData")))
            self._next_job += 1

    def _pump(self, pool: ThreadPoolExecutor) -> None:
        while len(self._tasks) < self._task_window:
            if self._downloads:
                task, fn, args = self._downloads.popleft()
            elif self._listings and self._listing_calls < self.client.options.api_workers:
                task, fn, args = self._listings.popleft()
                self._listing_calls += 1
            else:
                return
            future = pool.submit(fn, *args)
            self._tasks[future] = task
            future.add_done_callback(self._done.put)

    def _fetch_object(self, planned: Planned) -> bytes:
        """Worker: download one object (the iterating thread stores it)."""
        if not planned.url:
            raise UpstreamError("the listing gives no download URL")
        return self.client.download(planned.url)

    def _collect(self, future: Future[Any]) -> None:
        task = self._tasks.pop(future)
        job = self._jobs[task.job]
        exc = future.exception()
        if task.kind.endswith("listing"):
            self._listing_calls -= 1
            kind = ObjectKind.METRIC if task.kind.startswith("metrics ") else ObjectKind.DATA
            if exc is not None:
                self._failed(task, job.info, exc)
                job.listings[kind] = []
            else:
                job.listings[kind] = future.result()
            if len(job.listings) == 2:
                self._plan(task.job)
            return
        job.pending -= 1
        if exc is not None:
            self._failed(task, job.info, exc)
        elif task.planned is not None:
            planned = task.planned
            job.stored[task.position] = self.cache.append(job.info.job_id, planned.kind, planned.object_id,
                                                          planned.name, future.result())
        if job.complete:
            self._complete(job)

    def _plan(self, index: int) -> None:
        job = self._jobs[index]
        plan = plan_downloads(job.listings.pop(ObjectKind.METRIC), job.listings.pop(ObjectKind.DATA))
        job.pending = 0
        for position, planned in enumerate(plan):
            kept = self.cache.reuse(job.info.job_id, planned.kind, planned.object_id, planned.name)
            if kept is not None:
                job.stored[position] = kept
                continue
            job.pending += 1
            task = _Task(index, planned.kind.value, planned.name, planned, position)
            self._downloads.append((task, self._fetch_object, (planned,)))
        if job.complete:
            self._complete(job)

    def _complete(self, job: _Job) -> None:
        self.cache.complete(job.info.job_id, job.objects)

    def _failed(self, task: _Task, info: TestInfo, exc: BaseException) -> None:
        if not isinstance(exc, UpstreamError):
            raise exc
        what = f"{task.kind} {task.name!r}" if task.name else task.kind
        self._skip_or_raise(info, task.kind, task.name, what, exc)

    def _skip_or_raise(self, info: TestInfo, kind: str, name: str, what: str, exc: BaseException) -> None:
        if isinstance(exc, AuthenticationError) or not self.allow_partial:
            raise UpstreamError(f"test {info.name!r} (job {info.job_id}): {what} failed: {exc}"
                                + ("" if isinstance(exc, AuthenticationError) else
                                   " (use --allow-partial to skip it and report it instead)")) from None
        log.warning("test %r (job %s): skipping %s: %s", info.name, info.job_id, what, exc)
        self.skipped_count += 1
        if len(self.skipped) < _MAX_SKIPPED_KEPT:
            self.skipped.append(SkippedObject(job_id=info.job_id, test_name=info.name, kind=kind,
                                              object_name=name, error=one_line(str(exc))))

    # -- the stream ------------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[TestRecord]:
        if self._iterated:
            raise RuntimeError("a BatchStream is iterated once; read the cache again for a second pass")
        self._iterated = True
        started = time.monotonic()
        pool = ThreadPoolExecutor(max_workers=self.client.options.workers, thread_name_prefix="metrics-build-fetch")
        try:
            for index, job in enumerate(self._jobs):
                self._start_jobs(index + self._job_window)
                self._pump(pool)
                while not job.complete:
                    self._collect(self._done.get())
                    self._pump(pool)
                record = self._decode(job)
                job.stored = {}  # the index is in the cache; 10,000 tests' entries would add up
                yield record
        finally:
            self._downloads.clear()
            self._listings.clear()
            pool.shutdown(wait=True, cancel_futures=True)
        log.info("fetched %d tests (%d objects skipped) in %.1f s", len(self._jobs), self.skipped_count,
                 time.monotonic() - started)

    def _decode(self, job: _Job) -> TestRecord:
        record, broken = record_from_bodies(job.info, self.cache.bodies(job.info.job_id, job.objects))
        for kind, name, why in broken:
            self._skip_or_raise(job.info, kind.value, name, f"{kind.value} {name!r}", UpstreamError(why))
        return record


def open_batch(client: ApiClient, cache: FetchCache, *, batch_id: str, project_id: str | None = None,
               allow_partial: bool = False) -> BatchStream:
    """The batch's tests, listed now and fetched as the stream is iterated.

    Args:
        client: The API client; its `options.workers` bounds the number of threads and connections.
        cache: Where objects go as they arrive (and are reused from).
        batch_id: The batch to fetch.
        project_id: Its project, or None to find it through `GET /projects`.
        allow_partial: Skip (and report) objects and listings that still fail after retries, instead of
            failing. Authentication failures are always fatal.

    Raises:
        UpstreamError: the project or the jobs cannot be listed.
    """
    project = project_id or resolve_project(client, batch_id)
    prefix = f"/projects/{project}/batches/{batch_id}"
    return BatchStream(client, cache, project_id=project, batch_id=batch_id, tests=list_tests(client, prefix),
                       allow_partial=allow_partial)


def cached_records(cache: FetchCache, tests: list[TestInfo], *, data_names: frozenset[str] | None = None,
                   with_metrics: bool = True) -> Iterator[TestRecord]:
    """The batch's tests again, read from the cache one at a time (a second pass).

    Args:
        cache: The cache the stream filled.
        tests: The tests, in order (`BatchStream.tests`).
        data_names: Read and decode only the data of these names (the second pass: the series the
            default histograms bin), else all.
        with_metrics: Decode the metrics too.
    """
    for info in tests:
        wanted = [o for o in cache.read_index(info.job_id)
                  if (o.kind is ObjectKind.METRIC and with_metrics)
                  or (o.kind is ObjectKind.DATA and (data_names is None or o.name in data_names))]
        # broken objects were reported (or were fatal) in the first pass
        yield record_from_bodies(info, cache.bodies(info.job_id, wanted))[0]


__all__ = ["BatchStream", "Planned", "SkippedObject", "cached_records", "list_tests", "open_batch", "parse_job",
           "plan_downloads", "resolve_project"]
