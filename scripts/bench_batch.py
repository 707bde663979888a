"""Batch-mode fetch benchmark: ours (fetch + aggregate, the CLI) vs ReSim's fetcher vs a bare bounded-pool fetch.

The emulator runs in its own process and serves N tests of 35 objects each, adding a latency to every
answer. Each contender runs in its own subprocess; wall time and peak RSS come from `os.wait4` for that
child alone, the peak thread count from sampling `/proc/<pid>/status`.

    .venv/bin/python scripts/bench_batch.py                      # 1,000 tests, 20 ms, all three
    .venv/bin/python scripts/bench_batch.py --tests 100 --skip-reference
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # emulator_fixtures: the same test-dir builder the tests use

# 10 SCALAR metrics, 20 exported series, one exported state series, and a double-over-time metric with its
# value, time index and status series: 11 metrics + 24 data = 35 downloadable objects per test.
SCALARS, SERIES = 10, 20
OBJECTS_PER_TEST = SCALARS + SERIES + 1 + 1 + 3

REFERENCE = """
import json, sys, uuid
from resim.metrics.fetch_job_metrics import fetch_job_metrics_by_batch
cfg = json.load(open(sys.argv[1]))
result = fetch_job_metrics_by_batch(token=cfg["authToken"], api_url=cfg["apiURL"],
                                    project_id=uuid.UUID(cfg["projectID"]), batch_id=uuid.UUID(cfg["batchID"]))
print(json.dumps({"tests": len(result), "objects": sum(len(u.metrics) + len(u.metrics_data) for u in result.values())}))
"""

BARE = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
import requests
from requests.adapters import HTTPAdapter
urls = json.load(open(sys.argv[1]))
workers = int(sys.argv[2])
session = requests.Session()
session.mount("http://", HTTPAdapter(pool_maxsize=workers))
def get(url):
    r = session.get(url, timeout=60)
    r.raise_for_status()
    return len(r.content)
with ThreadPoolExecutor(workers) as pool:
    sizes = list(pool.map(get, urls))
print(json.dumps({"objects": len(sizes), "bytes": sum(sizes)}))
"""


@dataclass
class Result:
    name: str
    seconds: float
    peak_rss_mb: float
    peak_threads: int
    cpu_seconds: float
    returncode: int
    stdout: str
    stderr: str
    server_cpu: float = 0.0


