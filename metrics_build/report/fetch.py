"""Fetch a report's history as a stream: the report, its batches by `search` (paged, ordered by creation
time), their builds, then batch by batch its jobs, each job's metrics listing, the batch's metrics
listing and the tags of experiences not seen before.

Everything is an API call (no object is downloaded: the listings carry name, value, unit, type and
status). Calls run in one bounded pool; workers return results, and only the iterating thread folds
them, in a deterministic order. At most one batch is held at a time, and of it only a window of jobs'
listings ahead of the one being folded. A call that still fails after the client's retries fails the
run, or with `allow_partial` is recorded as skipped (authentication failures are always fatal).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from metrics_build.errors import AuthenticationError, NotFoundError, UpstreamError, one_line
from metrics_build.http import ApiClient
from metrics_build.records import TestInfo
from metrics_build.report.history import (
    BatchInfo,
    BuildInfo,
    HistoryTest,
    MetricRow,
    ReportInfo,
    experience_key,
    parse_batch,
    parse_build,
    parse_job,
    parse_metric,
    parse_report,
    text,
)

log = logging.getLogger("metrics_build.report")

T = TypeVar("T")
R = TypeVar("R")
_MAX_SKIPPED_KEPT = 1000


@dataclass(frozen=True)
class Skipped:
    """A request that still failed after retries and was skipped because partial results were allowed.

    Attributes:
        what: What was asked for (e.g. "metrics of job 'lane_change' in batch 'nightly-3'").
        error: What went wrong; never a token or a signed URL.
    """

    what: str
    error: str


@dataclass(frozen=True)
class BatchContent:
    """One batch as the stream hands it over.

    Attributes:
        info: The batch.
        tests: Its jobs in order (name, job id), each with its metrics listing; an iterator fetched as it
            is consumed, so consume it before asking the stream for the next batch.
        test_count: How many jobs `tests` yields.
        metrics: The batch's own metrics listing (its batch-mode output; empty without one).
        tags: Tag names of every experience seen so far, by experience key.
    """

    info: BatchInfo
    tests: Iterator[HistoryTest]
    test_count: int
    metrics: tuple[MetricRow, ...]
    tags: dict[str, tuple[str, ...]]


def ordered(pool: ThreadPoolExecutor, fn: Callable[[T], R], items: Iterable[T], window: int) -> Iterator[R]:
    """`fn` over `items` in the pool, results in the order of `items`, at most `window` calls in flight."""
    pending: deque[Future[R]] = deque()
    source = iter(items)
    for item in source:
        pending.append(pool.submit(fn, item))
        if len(pending) >= window:
            break
    while pending:
        future = pending.popleft()
        for item in source:
            pending.append(pool.submit(fn, item))
            break
        yield future.result()


class HistoryFetcher:
    """Fetches one report's history through `client` in a pool of at most `client.options.api_workers`
    threads (or `client.options.workers`, if fewer). Use as a context manager; the pool closes with it.

    Attributes:
        skipped: Requests skipped with `allow_partial` (the first 1,000; `skipped_count` counts all).
        tags: Tag names by experience key, for every experience seen so far.
    """

    def __init__(self, client: ApiClient, *, project_id: str, report_id: str, allow_partial: bool = False) -> None:
        self.client = client
        self.project_id = project_id
        self.report_id = report_id
        self.allow_partial = allow_partial
        self.skipped: list[Skipped] = []
        self.skipped_count = 0
        self.tags: dict[str, tuple[str, ...]] = {}
        options = client.options
        self.workers = max(1, min(options.workers, options.api_workers))
        self._window = self.workers * 4
        self._prefix = f"/projects/{project_id}"
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="metrics-build-report")

    def __enter__(self) -> HistoryFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the pool (queued calls are cancelled)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    # -- what a report is made of ---------------------------------------------------------------------

    def report(self) -> ReportInfo:
        """The report.

        Raises:
            UpstreamError: it cannot be fetched (NotFoundError: the API does not know it).
        """
        try:
            item = self.client.get_json(f"{self._prefix}/reports/{self.report_id}")
        except NotFoundError:
            raise NotFoundError(f"report {self.report_id} not found in project {self.project_id} "
                                "(check reportID and projectID in the report config)") from None
        return parse_report(item, report_id=self.report_id, project_id=self.project_id)

    def batches(self, report: ReportInfo, last: int | None = None) -> list[BatchInfo]:
        """The report's batches, oldest first (by creation time, then id), each once; the newest `last`
        when given.

        Raises:
            UpstreamError: the listing fails, or an item has no id or creation time.
        """
        items = self.client.list_all(f"{self._prefix}/batches", "batches", {"search": report.search()})
        found: dict[str, BatchInfo] = {}
        for position, item in enumerate(items):
            batch = parse_batch(item, position)
            found.setdefault(batch.batch_id, batch)  # a batch repeated across pages counts once
        batches = sorted(found.values(), key=lambda b: (b.created, b.batch_id))
        return batches[-last:] if last is not None else batches

    def builds(self, batches: list[BatchInfo]) -> dict[str, BuildInfo]:
        """Every build the batches ran, by id (a build that cannot be fetched is skipped or fatal)."""
        ids = list(dict.fromkeys(b.build_id for b in batches if b.build_id))
        found: dict[str, BuildInfo] = {}
        for build_id, (item, error) in zip(ids, ordered(self._pool, self._build, ids, self._window), strict=True):
            if error is not None:
                self._skip(f"build {build_id}", error)
            elif item is not None:
                found[build_id] = parse_build(item, build_id)
        return found

    def _build(self, build_id: str) -> tuple[dict[str, Any] | None, UpstreamError | None]:
        return self._call(partial(self.client.get_json, f"{self._prefix}/builds/{build_id}"))

    def _call(self, fn: Callable[[], T]) -> tuple[T | None, UpstreamError | None]:
        """Worker: the call's result, or its UpstreamError (returned, so the iterating thread decides)."""
        try:
            return fn(), None
        except AuthenticationError:
            raise
        except UpstreamError as exc:
            return None, exc

    def _skip(self, what: str, exc: UpstreamError) -> None:
        if isinstance(exc, AuthenticationError) or not self.allow_partial:
            raise UpstreamError(f"{what}: {exc}" + ("" if isinstance(exc, AuthenticationError) else
                                                  " (use --allow-partial to skip it and report it instead)")) from None
        log.warning("skipping %s: %s", what, exc)
        self.skipped_count += 1
        if len(self.skipped) < _MAX_SKIPPED_KEPT:
            self.skipped.append(Skipped(what=what, error=one_line(str(exc))))

    # -- the stream -----------------------------------------------------------------------------------

    def jobs(self, batch: BatchInfo) -> list[TestInfo]:
        """Every job of `batch`, once each, ordered by (name, job id).

        Raises:
            UpstreamError: the listing fails.
        """
        items = self.client.list_all(f"{self._prefix}/batches/{batch.batch_id}/jobs", "jobs")
        infos: dict[str, TestInfo] = {}
        for position, item in enumerate(items):
            info = parse_job(item, position)
            infos.setdefault(info.job_id, info)
        return sorted(infos.values(), key=lambda i: i.sort_key)

    def _listing(self, path: str, key: str) -> tuple[MetricRow, ...]:
        rows = (parse_metric(item) for item in self.client.list_all(path, key))
        return tuple(row for row in rows if row is not None)

    def job_metrics(self, batch: BatchInfo, info: TestInfo) -> tuple[MetricRow, ...]:
        """The metrics listing of one job (no protobuf is downloaded).

        Raises:
            UpstreamError: the listing fails.
        """
        return self._listing(f"{self._prefix}/batches/{batch.batch_id}/jobs/{info.job_id}/metrics", "metrics")

    def batch_metrics(self, batch: BatchInfo) -> tuple[MetricRow, ...]:
        """The batch's own metrics listing (empty when it has no batch-mode output).

        Raises:
            UpstreamError: the listing fails.
        """
        return self._listing(f"{self._prefix}/batches/{batch.batch_id}/metrics", "batchMetrics")

    def experience_tags(self, experience_id: str) -> tuple[str, ...]:
        """The tag names of one experience, sorted.

        Raises:
            UpstreamError: the listing fails.
        """
        items = self.client.list_all(f"{self._prefix}/experiences/{experience_id}/experienceTags", "experienceTags")
        return tuple(sorted({name for name in (text(i.get("name")) for i in items) if name}))

    def stream(self, batches: list[BatchInfo]) -> Iterator[BatchContent]:
        """Each batch in order with its tests; the next batch's jobs are listed while one is folded."""
        upcoming = self._pool.submit(self._call, partial(self.jobs, batches[0])) if batches else None
        for position, batch in enumerate(batches):
            current = upcoming or self._pool.submit(self._call, partial(self.jobs, batch))
            upcoming = None
            if position + 1 < len(batches):
                upcoming = self._pool.submit(self._call, partial(self.jobs, batches[position + 1]))
            metrics_call = self._pool.submit(self._call, partial(self.batch_metrics, batch))
            infos, error = current.result()
            if error is not None:
                self._skip(f"jobs of batch {batch.name!r} ({batch.batch_id})", error)
            tests = infos or []
            self._fetch_tags(tests)
            metrics, error = metrics_call.result()
            if error is not None:
                self._skip(f"batch metrics of batch {batch.name!r} ({batch.batch_id})", error)
            yield BatchContent(info=batch, tests=self._tests(batch, tests), test_count=len(tests),
                               metrics=metrics or (), tags=self.tags)

    def _fetch_tags(self, tests: list[TestInfo]) -> None:
        new = list(dict.fromkeys(experience_key(t) for t in tests if experience_key(t) not in self.tags))
        ids = {experience_key(t): t.experience_id for t in tests}

        def tags_of(key: str) -> tuple[tuple[str, ...] | None, UpstreamError | None]:
            experience_id = ids[key]
            return self._call(partial(self.experience_tags, experience_id)) if experience_id else ((), None)

        for key, (tags, error) in zip(new, ordered(self._pool, tags_of, new, self._window), strict=True):
            if error is not None:
                self._skip(f"tags of experience {key}", error)
            self.tags[key] = tags or ()

    def _tests(self, batch: BatchInfo, tests: list[TestInfo]) -> Iterator[HistoryTest]:
        def listing(info: TestInfo) -> tuple[tuple[MetricRow, ...] | None, UpstreamError | None]:
            return self._call(partial(self.job_metrics, batch, info))

        for info, (metrics, error) in zip(tests, ordered(self._pool, listing, tests, self._window), strict=True):
            if error is not None:
                self._skip(f"metrics of job {info.name!r} ({info.job_id}) in batch {batch.name!r}", error)
            yield HistoryTest(info=info, metrics=metrics if error is None else None)


__all__ = ["BatchContent", "HistoryFetcher", "Skipped", "ordered"]
