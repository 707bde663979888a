"""Batch-mode fetch benchmark: ours (fetch + aggregate, the CLI) vs ReSim's fetcher vs a bare bounded-pool fetch.

The emulator runs in its own process and serves N tests of 35 objects each, adding a latency to every
answer. Each contender runs in its own subprocess; wall time and peak RSS come from `os.wait4` for that
child alone, the peak thread count from sampling `/proc/<pid>/status`.

    .venv/bin/python scripts/bench_batch.py                      # 1,000 tests, 20 ms, all three
    .venv/bin/python scripts/bench_batch.py --tests 100 --skip-reference

Scale mode (`--scale`) runs batches of 100, 1,000 and 10,000 small tests and of 150 and 1,000 tests whose
test-mode output is 9 MB each, and reports peak RSS, wall and CPU time and CPU per fetched object for
ours, for the pre-streaming batch mode (`--old-tree`, a checkout of an earlier commit run with the same
packages) and for ReSim's fetcher. A contender whose RSS passes `--rss-cap-mb` is killed and reported so.

    git worktree add --detach /tmp/old 4d046d2^
    .venv/bin/python scripts/bench_batch.py --scale --old-tree /tmp/old
    .venv/bin/python scripts/bench_batch.py --scale --small 100 --large 150 --skip-reference
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bench_common import Result, cpu_of, measure, start_emulator, stop

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


def build_jobs(jobs: Path, n_tests: int, length: int, *, pool: Path | None = None, pool_size: int = 0) -> None:
    """Write `n_tests` test dirs into `jobs` (reused when already there). With `pool`, only `pool_size`
    distinct tests are written (into `pool`) and each test's file is a hard link to one of them: the
    bytes served, fetched and decoded are the same as for distinct tests, the disk and build time are not."""
    stamp = jobs / ".bench-stamp"
    want = f"{n_tests} tests, {SCALARS} scalars, {SERIES} series of {length}, pool {pool_size}"
    if stamp.is_file() and stamp.read_text() == want:
        return
    from emulator_fixtures import TestSpec, write_test

    from metrics_build.model import Status

    def spec(i: int) -> TestSpec:
        status = Status.FAIL_BLOCK if i % 17 == 3 else Status.FAIL_WARN if i % 5 == 1 else Status.PASSED
        return TestSpec(name=f"test_{i:05d}", seed=i, scalars=SCALARS, series=SERIES, length=length,
                        image=False, status=status)

    started = time.monotonic()
    if jobs.exists():
        shutil.rmtree(jobs)
    jobs.mkdir(parents=True)
    if pool is None:
        for i in range(n_tests):
            write_test(jobs, spec(i))
    else:
        pool.mkdir(parents=True, exist_ok=True)
        sources = []
        for i in range(pool_size):
            source = pool / spec(i).name / "metrics.binproto"
            if not source.is_file():
                write_test(pool, spec(i))
            sources.append(source)
        for i in range(n_tests):
            (jobs / spec(i).name).mkdir()
            os.link(sources[i % pool_size], jobs / spec(i).name / "metrics.binproto")
    stamp.write_text(want)
    print(f"built {n_tests} test dirs in {time.monotonic() - started:.1f} s", file=sys.stderr)


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


SMALL_LENGTH = 100
LARGE_LENGTH = 50_000  # 20 exported series of 50,000 points and their companions: about 9 MB a test


@dataclass
class ScaleRow:
    scenario: str
    tests: int
    objects: int
    data_mb: float
    result: Result


def _ints(text: str) -> list[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def report(label: str, name: str, result: Result) -> None:
    state = "killed at the RSS cap" if result.capped else f"exit {result.returncode}"
    print(f"{label}: {name}: {result.seconds:.1f} s, {result.cpu_seconds:.1f} s CPU, "
          f"{result.peak_rss_mb:.0f} MB, {state}", file=sys.stderr)
    if result.returncode != 0 and not result.capped:
        print(result.stderr[-2000:], file=sys.stderr)


def median_of(results: list[Result]) -> Result:
    """The run with the median CPU time (a failed run, if any, stands for all), with the highest peak RSS."""
    failed = [r for r in results if r.returncode != 0]
    chosen = failed[0] if failed else sorted(results, key=lambda r: r.cpu_seconds)[len(results) // 2]
    return replace(chosen, peak_rss_mb=max(r.peak_rss_mb for r in results))


def run_scale(args: argparse.Namespace) -> int:
    """Every scenario of the scale mode, each contender in its own subprocess; a table at the end."""
    scenarios = [(f"{n:,} small", n, SMALL_LENGTH) for n in _ints(args.small)]
    scenarios += [(f"{n:,} × 9 MB", n, LARGE_LENGTH) for n in _ints(args.large)]
    rows: list[ScaleRow] = []
    for label, n, length in scenarios:
        workdir = args.workdir / f"scale-{n}x{length}"
        jobs, inputs = workdir / "jobs", workdir / "inputs"
        large = length == LARGE_LENGTH
        build_jobs(jobs, n, length, pool=args.workdir / f"pool-{length}" if large else None,
                   pool_size=args.pool if large else 0)
        data_mb = sum(f.stat().st_size for f in jobs.glob("*/metrics.binproto")) / 1e6
        emulator = start_emulator(["--jobs-dir", str(jobs)], inputs / "batch_metrics_config.json", args.latency_ms)
        contenders: list[tuple[str, list[str], dict[str, str] | None]] = []
        for who, tree in (("metrics-build", None), ("pre-streaming", args.old_tree)):
            if (who == "pre-streaming" and tree is None) or (who == "metrics-build" and args.skip_ours):
                continue
            outputs = workdir / f"outputs-{who}"
            env = None if tree is None else {**os.environ, "PYTHONPATH": str(tree.resolve())}
            contenders.append((who, [sys.executable, "-m", "metrics_build", "-q", "run", "--inputs", str(inputs),
                                     "--outputs", str(outputs)], env))
        if not args.skip_reference:
            contenders.append(("ReSim fetch_job_metrics_by_batch",
                               [sys.executable, "-c", REFERENCE, str(inputs / "batch_metrics_config.json")], None))
        try:
            runs: dict[str, list[Result]] = {}
            for _ in range(args.repeat):  # interleaved, so that a noisy minute hits every contender alike
                for name, cmd, env in contenders:
                    before = cpu_of(emulator.pid)
                    result = measure(name, cmd, timeout=args.timeout, env=env, rss_cap_mb=args.rss_cap_mb,
                                     cwd=workdir)  # not the checkout: its package would shadow --old-tree's
                    result.server_cpu = cpu_of(emulator.pid) - before
                    runs.setdefault(name, []).append(result)
                    report(label, name, result)
            for results in runs.values():
                rows.append(ScaleRow(label, n, n * OBJECTS_PER_TEST, data_mb, median_of(results)))
        finally:
            stop(emulator)
            for who in ("metrics-build", "pre-streaming"):
                shutil.rmtree(workdir / f"outputs-{who}", ignore_errors=True)
    print(f"\n{args.latency_ms:g} ms latency per answer; {OBJECTS_PER_TEST} objects per test; RSS cap "
          f"{args.rss_cap_mb:.0f} MB; median of {args.repeat} run(s), highest peak RSS\n")
    print("| batch | data MB | contender | wall s | CPU s | CPU ms / object | peak RSS MB | threads | result |\n"
          "|---|---:|---|---:|---:|---:|---:|---:|---|")
    for row in rows:
        r = row.result
        state = (f"killed at {args.rss_cap_mb:.0f} MB" if r.capped
                 else "ok" if r.returncode == 0 else f"exit {r.returncode}")
        cpu = f"{1000 * r.cpu_seconds / row.objects:.2f}" if r.returncode == 0 else "–"
        print(f"| {row.scenario} | {row.data_mb:,.0f} | {r.name} | {r.seconds:.1f} | {r.cpu_seconds:.1f} | {cpu} "
              f"| {r.peak_rss_mb:.0f} | {r.peak_threads} | {state} |")
    ours = [row.result for row in rows if row.result.name == "metrics-build"]
    return 0 if all(r.returncode == 0 for r in ours) else 1


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
    p.add_argument("--timeout", type=float, default=1800.0)
    p.add_argument("--scale", action="store_true", help="the scale matrix (see above) instead of one batch")
    p.add_argument("--small", default="100,1000,10000", help="scale: batch sizes of small tests")
    p.add_argument("--large", default="150,1000", help="scale: batch sizes of 9 MB tests")
    p.add_argument("--pool", type=int, default=25, help="scale: distinct 9 MB tests, hard-linked to fill a batch")
    p.add_argument("--old-tree", type=Path, default=None, help="scale: a checkout of the pre-streaming commit")
    p.add_argument("--repeat", type=int, default=1, help="scale: runs of each contender (the median is shown)")
    p.add_argument("--skip-ours", action="store_true", help="scale: run only the other contenders")
    p.add_argument("--rss-cap-mb", type=float, default=4000.0, help="scale: kill a contender above this RSS")
    args = p.parse_args()
    if args.scale:
        return run_scale(args)

    jobs, inputs, outputs = args.workdir / "jobs", args.workdir / "inputs", args.workdir / "outputs"
    jobs.mkdir(parents=True, exist_ok=True)
    build_jobs(jobs, args.tests, args.length)
    emulator = start_emulator(["--jobs-dir", str(jobs)], inputs / "batch_metrics_config.json", args.latency_ms)
    results: list[Result] = []
    try:
        urls = list_urls(inputs)
        (args.workdir / "urls.json").write_text(json.dumps(urls))
        print(f"{args.tests} tests, {len(urls)} objects ({len(urls) / args.tests:.0f} per test), "
              f"{args.latency_ms:g} ms latency per answer", file=sys.stderr)
        contenders: list[tuple[str, list[str]]] = []
        ours_cmd = [sys.executable, "-m", "metrics_build", "-q", "run", "--inputs", str(inputs),
                    "--outputs", str(outputs)]
        ours_cmd += ["--max-workers", str(args.our_workers)] if args.our_workers else []
        ours_cmd += ["--config", str(args.config)] if args.config else []
        if not args.skip_bare:
            contenders.append((f"bare fetch ({args.workers} workers, objects only)",
                                [sys.executable, "-c", BARE, str(args.workdir / "urls.json"), str(args.workers)]))
        contenders.append(("metrics-build batch mode (list + fetch + aggregate + write)", ours_cmd))
        if not args.skip_reference:
            contenders.append(("resim-open-core fetch_job_metrics_by_batch (list + fetch + unpack)",
                               [sys.executable, "-c", REFERENCE, str(inputs / "batch_metrics_config.json")]))
        for name, cmd in contenders:
            before = cpu_of(emulator.pid)
            result = measure(name, cmd, timeout=args.timeout)
            result.server_cpu = cpu_of(emulator.pid) - before
            results.append(result)
    finally:
        stop(emulator)
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
