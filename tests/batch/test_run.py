"""Batch mode end to end: config file → emulator → fetch → aggregate → validated output; failure policy,
exit codes, and a token that appears in no output, stream or file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from emulator_fixtures import add_job_only, build_jobs_dir
from oracle import assert_resim_accepts

from metrics_build.batch.compute import SKIPPED_METRIC
from metrics_build.batch.run import batch_job_id, run_batch_mode
from metrics_build.emulator import Emulator, Faults
from metrics_build.errors import EXIT_BAD_INPUT, EXIT_UPSTREAM, UpstreamError
from metrics_build.http import ClientOptions
from metrics_build.wire import metrics_pb2 as pb

CONFIG = "batch_metrics_config.json"
FAST = ClientOptions(retries=3, backoff_factor=0.01, backoff_max=1.0)
FAST_ENV = {**os.environ, "METRICS_BUILD_HTTP_RETRIES": "2", "METRICS_BUILD_HTTP_BACKOFF": "0.01"}


@pytest.fixture(scope="module")
def jobs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("jobs")
    build_jobs_dir(root, 6, scalars=2, series=2, length=12, image=True)
    add_job_only(root, "crashed", conflatedStatus="ERROR", jobStatus="ERROR", jobMetricsStatus="NO_STATUS_REPORTED")
    return root


def _run(emu: Emulator, tmp: Path, *, allow_partial: bool = False, config: Path | None = None,
         with_project: bool = True) -> Path:
    emu.write_config(tmp / "in" / CONFIG, with_project=with_project)
    assert run_batch_mode(inputs=tmp / "in", outputs=tmp / "out", config_path=config, allow_partial=allow_partial,
                          max_workers=4, client_options=FAST) == 0
    return tmp / "out" / "metrics.binproto"


@pytest.fixture(scope="module")
def clean_output(jobs_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    with Emulator(jobs_dir) as emu:
        return _run(emu, tmp_path_factory.mktemp("clean")).read_bytes()


def test_output_is_valid_for_resim_and_deterministic(jobs_dir: Path, clean_output: bytes, tmp_path: Path) -> None:
    msg = assert_resim_accepts(clean_output)
    with Emulator(jobs_dir) as emu:
        assert msg.job_id.id.data == str(batch_job_id(emu.batch_id))
        again = _run(emu, tmp_path, with_project=False).read_bytes()
    assert again == clean_output
    assert len(msg.job_level_metrics.metrics) >= 5


def test_faulty_api_gives_byte_identical_output(jobs_dir: Path, clean_output: bytes, tmp_path: Path) -> None:
    with Emulator(jobs_dir, faults=Faults(rate=0.2, retry_after=0, seed=3), max_page_size=2) as emu:
        out = _run(emu, tmp_path).read_bytes()
        assert sum(emu.faults_injected.values()) >= 10
    assert out == clean_output


def _broken_object(jobs_dir: Path) -> str:
    msg = pb.JobMetrics.FromString((jobs_dir / "test_002" / "metrics.binproto").read_bytes())
    return next(d.metrics_data_id.id.data for d in msg.metrics_data if d.name == "export/channel_1")


def test_failure_writes_nothing(jobs_dir: Path, tmp_path: Path) -> None:
    with Emulator(jobs_dir, faults=Faults(always_fail=(_broken_object(jobs_dir),))) as emu:
        emu.write_config(tmp_path / "in" / CONFIG)
        with pytest.raises(UpstreamError, match=r"test 'test_002'.*'export/channel_1'"):
            run_batch_mode(inputs=tmp_path / "in", outputs=tmp_path / "out", config_path=None, allow_partial=False,
                           max_workers=2, client_options=FAST)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def _skipped_text(path: Path) -> str:
    msg = assert_resim_accepts(path)
    return next(m.metric_values.text_metric_values.text for m in msg.job_level_metrics.metrics
                if m.name == SKIPPED_METRIC)


def test_allow_partial_reports_the_skipped_object_in_the_output(jobs_dir: Path, tmp_path: Path) -> None:
    with Emulator(jobs_dir, faults=Faults(always_fail=(_broken_object(jobs_dir),))) as emu:
        text = _skipped_text(_run(emu, tmp_path, allow_partial=True))
    assert "test_002" in text and "export/channel_1" in text and "HTTP 500" in text
    assert "Signature" not in text


def test_allow_partial_from_the_config_section(jobs_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "metrics.toml"
    config.write_text("[batch]\nallow_partial = true\n")
    with Emulator(jobs_dir, faults=Faults(always_fail=(_broken_object(jobs_dir),))) as emu:
        assert "export/channel_1" in _skipped_text(_run(emu, tmp_path, config=config))


# -- through the command line, as users and the platform run it ------------------------------------


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "metrics_build", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env=FAST_ENV)


def _all_files_text(root: Path, skip: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file() and p != skip)


def test_cli_run_never_shows_the_token(jobs_dir: Path, tmp_path: Path, clean_output: bytes) -> None:
    with Emulator(jobs_dir, faults=Faults(rate=0.2, retry_after=0, seed=11)) as emu:
        config = emu.write_config(tmp_path / "in" / CONFIG)
        proc = _cli("-v", "run", "--inputs", str(tmp_path / "in"), "--outputs", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "metrics.binproto").read_bytes() == clean_output
    assert emu.token not in proc.stdout + proc.stderr
    assert emu.token.encode() not in _all_files_text(tmp_path, skip=config)
    assert "Signature" not in proc.stderr


def test_cli_wrong_token_is_one_clear_line(jobs_dir: Path, tmp_path: Path) -> None:
    with Emulator(jobs_dir) as emu:
        cfg = {**emu.config(), "authToken": "wrong-" + "z" * 30}
        (tmp_path / "in").mkdir()
        (tmp_path / "in" / CONFIG).write_text(json.dumps(cfg))
        proc = _cli("run", "--inputs", str(tmp_path / "in"), "--outputs", str(tmp_path / "out"))
    assert proc.returncode == EXIT_UPSTREAM
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "HTTP 401" in errors[0] and "authToken" in errors[0]
    assert "Traceback" not in proc.stderr and "z" * 30 not in proc.stderr + proc.stdout
    assert not (tmp_path / "out" / "metrics.binproto").exists()


@pytest.mark.parametrize(("drop", "field"), [("batchID", "batchID"), ("apiURL", "apiURL"), ("authToken", "authToken")])
def test_cli_missing_config_field_is_bad_input(tmp_path: Path, drop: str, field: str) -> None:
    cfg = {"authToken": "t0k3n-secret-value", "apiURL": "https://api.example/v1",
           "batchID": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"}
    del cfg[drop]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / CONFIG).write_text(json.dumps(cfg))
    proc = _cli("run", "--inputs", str(tmp_path / "in"), "--outputs", str(tmp_path / "out"))
    assert proc.returncode == EXIT_BAD_INPUT
    assert field in proc.stderr and "Traceback" not in proc.stderr
    assert "t0k3n-secret-value" not in proc.stderr + proc.stdout


def test_cli_upstream_down_is_exit_3(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / CONFIG).write_text(json.dumps({
        "authToken": "t", "apiURL": "http://127.0.0.1:9/v1", "batchID": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "projectID": "6fa459ea-ee8a-3ca4-894e-db77e160355e"}))
    started = time.monotonic()
    proc = _cli("run", "--inputs", str(tmp_path / "in"), "--outputs", str(tmp_path / "out"))
    assert proc.returncode == EXIT_UPSTREAM, proc.stderr
    assert "ConnectionError" in proc.stderr and "Traceback" not in proc.stderr
    assert time.monotonic() - started < 30


@pytest.fixture()
def emulate_process(jobs_dir: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    inputs = tmp_path / "inputs"
    proc = subprocess.Popen([sys.executable, "-m", "metrics_build", "emulate", "--jobs-dir", str(jobs_dir),
                             "--inputs", str(inputs), "--fault-rate", "0.2", "--retry-after", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not (inputs / CONFIG).is_file():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.2)
        yield proc, inputs
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


def test_user_flow_emulate_then_run(emulate_process: tuple[subprocess.Popen[str], Path], tmp_path: Path,
                                    clean_output: bytes) -> None:
    proc, inputs = emulate_process
    token = json.loads((inputs / CONFIG).read_text())["authToken"]
    run = _cli("run", "--inputs", str(inputs), "--outputs", str(tmp_path / "out"))
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert run.returncode == 0, run.stderr
    assert proc.returncode == 0
    assert_resim_accepts(tmp_path / "out" / "metrics.binproto")
    # Another emulator instance names the batch the same way, so the bytes match the in-process run.
    assert (tmp_path / "out" / "metrics.binproto").read_bytes() == clean_output
    streams = run.stdout + run.stderr + out + err
    assert token not in streams
    assert token.encode() not in _all_files_text(tmp_path / "out", skip=inputs / CONFIG)
    assert os.stat(inputs / CONFIG).st_mode & 0o077 == 0


def test_http_overrides_from_the_environment_are_checked(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / CONFIG).write_text(json.dumps({
        "authToken": "t", "apiURL": "http://127.0.0.1:9/v1", "batchID": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"}))
    proc = subprocess.run([sys.executable, "-m", "metrics_build", "run", "--inputs", str(tmp_path / "in"),
                           "--outputs", str(tmp_path / "out")], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "METRICS_BUILD_HTTP_RETRIES": "lots"})
    assert proc.returncode == EXIT_BAD_INPUT
    assert "METRICS_BUILD_HTTP_RETRIES" in proc.stderr and "Traceback" not in proc.stderr
