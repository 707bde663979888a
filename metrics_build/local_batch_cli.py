"""Arguments of `metrics-build local-batch` (the handler is `metrics_build.local_batch.run_local_batch`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from metrics_build.cli import positive_int


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {text}")
    return value


def add_local_batch_arguments(p: argparse.ArgumentParser) -> None:
    """Add the local-batch options to its subparser."""
    p.description = (
        "Run test mode on every test directory under --tests-dir (each holding logs/ and optionally "
        "experience/, or an inputs/ directory holding them), as processes or as containers of --image; "
        "write OUT/tests/<name>/metrics.binproto and keep OUT/batch_manifest.json current. Then serve "
        "OUT/tests through the emulator, run batch mode into OUT/batch/metrics.binproto and print a "
        "summary. A rerun skips tests that already have outputs (unless --force) and reruns failed ones."
    )
    p.add_argument("--tests-dir", type=Path, required=True, metavar="DIR",
                   help="directory of test directories")
    p.add_argument("--output-dir", type=Path, required=True, metavar="OUT", help="where everything is written")
    p.add_argument("--config", type=Path, default=None, metavar="FILE",
                   help="metrics config for every test and the batch step (default: each test's own "
                   "metrics.toml if it has one, else the usual default chain)")
    p.add_argument("--image", default=None, metavar="IMAGE",
                   help="run each step as `docker run IMAGE` (as the platform does) instead of a local process")
    p.add_argument("--max-workers", type=positive_int, default=None, metavar="N",
                   help="tests run at once (default: the number of CPUs)")
    p.add_argument("--force", action="store_true", help="rerun tests that already have outputs")
    p.add_argument("--timeout", type=_positive_seconds, default=None, metavar="SECONDS",
                   help="stop a test (or the batch step) that runs longer, and count it failed")
