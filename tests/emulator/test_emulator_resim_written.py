"""Files written by ReSim's own writer (every metric and data type, events, grouped data, and the same
with `{uuid}` ids as ReSim's fixture generator writes them) go through the emulator to ReSim's own
fetcher, which gets back exactly what was served, and to our batch mode, whose output ReSim accepts.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import pytest
import requests
from google.protobuf import struct_pb2
from oracle import assert_resim_accepts, resim_pb
from resim.metrics.fetch_job_metrics import JobInfo, fetch_job_metrics, fetch_job_metrics_by_batch
from resim.metrics.python.unpack_metrics import unpack_metrics
from resim_fixtures import METRIC_NAMES, resim_written_job_metrics, with_braced_ids

from metrics_build.emulator import Emulator
from metrics_build.emulator.refs import data_ids
from metrics_build.wire import metrics_pb2 as pb

T = TypeVar("T")
IMAGES = (resim_pb.IMAGE_METRIC_TYPE, resim_pb.IMAGE_LIST_METRIC_TYPE)


@dataclass
class Served:
    emu: Emulator
    sources: dict[str, resim_pb.JobMetrics]  # test name -> what its metrics.binproto holds


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("resim-jobs")
    sources = {
        "resim_writer": resim_written_job_metrics(uuid.UUID(int=1)),
        "braced_ids": with_braced_ids(resim_written_job_metrics(uuid.UUID(int=2))),
    }
    for name, msg in sources.items():
        (root / name).mkdir()
        (root / name / "metrics.binproto").write_bytes(msg.SerializeToString())
    with Emulator(root) as emu:
        yield Served(emu, sources)


def _within(seconds: float, call: Callable[[], T]) -> T:
    """Run `call` in a thread: ReSim's fetcher has no timeouts, so a hang must fail the test, not stall it."""
    result: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"ReSim's fetcher did not finish within {seconds} s"
    if errors:
        raise errors[0]
    return result[0]


def _key(message: Any) -> str:
    return str(message.metric_id.id.data if hasattr(message, "metric_id") else message.metrics_data_id.id.data)


def _expected(msg: resim_pb.JobMetrics) -> tuple[list[Any], list[Any]]:
    """What ReSim's fetcher keeps of a job: non-image metrics and STANDARD (protobuf) data."""
    metrics = [m for m in msg.job_level_metrics.metrics if m.type not in IMAGES]
    data = [d for d in msg.metrics_data if d.data_type != resim_pb.EXTERNAL_FILE_DATA_TYPE]
    return sorted(metrics, key=_key), sorted(data, key=_key)


def test_resim_fetcher_gets_back_every_served_message(served: Served) -> None:
    emu = served.emu
    jobs = [JobInfo(job_id=uuid.UUID(jid), batch_id=uuid.UUID(emu.batch_id), project_id=uuid.UUID(emu.project_id))
            for jid in emu.job_ids.values()]
    metrics, data = _within(60, lambda: fetch_job_metrics(token=emu.token, base_url=emu.api_url, jobs=jobs))
    for name, msg in served.sources.items():
        job_id = uuid.UUID(emu.job_ids[name])
        want_metrics, want_data = _expected(msg)
        assert sorted(metrics[job_id], key=_key) == want_metrics
        assert sorted(data[job_id], key=_key) == want_data
        fetched_types = {resim_pb.MetricType.Name(m.type) for m in metrics[job_id]}
        assert fetched_types == set(METRIC_NAMES) - {"IMAGE_METRIC_TYPE", "IMAGE_LIST_METRIC_TYPE"}
    assert not [r for r in emu.requests if r.server == "store" and r.status != 200]


def test_resim_fetch_by_batch_unpacks_what_was_served(served: Served) -> None:
    emu = served.emu
    fetched = _within(60, lambda: fetch_job_metrics_by_batch(
        token=emu.token, api_url=emu.api_url, project_id=uuid.UUID(emu.project_id),
        batch_id=uuid.UUID(emu.batch_id)))
    assert set(fetched) == {uuid.UUID(j) for j in emu.job_ids.values()}
    for name, msg in served.sources.items():
        got = fetched[uuid.UUID(emu.job_ids[name])]
        want_metrics, want_data = _expected(msg)
        direct = unpack_metrics(metrics=want_metrics, metrics_data=want_data, events=[])
        assert got.names == direct.names
        assert sorted((m.pack() for m in got.metrics), key=_key) == sorted((m.pack() for m in direct.metrics),
                                                                           key=_key)
        assert sorted((d.pack() for d in got.metrics_data), key=_key) == \
            sorted((d.pack() for d in direct.metrics_data), key=_key)


def test_braced_ids_are_served_however_the_client_encodes_them(served: Served) -> None:
    emu = served.emu
    job_id = emu.job_ids["braced_ids"]
    listing = requests.get(f"{emu.api_url}/projects/{emu.project_id}/batches/{emu.batch_id}/jobs/{job_id}/metrics",
                           headers={"Authorization": f"Bearer {emu.token}"}, timeout=5).json()["metrics"]
    item = listing[0]
    assert item["metricID"].startswith("{") and "%7B" in item["metricURL"]
    assert requests.get(item["metricURL"], timeout=5).status_code == 200
    parts = urlsplit(item["metricURL"])
    raw_path = unquote(parts.path)  # `{` and `}` sent as they are
    assert "{" in raw_path
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        connection.request("GET", f"{raw_path}?{parts.query}")
        answer = connection.getresponse()
        body = answer.read()
    finally:
        connection.close()
    assert answer.status == 200
    assert resim_pb.Metric.FromString(body).metric_id.id.data == item["metricID"]
    forged = item["metricURL"].replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert requests.get(forged, timeout=5).status_code == 403


def test_our_batch_mode_over_resim_written_tests(served: Served, tmp_path: Path) -> None:
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    served.emu.write_config(inputs / "batch_metrics_config.json")
    run = subprocess.run([sys.executable, "-m", "metrics_build", "run", "--inputs", str(inputs),
                          "--outputs", str(outputs)], capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    assert served.emu.token not in run.stdout + run.stderr
    msg = assert_resim_accepts(outputs / "metrics.binproto")
    assert len(msg.job_level_metrics.metrics) > 0


def test_data_ids_walk_every_field_shape() -> None:
    source = pb.JobMetrics.FromString(resim_written_job_metrics().SerializeToString())
    by_name = {m.name: m for m in source.job_level_metrics.metrics}
    plotly = by_name[METRIC_NAMES["PLOTLY_METRIC_TYPE"]]
    assert plotly.metric_values.plotly_metric_values.json.fields  # a Struct: a map of Values
    assert data_ids(plotly.metric_values) == []
    chart = by_name[METRIC_NAMES["DOUBLE_OVER_TIME_METRIC_TYPE"]].metric_values.double_over_time_metric_values
    assert data_ids(by_name[METRIC_NAMES["DOUBLE_OVER_TIME_METRIC_TYPE"]].metric_values) == \
        [chart.doubles_over_time_data_id[0].id.data, chart.statuses_over_time_data_id[0].id.data]
    batchwise = by_name[METRIC_NAMES["BATCHWISE_BAR_CHART_METRIC_TYPE"]].metric_values
    assert len(data_ids(batchwise)) == len(batchwise.batchwise_bar_chart_metric_values.times_data_id) * 3
    deep = struct_pb2.Struct()
    level = deep
    for _ in range(60):  # deeper than any figure; the walk does not even enter it
        level = level.fields["k"].struct_value
    values = pb.MetricValues()
    values.plotly_metric_values.json.CopyFrom(deep)
    assert data_ids(values) == []
