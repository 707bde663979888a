"""`metrics-build compare BASELINE CANDIDATE`: arguments → typed settings → comparison → table, file
and exit code (1 on a significant regression with --fail-on-regression)."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from metrics_build.compare.settings import CompareSection
from metrics_build.errors import EXIT_OK, EXIT_TESTS_FAILED

log = logging.getLogger(__name__)
OUTPUT_FILE = "metrics.binproto"


@dataclass(frozen=True)
class CompareSettings:
    """Everything one comparison needs, typed.

    Attributes:
        baseline / candidate: Directories of test outputs.
        config: The `[compare]` section (defaults when no config file).
        out: Directory for `metrics.binproto`, or None to print only.
        fail_on_regression: Exit 1 when anything regressed significantly.
    """

    baseline: Path
    candidate: Path
    config: CompareSection
    out: Path | None = None
    fail_on_regression: bool = False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `compare` command's arguments (the config file is resolved by the caller)."""
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


def load_section(config: Path | None) -> CompareSection:
    """The `[compare]` section of `config` (the whole file is validated), or the defaults.

    Raises:
        ConfigError: the file is missing or invalid.
    """
    if config is None:
        return CompareSection()
    from metrics_build.config import load_config

    return load_config(config).compare


def settings_from_args(ns: argparse.Namespace, config: Path | None) -> CompareSettings:
    """Typed settings from parsed arguments and the resolved config path."""
    return CompareSettings(baseline=ns.baseline, candidate=ns.candidate, config=load_section(config),
                           out=ns.out, fail_on_regression=ns.fail_on_regression)


def run(settings: CompareSettings) -> int:
    """Compare, print the table on stdout, write the file if asked.

    Returns:
        1 when `fail_on_regression` and anything regressed significantly, else 0.

    Raises:
        InputError: a side is missing, empty or malformed.
        InvalidMetricsError: the output would be rejected (a bug).
    """
    from metrics_build.compare.analysis import compare
    from metrics_build.compare.output import write_comparison
    from metrics_build.compare.sides import directory_side
    from metrics_build.compare.table import terminal_table

    baseline = directory_side(settings.baseline, "baseline")
    candidate = directory_side(settings.candidate, "candidate")
    result = compare(baseline, candidate, settings.config)
    sys.stdout.write(terminal_table(result))
    if settings.out is not None:
        path = settings.out / OUTPUT_FILE
        size = write_comparison(result, path)
        log.info("wrote %s (%d bytes, %d metrics compared)", path, size, len(result.metrics))
    if settings.fail_on_regression and result.regressions:
        return EXIT_TESTS_FAILED
    return EXIT_OK
