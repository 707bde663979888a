"""Fetching a whole batch from the emulator as a stream through the fetch cache: same objects as ReSim's
fetcher, under faults, in any completion order, with the failure policy, a bounded pool and nothing but
STANDARD data downloaded."""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from emulator_fixtures import TestSpec, add_job_only, build_jobs_dir
from resim.metrics.fetch_job_metrics import fetch_job_metrics_by_batch

from metrics_build.batch.cache import FetchCache
from metrics_build.batch.fetch import Planned, SkippedObject, open_batch, parse_job, plan_downloads
from metrics_build.emulator import Emulator, Faults
from metrics_build.errors import EXIT_UPSTREAM, AuthenticationError, UpstreamError
from metrics_build.http import ApiClient, ClientOptions, parse_batch_settings
from metrics_build.reader import ObjectKind
from metrics_build.records import TestRecord
from metrics_build.wire import metrics_pb2 as pb

OPTIONS = ClientOptions(workers=6, retries=4, backoff_factor=0.01, backoff_max=1.0, read_timeout=10)


@pytest.fixture(scope="module")
def specs_and_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[TestSpec], Path]:
    root = tmp_path_factory.mktemp("jobs")
    specs = build_jobs_dir(root, 8, scalars=2, series=3, length=15, image=True)
    return specs, root


@pytest.fixture(scope="module")
def jobs_dir(specs_and_dir: tuple[list[TestSpec], Path]) -> Path:
    return specs_and_dir[1]


