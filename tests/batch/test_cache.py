"""The fetch cache: a kept cache makes batch mode resumable (a rerun after a kill downloads no object
twice, by the emulator's own request log), reused copies are checked, and the cache never goes into
`outputs/`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from emulator_fixtures import build_jobs_dir

from metrics_build import model as m
from metrics_build.batch.cache import FetchCache
from metrics_build.emulator import Emulator, Faults
from metrics_build.errors import EXIT_BAD_INPUT, InputError
from metrics_build.reader import ObjectKind
from metrics_build.writer import JobMetricsWriter

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def jobs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("jobs")
    build_jobs_dir(root, 12, scalars=2, series=3, length=30, image=False)
    return root


def _run(inputs: Path, outputs: Path, cache: Path | None, *extra: str,
         tmpdir: Path | None = None) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "metrics_build", "-q", "run", "--inputs", str(inputs), "--outputs", str(outputs),
            "--max-workers", "2", *extra]
    if cache is not None:
        args += ["--cache-dir", str(cache)]
    env = {k: v for k, v in os.environ.items() if k != "METRICS_BUILD_CONFIG"}
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _cached(cache: FetchCache, store_path: str) -> bool:
    # /objects/<project>/<batch>/<job>/<metrics|metricsData>/<object id>
    *_, job_id, kind, object_id = store_path.split("/")
    object_kind = ObjectKind.METRIC if kind == "metrics" else ObjectKind.DATA
    return cache.reuse(job_id, object_kind, object_id, "") is not None


def _downloaded(emu: Emulator) -> list[str]:
    return [r.path for r in emu.requests if r.server == "store" and r.status == 200]


def test_a_killed_run_resumes_without_downloading_anything_twice(jobs_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with Emulator(jobs_dir) as clean_emu:
        clean_emu.write_config(tmp_path / "clean-in" / "batch_metrics_config.json")
        done = _run(tmp_path / "clean-in", tmp_path / "clean-out", None)
        assert done.wait(timeout=120) == 0, done.communicate()[1]
        total = len(set(_downloaded(clean_emu)))

    with Emulator(jobs_dir, faults=Faults(latency=0.03)) as emu:
        emu.write_config(tmp_path / "in" / "batch_metrics_config.json")
        first = _run(tmp_path / "in", tmp_path / "out", cache)
        deadline = time.monotonic() + 60
        while len(_downloaded(emu)) < total // 3 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert first.returncode == -signal.SIGKILL  # killed half-way, not finished
        before = set(_downloaded(emu))
        assert 0 < len(before) < total
        with FetchCache(cache, emu.batch_id, temporary=False) as kept:
            had = {p for p in before if _cached(kept, p)}  # answered and stored before the kill
        assert had
        seen = len(emu.requests)

        second = _run(tmp_path / "in", tmp_path / "out", cache)
        assert second.wait(timeout=120) == 0, second.communicate()[1]
        again = [r.path for r in emu.requests[seen:] if r.server == "store" and r.status == 200]
    assert not had & set(again), "the rerun downloaded objects the cache already had"
    assert len(had) + len(set(again)) == total
    assert (tmp_path / "out" / "metrics.binproto").read_bytes() == \
        (tmp_path / "clean-out" / "metrics.binproto").read_bytes()
    assert cache.is_dir() and any(cache.rglob("*.json")) and any(cache.rglob("*.pack"))  # kept with --cache-dir


def test_the_default_cache_is_temporary_and_removed(jobs_dir: Path, tmp_path: Path) -> None:
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    with Emulator(jobs_dir) as emu:
        emu.write_config(tmp_path / "in" / "batch_metrics_config.json")
        run = _run(tmp_path / "in", tmp_path / "out", None, "-v", tmpdir=private_tmp)
        assert run.wait(timeout=120) == 0
        err = run.communicate()[1]
    assert f"fetch cache {private_tmp}/metrics-build-cache-" in err  # it was made where temporary files go
    assert "removed" in err and "MB" in err  # disk use is reported
    assert list(private_tmp.iterdir()) == []


def test_the_cache_may_not_be_inside_outputs(jobs_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="must not be inside the outputs directory"):
        FetchCache.open(tmp_path / "out" / "cache", batch_id="b", outputs=tmp_path / "out")
    with Emulator(jobs_dir) as emu:
        emu.write_config(tmp_path / "in" / "batch_metrics_config.json")
        run = _run(tmp_path / "in", tmp_path / "out", tmp_path / "out" / ".cache")
        assert run.wait(timeout=60) == EXIT_BAD_INPUT
        assert "must not be inside the outputs directory" in run.communicate()[1]
    assert not (tmp_path / "out" / ".cache").exists()


def test_a_damaged_cached_copy_is_not_reused(tmp_path: Path) -> None:
    writer = JobMetricsWriter("3f0e6c8e-6d67-4d5e-8a3c-2f1b0c9d8e7a")
    writer.add_metric(m.ScalarMetric(name="x", value=1.0))
    body = writer.build().job_level_metrics.metrics[0].SerializeToString()
    with FetchCache.open(tmp_path / "c", batch_id="b", outputs=tmp_path / "o") as cache:
        stored = cache.append("job", ObjectKind.METRIC, "id-1", "x", body)
    with FetchCache.open(tmp_path / "c", batch_id="b", outputs=tmp_path / "o") as cache:
        assert cache.reuse("job", ObjectKind.METRIC, "id-1", "x") == stored
        assert cache.reuse("job", ObjectKind.METRIC, "id-1", "another name") is None  # a different object
        assert cache.reuse("job", ObjectKind.DATA, "id-1", "x") is None  # not a MetricsData
        cache.append("job", ObjectKind.METRIC, "id-2", "y", b"\xff\xff\xff")  # not a Metric at all
        assert cache.reuse("job", ObjectKind.METRIC, "../../etc/passwd", "x") is None  # ids never become paths
        assert cache.objects_reused == 1
        pack = cache.pack_path("job")
    assert pack.parent.parent == tmp_path / "c" and list(pack.parent.iterdir()) == [pack]
    with pack.open("ab") as handle:  # a record cut off by a kill mid-write
        handle.write(b"m " + b"0" * 32 + b" 100\nabc")
    with FetchCache.open(tmp_path / "c", batch_id="b", outputs=tmp_path / "o") as cache:
        assert cache.reuse("job", ObjectKind.METRIC, "id-2", "y") is None
        assert cache.reuse("job", ObjectKind.METRIC, "id-1", "x") == stored
        again = cache.append("job", ObjectKind.METRIC, "id-3", "x", body)  # after the last whole record
        cache.complete("job", [stored, again])
        assert [b for _, b in cache.objects("job")] == [body, body]
