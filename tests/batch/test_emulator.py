"""The emulator itself: the platform's JSON shapes, pagination rules, auth, presigned objects, its CLI."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from emulator_fixtures import PNG, TestSpec, add_job_only, build_jobs_dir

from metrics_build.emulator import JOB_NAMESPACE, Emulator, Faults, job_id_for
from metrics_build.errors import InputError
from metrics_build.wire import metrics_pb2 as pb


@pytest.fixture(scope="module")
def specs_and_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[TestSpec], Path]:
    root = tmp_path_factory.mktemp("jobs")
    specs = build_jobs_dir(root, 5, scalars=2, series=1, length=4, image=True)
    add_job_only(root, "crashed", conflatedStatus="ERROR", jobStatus="ERROR")
    (root / "not a test").mkdir()  # neither metrics.binproto nor job.json: ignored
    return specs, root


@pytest.fixture(scope="module")
def emu(specs_and_dir: tuple[list[TestSpec], Path]) -> Iterator[Emulator]:
    with Emulator(specs_and_dir[1]) as e:
        yield e


def _get(emu: Emulator, path: str, **params: Any) -> requests.Response:
    return requests.get(emu.api_url + path, params=params, headers={"Authorization": f"Bearer {emu.token}"},
                        timeout=5)


def _batch(emu: Emulator) -> str:
    return f"/projects/{emu.project_id}/batches/{emu.batch_id}"


def test_jobs_follow_the_platform_job_model(emu: Emulator) -> None:
    body = _get(emu, f"{_batch(emu)}/jobs").json()
    assert body["total"] == 6 and body["nextPageToken"] == ""
    jobs = {j["experienceName"]: j for j in body["jobs"]}
    assert sorted(jobs) == ["crashed", "test_000", "test_001", "test_002", "test_003", "test_004"]
    assert jobs["test_000"]["jobID"] == str(uuid.uuid5(JOB_NAMESPACE, "test_000")) == job_id_for("test_000")
    statuses = {n: (j["conflatedStatus"], j["jobMetricsStatus"], j["jobStatus"]) for n, j in jobs.items()}
    assert statuses == {
        "test_000": ("PASSED", "PASSED", "SUCCEEDED"), "test_001": ("PASSED", "PASSED", "SUCCEEDED"),
        "test_002": ("WARNING", "FAIL_WARN", "SUCCEEDED"), "test_003": ("PASSED", "PASSED", "SUCCEEDED"),
        "test_004": ("BLOCKER", "FAIL_BLOCK", "SUCCEEDED"), "crashed": ("ERROR", "NO_STATUS_REPORTED", "ERROR"),
    }
    assert all(j["projectID"] == emu.project_id and j["batchID"] == emu.batch_id for j in jobs.values())


def test_metric_listing_and_objects(emu: Emulator, specs_and_dir: tuple[list[TestSpec], Path]) -> None:
    spec = specs_and_dir[0][1]
    source = pb.JobMetrics.FromString((specs_and_dir[1] / spec.name / "metrics.binproto").read_bytes())
    items = _get(emu, f"{_batch(emu)}/jobs/{job_id_for(spec.name)}/metrics").json()["metrics"]
    by_name = {i["name"]: i for i in items}
    assert [i["name"] for i in items] == [m.name for m in source.job_level_metrics.metrics]
    assert by_name["scalar_1"]["type"] == "SCALAR"
    assert by_name["scalar_1"]["value"] == spec.scalar_value(1) and by_name["scalar_1"]["unit"] == "m/s"
    assert by_name["speed over time"]["type"] == "COMPOSITE" and by_name["speed over time"]["value"] is None
    chart = next(m for m in source.job_level_metrics.metrics if m.name == "speed over time")
    dot = chart.metric_values.double_over_time_metric_values
    assert by_name["speed over time"]["dataIDs"] == [dot.doubles_over_time_data_id[0].id.data,
                                                     dot.statuses_over_time_data_id[0].id.data]
    for item in items:
        body = requests.get(item["metricURL"], timeout=5).content
        original = next(m for m in source.job_level_metrics.metrics if m.metric_id.id.data == item["metricID"])
        assert pb.Metric.FromString(body) == original


def test_data_listing_marks_external_files_and_serves_them_raw(emu: Emulator) -> None:
    items = _get(emu, f"{_batch(emu)}/jobs/{job_id_for('test_000')}/metricsData").json()["metricsData"]
    kinds = {i["name"]: (i["metricsDataType"], i["filename"]) for i in items}
    assert kinds["plot image"] == ("EXTERNAL_FILE", "plot.png")
    assert kinds["export/channel_0"] == ("STANDARD", None)
    image = next(i for i in items if i["name"] == "plot image")
    assert requests.get(image["metricsDataURL"], timeout=5).content == PNG
    series = next(i for i in items if i["name"] == "export/channel_0")
    got = pb.MetricsData.FromString(requests.get(series["metricsDataURL"], timeout=5).content)
    assert got.name == "export/channel_0" and len(got.series.doubles.series) == 4


def test_job_without_metrics_has_empty_listings(emu: Emulator) -> None:
    body = _get(emu, f"{_batch(emu)}/jobs/{job_id_for('crashed')}/metrics").json()
    assert body == {"metrics": [], "nextPageToken": ""}


@pytest.mark.parametrize("params", [{"pageSize": 0}, {"pageSize": 101}, {"pageSize": "ten"},
                                    {"pageToken": "%%%"}, {"pageToken": "b2Zmc2V0Ong"}])
def test_bad_paging_parameters_are_400(emu: Emulator, params: dict[str, Any]) -> None:
    assert _get(emu, f"{_batch(emu)}/jobs", **params).status_code == 400


def test_pages_are_opaque_and_complete(emu: Emulator) -> None:
    names, token, pages = [], "", 0
    while True:
        body = _get(emu, f"{_batch(emu)}/jobs", pageSize=4, **({"pageToken": token} if token else {})).json()
        names += [j["experienceName"] for j in body["jobs"]]
        pages += 1
        token = body["nextPageToken"]
        if not token:
            break
        assert not token.isdigit()
    assert pages == 2 and len(names) == 6


def test_api_needs_the_bearer_token(emu: Emulator) -> None:
    url = emu.api_url + f"{_batch(emu)}/jobs"
    assert requests.get(url, timeout=5).status_code == 401
    assert requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=5).status_code == 401
    assert requests.get(url, headers={"Authorization": emu.token}, timeout=5).status_code == 401
    assert _get(emu, "/projects/x/batches/y/jobs").status_code == 404
    assert _get(emu, "/elsewhere").status_code == 404


def test_projects_and_batch_lookup(emu: Emulator) -> None:
    projects = _get(emu, "/projects").json()["projects"]
    assert [p["projectID"] for p in projects][-1] == emu.project_id and len(projects) == 3
    assert _get(emu, _batch(emu)).json()["batchID"] == emu.batch_id
    assert _get(emu, f"/projects/{projects[0]['projectID']}/batches/{emu.batch_id}").status_code == 404


def test_request_log_never_holds_query_strings(emu: Emulator) -> None:
    assert emu.requests and all("?" not in r.path and "Signature" not in r.path for r in emu.requests)


def test_faults_are_validated() -> None:
    with pytest.raises(InputError, match="unknown fault kinds"):
        Faults(kinds=("explode",))
    with pytest.raises(InputError, match="within"):
        Faults(rate=1.5)


def test_bad_inputs_are_clear(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="jobs directory not found"):
        Emulator(tmp_path / "absent")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "metrics.binproto").write_bytes(b"\xff\xff\xff")
    with pytest.raises(InputError, match="not a serialized JobMetrics"):
        Emulator(tmp_path)
    (tmp_path / "t" / "metrics.binproto").unlink()
    (tmp_path / "t" / "job.json").write_text("[1]")
    with pytest.raises(InputError, match="expected a JSON object"):
        Emulator(tmp_path)


def test_config_files_in_both_forms(emu: Emulator, tmp_path: Path) -> None:
    new = json.loads(emu.write_config(tmp_path / "a.json").read_text())
    old = json.loads(emu.write_config(tmp_path / "b.json", with_project=False).read_text())
    assert set(new) == {"authToken", "apiURL", "batchID", "projectID"}
    assert set(old) == {"authToken", "apiURL", "batchID"}
    assert stat.S_IMODE(os.stat(tmp_path / "a.json").st_mode) == 0o600


def _wait_for(path: Path, proc: subprocess.Popen[str], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.is_file():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "emulator did not start"
        time.sleep(0.05)


def test_emulate_command_serves_until_interrupted(specs_and_dir: tuple[list[TestSpec], Path], tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    proc = subprocess.Popen([sys.executable, "-m", "metrics_build", "emulate", "--jobs-dir", str(specs_and_dir[1]),
                             "--inputs", str(inputs), "--legacy-config"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(inputs / "batch_metrics_config.json", proc)
        time.sleep(0.2)
        cfg = json.loads((inputs / "batch_metrics_config.json").read_text())
        assert "projectID" not in cfg
        ok = requests.get(cfg["apiURL"] + "/projects", headers={"Authorization": f"Bearer {cfg['authToken']}"},
                          timeout=5)
        assert ok.status_code == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert cfg["apiURL"] in out and str(inputs / "batch_metrics_config.json") in out
    assert "6 tests" in out
    assert cfg["authToken"] not in out + err


def test_emulate_command_refuses_a_public_host(specs_and_dir: tuple[list[TestSpec], Path]) -> None:
    proc = subprocess.run([sys.executable, "-m", "metrics_build", "emulate", "--jobs-dir", str(specs_and_dir[1]),
                           "--host", "0.0.0.0"], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "only listens on loopback" in proc.stderr and "Traceback" not in proc.stderr
