"""`metrics-build local-batch --image`: every step as a container of the image, as the platform runs it."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from oracle import assert_resim_accepts

from metrics_build.errors import InputError
from metrics_build.local_batch import Settings, local_batch
from metrics_build.local_batch.summary import read_job_summary

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def _run(out: Path, image: str | None) -> tuple[int, str]:
    text = io.StringIO()
    code = local_batch(Settings(tests_dir=EXAMPLES, output_dir=out, image=image, max_workers=2), out=text)
    return code, text.getvalue()


def test_local_batch_in_containers_matches_local_processes(image: str, tmp_path: Path) -> None:
    code, text = _run(tmp_path / "docker", image)
    assert code == 0, text
    manifest = json.loads((tmp_path / "docker" / "batch_manifest.json").read_text(encoding="utf-8"))
    assert manifest["runner"] == f"docker:{image}"
    assert manifest["totals"]["success"] == manifest["totals"]["total"] > 0
    assert manifest["batch"]["status"] == "success", manifest["batch"]
    assert _run(tmp_path / "local", None)[0] == 0
    for name in manifest["tests"]:
        in_container = tmp_path / "docker" / "tests" / name / "metrics.binproto"
        assert_resim_accepts(in_container)
        assert in_container.read_bytes() == (tmp_path / "local" / "tests" / name / "metrics.binproto").read_bytes()
    batch = tmp_path / "docker" / "batch" / "metrics.binproto"
    assert_resim_accepts(batch)
    assert batch.read_bytes() == (tmp_path / "local" / "batch" / "metrics.binproto").read_bytes()


def test_missing_image_is_an_input_error(docker_client: Any, tmp_path: Path) -> None:
    expected = "--image metrics-build:no-such-tag: no such image; build it with scripts/build_image.sh"
    with pytest.raises(InputError, match=re.escape(expected)):
        _run(tmp_path / "out", "metrics-build:no-such-tag")


def test_flat_layout_with_config_beside_the_logs(image: str, tmp_path: Path) -> None:
    # <test>/logs and <test>/metrics.toml (+ its Python module): the config's directory is the inputs.
    example = EXAMPLES / "emissions"
    test = tmp_path / "tests" / "flat"
    shutil.copytree(example / "inputs", test)
    for f in example.iterdir():
        if f.is_file():
            shutil.copy(f, test / f.name)
    outputs = {}
    for runner in (image, None):
        out = tmp_path / f"out-{runner is None}"
        text = io.StringIO()
        code = local_batch(Settings(tests_dir=tmp_path / "tests", output_dir=out, image=runner), out=text)
        assert code == 0, text.getvalue()
        outputs[runner] = (out / "tests" / "flat" / "metrics.binproto").read_bytes()
    assert outputs[image] == outputs[None]
    summary = read_job_summary(tmp_path / "out-False" / "tests" / "flat" / "metrics.binproto")
    assert summary is not None
    names = {row.name for row in summary.metrics}
    assert {"path length", "hard brakes"} <= names  # the Python metrics beside the config ran
