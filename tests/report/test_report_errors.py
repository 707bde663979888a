"""Bad input and a failing platform end report mode with one line and the documented exit code: 2 for a
missing or malformed config, 3 for the API (after retries), never a traceback, never the token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from history_fixtures import build_history
from oracle import assert_resim_accepts
from report_helpers import names, run_report, text

from metrics_build.cli.main import main
from metrics_build.emulator import Emulator, Faults


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_history(tmp_path_factory.mktemp("history"))


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """One retry without backoff, so a permanently failing call fails fast (the operator's own overrides)."""
    monkeypatch.setenv("METRICS_BUILD_HTTP_RETRIES", "1")
    monkeypatch.setenv("METRICS_BUILD_HTTP_BACKOFF", "0")


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("metrics-build: error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def _run_inputs(inputs: Path, tmp: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["-q", "run", "--inputs", str(inputs), "--outputs", str(tmp / "out"), *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(("content", "expected"), [
    ("{not json", "not valid JSON"),
    (json.dumps({"authToken": "t0k3n", "apiURL": "https://api.example/v1", "projectID": "p"}),
     "reportID: missing (a required field)"),
    (json.dumps({"authToken": "t0k3n", "apiURL": "http://api.example/v1",
                 "projectID": "0b2c7c1e-5c1e-4c55-9d55-0c1e5c1e4c55",
                 "reportID": "0b2c7c1e-5c1e-4c55-9d55-0c1e5c1e4c56"}),
     "must use https"),
    (json.dumps([1, 2]), "expected a JSON object"),
])
def test_a_bad_report_config_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str,
                                       expected: str) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "report_config.json").write_text(content)
    code, stderr = _run_inputs(inputs, tmp_path, capsys)
    assert code == 2
    line = _one_line(stderr)
    assert expected in line and "report_config.json" in line
    assert "t0k3n" not in stderr
    assert not (tmp_path / "out" / "metrics.binproto").exists()


def test_both_config_files_are_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "report_config.json").write_text("{}")
    (inputs / "batch_metrics_config.json").write_text("{}")
    code, stderr = _run_inputs(inputs, tmp_path, capsys)
    assert code == 2
    assert "holds both batch_metrics_config.json and report_config.json" in _one_line(stderr)


@pytest.mark.parametrize(("config", "expected"), [
    ("[report]\nmax_rows = 0\n", "report.max_rows: Input should be greater than or equal to 1"),
    ("[report]\ntagz = []\n", "report.tagz: unknown key"),
    ('[[report.trends]]\nkind = "job_metric"\nmetric = "x"\nstat = "p101"\n', "report.trends[0].stat: must be"),
    ('[[report.trends]]\nkind = "velocity"\n', "report.trends[0].kind: unknown kind 'velocity'"),
    ('[[report.trends]]\nkind = "pass_rate"\nname = "tags"\n',
     "report: trends[0] (\"tags\").name: 'tags' is the name of a built-in report metric"),
    ('[[report.trends]]\nkind = "batch_metric"\nmetric = "x"\n[[report.trends]]\nkind = "batch_metric"\n'
     'metric = "x"\n', 'trends[1] ("x: trend").name: the name is already used by trends[0]'),
    ('[[report.trends]]\nkind = "pass_rate"\nmax_drop = -1\n', "report.trends[0].max_drop: Input should be"),
])
def test_a_bad_report_section_is_exit_2(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        config: str, expected: str) -> None:
    run = run_report(history, tmp_path, capsys, config=config)
    assert run.code == 2
    line = _one_line(run.stderr)
    assert expected in line, line