def _threads(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_of(pid: int) -> float:
    """User + system CPU seconds used so far by process `pid` (all its threads)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(name: str, cmd: list[str], *, timeout: float, env: dict[str, str] | None = None) -> Result:
    """Run `cmd`, returning wall time, this child's peak RSS and its sampled peak thread count."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _threads(proc.pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - started
        timer.cancel()
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Result(name, elapsed, usage.ru_maxrss / 1024.0, peak[0], usage.ru_utime + usage.ru_stime,
                      proc.returncode, out.read(), err.read())


def build_jobs(jobs: Path, n_tests: int, length: int) -> None:
    stamp = jobs / ".bench-stamp"
    want = f"{n_tests} tests, {SCALARS} scalars, {SERIES} series of {length}"
    if stamp.is_file() and stamp.read_text() == want:
        return
    from emulator_fixtures import TestSpec, write_test

    from metrics_build.model import Status

    started = time.monotonic()
    for i in range(n_tests):
        status = Status.FAIL_BLOCK if i % 17 == 3 else Status.FAIL_WARN if i % 5 == 1 else Status.PASSED
        write_test(jobs, TestSpec(name=f"test_{i:04d}", seed=i, scalars=SCALARS, series=SERIES, length=length,
                                  image=False, status=status))
    stamp.write_text(want)
    print(f"built {n_tests} test dirs in {time.monotonic() - started:.1f} s", file=sys.stderr)


def start_emulator(jobs: Path, inputs: Path, latency_ms: float) -> subprocess.Popen[bytes]:
    config = inputs / "batch_metrics_config.json"
    config.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "metrics_build", "emulate", "--jobs-dir", str(jobs),
                             "--inputs", str(inputs), "--latency-ms", str(latency_ms)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not config.is_file():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the emulator did not start")
        time.sleep(0.1)
    time.sleep(0.5)
    return proc


def list_urls(inputs: Path) -> list[str]:
    """Every URL ours downloads (STANDARD data and non-image metrics), listed with our client (not timed)."""
    from metrics_build.batch.fetch import plan_downloads
    from metrics_build.http import ApiClient, load_batch_settings

    settings = load_batch_settings(inputs / "batch_metrics_config.json")
    prefix = f"/projects/{settings.project_id}/batches/{settings.batch_id}"
    urls: list[str] = []
    with ApiClient(settings) as client:
        for job in client.list_all(f"{prefix}/jobs", "jobs"):
            base = f"{prefix}/jobs/{job['jobID']}"
            plan = plan_downloads(client.list_all(f"{base}/metrics", "metrics"),
                                  client.list_all(f"{base}/metricsData", "metricsData"))
            urls += [p.url for p in plan]
    return urls


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tests", type=int, default=1000)
    p.add_argument("--length", type=int, default=100, help="points per exported series (default 100)")
    p.add_argument("--latency-ms", type=float, default=20.0)
    p.add_argument("--workers", type=int, default=32, help="bare fetch pool size (ours uses its default)")
    p.add_argument("--workdir", type=Path, default=ROOT / "out" / "bench_batch")
    p.add_argument("--our-workers", type=int, default=None, help="--max-workers for ours (default: its default)")
    p.add_argument("--skip-reference", action="store_true")
    p.add_argument("--skip-bare", action="store_true")
    p.add_argument("--config", type=Path, default=None, help="metrics config for ours (default: built-in)")
    p.add_argument("--timeout", type=float, default=900.0)
    args = p.parse_args()

    jobs, inputs, outputs = args.workdir / "jobs", args.workdir / "inputs", args.workdir / "outputs"
    jobs.mkdir(parents=True, exist_ok=True)
    build_jobs(jobs, args.tests, args.length)
    emulator = start_emulator(jobs, inputs, args.latency_ms)
    results: list[Result] = []
    try:
        urls = list_urls(inputs)
        (args.workdir / "urls.json").write_text(json.dumps(urls))
        print(f"{args.tests} tests, {len(urls)} objects ({len(urls) / args.tests:.0f} per test), "
              f"{args.latency_ms:g} ms latency per answer", file=sys.stderr)
        contenders: list[tuple[str, list[str]]] = []
        ours = [sys.executable, "-m", "metrics_build", "-q", "run", "--inputs", str(inputs), "--outputs", str(outputs)]
        ours += ["--max-workers", str(args.our_workers)] if args.our_workers else []
        ours += ["--config", str(args.config)] if args.config else []
        if not args.skip_bare:
            contenders.append((f"bare fetch ({args.workers} workers, objects only)",
                                [sys.executable, "-c", BARE, str(args.workdir / "urls.json"), str(args.workers)]))
        contenders.append(("metrics-build batch mode (list + fetch + aggregate + write)", ours))
        if not args.skip_reference:
            contenders.append(("resim-open-core fetch_job_metrics_by_batch (list + fetch + unpack)",
                               [sys.executable, "-c", REFERENCE, str(inputs / "batch_metrics_config.json")]))
        for name, cmd in contenders:
            before = cpu_of(emulator.pid)
            result = measure(name, cmd, timeout=args.timeout)
            result.server_cpu = cpu_of(emulator.pid) - before
            results.append(result)
    finally:
        emulator.send_signal(signal.SIGINT)
        try:
            emulator.wait(timeout=30)
        except subprocess.TimeoutExpired:
            emulator.kill()
    print("\n| contender | wall s | CPU s | peak RSS MB | peak threads | emulator CPU s | exit |\n"
          "|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r.name} | {r.seconds:.1f} | {r.cpu_seconds:.1f} | {r.peak_rss_mb:.0f} | {r.peak_threads} "
              f"| {r.server_cpu:.1f} | {r.returncode} |")
    for r in results:
        if r.returncode != 0:
            print(f"\n{r.name} failed:\n{r.stderr[-2000:]}", file=sys.stderr)
    by = {r.name.split(" ")[0]: r for r in results}
    ours, bare, ref = by.get("metrics-build"), by.get("bare"), by.get("resim-open-core")
    if ours and bare:
        print(f"\nours / bare fetch: {ours.seconds / bare.seconds:.2f}x the time (goal <= 1.3x)")
    if ours and ref and ref.returncode == 0:
        print(f"reference / ours: {ref.seconds / ours.seconds:.1f}x faster (goal >= 3x); "
              f"memory {ours.peak_rss_mb / ref.peak_rss_mb:.2f} of the reference's (goal <= 0.5)")
    assert outputs.joinpath("metrics.binproto").is_file() or not ours or ours.returncode != 0
    return 0 if all(r.returncode == 0 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
