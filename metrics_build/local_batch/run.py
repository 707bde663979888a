"""Run a whole batch locally: test mode on every test (resumably), then batch mode through the emulator.

Output directory layout:

    OUT/batch_manifest.json        rewritten after every test and after the batch step
    OUT/tests/<name>/              what test mode wrote (metrics.binproto, images); for a failed test
                                   only job.json, so the emulator serves it as an ERROR job
    OUT/batch/metrics.binproto     the batch metrics
    OUT/report.html                the batch overview, linking to OUT/tests/<name>/report.html (`view` extra)
    OUT/logs/<name>.log, batch.log each run's stdout and stderr
    OUT/.work/                     staging; a test's directory moves into tests/ only when complete

Resuming rests on that last point: a test is done when `tests/<name>/metrics.binproto` exists.
With `history`, each run is also appended as one batch of that history (see `history`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import shutil
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, cast

from tqdm import tqdm

from metrics_build.emulator import Emulator
from metrics_build.errors import EXIT_OK, EXIT_TESTS_FAILED, InputError, MetricsBuildError, one_line
from metrics_build.local_batch.discover import LocalTest, discover_tests
from metrics_build.local_batch.history import append_run, check_history_dir
from metrics_build.local_batch.manifest import (
    MANIFEST_NAME,
    Manifest,
    StepRecord,
    StepStatus,
    iso,
    previous_manifest,
    utc_now,
    write_manifest,
)
from metrics_build.local_batch.runners import Job, Runner, RunResult, make_runner
from metrics_build.local_batch.summary import render_summary
from metrics_build.view.local import write_local_batch_report

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.binproto"
BATCH_CONFIG_NAME = "batch_metrics_config.json"
# How the emulator shows a test that failed: a job that errored, with no metrics.
FAILED_JOB = {"jobStatus": "ERROR", "conflatedStatus": "ERROR"}
_NAMESPACE = uuid.UUID("0b6f3c52-57d4-5a43-9d0e-3f5c1e0a7b21")


@dataclass(frozen=True)
class Settings:
    """What `metrics-build local-batch` was asked to do (see its --help)."""

    tests_dir: Path
    output_dir: Path
    config: Path | None = None
    image: str | None = None
    max_workers: int = 1
    force: bool = False
    timeout: float | None = None
    progress: bool = False
    scheduler: str | None = None
    shard_size: int = 64
    batch_config: Path | None = None
    """The batch step's config after the default chain (`--config`, `$METRICS_BUILD_CONFIG`, the baked
    file); None: the built-in default. With a scheduler the batch step runs here, so it needs it resolved."""
    history: Path | None = None
    history_build: str | None = None


@dataclass(frozen=True)
class Layout:
    """Paths inside the output directory; `work` is unique to one run (see `_fresh_work_dir`)."""

    root: Path
    work: Path

    @property
    def tests(self) -> Path:
        return self.root / "tests"

    @property
    def batch(self) -> Path:
        return self.root / "batch"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST_NAME


def local_batch(settings: Settings, out: TextIO | None = None) -> int:
    """Run every test that has no output yet (all of them with `force`), then the batch step; print
    the summary to `out` (stdout). Returns 0, 1 when a test failed, or the batch step's exit code.

    Raises:
        InputError: no tests, a missing config, an output directory in use or made for other tests,
            or a runner that cannot work (no Docker engine, no image).
    """
    cases = discover_tests(settings.tests_dir)
    if settings.config is not None and not settings.config.is_file():
        raise InputError(f"config file not found: {settings.config}")
    root = settings.output_dir
    if settings.history is not None:
        check_history_dir(settings.history, root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output directory {root}: {exc.strerror}") from None
    with _exclusive(root):
        layout = Layout(root, _fresh_work_dir(root))
        for directory in (layout.tests, layout.logs):
            directory.mkdir(exist_ok=True)
        runner = _runner(settings)
        try:
            manifest = _start_manifest(settings, cases, layout, runner.description)
            _run_tests(settings, cases, layout, manifest, runner)
            _run_batch(settings, layout, manifest, runner)
            write_local_batch_report(root, {n: r.error or "failed" for n, r in manifest.tests.items()
                                            if r.status is StepStatus.FAILED})
            appended = None if settings.history is None else \
                append_run(settings.history, root, manifest, finished=utc_now(), build=settings.history_build)
        finally:
            runner.close()
            shutil.rmtree(layout.work, ignore_errors=True)
    (out or sys.stdout).write(render_summary(manifest, root))
    if appended is not None:
        (out or sys.stdout).write(f"history: appended this run as {appended}\n")
    if manifest.totals()["failed"]:
        return EXIT_TESTS_FAILED
    if manifest.batch.status is StepStatus.FAILED:
        return manifest.batch.exit_code or EXIT_TESTS_FAILED
    return EXIT_OK


@contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    # One run per output directory; the kernel drops the lock if this process dies.
    with (root / ".lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"another local-batch is running on {root}") from None
        yield


def _fresh_work_dir(root: Path) -> Path:
    # Runs killed earlier may have left children still writing into their own work directory, so each
    # run stages in a new one and only clears the old ones as far as it can.
    base = root / ".work"
    if base.is_dir():
        for old in base.iterdir():
            shutil.rmtree(old, ignore_errors=True)
    work = base / uuid.uuid4().hex
    work.mkdir(parents=True)
    return work


def _start_manifest(settings: Settings, cases: list[LocalTest], layout: Layout, runner: str) -> Manifest:
    tests_root = str(settings.tests_dir.resolve())
    previous = previous_manifest(layout.manifest) or {}
    if previous and previous.get("tests_root") != tests_root and not settings.force:
        raise InputError(f"{layout.root} holds the outputs of the tests in {previous.get('tests_root')}; "
                         "use another --output-dir, or --force to redo every test")
    now = iso(utc_now())
    manifest = Manifest(tests_root=tests_root, runner=runner, created=str(previous.get("created") or now))
    earlier = previous.get("tests") if isinstance(previous.get("tests"), dict) else {}
    for case in cases:
        record = StepRecord(output=f"tests/{case.name}/{METRICS_FILE}", log=f"logs/{case.name}.log")
        if not settings.force and (layout.tests / case.name / METRICS_FILE).is_file():
            record.status = StepStatus.SKIPPED
            old = earlier.get(case.name) if isinstance(earlier, dict) else None
            if isinstance(old, dict):  # keep when the output was made
                record.started, record.finished = old.get("started"), old.get("finished")
                record.duration_s, record.exit_code = old.get("duration_s"), old.get("exit_code")
        manifest.tests[case.name] = record
    manifest.batch = StepRecord(output=f"batch/{METRICS_FILE}", log="logs/batch.log")
    names = {case.name for case in cases}
    stale = sorted(p.name for p in layout.tests.iterdir() if p.is_dir() and p.name not in names)
    if stale:  # the emulator would serve them as jobs of this batch
        log.warning("removing outputs of tests no longer in %s: %s", settings.tests_dir, ", ".join(stale))
        for name in stale:
            shutil.rmtree(layout.tests / name)
    write_manifest(layout.manifest, manifest)
    return manifest


def _publish(staging: Path, final: Path, trash: Path) -> None:
    """Put `staging` in place of `final` with renames, so `final` is never half written."""
    if final.exists():
        final.rename(trash)
        shutil.rmtree(trash)
    staging.rename(final)


def _run_one(runner: Runner, case: LocalTest, settings: Settings, layout: Layout) -> RunResult:
    staging = layout.work / "tests" / case.name
    staging.mkdir(parents=True)
    config = settings.config or case.config
    result = runner.run(Job(case.inputs, staging, config=config), layout.logs / f"{case.name}.log")
    if result.ok and not (staging / METRICS_FILE).is_file():
        result = RunResult(1, result.started, result.finished, f"exited 0 but wrote no {METRICS_FILE}")
    if not result.ok:
        shutil.rmtree(staging)
        staging.mkdir()
        (staging / "job.json").write_text(json.dumps(FAILED_JOB) + "\n", encoding="utf-8")
    _publish(staging, layout.tests / case.name, layout.work / "trash" / case.name)
    return result


def _run_tests(settings: Settings, cases: list[LocalTest], layout: Layout, manifest: Manifest,
               runner: Runner) -> None:
    todo = [case for case in cases if manifest.tests[case.name].status is StepStatus.PENDING]
    (layout.work / "trash").mkdir()
    log.info("%d tests, %d to run (%s, %d workers)", len(cases), len(todo), runner.description,
             settings.max_workers)
    pool = ThreadPoolExecutor(max_workers=settings.max_workers, thread_name_prefix="local-batch")
    bar = tqdm(total=len(cases), initial=len(cases) - len(todo), unit="test", desc="tests",
               disable=not settings.progress, file=sys.stderr)
    try:
        futures: dict[Future[RunResult], LocalTest] = {
            pool.submit(_run_one, runner, case, settings, layout): case for case in todo
        }
        for future in as_completed(futures):
            name = futures[future].name
            result = future.result()
            manifest.tests[name].ran(StepStatus.SUCCESS if result.ok else StepStatus.FAILED, result.started,
                                     result.finished, result.exit_code, result.error)
            write_manifest(layout.manifest, manifest)
            bar.update(1)
    except BaseException:
        # Stop what is queued and what runs (children, containers); the manifest is already current.
        pool.shutdown(wait=False, cancel_futures=True)
        runner.cancel()
        raise
    finally:
        bar.close()
    pool.shutdown()


def _runner(settings: Settings) -> Runner:
    if settings.scheduler is None:
        return make_runner(image=settings.image, timeout=settings.timeout)
    if settings.image is not None:
        raise InputError("--scheduler and --image cannot be combined (Dask workers run test mode as processes)")
    from metrics_build.local_batch.dask_engine import DaskRunner, connect

    return DaskRunner(connect(settings.scheduler), address=settings.scheduler, timeout=settings.timeout)


def _aggregate_on_cluster(settings: Settings, runner: Runner, emulator: Emulator, layout: Layout,
                          staging: Path) -> RunResult:
    """The batch step on the cluster: shards of tests folded by workers, merged and written here."""
    from metrics_build.batch.compute import BatchFacts, write_batch_output
    from metrics_build.batch.run import batch_job_id
    from metrics_build.config import default_config, load_config
    from metrics_build.local_batch.dask_engine import DaskRunner, aggregate_on_cluster

    client = cast(DaskRunner, runner).client  # `_runner` made a DaskRunner from the same settings
    started = utc_now()
    config_path = settings.batch_config
    config = load_config(config_path) if config_path else default_config()
    facts = BatchFacts(project_id=emulator.project_id, batch_id=emulator.batch_id)
    try:
        output = aggregate_on_cluster(client, emulator.jobs_json(), layout.tests, facts, config.batch,
                                      config_path.resolve().parent if config_path else None,
                                      shard_size=settings.shard_size)
        write_batch_output(output, staging / METRICS_FILE, job_id=batch_job_id(emulator.batch_id))
    except MetricsBuildError as exc:
        (layout.logs / "batch.log").write_text(f"metrics-build: error: {exc}\n", encoding="utf-8")
        return RunResult(exc.exit_code, started, utc_now(), one_line(str(exc)))
    (layout.logs / "batch.log").write_text(f"aggregated on the cluster ({len(output.metrics)} metrics)\n",
                                           encoding="utf-8")
    return RunResult(EXIT_OK, started, utc_now())


def _run_batch(settings: Settings, layout: Layout, manifest: Manifest, runner: Runner) -> None:

    record = manifest.batch
    if not any(r.status in (StepStatus.SUCCESS, StepStatus.SKIPPED) for r in manifest.tests.values()):
        record.status, record.error = StepStatus.SKIPPED, "no test produced metrics"
        write_manifest(layout.manifest, manifest)
        return
    inputs, staging = layout.work / "batch-inputs", layout.work / "batch"
    staging.mkdir()
    log.info("batch mode over %s through the emulator", layout.tests)
    # Ids from the tests' location, not the output directory's: the same tests give the same batch output.
    batch_key = f"local-batch/{manifest.tests_root}"
    with Emulator(layout.tests, project_id=str(uuid.uuid5(_NAMESPACE, f"{batch_key}/project")),
                  batch_id=str(uuid.uuid5(_NAMESPACE, f"{batch_key}/batch"))) as emulator:
        if settings.scheduler is not None:
            result = _aggregate_on_cluster(settings, runner, emulator, layout, staging)
        else:
            config_file = emulator.write_config(inputs / BATCH_CONFIG_NAME)
            # A container may run as another user. The token dies with the emulator, which listens on
            # loopback only, so the config may be world-readable for this short while.
            config_file.chmod(0o644)
            inputs.chmod(0o755)
            result = runner.run(Job(inputs, staging, config=settings.batch_config or settings.config,
                                    network=True), layout.logs / "batch.log")
    if result.ok and not (staging / METRICS_FILE).is_file():
        result = RunResult(1, result.started, result.finished, f"exited 0 but wrote no {METRICS_FILE}")
    if result.ok:
        _publish(staging, layout.batch, layout.work / "trash" / "batch")
    elif layout.batch.exists():  # an older batch result would no longer describe these tests
        shutil.rmtree(layout.batch)
    record.ran(StepStatus.SUCCESS if result.ok else StepStatus.FAILED, result.started, result.finished,
               result.exit_code, result.error)
    write_manifest(layout.manifest, manifest)


__all__ = ["Layout", "Settings", "local_batch"]
