"""`metrics-build local-batch`: arguments → `local_batch.Settings` → `local_batch.local_batch`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from metrics_build.cli.args import positive_int, positive_seconds
from metrics_build.cli.paths import resolve_config
from metrics_build.local_batch import Settings, local_batch


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], **common: Any) -> None:
    """The `local-batch` subcommand."""
    p = sub.add_parser("local-batch", help="run test mode over many test directories, then batch mode, resumably",
                       **common)
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
    p.add_argument("--timeout", type=positive_seconds, default=None, metavar="SECONDS",
                   help="stop a test (or the batch step) that runs longer, and count it failed")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run each test's test mode as a task on this Dask scheduler (e.g. tcp://127.0.0.1:8786) "
                   "and the batch aggregation as shards merged here; workers must see the same paths "
                   "(needs the `dask` extra)")
    p.add_argument("--shard-size", type=positive_int, default=64, metavar="N",
                   help="with --scheduler: tests per aggregation task (default 64)")
    p.add_argument("--history", type=Path, default=None, metavar="DIR",
                   help="also append this run as a batch of the history DIR (the emulator's layout), for report "
                   "mode over the last runs: metrics-build emulate --history DIR")
    p.add_argument("--history-build", default=None, metavar="VERSION",
                   help="with --history: the build version to record (e.g. `git describe`; default: one per run)")
    p.set_defaults(handler=handle)


def handle(ns: argparse.Namespace) -> int:
    """Run `local-batch` with the parsed options."""
    settings = Settings(
        tests_dir=ns.tests_dir, output_dir=ns.output_dir, config=ns.config, image=ns.image,
        max_workers=ns.max_workers or max(1, os.cpu_count() or 1), force=ns.force, timeout=ns.timeout,
        progress=sys.stderr.isatty(), scheduler=ns.scheduler, shard_size=ns.shard_size,
        batch_config=resolve_config(ns.config), history=ns.history, history_build=ns.history_build,
    )
    return local_batch(settings)


__all__ = ["add_parser", "handle"]
