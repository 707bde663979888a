"""Report-mode benchmark: ours (the CLI: fetch the history, fold, write) vs ReSim's report build, over a
history of B batches × T tests served by the emulator in its own process.

Each test has 5 SCALAR metrics (one of them with a failing threshold now and then) and a status that
varies by batch, so the report has flaky and regressing experiences. Each contender runs in its own
subprocess; wall time and peak RSS come from `os.wait4` for that child alone, the peak thread count from
sampling `/proc/<pid>/status`. ReSim's build needs the `type` alias (resim-contract.md §6) to run at all.

    .venv/bin/python scripts/bench_report.py                      # 50 batches × 200 tests, both
    .venv/bin/python scripts/bench_report.py --batches 5 --tests 20 --skip-reference
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path

from bench_common import Result, cpu_of, measure, start_emulator, stop

ROOT = Path(__file__).resolve().parents[1]
SCALARS = 5

REFERENCE = """
import asyncio, json, sys, uuid
from resim.metrics import default_report_metrics
from resim.sdk.client.models.batch_metric import BatchMetric
from resim.sdk.client.models.job_metric import JobMetric
for cls in (JobMetric, BatchMetric):  # ReSim 1.6.0 reads `.type`, the models have `.type_` (contract §6)
    cls.type = property(lambda self: self.type_)
cfg = json.load(open(sys.argv[1]))
asyncio.run(default_report_metrics.fetch_and_compute_metrics(
    token=cfg["authToken"], api_url=cfg["apiURL"], project_id=uuid.UUID(cfg["projectID"]),
    report_id=uuid.UUID(cfg["reportID"]), output_path=sys.argv[2]))
"""


def _outcome(batch: int, test: int) -> str:
    """Most tests pass; some warn or block for a while (regressions), a few flip (flaky), a few error."""
    if test % 50 == 7 and batch >= 30:
        return "FAIL_BLOCK"  # a regression from batch 30 on
    if test % 40 == 3 and (batch * 7 + test) % 3 == 0:
        return "FAIL_WARN"  # flaky
    if (batch * 31 + test * 17) % 97 == 0:
        return "ERROR"
    return "PASSED"


def build_history(history: Path, batches: int, tests: int) -> None:
    """Write the history (reused when the stamp says it has the same shape)."""
    stamp = history / ".bench-stamp"
    want = f"{batches} batches × {tests} tests, {SCALARS} scalars"
    if stamp.is_file() and stamp.read_text() == want:
        return
    from metrics_build import model as m
    from metrics_build.writer import JobMetricsWriter

    started = time.monotonic()
    history.mkdir(parents=True, exist_ok=True)
    (history / "report.json").write_text(json.dumps({"testSuite": "bench", "branch": "main"}))
    for b in range(batches):
        batch_dir = history / f"batch-{b:03d}"
        batch_dir.mkdir(exist_ok=True)
        (batch_dir / "batch.json").write_text(json.dumps({
            "createdAt": f"2026-01-{1 + b // 24:02d}T{b % 24:02d}:00:00Z",
            "testSuite": "bench", "branch": "main", "build": {"version": f"1.{b // 2}"}}))
        for t in range(tests):
            test_dir = batch_dir / "jobs" / f"test_{t:04d}"
            test_dir.mkdir(parents=True, exist_ok=True)
            outcome = _outcome(b, t)
            tags = ["tag-" + "abcde"[t % 5]]
            if outcome == "ERROR":
                (test_dir / "job.json").write_text(json.dumps({"conflatedStatus": "ERROR", "jobStatus": "ERROR",
                                                               "tags": tags}))
                continue
            (test_dir / "job.json").write_text(json.dumps({"tags": tags}))
            writer = JobMetricsWriter(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-report/{b}/{t}"))
            status = m.Status[outcome]
            for k in range(SCALARS):
                writer.add_metric(m.ScalarMetric(name=f"scalar {k}", value=float((b * 13 + t * 7 + k) % 101) / 10,
                                                 unit="m", status=status if k == 0 else m.Status.PASSED))
            writer.write(test_dir / "metrics.binproto")
    stamp.write_text(want)
    print(f"built {batches} × {tests} tests in {time.monotonic() - started:.1f} s", file=sys.stderr)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batches", type=int, default=50)
    p.add_argument("--tests", type=int, default=200)
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--workdir", type=Path, default=ROOT / "out" / "bench_report")
    p.add_argument("--skip-reference", action="store_true")
    p.add_argument("--rss-goal-mb", type=float, default=200.0)
    p.add_argument("--timeout", type=float, default=1800.0)
    args = p.parse_args()

    history, inputs = args.workdir / "history", args.workdir / "inputs"
    build_history(history, args.batches, args.tests)
    emulator = start_emulator(["--history", str(history)], inputs / "report_config.json", args.latency_ms)
    results: list[Result] = []
    try:
        ours = [sys.executable, "-m", "metrics_build", "-q", "run", "--inputs", str(inputs),
                "--outputs", str(args.workdir / "ours")]
        contenders = [("metrics-build report mode (fetch + fold + write)", ours)]
        if not args.skip_reference:
            (args.workdir / "resim").mkdir(parents=True, exist_ok=True)
            contenders.append(("resim-open-core default_report_metrics (with the `type` alias)",
                               [sys.executable, "-c", REFERENCE, str(inputs / "report_config.json"),
                                str(args.workdir / "resim" / "metrics.binproto")]))
        for name, cmd in contenders:
            before = cpu_of(emulator.pid)
            result = measure(name, cmd, timeout=args.timeout)
            result.server_cpu = cpu_of(emulator.pid) - before
            results.append(result)
    finally:
        stop(emulator)
    print(f"\n{args.batches} batches × {args.tests} tests ({args.batches * args.tests} jobs, {SCALARS} scalars "
          f"each), {args.latency_ms:g} ms added latency\n")
    print("| contender | wall s | CPU s | peak RSS MB | peak threads | emulator CPU s | exit |\n"
          "|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r.name} | {r.seconds:.1f} | {r.cpu_seconds:.1f} | {r.peak_rss_mb:.0f} | {r.peak_threads} "
              f"| {r.server_cpu:.1f} | {r.returncode} |")
    for r in results:
        if r.returncode != 0:
            print(f"\n{r.name} failed:\n{r.stderr[-2000:]}", file=sys.stderr)
    ours_result = results[0]
    print(f"\nours: peak RSS {ours_result.peak_rss_mb:.0f} MB (goal < {args.rss_goal_mb:g} MB: "
          f"{'met' if ours_result.peak_rss_mb < args.rss_goal_mb else 'NOT met'})")
    if len(results) > 1 and results[1].returncode == 0:
        ref = results[1]
        print(f"resim / ours: {ref.seconds / ours_result.seconds:.1f}x the time, "
              f"{ref.peak_rss_mb / ours_result.peak_rss_mb:.1f}x the memory")
    return 0 if all(r.returncode == 0 for r in results) and ours_result.peak_rss_mb < args.rss_goal_mb else 1


if __name__ == "__main__":
    raise SystemExit(main())