def test_a_rejected_token_is_exit_3(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_report(history, tmp_path, capsys, edit=lambda c: c.update(authToken="wrong-token"))
    assert run.code == 3
    line = _one_line(run.stderr)
    assert "HTTP 401" in line and "rejected the authToken" in line and "/reports/" in line
    assert "wrong-token" not in run.stderr and run.token not in run.stderr


def test_an_unknown_report_is_exit_3(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = "0b2c7c1e-5c1e-4c55-9d55-0c1e5c1e4c55"
    run = run_report(history, tmp_path, capsys, edit=lambda c: c.update(reportID=missing))
    assert run.code == 3
    assert f"report {missing} not found in project" in _one_line(run.stderr)


@pytest.mark.usefixtures("quick_retries")
@pytest.mark.parametrize(("broken", "what"), [
    ("/metrics", "batch metrics of batch 'b1-first'"), ("/jobs", "jobs of batch 'b1-first'"),
    ("/experienceTags", "tags of experience"),
    ("/builds/", "build "), ("/batches", "GET /projects/"),
])
def test_a_failing_api_is_exit_3_naming_the_call(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 broken: str, what: str) -> None:
    run = run_report(history, tmp_path, capsys, faults=Faults(always_fail=(broken,), target="api"))
    assert run.code == 3
    line = _one_line(run.stderr)
    assert what in line and "HTTP 500 (after retries)" in line, line
    assert run.token not in run.stderr
    assert not (run.output / "metrics.binproto").exists()


@pytest.mark.usefixtures("quick_retries")
def test_a_failing_job_listing_is_exit_3_naming_the_job(history: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    with Emulator(history=history) as emu:  # ids are derived from names: the same in the next emulator
        job = emu.jobs_of(emu.batch_names["b2-warn"])["merge"]
    run = run_report(history, tmp_path, capsys, faults=Faults(always_fail=(f"{job}/metrics",), target="api"))
    assert run.code == 3
    assert f"metrics of job 'merge' ({job}) in batch 'b2-warn': GET " in _one_line(run.stderr)


@pytest.mark.usefixtures("quick_retries")
def test_partial_results_skip_and_report_what_failed(history: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # Every metrics listing fails (18 jobs', 5 batches'): the tests and their statuses still count (from the
    # jobs listings), the metrics are missing, and the output says which requests were skipped.
    run = run_report(history, tmp_path, capsys, "--allow-partial",
                     faults=Faults(always_fail=("/metrics",), target="api"))
    assert run.code == 0, run.stderr
    msg = run.msg
    skipped = next(m for m in msg.job_level_metrics.metrics if m.name == "skipped requests")
    assert skipped.status == 2  # FAIL_WARN
    assert "23 requests still failed after retries" in text(msg, "skipped requests")
    assert "metrics of job 'lane_change'" in text(msg, "skipped requests")
    assert not [n for n in names(msg) if n.startswith(("job metric: ", "batch metric: "))]
    assert msg.job_level_metrics.metrics_status == 2  # the report warns that it is partial
    assert "23 requests still failed after retries and were skipped" in text(msg, "report summary")
    assert "| tests | 18 |" in text(msg, "report summary")


def test_transient_faults_are_retried_to_the_same_output(history: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    clean = run_report(history, tmp_path, capsys, name="clean")
    faulty = run_report(history, tmp_path, capsys, name="faulty", max_page_size=3,
                        faults=Faults(rate=0.3, retry_after=0, seed=7, kinds=("500", "503", "429", "drop", "truncate")))
    assert clean.code == faulty.code == 0, faulty.stderr
    assert any(r.status >= 500 or r.status == 429 for r in faulty.requests)
    assert (clean.output / "metrics.binproto").read_bytes() == (faulty.output / "metrics.binproto").read_bytes()


def test_a_looping_api_is_exit_3(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_report(history, tmp_path, capsys, max_page_size=1, faults=Faults(repeat_page_token=True))
    assert run.code == 3
    assert "same nextPageToken twice" in _one_line(run.stderr)


def test_the_emulators_report_config_runs_from_the_command_line(history: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    with Emulator(history=history) as emu:
        emu.write_report_config(tmp_path / "inputs" / "report_config.json")
        code, stderr = _run_inputs(tmp_path / "inputs", tmp_path, capsys, "--job-id",
                                   "0b2c7c1e-5c1e-4c55-9d55-0c1e5c1e4c55")
    assert code == 0, stderr
    msg = assert_resim_accepts(tmp_path / "out" / "metrics.binproto")
    assert msg.job_id.id.data == "0b2c7c1e-5c1e-4c55-9d55-0c1e5c1e4c55"
