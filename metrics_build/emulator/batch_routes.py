"""A batch's routes: the batch, its jobs (filtered, paged), each job's metrics, metrics data and events,
and the batch's own metrics (its batch-mode output).
"""

from __future__ import annotations

from typing import Any

from metrics_build.emulator.catalog import BatchRecord, JobRecord
from metrics_build.emulator.ids import stable_id
from metrics_build.emulator.listing import Answer, listing, not_found, paged
from metrics_build.emulator.models import job_json
from metrics_build.emulator.state import BATCH_OWNER, State

_JOB_FILTERS = ("status", "conflatedStatus", "name", "text", "experienceTagIDs")


def batch_route(state: State, batch_id: str, rest: list[str], query: dict[str, list[str]]) -> Answer:
    """The answer to `GET .../batches/<batch_id>/<rest...>`."""
    batch = state.catalog.batches_by_id.get(batch_id)
    if batch is None:
        return not_found("batch not found")
    if not rest:
        return 200, state.batch_json[batch_id]
    if rest == ["jobs"]:
        return _list_jobs(state, batch, query)
    if rest[0] == "jobs" and len(rest) >= 2:
        job = batch.jobs_by_id.get(rest[1])
        return not_found("job not found") if job is None else _job_route(state, batch, job, rest[2:], query)
    if rest[0] in ("metrics", "metricsData") and len(rest) <= 2:
        content = state.content(batch_id, BATCH_OWNER)
        items = (content.metrics if rest[0] == "metrics" else content.data) if content is not None else []
        key = "batchMetrics" if rest[0] == "metrics" else "batchMetricsData"
        id_key = "metricID" if rest[0] == "metrics" else "dataID"
        return listing(state, _with_ids(items, id_key, rest[1:]), key, query)
    return not_found()


def _job_route(state: State, batch: BatchRecord, job: JobRecord, rest: list[str],
               query: dict[str, list[str]]) -> Answer:
    if not rest:
        return 200, _job(state, batch, job)
    content = state.content(batch.batch_id, job.job_id)
    metrics, data, events = (content.metrics, content.data, content.events) if content is not None else ([], [], [])
    kind, ids = rest[0], rest[1:]
    if kind == "metrics" and len(ids) <= 1:
        return listing(state, _with_ids(metrics, "metricID", ids), "metrics", query)
    if kind == "eventMetrics" and not ids:
        return listing(state, [m for m in metrics if m.get("eventMetric")], "metrics", query)
    if kind == "metricsData" and len(ids) <= 1:
        return listing(state, _with_ids(data, "dataID", ids), "metricsData", query)
    if kind == "events" and not ids:
        wanted = set(_id_list(",".join(query.get("eventTags", []))))
        chosen = [e for e in events if not wanted or wanted & set(e["tags"])]
        return listing(state, chosen, "events", query)
    if kind == "events" and len(ids) == 1:
        event = next((e for e in events if e["eventID"] == ids[0]), None)
        return (200, event) if event is not None else not_found("event not found")
    return not_found()


def _list_jobs(state: State, batch: BatchRecord, query: dict[str, list[str]]) -> Answer:
    jobs = batch.jobs
    if any(f in query for f in _JOB_FILTERS):
        jobs = [j for j in jobs if _job_matches(state, _job(state, batch, j), j, query)]
    return paged(state, len(jobs), lambda a, z: [_job(state, batch, j) for j in jobs[a:z]], "jobs", query,
                 total=True)


def _job(state: State, batch: BatchRecord, job: JobRecord) -> dict[str, Any]:
    result = job_json(state.catalog, batch, job)
    if state.quirks:
        result["futureField"] = {"added": "later"}
    return result


def _job_matches(state: State, item: dict[str, Any], job: JobRecord, query: dict[str, list[str]]) -> bool:
    """The platform's job filters: status, conflatedStatus (any of), name, text, experienceTagIDs (any of)."""
    def values(key: str) -> set[str]:
        return set(_id_list(",".join(query.get(key, []))))

    if "status" in query and item.get("jobStatus") not in values("status"):
        return False
    if "conflatedStatus" in query and item.get("conflatedStatus") not in values("conflatedStatus"):
        return False
    if "name" in query and job.name not in values("name"):
        return False
    if "text" in query and query["text"][0].casefold() not in job.name.casefold():
        return False
    if "experienceTagIDs" in query:
        tag_ids = {stable_id(f"tag/{t}") for t in state.catalog.tags.get(job.experience_id, ())}
        return bool(tag_ids & values("experienceTagIDs"))
    return True


def _with_ids(items: list[dict[str, Any]], key: str, ids: list[str]) -> list[dict[str, Any]]:
    """`items` whose `key` is one of the ids listed in `ids[0]` (all items when no ids are given)."""
    if not ids:
        return items
    wanted = set(_id_list(ids[0]))
    return [i for i in items if i.get(key) in wanted]


def _id_list(text: str) -> list[str]:
    """Ids from a path segment or query value: comma-separated, or as a Python list's text (`['a', 'b']`),
    which is what the platform's generated client puts in the path for a list of ids."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return [part.strip().strip("'\"") for part in text.split(",") if part.strip().strip("'\"")]


__all__ = ["batch_route"]
