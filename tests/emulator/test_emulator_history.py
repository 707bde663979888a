"""A history (a directory of batches): order, stable ids and defaults, report settings, tags, bad files,
a small content cache, and `metrics-build emulate --history`."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from emulator_fixtures import build_jobs_dir
from history_fixtures import DEFAULT_HISTORY, BatchSpec, build_history

from metrics_build.emulator import Emulator
from metrics_build.errors import InputError


def _get(emu: Emulator, path: str, **params: Any) -> requests.Response:
    return requests.get(emu.api_url + path, params=params, headers={"Authorization": f"Bearer {emu.token}"},
                        timeout=5)


def _batches(emu: Emulator, **params: Any) -> list[dict[str, Any]]:
    body = _get(emu, f"/projects/{emu.project_id}/batches", **params).json()
    assert body["nextPageToken"] == ""
    return list(body["batches"])


def test_batches_are_ordered_by_creation_time_not_by_name(tmp_path: Path) -> None:
    with Emulator(history=build_history(tmp_path)) as emu:
        by_time = sorted(DEFAULT_HISTORY, key=lambda s: s.created)
        assert list(emu.batch_names) == [s.key for s in by_time]
        assert emu.batch_ids == list(emu.batch_names.values()) and emu.batch_id == emu.batch_ids[-1]
        newest_first = [b["friendlyName"] for b in _batches(emu)]
        assert newest_first == [s.key for s in reversed(by_time)]
        assert [b["friendlyName"] for b in _batches(emu, text="B")] == \
            ["b5-running", "b4-cancelled", "b3-block", "x-other-branch", "b2-warn", "b1-first"]
        assert [b["friendlyName"] for b in _batches(emu, text="other")] == ["x-other-branch"]
        assert _get(emu, f"/projects/{emu.project_id}/batches", orderBy="name").status_code == 400


def test_ids_and_answers_are_stable_across_runs(tmp_path: Path) -> None:
    history = build_history(tmp_path)
    answers = []
    for _ in range(2):
        with Emulator(history=history) as emu:
            batch = emu.batch_names["b3-block"]
            job = emu.jobs_of(batch)["merge"]
            answers.append((emu.project_id, emu.report_id, emu.batch_ids,
                            _get(emu, f"/projects/{emu.project_id}/batches").content,
                            _get(emu, f"/projects/{emu.project_id}/batches/{batch}/jobs").content,
                            [{k: v for k, v in m.items() if k != "metricURL"}  # signed with a per-run secret
                             for m in _get(emu, f"/projects/{emu.project_id}/batches/{batch}/jobs/{job}/metrics")
                             .json()["metrics"]]))
    assert answers[0] == answers[1]


def test_every_batch_json_field_is_optional(tmp_path: Path) -> None:
    history = tmp_path / "history"
    for name in ("zeta", "alpha"):
        build_jobs_dir(history / name / "jobs", 2, series=0, image=False)
    with Emulator(history=history) as emu:
        batches = {b["friendlyName"]: b for b in _batches(emu)}
        assert list(emu.batch_names) == ["alpha", "zeta"]  # default times follow name order
        alpha, zeta = batches["alpha"], batches["zeta"]
        assert (alpha["creationTimestamp"], zeta["creationTimestamp"]) == \
            ("2026-11-23T00:00:00Z", "2026-11-23T01:00:00Z")
        assert alpha["status"] == "SUCCEEDED" and alpha["testSuiteRevision"] == 0
        assert alpha["branchID"] == zeta["branchID"] and alpha["buildID"] != zeta["buildID"]
        build = _get(emu, f"/projects/{emu.project_id}/builds/{alpha['buildID']}").json()
        assert build["version"] == "alpha" and build["creationTimestamp"] == alpha["creationTimestamp"]
        report = _get(emu, f"/projects/{emu.project_id}/reports/{emu.report_id}").json()
        assert (report["testSuiteID"], report["branchID"]) == (zeta["testSuiteID"], zeta["branchID"])
        assert (report["startTimestamp"], report["endTimestamp"]) == ("2026-11-22T00:00:00Z", "2026-11-24T01:00:00Z")
        assert report["respectRevisionBoundary"] is False


def test_report_settings_and_tags(tmp_path: Path) -> None:
    settings = {"project": "robots", "name": "weekly", "testSuite": "nightly", "branch": "main",
                "testSuiteRevision": 1, "respectRevisionBoundary": True,
                "startTimestamp": "2026-01-06T00:00:00Z", "endTimestamp": "2026-01-08T00:00:00+00:00"}
    specs = (*DEFAULT_HISTORY[:2], BatchSpec("b9-retagged", "2026-01-10T00:00:00Z", "SUCCEEDED", "2.0.0",
                                             {"merge": "PASSED"}, extra={}))
    history = build_history(tmp_path, specs, report=settings)
    (history / "b9-retagged" / "jobs" / "merge" / "job.json").write_text(json.dumps({"tags": ["renamed"]}))
    with Emulator(history=history) as emu:
        report = _get(emu, f"/projects/{emu.project_id}/reports/{emu.report_id}").json()
        assert report["name"] == "weekly" and report["respectRevisionBoundary"] is True
        assert (report["startTimestamp"], report["endTimestamp"]) == ("2026-01-06T00:00:00Z", "2026-01-08T00:00:00Z")
        projects = _get(emu, "/projects").json()["projects"]
        assert projects[-1]["name"] == "robots"
        merge = _get(emu, f"/projects/{emu.project_id}/batches/{emu.batch_id}/jobs").json()["jobs"][0]
        tags = _get(emu, f"/projects/{emu.project_id}/experiences/{merge['experienceID']}/experienceTags").json()
        assert [t["name"] for t in tags["experienceTags"]] == ["renamed"]  # the newest batch naming tags decides


@pytest.mark.parametrize(("content", "message"), [
    ({"colour": "red"}, "unknown keys \\['colour'\\]"),
    ({"status": "DONE"}, "status 'DONE' is not one of"),
    ({"createdAt": "last tuesday"}, "createdAt must be an ISO-8601 time"),
    ({"build": "1.0"}, "build must be an object"),
    ({"build": {"version": 3}}, "version must be a non-empty string"),
    ({"testSuiteRevision": -1}, "testSuiteRevision must be a non-negative integer"),
    ([1, 2], "expected a JSON object"),
])
def test_malformed_batch_json_is_named(tmp_path: Path, content: Any, message: str) -> None:
    batch = tmp_path / "history" / "b1"
    build_jobs_dir(batch / "jobs", 1, series=0, image=False)
    (batch / "batch.json").write_text(json.dumps(content))
    with pytest.raises(InputError, match=f"batch.json: {message}" if isinstance(content, dict) else message):
        Emulator(history=tmp_path / "history")


def test_malformed_report_json_and_empty_history(tmp_path: Path) -> None:
    history = tmp_path / "history"
    history.mkdir()
    (history / "not-a-batch").mkdir()
    with pytest.raises(InputError, match="no batches"):
        Emulator(history=history)
    with pytest.raises(InputError, match="history directory not found"):
        Emulator(history=tmp_path / "absent")
    build_jobs_dir(history / "b1" / "jobs", 1, series=0, image=False)
    (history / "report.json").write_text(json.dumps({"respectRevisionBoundary": "yes"}))
    with pytest.raises(InputError, match=r"report\.json: respectRevisionBoundary must be true or false"):
        Emulator(history=history)
    with pytest.raises(InputError, match="either a jobs directory or a history"):
        Emulator(history / "b1" / "jobs", history=history)


def test_a_small_cache_still_serves_everything(tmp_path: Path) -> None:
    with Emulator(history=build_history(tmp_path), cache_size=1) as emu:
        batch = emu.batch_names["b1-first"]
        jobs = emu.jobs_of(batch)
        for _ in range(2):  # every job evicts the one before
            for name, job in jobs.items():
                items = _get(emu, f"/projects/{emu.project_id}/batches/{batch}/jobs/{job}/metrics").json()["metrics"]
                assert [i["name"] for i in items][:2] == ["max speed", "collisions"], name
                assert requests.get(items[0]["metricURL"], timeout=5).status_code == 200


def _wait_for(path: Path, proc: subprocess.Popen[str], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.is_file():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "emulator did not start"
        time.sleep(0.05)


def test_emulate_history_command(tmp_path: Path) -> None:
    history = build_history(tmp_path)
    inputs = tmp_path / "inputs"
    proc = subprocess.Popen([sys.executable, "-m", "metrics_build", "emulate", "--history", str(history),
                             "--inputs", str(inputs)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(inputs / "report_config.json", proc)
        time.sleep(0.2)
        config = json.loads((inputs / "report_config.json").read_text())
        assert set(config) == {"authToken", "apiURL", "projectID", "reportID"}
        assert stat.S_IMODE(os.stat(inputs / "report_config.json").st_mode) == 0o600
        assert not (inputs / "batch_metrics_config.json").exists()  # both would be a conflict for `run`
        report = requests.get(f"{config['apiURL']}/projects/{config['projectID']}/reports/{config['reportID']}",
                              headers={"Authorization": f"Bearer {config['authToken']}"}, timeout=5)
        assert report.status_code == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert f"{len(DEFAULT_HISTORY)} batches" in out and config["reportID"] in out
    assert config["authToken"] not in out + err


def test_emulate_takes_one_source(tmp_path: Path) -> None:
    both = subprocess.run([sys.executable, "-m", "metrics_build", "emulate", "--history", str(tmp_path),
                           "--jobs-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert both.returncode == 2 and "not allowed with" in both.stderr
    bad = subprocess.run([sys.executable, "-m", "metrics_build", "emulate", "--history", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "no batches" in bad.stderr and "Traceback" not in bad.stderr
