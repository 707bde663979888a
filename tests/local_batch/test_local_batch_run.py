"""local-batch end to end with the real test mode, emulator and batch mode, run as child processes."""

from __future__ import annotations

import fcntl
import io
import json
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from oracle import assert_resim_accepts

from metrics_build.errors import InputError
from metrics_build.local_batch import Settings, local_batch

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent for p in (REPO / "examples").glob("*/inputs"))
FAST_EXAMPLE = REPO / "examples" / "eval-runner"


def _copy_tests(root: Path, sources: dict[str, Path]) -> Path:
    for name, source in sources.items():
        shutil.copytree(source, root / name)
    return root


def _run(tests: Path, out: Path, **options: Any) -> tuple[int, str]:
    text = io.StringIO()
    code = local_batch(Settings(tests_dir=tests, output_dir=out, max_workers=2, **options), out=text)
    return code, text.getvalue()


def _manifest(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "batch_manifest.json").read_text(encoding="utf-8"))
    return data


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "metrics_build", "local-batch", *args]


def test_all_examples_give_every_output_the_batch_and_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, text = _run(REPO / "examples", out)
    manifest = _manifest(out)
    assert code == 0, text
    names = [p.name for p in EXAMPLES]
    assert list(manifest["tests"]) == names
    assert manifest["totals"] == {"pending": 0, "success": len(names), "skipped": 0, "failed": 0,
                                  "total": len(names)}
    assert manifest["tests_root"] == str((REPO / "examples").resolve())
    for name in names:
        record = manifest["tests"][name]
        assert (record["status"], record["exit_code"], record["error"]) == ("success", 0, None)
        assert record["duration_s"] > 0 and record["finished"] >= record["started"]
        assert_resim_accepts(out / record["output"])
        assert (out / record["log"]).is_file()
    assert manifest["batch"]["status"] == "success", manifest["batch"]
    assert_resim_accepts(out / "batch" / "metrics.binproto")
    assert text.startswith(f"local batch: {len(names)} tests ({len(names)} run, 0 already done, 0 failed)")
    assert "batch: " in text and "batch: failed" not in text
    # Each output is exactly what `metrics-build run` writes for that test (with its own config).
    example = EXAMPLES[0]
    direct = tmp_path / "direct"
    cmd = [sys.executable, "-m", "metrics_build", "run", "--inputs", str(example / "inputs"),
           "--outputs", str(direct)]
    if (example / "metrics.toml").is_file():
        cmd += ["--config", str(example / "metrics.toml")]
    subprocess.run(cmd, check=True, capture_output=True)
    assert (out / "tests" / example.name / "metrics.binproto").read_bytes() == \
        (direct / "metrics.binproto").read_bytes()


def test_rerun_skips_finished_tests_and_force_redoes_them(tmp_path: Path) -> None:
    tests = _copy_tests(tmp_path / "tests", {"one": FAST_EXAMPLE, "two": FAST_EXAMPLE})
    out = tmp_path / "out"
    assert _run(tests, out)[0] == 0
    first = _manifest(out)
    outputs = {n: (out / "tests" / n / "metrics.binproto").read_bytes() for n in ("one", "two")}
    log_times = {n: (out / "logs" / f"{n}.log").stat().st_mtime_ns for n in ("one", "two")}

    code, text = _run(tests, out)
    second = _manifest(out)
    assert code == 0
    assert second["created"] == first["created"] and second["updated"] > first["updated"]
    assert second["totals"]["skipped"] == 2 and second["totals"]["success"] == 0
    for name in ("one", "two"):
        before, after = first["tests"][name], second["tests"][name]
        assert after["status"] == "skipped"
        assert (after["started"], after["finished"], after["exit_code"]) == \
            (before["started"], before["finished"], 0)
        assert (out / "logs" / f"{name}.log").stat().st_mtime_ns == log_times[name]  # not run again
    assert second["batch"]["status"] == "success"
    assert "(0 run, 2 already done, 0 failed)" in text

    assert _run(tests, out, force=True)[0] == 0
    third = _manifest(out)
    assert third["totals"]["success"] == 2
    assert all(third["tests"][n]["started"] > first["tests"][n]["finished"] for n in ("one", "two"))
    # Deterministic: redone outputs are byte-identical.
    assert {n: (out / "tests" / n / "metrics.binproto").read_bytes() for n in ("one", "two")} == outputs