@pytest.fixture(scope="module")
def with_failed_tests(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("jobs_failed")
    build_jobs_dir(root, 3, scalars=1, series=1, length=5, image=False)
    add_job_only(root, "crashed", conflatedStatus="ERROR", jobStatus="ERROR", jobMetricsStatus="NO_STATUS_REPORTED")
    add_job_only(root, "stopped", conflatedStatus="CANCELLED", jobStatus="CANCELLED")
    add_job_only(root, "from the future", conflatedStatus="TELEPORTED", jobStatus="WARPING")
    return root


@dataclass
class Fetched:
    """A fetched batch: the records in order, what was skipped, and each test's stored objects."""

    project_id: str
    tests: list[TestRecord]
    skipped: list[SkippedObject]
    objects: dict[str, list[tuple[ObjectKind, bytes]]] = field(default_factory=dict)


def _fetch(emu: Emulator, *, options: ClientOptions = OPTIONS, allow_partial: bool = False,
           with_project: bool = True) -> Fetched:
    settings = parse_batch_settings(emu.config(with_project=with_project))
    with tempfile.TemporaryDirectory() as tmp, ApiClient(settings, options) as client:
        cache = FetchCache.open(Path(tmp) / "cache", batch_id=emu.batch_id, outputs=Path(tmp) / "out")
        stream = open_batch(client, cache, batch_id=emu.batch_id,
                            project_id=emu.project_id if with_project else None, allow_partial=allow_partial)
        tests = list(stream)
        objects = {t.info.job_id: [(o.kind, body) for o, body in cache.objects(t.info.job_id)] for t in tests}
        return Fetched(stream.project_id, tests, stream.skipped, objects)


def _messages(fetched: Fetched, job_id: str) -> tuple[list[pb.Metric], list[pb.MetricsData]]:
    metrics, data = [], []
    for kind, body in fetched.objects[job_id]:
        if kind is ObjectKind.METRIC:
            metric = pb.Metric.FromString(body)
            if metric.type not in (pb.IMAGE_METRIC_TYPE, pb.IMAGE_LIST_METRIC_TYPE):
                metrics.append(metric)
        else:
            data.append(pb.MetricsData.FromString(body))
    return metrics, data


def _canonical(fetched: Fetched) -> list[tuple[str, str, list[bytes], list[bytes]]]:
    out = []
    for t in fetched.tests:
        metrics, data = _messages(fetched, t.info.job_id)
        out.append((t.info.job_id, t.name, sorted(m.SerializeToString(deterministic=True) for m in metrics),
                    sorted(d.SerializeToString(deterministic=True) for d in data)))
    return out


def _file(jobs_dir: Path, test: str) -> pb.JobMetrics:
    msg = pb.JobMetrics()
    msg.ParseFromString((jobs_dir / test / "metrics.binproto").read_bytes())
    return msg


@pytest.fixture(scope="module")
def clean(jobs_dir: Path) -> Fetched:
    with Emulator(jobs_dir) as emu:
        return _fetch(emu)


def test_fetches_every_test_with_its_metrics_and_data(clean: Fetched, jobs_dir: Path) -> None:
    assert [t.name for t in clean.tests] == [f"test_{i:03d}" for i in range(8)]
    for t in clean.tests:
        source = _file(jobs_dir, t.name)
        want_metrics = sorted(m.name for m in source.job_level_metrics.metrics if m.type != pb.IMAGE_METRIC_TYPE)
        want_data = sorted(d.name for d in source.metrics_data if d.data_type != pb.EXTERNAL_FILE_DATA_TYPE)
        assert [m.name for m in t.metrics] == want_metrics
        _, data = _messages(clean, t.info.job_id)
        assert sorted(d.name for d in data) == want_data
        kept = (pb.DOUBLE_SERIES_DATA_TYPE, pb.INDEXED_DOUBLE_SERIES_DATA_TYPE, pb.STRING_SERIES_DATA_TYPE,
                pb.INDEXED_STRING_SERIES_DATA_TYPE)
        assert sorted(t.series) == sorted(d.name for d in data if d.WhichOneof("data") == "series"
                                          and d.data_type in kept)
        by_id = {d.metrics_data_id.id.data: d for d in source.metrics_data}
        for d in data:
            assert d == by_id[d.metrics_data_id.id.data]  # byte-for-byte the stored object


def test_same_objects_as_resims_fetcher(jobs_dir: Path, clean: Fetched) -> None:
    with Emulator(jobs_dir) as emu:
        reference = fetch_job_metrics_by_batch(token=emu.token, api_url=emu.api_url,
                                               project_id=uuid.UUID(emu.project_id), batch_id=uuid.UUID(emu.batch_id))
    assert {str(k) for k in reference} == {t.info.job_id for t in clean.tests}
    for t in clean.tests:
        ref = reference[uuid.UUID(t.info.job_id)]
        assert sorted(m.name for m in ref.metrics) == [m.name for m in t.metrics]
        assert sorted(d.name for d in ref.metrics_data) == sorted(d.name for d in _messages(clean, t.info.job_id)[1])


def test_twenty_percent_faults_give_the_same_result_as_none(jobs_dir: Path, clean: Fetched) -> None:
    faults = Faults(rate=0.2, retry_after=0, seed=7)
    with Emulator(jobs_dir, faults=faults, max_page_size=3) as emu:
        faulty = _fetch(emu)
        injected = emu.faults_injected
    assert sum(injected.values()) >= 10 and len(injected) >= 4, injected
    assert _canonical(faulty) == _canonical(clean)
    assert faulty.skipped == []


def test_order_does_not_depend_on_completion_order(jobs_dir: Path, clean: Fetched) -> None:
    with Emulator(jobs_dir, faults=Faults(jitter=0.02)) as emu:
        shuffled = _fetch(emu)
    assert _canonical(shuffled) == _canonical(clean)
    for t in shuffled.tests:
        assert [m.name for m in t.metrics] == sorted(m.name for m in t.metrics)
        assert list(t.series) == sorted(t.series)


def test_many_pages_everywhere(jobs_dir: Path, clean: Fetched) -> None:
    with Emulator(jobs_dir, max_page_size=1) as emu:
        paged = _fetch(emu, with_project=False)
        listings = [r for r in emu.requests if r.server == "api"]
    assert _canonical(paged) == _canonical(clean)
    # 3 projects, a probe each until the batch is found, 8 job pages + 1, and one page per object listed.
    assert len(listings) > 8 * 10


def test_image_metrics_and_external_files_are_never_downloaded(jobs_dir: Path) -> None:
    with Emulator(jobs_dir) as emu:
        batch = _fetch(emu)
        store_paths = [r.path for r in emu.requests if r.server == "store"]
    skipped_ids = set()
    for t in batch.tests:
        source = _file(jobs_dir, t.name)
        skipped_ids |= {m.metric_id.id.data for m in source.job_level_metrics.metrics if m.type == pb.IMAGE_METRIC_TYPE}
        skipped_ids |= {d.metrics_data_id.id.data for d in source.metrics_data
                        if d.data_type == pb.EXTERNAL_FILE_DATA_TYPE}
    assert len(skipped_ids) == 16
    assert not [p for p in store_paths if p.rsplit("/", 1)[-1] in skipped_ids]
    assert len(store_paths) == sum(len(batch.objects[t.info.job_id]) for t in batch.tests)


def test_unknown_enum_strings_and_extra_keys_are_tolerated(jobs_dir: Path, clean: Fetched) -> None:
    with Emulator(jobs_dir, quirks=True) as emu:
        batch = _fetch(emu, with_project=False)
        store_paths = [r.path for r in emu.requests if r.server == "store"]
    assert _canonical(batch) == _canonical(clean)
    assert not [p for p in store_paths if p.endswith("/hologram")]  # metricsDataType HOLOGRAM: not STANDARD


def test_errored_cancelled_and_unknown_status_tests_are_kept(with_failed_tests: Path) -> None:
    with Emulator(with_failed_tests) as emu:
        batch = _fetch(emu)
    by_name = {t.name: t for t in batch.tests}
    assert set(by_name) == {"crashed", "stopped", "from the future", "test_000", "test_001", "test_002"}
    assert by_name["crashed"].info.conflated_status == "ERROR"
    assert by_name["stopped"].info.job_status == "CANCELLED"
    assert by_name["from the future"].info.conflated_status == "TELEPORTED"
    assert {t.name for t in batch.tests if not t.ran} == {"crashed", "stopped", "from the future"}
    statuses = sorted(t.info.conflated_status or "" for t in batch.tests)
    assert statuses == ["CANCELLED", "ERROR", "PASSED", "PASSED", "TELEPORTED", "WARNING"]


def _object_id(jobs_dir: Path, test: str, data_name: str) -> str:
    return next(d.metrics_data_id.id.data for d in _file(jobs_dir, test).metrics_data if d.name == data_name)


def test_an_object_that_keeps_failing_fails_the_run_naming_test_and_object(jobs_dir: Path) -> None:
    broken = _object_id(jobs_dir, "test_003", "export/channel_1")
    with Emulator(jobs_dir, faults=Faults(always_fail=(broken,))) as emu:
        with pytest.raises(UpstreamError) as info:
            _fetch(emu)
        attempts = [r for r in emu.requests if broken in r.path]
    message = str(info.value)
    assert "test 'test_003'" in message and "metricsData 'export/channel_1'" in message
    assert "HTTP 500" in message and "--allow-partial" in message
    assert "Signature" not in message
    assert info.value.exit_code == EXIT_UPSTREAM
    assert len(attempts) == OPTIONS.retries + 1


def test_allow_partial_skips_and_reports_the_object(jobs_dir: Path, clean: Fetched) -> None:
    broken = _object_id(jobs_dir, "test_003", "export/channel_1")
    with Emulator(jobs_dir, faults=Faults(always_fail=(broken,))) as emu:
        batch = _fetch(emu, allow_partial=True)
        job_id = emu.job_ids["test_003"]
    assert len(batch.skipped) == 1
    skipped = batch.skipped[0]
    assert (skipped.job_id, skipped.test_name, skipped.kind, skipped.object_name) == \
        (job_id, "test_003", "metricsData", "export/channel_1")
    assert "HTTP 500" in skipped.error and "Signature" not in skipped.error
    got = {t.name: t for t in batch.tests}
    clean_003 = next(t for t in clean.tests if t.name == "test_003")
    assert sorted(got["test_003"].series) == sorted(n for n in clean_003.series if n != "export/channel_1")
    others = [c for c in _canonical(batch) if c[1] != "test_003"]
    assert others == [c for c in _canonical(clean) if c[1] != "test_003"]


def test_allow_partial_skips_a_failing_listing(jobs_dir: Path) -> None:
    with Emulator(jobs_dir) as emu:
        job_id = emu.job_ids["test_005"]
    with Emulator(jobs_dir, faults=Faults(always_fail=(f"{job_id}/metrics?",))) as emu:
        batch = _fetch(emu, allow_partial=True)
    assert [(s.test_name, s.kind) for s in batch.skipped] == [("test_005", "metrics listing")]
    t5 = next(t for t in batch.tests if t.name == "test_005")
    assert t5.metrics == () and len(_messages(batch, t5.info.job_id)[1]) == 7


def test_wrong_token_fails_even_with_allow_partial(jobs_dir: Path) -> None:
    with Emulator(jobs_dir) as emu:
        settings = parse_batch_settings({**emu.config(), "authToken": "nope-" + "x" * 20})
        with ApiClient(settings, OPTIONS) as client, pytest.raises(AuthenticationError) as info, \
                FetchCache.open(None, batch_id=emu.batch_id, outputs=jobs_dir) as cache:
            list(open_batch(client, cache, batch_id=emu.batch_id, project_id=emu.project_id, allow_partial=True))
    assert "HTTP 401" in str(info.value)


def test_project_is_found_for_the_three_field_config(jobs_dir: Path, clean: Fetched) -> None:
    with Emulator(jobs_dir, extra_projects=4, max_page_size=2) as emu:
        batch = _fetch(emu, with_project=False)
        probes = [r for r in emu.requests if r.path.endswith(f"/batches/{emu.batch_id}")]
    assert batch.project_id == emu.project_id
    assert [r.status for r in probes] == [404, 404, 404, 404, 200]
    assert _canonical(batch) == _canonical(clean)


def test_batch_in_no_project_is_a_clear_error(jobs_dir: Path) -> None:
    with Emulator(jobs_dir) as emu:
        settings = parse_batch_settings(emu.config(with_project=False))
        with ApiClient(settings, OPTIONS) as client, pytest.raises(UpstreamError) as info, \
                FetchCache.open(None, batch_id="b", outputs=jobs_dir) as cache:
            open_batch(client, cache, batch_id=str(uuid.uuid4()), project_id=None)
    assert "was not found in any of the 3 projects" in str(info.value)


def test_the_pool_is_bounded(jobs_dir: Path) -> None:
    seen: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            seen.append(sum(t.name.startswith("metrics-build-fetch") for t in threading.enumerate()))
            time.sleep(0.002)

    sampler = threading.Thread(target=sample)
    options = ClientOptions(workers=3, retries=2, backoff_factor=0.01)
    with Emulator(jobs_dir, faults=Faults(latency=0.005)) as emu:
        sampler.start()
        try:
            batch = _fetch(emu, options=options)
        finally:
            stop.set()
            sampler.join()
    assert len(batch.tests) == 8
    assert max(seen) == 3


def test_concurrency_seen_by_the_servers_is_bounded(jobs_dir: Path, clean: Fetched) -> None:
    options = ClientOptions(workers=5, api_workers=2, retries=2, backoff_factor=0.01)
    with Emulator(jobs_dir, faults=Faults(latency=0.01)) as emu:
        batch = _fetch(emu, options=options)
        peak = emu.peak_concurrency
    assert _canonical(batch) == _canonical(clean)
    assert peak["api"] == 2  # listings are capped below the pool size: the API is shared
    assert peak["store"] == 5


def test_parse_job_falls_back_to_the_job_id_for_a_name() -> None:
    info = parse_job({"jobID": "j-1", "conflatedStatus": 7, "extra": {}}, 0)
    assert (info.name, info.experience_name, info.conflated_status) == ("j-1", None, None)
    with pytest.raises(UpstreamError, match="item 3 has no jobID"):
        parse_job({"experienceName": "x"}, 3)


def test_plan_downloads_keeps_standard_data_and_non_image_metrics() -> None:
    metrics = [{"name": "img", "metricURL": "u1", "dataIDs": ["e1"]},
               {"name": "imgs", "metricURL": "u2", "dataIDs": ["e1", "e2"]},
               {"name": "chart", "metricURL": "u3", "dataIDs": ["s1", "e1"]},
               {"name": "scalar", "metricURL": "u4", "dataIDs": []},
               {"name": "no url"}]
    data = [{"dataID": "e1", "name": "a.png", "metricsDataType": "EXTERNAL_FILE", "metricsDataURL": "x"},
            {"dataID": "e2", "name": "v.mp4", "metricsDataType": "VIDEO", "metricsDataURL": "y"},
            {"dataID": "s1", "name": "series", "metricsDataType": "STANDARD", "metricsDataURL": "z"},
            {"dataID": "s2", "name": "weird", "metricsDataType": None, "metricsDataURL": "w"}]
    assert plan_downloads(metrics, data) == [
        Planned(ObjectKind.METRIC, "chart", "chart#2", "u3"), Planned(ObjectKind.METRIC, "no url", "no url#4", ""),
        Planned(ObjectKind.METRIC, "scalar", "scalar#3", "u4"), Planned(ObjectKind.DATA, "series", "s1", "z")]




def test_malformed_presigned_urls_fail_or_are_skipped_with_allow_partial(tmp_path: Path) -> None:
    from http.server import BaseHTTPRequestHandler

    import orjson
    from loopback_server import answer, serve

    from metrics_build import model as m
    from metrics_build.writer import JobMetricsWriter

    writer = JobMetricsWriter("3e1c2b4a-5d6f-4a7b-8c9d-0e1f2a3b4c5d")
    writer.add_metric(m.ScalarMetric(name="good", value=1.0))
    good = writer.build().job_level_metrics.metrics[0].SerializeToString()
    prefix = "/v1/projects/p/batches/b/jobs"

    def jobs(handler: BaseHTTPRequestHandler, seen: int) -> None:
        answer(handler, 200, orjson.dumps({"jobs": [{"jobID": "j1", "experienceName": "t1"}]}))

    def metrics(handler: BaseHTTPRequestHandler, seen: int) -> None:
        port = handler.server.server_address[1]
        answer(handler, 200, orjson.dumps({"metrics": [
            {"metricID": "m1", "name": "good", "metricURL": f"http://127.0.0.1:{port}/objects/good?X-Amz-Signature=s"},
            {"metricID": "m2", "name": "bad port", "metricURL": "http://127.0.0.1:99999/o?X-Amz-Signature=s"},
            {"metricID": "m3", "name": "bad ipv6", "metricURL": "http://[::1/o?X-Amz-Signature=s"}]}))

    routes = {f"{prefix}": jobs, f"{prefix}/j1/metrics": metrics,
              f"{prefix}/j1/metricsData": lambda h, n: answer(h, 200, b'{"metricsData": []}'),
              "/objects/good": lambda h, n: answer(h, 200, good)}
    with serve(routes) as base:  # type: ignore[arg-type]
        settings = parse_batch_settings({"authToken": "t", "apiURL": f"{base}/v1",
                                         "batchID": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"})
        for partial in (False, True):
            with ApiClient(settings, OPTIONS) as client, \
                    FetchCache.open(None, batch_id="b", outputs=tmp_path / "out") as cache:
                stream = open_batch(client, cache, batch_id="b", project_id="p", allow_partial=partial)
                if not partial:
                    with pytest.raises(UpstreamError, match="malformed URL") as info:
                        list(stream)
                    assert "Signature" not in str(info.value) and info.value.exit_code == EXIT_UPSTREAM
                    continue
                tests = list(stream)
                assert [x.name for x in tests[0].metrics] == ["good"]
                assert sorted(s.object_name for s in stream.skipped) == ["bad ipv6", "bad port"]
                assert all("malformed URL" in s.error and "Signature" not in s.error for s in stream.skipped)
