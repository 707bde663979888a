"""ReSim's generated API client (`resim.sdk.client`, test-only) judges every answer of the emulator.

Each endpoint the SDK calls is requested through the real generated function (`sync_detailed`), so
the client's own `from_dict` parses the answer; a test fails on a status other than 200, on a model
that cannot be built, and on any key the model does not know (`additional_properties`).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import attrs
import pytest
from history_fixtures import TAGS, build_history, expected_scalar, report_batches
from resim.sdk.client import AuthenticatedClient
from resim.sdk.client.api.batches import (
    get_batch,
    get_event_for_job,
    get_job,
    list_batch_metrics,
    list_batch_metrics_data,
    list_batch_metrics_data_for_batch_metrics_data_i_ds,
    list_batch_metrics_for_batch_metric_i_ds,
    list_batches,
    list_event_metrics_for_job,
    list_events_for_job,
    list_jobs,
    list_metrics_data_for_job,
    list_metrics_data_for_metrics_data_i_ds,
    list_metrics_for_job,
    list_metrics_for_metric_i_ds,
)
from resim.sdk.client.api.builds import get_build
from resim.sdk.client.api.experiences import list_experience_tags_for_experience
from resim.sdk.client.api.projects import get_branch_for_project, get_project, list_branches_for_project, list_projects
from resim.sdk.client.api.reports import get_report
from resim.sdk.client.models import (
    Batch,
    BatchStatus,
    Branch,
    Build,
    ConflatedJobStatus,
    Event,
    Job,
    MetricStatus,
    MetricType,
    Project,
    Report,
)
from resim.sdk.client.types import Response
from resim_fixtures import METRIC_NAMES, resim_written_job_metrics, with_braced_ids

from metrics_build.emulator import Emulator


@dataclass
class Served:
    emu: Emulator
    client: AuthenticatedClient


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = build_history(tmp_path_factory.mktemp("history"))
    with Emulator(history=root, max_page_size=3) as emu, \
            AuthenticatedClient(base_url=emu.api_url, token=emu.token) as client:
        yield Served(emu, client)


@pytest.fixture(scope="module")
def resim_batch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("resim-batch")
    sources = {"plain": resim_written_job_metrics(), "braced": with_braced_ids(resim_written_job_metrics())}
    for name, msg in sources.items():
        (root / name).mkdir()
        (root / name / "metrics.binproto").write_bytes(msg.SerializeToString())
    with Emulator(root) as emu, AuthenticatedClient(base_url=emu.api_url, token=emu.token) as client:
        yield Served(emu, client)


def _unknown_keys(obj: Any, path: str = "") -> list[str]:
    """Paths of every parsed model (nested too) that holds keys its class does not define."""
    if isinstance(obj, list):
        return [p for i, item in enumerate(obj) for p in _unknown_keys(item, f"{path}[{i}]")]
    if not attrs.has(type(obj)):
        return []
    found = [f"{path or type(obj).__name__}: {sorted(obj.additional_properties)}"] \
        if getattr(obj, "additional_properties", None) else []
    for a in attrs.fields(type(obj)):
        if a.name != "additional_properties":
            found += _unknown_keys(getattr(obj, a.name), f"{path}.{a.name}")
    return found


def _ok(response: Response[Any], model: type | None = None) -> Any:
    """The parsed answer, after checking status 200, the model and that no key was unknown to it."""
    assert response.status_code == 200, (response.status_code, response.content[:300])
    parsed = response.parsed
    assert parsed is not None
    if model is not None:
        assert isinstance(parsed, model)
    assert _unknown_keys(parsed) == []
    return parsed


def _all_pages(call: Any, *args: Any, key: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    token: str | None = None
    for _ in range(100):
        page = _ok(call(*args, **kwargs, **({"page_token": token} if token else {})))
        items += getattr(page, key)
        token = page.next_page_token
        if not token:
            return items
    raise AssertionError("paging did not end")


def _batch_by_name(served: Served, name: str) -> Batch:
    emu = served.emu
    batches = _all_pages(list_batches.sync_detailed, emu.project_id, client=served.client, key="batches")
    return next(b for b in batches if b.friendly_name == name)


def test_projects(history: Served) -> None:
    emu, client = history.emu, history.client
    projects = _all_pages(list_projects.sync_detailed, client=client, key="projects")
    assert [p.project_id for p in projects][-1] == emu.project_id and len(projects) == 3
    project = _ok(get_project.sync_detailed(emu.project_id, client=client), Project)
    assert project.project_id == emu.project_id and project.archived is False
    assert get_project.sync_detailed(str(uuid.uuid4()), client=client).status_code == 404


def test_branches_by_name_and_by_id(history: Served) -> None:
    emu, client = history.emu, history.client
    branches = _all_pages(list_branches_for_project.sync_detailed, emu.project_id, client=client, key="branches")
    assert len(branches) >= 2 and all(isinstance(b, Branch) for b in branches)
    main = _all_pages(list_branches_for_project.sync_detailed, emu.project_id, client=client, name="main",
                      key="branches")
    assert [b.name for b in main] == ["main"]
    again = _ok(get_branch_for_project.sync_detailed(emu.project_id, main[0].branch_id, client=client), Branch)
    assert again.branch_id == main[0].branch_id
    batches = _all_pages(list_batches.sync_detailed, emu.project_id, client=client, key="batches",
                         search=f'branch_id = "{main[0].branch_id}"')
    assert batches and all(b.branch_id == main[0].branch_id for b in batches)


def test_report_and_its_batch_search(history: Served) -> None:
    emu, client = history.emu, history.client
    report = _ok(get_report.sync_detailed(emu.project_id, emu.report_id, client=client), Report)
    # The filter exactly as ReSim's report code builds it, times rendered with str(datetime).
    search = (f'test_suite_id = "{report.test_suite_id}" AND branch_id = "{report.branch_id}" AND '
              f'created_at > "{report.start_timestamp}" AND created_at < "{report.end_timestamp}"')
    found = _all_pages(list_batches.sync_detailed, emu.project_id, client=client, search=search, key="batches")
    assert [b.friendly_name for b in found] == [s.key for s in reversed(report_batches())]  # newest first
    oldest_first = _all_pages(list_batches.sync_detailed, emu.project_id, client=client, search=search,
                              order_by="timestamp asc", key="batches")
    assert [b.friendly_name for b in oldest_first] == [s.key for s in report_batches()]
    revision = _all_pages(list_batches.sync_detailed, emu.project_id, client=client,
                          search=f"{search} AND test_suite_revision = 2", key="batches")
    assert revision == []
    narrow = f'{search} AND created_at < "2026-01-06 21:00:00+00:00"'
    assert [b.friendly_name for b in _all_pages(list_batches.sync_detailed, emu.project_id, client=client,
                                                search=narrow, key="batches")] == ["b2-warn", "b1-first"]
    bad = list_batches.sync_detailed(emu.project_id, client=client, search='test_suite_id ~ "x" OR 1')
    assert bad.status_code == 400


def test_batch_and_jobs(history: Served) -> None:
    emu, client = history.emu, history.client
    summary = _batch_by_name(history, "b2-warn")
    batch = _ok(get_batch.sync_detailed(emu.project_id, summary.batch_id, client=client), Batch)
    assert batch.status == BatchStatus.SUCCEEDED and batch.total_jobs == 4
    assert batch.creation_timestamp == datetime.datetime(2026, 1, 6, 20, tzinfo=datetime.UTC)
    assert batch.jobs_metrics_status == MetricStatus.FAIL_WARN and batch.job_status_counts.error == 1
    jobs = _all_pages(list_jobs.sync_detailed, emu.project_id, batch.batch_id, client=client, key="jobs")
    statuses = {j.experience_name: j.conflated_status for j in jobs}
    assert statuses == {"lane_change": ConflatedJobStatus.WARNING, "merge": ConflatedJobStatus.PASSED,
                        "parking": ConflatedJobStatus.PASSED, "roundabout": ConflatedJobStatus.ERROR}
    assert {j.build_id for j in jobs} == {batch.build_id}
    errors = _ok(list_jobs.sync_detailed(emu.project_id, batch.batch_id, client=client,
                                         conflated_status=[ConflatedJobStatus.ERROR]))
    assert [j.experience_name for j in errors.jobs] == ["roundabout"] and errors.total == 1
    job = _ok(get_job.sync_detailed(emu.project_id, batch.batch_id, jobs[0].job_id, client=client), Job)
    assert job.job_id == jobs[0].job_id and job.experience_id == jobs[0].experience_id
    build = _ok(get_build.sync_detailed(emu.project_id, batch.build_id, client=client), Build)
    assert build.version == "1.0.0" and build.creation_timestamp == \
        _batch_by_name(history, "b1-first").creation_timestamp  # the build's first batch
    lane = next(j for j in jobs if j.experience_name == "lane_change")
    tags = _all_pages(list_experience_tags_for_experience.sync_detailed, emu.project_id, lane.experience_id,
                      client=client, key="experience_tags")
    assert [t.name for t in tags] == TAGS["lane_change"]


def test_job_metrics_data_and_events(history: Served) -> None:
    emu, client = history.emu, history.client
    batch = _batch_by_name(history, "b3-block")
    jobs = _all_pages(list_jobs.sync_detailed, emu.project_id, batch.batch_id, client=client, key="jobs")
    job = next(j for j in jobs if j.experience_name == "merge")
    ids = (emu.project_id, batch.batch_id, job.job_id)
    metrics = _all_pages(list_metrics_for_job.sync_detailed, *ids, client=client, key="metrics")
    by_name = {m.name: m for m in metrics}
    assert by_name["max speed"].type_ == MetricType.SCALAR and by_name["max speed"].unit == "m/s"
    assert by_name["max speed"].value == expected_scalar("b3-block", "merge")
    assert by_name["max speed"].status == MetricStatus.FAIL_WARN
    assert by_name["speed over time"].type_ == MetricType.COMPOSITE and by_name["speed over time"].value is None
    event_metrics = _ok(list_event_metrics_for_job.sync_detailed(*ids, client=client)).metrics
    assert [m.name for m in event_metrics] == ["brake depth"]
    chosen = [by_name["max speed"].metric_id, by_name["collisions"].metric_id]
    picked = _ok(list_metrics_for_metric_i_ds.sync_detailed(*ids, chosen, client=client)).metrics
    assert sorted(m.metric_id for m in picked) == sorted(chosen)
    data = _all_pages(list_metrics_data_for_job.sync_detailed, *ids, client=client, key="metrics_data")
    assert {d.name for d in data} >= {"time", "speed"}
    one = _ok(list_metrics_data_for_metrics_data_i_ds.sync_detailed(*ids, [data[0].data_id], client=client))
    assert [d.data_id for d in one.metrics_data] == [data[0].data_id]
    events = _ok(list_events_for_job.sync_detailed(*ids, client=client)).events
    assert [(e.name, e.tags, e.metrics_i_ds) for e in events] == \
        [("hard brake", ["brake"], [event_metrics[0].metric_id])]
    assert events[0].timestamp == datetime.datetime(1970, 1, 1, 0, 0, 2, tzinfo=datetime.UTC)
    assert _ok(list_events_for_job.sync_detailed(*ids, client=client, event_tags=["other"])).events == []
    event = _ok(get_event_for_job.sync_detailed(*ids, events[0].event_id, client=client), Event)
    assert event.event_id == events[0].event_id


def test_batch_metrics_listings(history: Served) -> None:
    emu, client = history.emu, history.client
    batch = _batch_by_name(history, "b1-first")
    metrics = _ok(list_batch_metrics.sync_detailed(emu.project_id, batch.batch_id, client=client)).batch_metrics
    assert {m.name: (m.type_, m.value) for m in metrics} == \
        {"pass rate": (MetricType.SCALAR, 1.0), "summary": (MetricType.COMPOSITE, None)}
    data = _ok(list_batch_metrics_data.sync_detailed(emu.project_id, batch.batch_id, client=client))
    assert data.batch_metrics_data == [] or all(d.batch_id == batch.batch_id for d in data.batch_metrics_data)
    picked = _ok(list_batch_metrics_for_batch_metric_i_ds.sync_detailed(
        emu.project_id, batch.batch_id, [metrics[0].metric_id], client=client)).batch_metrics
    assert [m.metric_id for m in picked] == [metrics[0].metric_id]
    _ok(list_batch_metrics_data_for_batch_metrics_data_i_ds.sync_detailed(
        emu.project_id, batch.batch_id, ["absent"], client=client))
    without = _batch_by_name(history, "b2-warn")
    assert _ok(list_batch_metrics.sync_detailed(emu.project_id, without.batch_id, client=client)).batch_metrics == []


def test_resim_written_batch_parses_in_every_listing(resim_batch: Served) -> None:
    emu, client = resim_batch.emu, resim_batch.client
    _ok(get_batch.sync_detailed(emu.project_id, emu.batch_id, client=client), Batch)
    for name, job_id in emu.job_ids.items():
        ids = (emu.project_id, emu.batch_id, job_id)
        metrics = _all_pages(list_metrics_for_job.sync_detailed, *ids, client=client, key="metrics")
        assert {m.name for m in metrics} >= set(METRIC_NAMES.values()), name
        _all_pages(list_metrics_data_for_job.sync_detailed, *ids, client=client, key="metrics_data")
        events = _ok(list_events_for_job.sync_detailed(*ids, client=client)).events
        assert {e.name for e in events} == {"hard brake", "second brake"}
        braced = [m.metric_id for m in metrics[:2]]
        assert [m.metric_id for m in _ok(list_metrics_for_metric_i_ds.sync_detailed(
            *ids, braced, client=client)).metrics] == braced


def test_unknown_ids_are_404(history: Served, tmp_path: Path) -> None:
    emu, client = history.emu, history.client
    absent = str(uuid.uuid4())
    assert get_batch.sync_detailed(emu.project_id, absent, client=client).status_code == 404
    assert get_build.sync_detailed(emu.project_id, absent, client=client).status_code == 404
    assert get_report.sync_detailed(emu.project_id, absent, client=client).status_code == 404
    batch = _batch_by_name(history, "b1-first")
    assert get_job.sync_detailed(emu.project_id, batch.batch_id, absent, client=client).status_code == 404
