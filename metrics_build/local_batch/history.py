"""`local-batch --history DIR`: append each local run to a history of batches, in the emulator's layout,
so report mode can run offline over the last N local runs (`metrics-build emulate --history DIR`).

    DIR/<UTC time of the run>/batch.json          name, createdAt, status, build {version}
    DIR/<UTC time of the run>/jobs/<test>/...     OUT/tests/<test>/ (a failed test: its job.json only)
    DIR/<UTC time of the run>/batch/metrics.binproto   OUT/batch/metrics.binproto, when the batch step ran

A batch appears whole or not at all: it is assembled in a hidden directory and renamed into place.
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import datetime
from pathlib import Path

from metrics_build.errors import InputError, OutputError
from metrics_build.local_batch.manifest import Manifest, StepStatus, iso

METRICS_FILE = "metrics.binproto"


def check_history_dir(history: Path, output_dir: Path) -> None:
    """Refuse a history directory that is a file, or that lies inside the output's tests.

    Raises:
        InputError: it cannot be a history directory.
    """
    if history.exists() and not history.is_dir():
        raise InputError(f"--history {history}: not a directory")
    if history.resolve().is_relative_to((output_dir / "tests").resolve()):
        raise InputError(f"--history {history}: must not lie inside {output_dir / 'tests'}")


def append_run(history: Path, output_dir: Path, manifest: Manifest, *, finished: datetime,
               build: str | None = None) -> Path:
    """Copy this run's tests (and batch output) into `history` as one batch; returns its directory.

    Args:
        history: The history directory (created when missing).
        output_dir: The local batch's output directory (its `tests/` and `batch/`).
        manifest: The run's manifest (the batch step's status decides the batch's).
        finished: When the run ended: the batch's `createdAt` and directory name.
        build: The build version to record (default: the batch's name, so each run is its own build).

    Raises:
        OutputError: the history cannot be written.
    """
    key = finished.strftime("%Y%m%dT%H%M%S.%fZ")
    name = f"local {key}"
    status = "ERROR" if manifest.batch.status is StepStatus.FAILED else "SUCCEEDED"
    meta = {"name": name, "createdAt": iso(finished), "status": status, "build": {"version": build or name}}
    staging = history / f".incoming-{uuid.uuid4().hex}"
    try:
        target = staging / key
        shutil.copytree(output_dir / "tests", target / "jobs", ignore=shutil.ignore_patterns("*.html"))
        batch_output = output_dir / "batch" / METRICS_FILE
        if manifest.batch.status is StepStatus.SUCCESS and batch_output.is_file():
            (target / "batch").mkdir()
            shutil.copy2(batch_output, target / "batch" / METRICS_FILE)
        (target / "batch.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        final = history / key
        if final.exists():
            raise OutputError(f"{final} already exists (two runs finished in the same microsecond?)")
        target.rename(final)
    except OSError as exc:
        raise OutputError(f"cannot append the run to the history {history}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final


__all__ = ["append_run", "check_history_dir"]