def test_a_failed_test_is_reported_served_as_error_and_rerun(tmp_path: Path) -> None:
    tests = _copy_tests(tmp_path / "tests", {"good": FAST_EXAMPLE})
    (tests / "broken" / "logs").mkdir(parents=True)
    out = tmp_path / "out"
    code, text = _run(tests, out)
    manifest = _manifest(out)
    assert code == 1
    broken = manifest["tests"]["broken"]
    assert (broken["status"], broken["exit_code"]) == ("failed", 2)
    assert broken["error"].startswith("metrics-build: error: no log found in")
    assert manifest["tests"]["good"]["status"] == "success"
    assert manifest["totals"]["failed"] == 1
    # Everything else was still written: the good test, and the batch (which saw an ERROR job).
    assert_resim_accepts(out / "tests" / "good" / "metrics.binproto")
    assert manifest["batch"]["status"] == "success", manifest["batch"]
    assert sorted(p.name for p in (out / "tests" / "broken").iterdir()) == ["job.json"]
    assert json.loads((out / "tests" / "broken" / "job.json").read_text())["jobStatus"] == "ERROR"
    assert "failed: broken: metrics-build: error: no log found" in text
    assert "metrics-build: error: no log found" in (out / broken["log"]).read_text()

    shutil.rmtree(tests / "broken")
    shutil.copytree(FAST_EXAMPLE, tests / "broken")
    code, _ = _run(tests, out)
    rerun = _manifest(out)
    assert code == 0
    assert (rerun["tests"]["good"]["status"], rerun["tests"]["broken"]["status"]) == ("skipped", "success")
    assert_resim_accepts(out / "tests" / "broken" / "metrics.binproto")


def test_killed_half_way_then_rerun_finishes_without_redoing(tmp_path: Path) -> None:
    names = [f"t{i}" for i in range(6)]
    tests = _copy_tests(tmp_path / "tests", dict.fromkeys(names, FAST_EXAMPLE))
    out = tmp_path / "out"
    args = _cli("--tests-dir", str(tests), "--output-dir", str(out), "--max-workers", "1")
    first = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    done: list[str] = []
    while len(done) < 2:
        assert time.monotonic() < deadline, "the first run never finished two tests"
        assert first.poll() is None, "the first run ended before it could be killed"
        time.sleep(0.05)
        if (out / "batch_manifest.json").is_file():
            done = [n for n, r in _manifest(out)["tests"].items() if r["status"] == "success"]
    first.kill()
    first.wait()
    killed = _manifest(out)
    finished = sorted(n for n, r in killed["tests"].items() if r["status"] == "success")
    assert 2 <= len(finished) < len(names)
    assert killed["batch"]["status"] == "pending"

    stale_work = {p.name for p in (out / ".work").iterdir()}
    second = subprocess.run(args, capture_output=True, text=True, check=False, timeout=300)
    assert second.returncode == 0, second.stderr
    resumed = _manifest(out)
    assert sorted(n for n, r in resumed["tests"].items() if r["status"] == "skipped") == finished
    assert sorted(n for n, r in resumed["tests"].items() if r["status"] == "success") == \
        sorted(set(names) - set(finished))
    for name in names:
        assert_resim_accepts(out / "tests" / name / "metrics.binproto")
    assert resumed["batch"]["status"] == "success"
    # The rerun cleaned up after itself (a child orphaned by the kill may still recreate its old one).
    assert {p.name for p in (out / ".work").iterdir()} <= stale_work


