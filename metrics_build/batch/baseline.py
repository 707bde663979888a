"""A batch's baseline (`[batch.baseline]`): find the baseline batch, read its tests through the same
client and fetch cache, and compare this batch against it (the `[compare]` statistics).

This batch's side was collected while it was aggregated (a scalar per test and name); the baseline's
is streamed the same way, so the comparison holds no series of either batch.
"""

from __future__ import annotations

import logging
from typing import Any

from metrics_build import model as m
from metrics_build.batch.cache import FetchCache
from metrics_build.batch.fetch import open_batch
from metrics_build.compare.analysis import compare
from metrics_build.compare.extract import side_test
from metrics_build.compare.output import comparison_metrics
from metrics_build.compare.records import Side, SideTest
from metrics_build.config import BaselineSpec, CompareSection
from metrics_build.errors import InputError, NotFoundError, UpstreamError
from metrics_build.http import ApiClient

log = logging.getLogger("metrics_build.batch")

FINISHED = "SUCCEEDED"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def find_baseline(client: ApiClient, *, project_id: str, batch_id: str, spec: BaselineSpec) -> str | None:
    """The baseline batch's id: `spec.batch_id`, or the newest finished batch of this batch's test suite on
    `spec.branch` created before this batch; None when there is none.

    Raises:
        InputError: no branch has that name.
        UpstreamError: the API failed.
    """
    if spec.batch_id is not None:
        return str(spec.batch_id)
    prefix = f"/projects/{project_id}"
    current = client.get_json(f"{prefix}/batches/{batch_id}")
    branches = client.list_all(f"{prefix}/branches", "branches", {"name": spec.branch or ""})
    branch = next((_text(b.get("branchID")) for b in branches if b.get("name") == spec.branch), None)
    if branch is None:
        raise InputError(f"[batch.baseline] branch {spec.branch!r}: no branch of that name in project {project_id}")
    clauses = [f'branch_id = "{branch}"']
    suite = _text(current.get("testSuiteID"))
    if suite:
        clauses.append(f'test_suite_id = "{suite}"')
    created = _text(current.get("creationTimestamp"))
    if created:
        clauses.append(f'created_at < "{created}"')
    found = client.list_all(f"{prefix}/batches", "batches", {"search": " AND ".join(clauses),
                                                            "orderBy": "timestamp desc"})
    finished = [b for b in found if b.get("status") == FINISHED and b.get("batchID") != batch_id]
    finished.sort(key=lambda b: str(b.get("creationTimestamp") or ""), reverse=True)
    return _text(finished[0].get("batchID")) if finished else None


def fetch_side(client: ApiClient, cache: FetchCache, *, project_id: str, batch_id: str,
               allow_partial: bool) -> list[SideTest]:
    """Every test of a batch as one side of a comparison, streamed through `cache` (a scalar per test and
    name is kept)."""
    sub = FetchCache(cache.root, batch_id, temporary=False)  # the same cache directory, its own batch part
    stream = open_batch(client, sub, batch_id=batch_id, project_id=project_id, allow_partial=allow_partial)
    return [side_test(test) for test in stream]


def baseline_metrics(client: ApiClient, cache: FetchCache, *, project_id: str, batch_id: str, spec: BaselineSpec,
                     settings: CompareSection, candidate: list[SideTest], allow_partial: bool) -> list[m.Metric]:
    """The comparison of this batch (`candidate`) with its baseline, as metrics named after `spec.prefix`.

    Without a baseline: a NOT_APPLICABLE text metric saying so, or (with `spec.required`) an error.

    Raises:
        UpstreamError: the baseline cannot be fetched; or none is found and `spec.required`.
        InputError: no branch has the configured name.
    """
    try:
        baseline_id = find_baseline(client, project_id=project_id, batch_id=batch_id, spec=spec)
    except NotFoundError:
        baseline_id = None
    where = f"batch {spec.batch_id}" if spec.batch_id else f"the latest finished batch on branch {spec.branch!r}"
    if baseline_id is None:
        if spec.required:
            raise UpstreamError(f"[batch.baseline]: no baseline found ({where})")
        log.warning("no baseline found (%s): the comparison is left out", where)
        return [m.TextMetric(name=f"{spec.prefix}comparison", status=m.Status.NOT_APPLICABLE,
                             text=f"No baseline: {where} was not found, so nothing was compared.")]
    log.info("comparing with baseline batch %s", baseline_id)
    baseline = fetch_side(client, cache, project_id=project_id, batch_id=baseline_id, allow_partial=allow_partial)
    result = compare(Side("baseline", baseline, source=f"batch {baseline_id}"),
                     Side("candidate", candidate, source=f"batch {batch_id}"), settings)
    return comparison_metrics(result, prefix=spec.prefix)


__all__ = ["baseline_metrics", "fetch_side", "find_baseline"]
