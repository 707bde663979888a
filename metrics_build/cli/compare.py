"""`metrics-build compare BASELINE CANDIDATE`: arguments → `CompareSettings` → `compare.command.run`."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from metrics_build.batch.baseline import fetch_side
from metrics_build.batch.cache import FetchCache
from metrics_build.batch.fetch import resolve_project
from metrics_build.cli.paths import resolve_config
from metrics_build.compare.command import OUTPUT_FILE, CompareSettings, run
from metrics_build.compare.records import Side
from metrics_build.compare.sides import directory_side
from metrics_build.compare.stats import require_scipy
from metrics_build.config import CompareSection, load_config
from metrics_build.http import ApiClient, ClientOptions, load_batch_settings


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], **common: Any) -> None:
    """The `compare` subcommand."""
    parser = sub.add_parser("compare", help="compare a candidate batch of test outputs against a baseline, with "
                            "paired statistics", **common)
    parser.add_argument("baseline", type=Path, metavar="BASELINE",
                        help="the baseline: a local-batch output directory, a directory of <test>/metrics.binproto, "
                        "or a batch config JSON (batch_metrics_config.json: the batch is fetched through the API)")
    parser.add_argument("candidate", type=Path, metavar="CANDIDATE", help="the candidate, given the same ways")
    parser.add_argument("--config", type=Path, default=None,
                        help="config (TOML) whose [compare] section sets alpha, minimum effect, denominator "
                             "policy and per-metric direction and severity")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help=f"write the comparison as DIR/{OUTPUT_FILE} (a JobMetrics the platform accepts)")
    parser.add_argument("--fail-on-regression", action="store_true",
                        help="exit 1 when any metric, or the tests' pass rate, regressed significantly")
    parser.set_defaults(handler=handle)


def load_section(config: Path | None) -> CompareSection:
    """The `[compare]` section of `config` (the whole file is validated), or the defaults.

    Raises:
        ConfigError: the file is missing or invalid.
    """
    return CompareSection() if config is None else load_config(config).compare


def side(path: Path, label: str, cache: FetchCache) -> Side:
    """A directory side, or (for a JSON file) every test of the batch it names, fetched through the API."""
    if not path.is_file():
        return directory_side(path, label)
    batch = load_batch_settings(path)
    with ApiClient(batch, ClientOptions.from_env(os.environ)) as client:
        project = str(batch.project_id) if batch.project_id else resolve_project(client, str(batch.batch_id))
        tests = fetch_side(client, cache, project_id=project, batch_id=str(batch.batch_id), allow_partial=False)
    return Side(label, tests, source=f"batch {batch.batch_id}")


def handle(ns: argparse.Namespace) -> int:
    """Run `compare` with the parsed options."""
    section = load_section(resolve_config(ns.config))
    require_scipy()
    with tempfile.TemporaryDirectory(prefix="metrics-build-compare-") as tmp:
        cache = FetchCache(Path(tmp), "compare", temporary=False)
        settings = CompareSettings(baseline=side(ns.baseline, "baseline", cache),
                                   candidate=side(ns.candidate, "candidate", cache), config=section, out=ns.out,
                                   fail_on_regression=ns.fail_on_regression)
        return run(settings)


__all__ = ["add_parser", "handle", "load_section"]
