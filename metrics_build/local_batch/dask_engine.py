"""local-batch on a Dask cluster (`--scheduler ADDRESS`): each test's test mode runs as a Dask task on a
worker, and the batch aggregation runs as shards of tests whose mergeable states come back to be merged
in test order. The output is byte-identical to the single-process run: every fold keeps per-test scalars
and integer counts and computes at the end, so the sharding does not change a bit.

Workers read and write the same paths as this process: a `LocalCluster`, or a cluster whose workers
share the output directory (see docs/container.md). `dask.distributed` is an optional extra
(`pip install 'metrics-build[dask]'`).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from metrics_build.batch.compute import BatchFacts, BatchOutput
from metrics_build.batch.engine import Aggregator
from metrics_build.batch.fetch import parse_job
from metrics_build.batch.local import aggregate_tests, fold_tests
from metrics_build.config import BatchSection
from metrics_build.errors import InputError
from metrics_build.local_batch.manifest import utc_now
from metrics_build.local_batch.runners import Job, RunResult, result_of
from metrics_build.platform import METRICS_FILE
from metrics_build.reader import read_test_record
from metrics_build.records import TestInfo, TestRecord

SHARD_SIZE = 64
"""Tests per aggregation task: small enough to spread, large enough that a task outweighs its overhead."""


def connect(address: str, *, timeout: float = 30.0) -> Any:
    """A client of the scheduler at `address` (e.g. `tcp://10.0.0.5:8786`).

    Raises:
        InputError: `dask.distributed` is not installed, or no scheduler answers at `address`.
    """
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler needs dask.distributed: pip install 'metrics-build[dask]'") from None
    try:
        return Client(address, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise InputError(f"--scheduler {address}: no Dask scheduler answers ({type(exc).__name__})") from None


def run_on_worker(args: list[str], log_path: str, timeout: float | None) -> tuple[int | None, str, str]:
    """A Dask task: `metrics-build <args>` with the worker's own interpreter, its output in `log_path`.

    Returns:
        (exit code or None on timeout, start and finish times as ISO text).
    """
    started = utc_now()
    with open(log_path, "wb") as sink, subprocess.Popen(
            [sys.executable, "-m", "metrics_build", *args], stdin=subprocess.DEVNULL, stdout=sink,
            stderr=subprocess.STDOUT) as child:
        try:
            code: int | None = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            code = None
    return code, started.isoformat(), utc_now().isoformat()


class DaskRunner:
    """Runs each test's `metrics-build run` as a task on the cluster (the `Runner` of local-batch)."""

    def __init__(self, client: Any, *, address: str, timeout: float | None) -> None:
        self.client = client
        self.timeout = timeout
        self.description = f"dask ({address})"
        self._futures: list[Any] = []

    def run(self, job: Job, log_path: Path) -> RunResult:
        args = ["run", "--inputs", str(job.inputs.resolve()), "--outputs", str(job.outputs.resolve())]
        if job.config is not None:
            args += ["--config", str(job.config.resolve())]
        future = self.client.submit(run_on_worker, args, str(log_path.resolve()), self.timeout, pure=False)
        self._futures.append(future)
        code, started, finished = future.result()
        return result_of(code, datetime.fromisoformat(started), datetime.fromisoformat(finished), log_path,
                         self.timeout)

    def cancel(self) -> None:
        self.client.cancel(self._futures)

    def close(self) -> None:
        self.client.close()


def _fold_shard(shard: list[tuple[TestInfo, str]], section: BatchSection, config_dir: str | None) -> Aggregator:
    """A Dask task: one shard's tests read from their files and folded in order."""
    return fold_tests((_read(info, path) for info, path in shard), section,
                      Path(config_dir) if config_dir else None)


def _read(info: TestInfo, path: str) -> TestRecord:
    return read_test_record(Path(path), info.name, job_id=info.job_id) if Path(path).is_file() \
        else TestRecord(info=info)


def aggregate_on_cluster(client: Any, jobs: Sequence[dict[str, Any]], tests_dir: Path, facts: BatchFacts,
                         section: BatchSection, config_dir: Path | None, *,
                         shard_size: int = SHARD_SIZE) -> BatchOutput:
    """The batch output of the tests under `tests_dir`, aggregated in shards on the cluster.

    Args:
        client: The Dask client.
        jobs: The jobs listing the platform (here, the emulator) gives for these tests.
        tests_dir: `OUT/tests`: `<name>/metrics.binproto` per test (none for a failed test).
        facts: The batch's ids.
        section: The `[batch]` config.
        config_dir: The config file's directory (Python entries), or None.
        shard_size: Tests per aggregation task.
    """
    infos = sorted((parse_job(item, i) for i, item in enumerate(jobs)), key=lambda i: i.sort_key)
    entries = [(info, str((tests_dir / info.name / METRICS_FILE).resolve())) for info in infos]
    shards = [entries[i:i + shard_size] for i in range(0, len(entries), shard_size)]
    merged = Aggregator.start(section, config_dir)  # loads Python entries here too, for their states
    futures = [client.submit(_fold_shard, shard, section, str(config_dir) if config_dir else None, pure=False)
               for shard in shards]
    for future in futures:  # in test order, whatever finished first
        merged.merge(future.result())

    def read() -> Any:
        return (_read(info, path) for info, path in entries)

    return aggregate_tests(read, infos, facts, section, config_dir=config_dir, aggregator=merged)


__all__ = ["SHARD_SIZE", "DaskRunner", "aggregate_on_cluster", "connect", "run_on_worker"]
