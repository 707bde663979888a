"""Hostile and broken situations through the real command: a full disk, an output path that is a
directory, SIGTERM mid-run, stale temporary files, unprintable user exceptions, forged log lines,
impossible histogram ranges and deeply nested config. Each ends cleanly with its documented code."""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from oracle import assert_resim_accepts

from metrics_build.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_OUTPUT, EXIT_TERMINATED

CLI = [sys.executable, "-m", "metrics_build"]
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "METRICS_BUILD_CONFIG"}


def _run(*args: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, env=_env(), timeout=300,
                          check=False, **kwargs)  # type: ignore[call-overload, no-any-return]


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("metrics-build: error:")]


def _leftovers(outputs: Path) -> list[str]:
    return sorted(p.name for p in outputs.glob(".metrics.binproto.*")) if outputs.is_dir() else []


def _small_file_limit() -> None:
    # Files over 64 KiB cannot be written: what a full disk looks like to the writer (EFBIG, not a signal).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_a_disk_too_small_for_the_output_is_exit_6_and_leaves_nothing(tmp_path: Path) -> None:
    outputs = tmp_path / "out"
    res = subprocess.run([*CLI, "run", "--inputs", str(EXAMPLES / "csv-table" / "inputs"), "--outputs",
                          str(outputs)], capture_output=True, text=True, env=_env(), timeout=120, check=False,
                         preexec_fn=_small_file_limit)
    assert res.returncode == EXIT_OUTPUT, res.stderr
    errors = _error_lines(res.stderr)
    assert len(errors) == 1 and f"cannot write {outputs / 'metrics.binproto'}" in errors[0], res.stderr
    assert "Traceback" not in res.stderr
    assert not (outputs / "metrics.binproto").exists() and _leftovers(outputs) == []


def test_a_real_full_disk_is_exit_6(tmp_path: Path) -> None:
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True,
                          check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({made.stderr.decode().strip() or 'not permitted'})")
    try:
        res = _run("run", "--inputs", EXAMPLES / "csv-table" / "inputs", "--outputs", mount)
        assert res.returncode == EXIT_OUTPUT, res.stderr
        assert "no space left on the device" in _error_lines(res.stderr)[0]
        assert not (mount / "metrics.binproto").exists() and _leftovers(mount) == []
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_an_output_path_that_is_a_directory_is_exit_6(tmp_path: Path) -> None:
    outputs = tmp_path / "out"
    (outputs / "metrics.binproto").mkdir(parents=True)
    res = _run("run", "--inputs", EXAMPLES / "jsonl-steps" / "inputs", "--outputs", outputs)
    assert res.returncode == EXIT_OUTPUT
    assert _error_lines(res.stderr) == [f"metrics-build: error: cannot write {outputs / 'metrics.binproto'}: "
                                        "it is a directory"]


def test_stale_temporary_files_of_a_killed_run_are_removed_by_the_next(tmp_path: Path) -> None:
    outputs = tmp_path / "out"
    outputs.mkdir()
    for stale in (".metrics.binproto.k1l2m3.tmp", ".metrics.binproto.zz.tmp"):
        (outputs / stale).write_bytes(b"half a file")
    (outputs / "keep-me.txt").write_text("not ours")
    res = _run("run", "--inputs", EXAMPLES / "jsonl-steps" / "inputs", "--outputs", outputs)
    assert res.returncode == EXIT_OK, res.stderr
    assert sorted(p.name for p in outputs.iterdir()) == ["keep-me.txt", "metrics.binproto"]


def _big_log(root: Path, rows: int) -> Path:
    logs = root / "inputs" / "logs"
    logs.mkdir(parents=True)
    with (logs / "metrics.jsonl").open("w") as f:
        for i in range(rows):
            f.write(f'{{"step": {i}, "loss": {1.0 / (i + 1)}, "acc": {i % 97 / 97}, "lr": 0.1}}\n')
    return root / "inputs"


