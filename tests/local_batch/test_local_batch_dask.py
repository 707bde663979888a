"""local-batch on a Dask cluster: a LocalCluster of two worker processes on loopback runs each test's
test mode as a task and the batch aggregation as shards; every output is byte-identical to the
single-process run."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from oracle import assert_resim_accepts

from metrics_build.errors import InputError
from metrics_build.local_batch import Settings, dask_engine, local_batch

distributed = pytest.importorskip("distributed", reason="the `dask` extra is not installed")

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=50) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def tests_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The examples, plus copies, so that the aggregation needs more than one shard.
    root = tmp_path_factory.mktemp("tests")
    for example in sorted((REPO / "examples").iterdir()):
        if (example / "inputs" / "logs").is_dir():
            shutil.copytree(example, root / example.name)
    for i in range(5):
        shutil.copytree(REPO / "examples" / "eval-runner", root / f"eval copy {i}")
    return root


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("metrics.binproto"))}


def test_a_local_cluster_gives_byte_identical_outputs(cluster: str, tests_dir: Path, tmp_path: Path) -> None:
    single, sharded = tmp_path / "single", tmp_path / "dask"
    assert local_batch(Settings(tests_dir=tests_dir, output_dir=single, max_workers=2), out=io.StringIO()) == 0
    # 11 tests in shards of 3: four shards folded by two worker processes, merged in test order
    assert local_batch(Settings(tests_dir=tests_dir, output_dir=sharded, max_workers=2, scheduler=cluster,
                                shard_size=3), out=io.StringIO()) == 0
    expected, got = _files(single), _files(sharded)
    assert len(expected) == 12 and "batch/metrics.binproto" in expected  # 11 tests and the batch
    assert got == expected
    assert_resim_accepts(sharded / "batch" / "metrics.binproto")
    manifest = json.loads((sharded / "batch_manifest.json").read_text())
    assert manifest["runner"] == f"dask ({cluster})" and manifest["batch"]["status"] == "success"
    assert (sharded / "logs" / "batch.log").read_text().startswith("aggregated on the cluster")


def test_no_scheduler_at_the_address_is_one_clear_error(tests_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no Dask scheduler answers"):
        dask_engine.connect("tcp://127.0.0.1:9", timeout=2)
