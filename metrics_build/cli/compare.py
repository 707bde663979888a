"""`metrics-build compare BASELINE CANDIDATE`: arguments → `CompareSettings` → `compare.command.run`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from metrics_build.cli.paths import resolve_config
from metrics_build.compare.command import OUTPUT_FILE, CompareSettings, run
from metrics_build.config import CompareSection, load_config


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], **common: Any) -> None:
    """The `compare` subcommand."""
    parser = sub.add_parser("compare", help="compare a candidate batch of test outputs against a baseline, with "
                            "paired statistics", **common)
    parser.add_argument("baseline", type=Path, metavar="BASELINE",
                        help="the baseline: a local-batch output directory or a directory of <test>/metrics.binproto")
    parser.add_argument("candidate", type=Path, metavar="CANDIDATE", help="the candidate, laid out the same way")
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


def handle(ns: argparse.Namespace) -> int:
    """Run `compare` with the parsed options."""
    settings = CompareSettings(baseline=ns.baseline, candidate=ns.candidate,
                               config=load_section(resolve_config(ns.config)), out=ns.out,
                               fail_on_regression=ns.fail_on_regression)
    return run(settings)


__all__ = ["add_parser", "handle", "load_section"]