@pytest.mark.slow
def test_sigterm_at_any_moment_leaves_no_partial_output_and_exits_143(tmp_path: Path) -> None:
    inputs = _big_log(tmp_path, 300_000)
    rng = random.Random(4)
    codes = set()
    for attempt in range(6):
        outputs = tmp_path / f"out{attempt}"
        proc = subprocess.Popen([*CLI, "-v", "run", "--inputs", str(inputs), "--outputs", str(outputs)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
        assert proc.stderr is not None
        started = proc.stderr.readline()  # the first log line: the command is running (imports are done)
        assert "mode" in started, started
        time.sleep(rng.uniform(0.0, 2.0))
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
        codes.add(proc.returncode)
        # -15: the signal came after the command had finished (during interpreter exit): nothing to clean.
        assert proc.returncode in (EXIT_TERMINATED, EXIT_OK, -signal.SIGTERM), err
        assert "Traceback" not in err and _leftovers(outputs) == []
        if proc.returncode == EXIT_TERMINATED:
            assert err.strip().endswith("metrics-build: terminated (SIGTERM)")
            assert not (outputs / "metrics.binproto").exists()
        else:
            assert_resim_accepts(outputs / "metrics.binproto")
    assert EXIT_TERMINATED in codes


def test_a_python_metric_whose_exception_cannot_be_shown_does_not_end_the_run(tmp_path: Path) -> None:
    (tmp_path / "hostile.py").write_text(textwrap.dedent('''
        class Unprintable(Exception):
            def __str__(self):
                raise RuntimeError("no text for you")

        def compute(loaded):
            raise Unprintable()
    '''))
    config = tmp_path / "metrics.toml"
    config.write_text('[auto]\n[[python]]\nfunction = "hostile:compute"\nname = "hostile"\n')
    outputs = tmp_path / "out"
    res = _run("run", "--inputs", EXAMPLES / "jsonl-steps" / "inputs", "--outputs", outputs, "--config", config)
    assert res.returncode == EXIT_OK, res.stderr
    msg = assert_resim_accepts(outputs / "metrics.binproto")
    failed = next(x for x in msg.job_level_metrics.metrics if x.name == "hostile")
    assert "Unprintable: <the exception's message cannot be shown>" in failed.metric_values.text_metric_values.text


def test_a_file_name_cannot_forge_a_log_line(tmp_path: Path) -> None:
    logs = tmp_path / "inputs" / "logs"
    logs.mkdir(parents=True)
    forged = "x\nmetrics-build: ERROR: forged line\n.jsonl"
    (logs / forged).write_text('{"step": 0, "loss": 1.0}\nnot json\n')
    res = _run("-v", "run", "--inputs", tmp_path / "inputs", "--outputs", tmp_path / "out")
    assert res.returncode == EXIT_OK, res.stderr
    assert not any(line.startswith("metrics-build: ERROR: forged") for line in res.stderr.splitlines())
    assert "forged line" in res.stderr  # it is there, escaped inside another line


@pytest.mark.parametrize(("histogram", "field"), [
    ('lower = 1.0\nupper = 1.0000000000000002\ncount = 1000', "cannot be split into 1000 distinct float buckets"),
    ('lower = -1e308\nupper = 1e308\ncount = 4', "cannot be split into 4 distinct float buckets"),
    ('edges = [0.0, 1.0, 1.0]', "strictly increasing"),
])
def test_impossible_histogram_ranges_fail_at_config_check(tmp_path: Path, histogram: str, field: str) -> None:
    for section, extra in (("metrics", 'channel = "speed"'), ("batch.metrics", 'channel = "speed"')):
        config = tmp_path / "metrics.toml"
        config.write_text(f'[[{section}]]\nkind = "histogram"\nname = "h"\n{extra}\n{histogram}\n')
        res = _run("config", "--check", config)
        assert res.returncode == EXIT_BAD_INPUT, res.stdout
        errors = _error_lines(res.stderr)
        assert len(errors) == 1 and field in errors[0] and f'{section}[0] ("h")' in errors[0]


@pytest.mark.parametrize("text", [
    "a = " + "[" * 50_000 + "]" * 50_000,
    "a = " + "{ b = " * 5_000 + "1" + " }" * 5_000,
    "[" + ".".join(f"t{i}" for i in range(200)) + "]\nx = 1",
])
def test_deeply_nested_toml_is_one_line_and_exit_2(tmp_path: Path, text: str) -> None:
    config = tmp_path / "metrics.toml"
    config.write_text(text)
    res = _run("config", "--check", config)
    assert res.returncode == EXIT_BAD_INPUT
    assert len(_error_lines(res.stderr)) == 1 and "Traceback" not in res.stderr
    assert "nested" in res.stderr or "invalid TOML" in res.stderr


def test_errors_about_inputs_never_print_the_batch_token(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    token = "tok-9b5e8c1d7a6f-do-not-print"
    (inputs / "batch_metrics_config.json").write_text(json.dumps(
        {"authToken": token, "apiURL": "http://api.example.invalid/v1", "batchID": "not-a-uuid"}))
    res = _run("run", "--inputs", inputs, "--outputs", tmp_path / "out")
    assert res.returncode == EXIT_BAD_INPUT
    assert token not in res.stderr + res.stdout and len(_error_lines(res.stderr)) == 1