def test_sigterm_stops_the_running_tests(tmp_path: Path) -> None:
    names = [f"t{i}" for i in range(8)]
    tests = _copy_tests(tmp_path / "tests", dict.fromkeys(names, FAST_EXAMPLE))
    out = tmp_path / "out"
    run = subprocess.Popen(_cli("--tests-dir", str(tests), "--output-dir", str(out), "--max-workers", "2"),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "batch_manifest.json").is_file() or \
            not any(r["status"] == "success" for r in _manifest(out)["tests"].values()):
        assert time.monotonic() < deadline and run.poll() is None
        time.sleep(0.05)
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 143  # SIGTERM unwinds the command: running tests are stopped on the way out
    assert "metrics-build: terminated (SIGTERM)" in stderr
    assert "Traceback" not in stderr
    time.sleep(0.2)
    # No test process outlives it.
    leftovers = []
    for proc in Path("/proc").iterdir():
        try:
            if str(tests).encode() in (proc / "cmdline").read_bytes():
                leftovers.append(proc.name)
        except OSError:
            continue
    assert leftovers == []
    assert _manifest(out)["totals"]["pending"] > 0


def test_timeout_fails_the_test(tmp_path: Path) -> None:
    tests = _copy_tests(tmp_path / "tests", {"slow": FAST_EXAMPLE})
    out = tmp_path / "out"
    code, text = _run(tests, out, timeout=0.01)
    record = _manifest(out)["tests"]["slow"]
    assert code == 1
    assert (record["status"], record["exit_code"], record["error"]) == ("failed", None, "timed out after 0.01 s")
    batch = _manifest(out)["batch"]
    assert (batch["status"], batch["error"]) == ("skipped", "no test produced metrics")
    assert "batch: skipped: no test produced metrics" in text


def test_config_flag_applies_to_every_test(tmp_path: Path) -> None:
    tests = _copy_tests(tmp_path / "tests", {"a": FAST_EXAMPLE, "b": FAST_EXAMPLE})
    config = tmp_path / "broken.toml"
    config.write_text("this is = = not toml\n", encoding="utf-8")
    out = tmp_path / "out"
    assert _run(tests, out, config=config)[0] == 1
    records = _manifest(out)["tests"].values()
    assert all(r["status"] == "failed" and str(config) in r["error"] for r in records)


def test_outputs_of_removed_tests_are_dropped(tmp_path: Path) -> None:
    tests = _copy_tests(tmp_path / "tests", {"keep": FAST_EXAMPLE, "drop": FAST_EXAMPLE})
    out = tmp_path / "out"
    assert _run(tests, out)[0] == 0
    shutil.rmtree(tests / "drop")
    assert _run(tests, out)[0] == 0
    assert sorted(p.name for p in (out / "tests").iterdir()) == ["keep"]
    assert list(_manifest(out)["tests"]) == ["keep"]


def test_input_errors(tmp_path: Path) -> None:
    tests = _copy_tests(tmp_path / "tests", {"a": FAST_EXAMPLE})
    out = tmp_path / "out"
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no test directories under"):
        _run(tmp_path / "empty", out)
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"cannot create output directory .*a-file/out"):
        _run(tests, tmp_path / "a-file" / "out")
    with pytest.raises(InputError, match=r"config file not found: .*missing.toml"):
        _run(tests, out, config=tmp_path / "missing.toml")
    out.mkdir(exist_ok=True)
    with (out / ".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(InputError, match="another local-batch is running on"):
            _run(tests, out)
    assert _run(tests, out)[0] == 0
    other = _copy_tests(tmp_path / "other", {"a": FAST_EXAMPLE})
    with pytest.raises(InputError, match=r"holds the outputs of the tests in .*; use another --output-dir"):
        _run(other, out)
    assert _run(other, out, force=True)[0] == 0


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run(_cli("--tests-dir", str(tmp_path / "none"), "--output-dir", str(tmp_path / "o")),
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    expected = f"metrics-build: error: tests directory not found: {tmp_path / 'none'}"
    assert proc.stderr.strip().splitlines()[-1] == expected
    assert "Traceback" not in proc.stderr
    proc = subprocess.run(_cli("--tests-dir", "x", "--output-dir", "y", "--max-workers", "0"),
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "must be at least 1: 0" in proc.stderr


def test_runs_from_a_thread_other_than_main(tmp_path: Path) -> None:
    # Embedding callers may run it off the main thread (signals are the command line's business).
    tests = _copy_tests(tmp_path / "tests", {"a": FAST_EXAMPLE})
    with ThreadPoolExecutor(1) as pool:
        code, _ = pool.submit(_run, tests, tmp_path / "out").result()
    assert code == 0
    assert _manifest(tmp_path / "out")["tests"]["a"]["status"] == "success"
