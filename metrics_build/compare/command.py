"""A comparison run: typed settings → both sides → statistics → table, file and exit code (1 on a
significant regression with `fail_on_regression`)."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from metrics_build.compare.records import Side
from metrics_build.config import CompareSection
from metrics_build.errors import EXIT_OK, EXIT_TESTS_FAILED

log = logging.getLogger(__name__)
OUTPUT_FILE = "metrics.binproto"


@dataclass(frozen=True)
class CompareSettings:
    """Everything one comparison needs, typed.

    Attributes:
        baseline / candidate: The two sides (`compare.sides.directory_side`, or a batch fetched through
            the API).
        config: The `[compare]` section (defaults when no config file).
        out: Directory for `metrics.binproto`, or None to print only.
        fail_on_regression: Exit 1 when anything regressed significantly.
    """

    baseline: Side
    candidate: Side
    config: CompareSection
    out: Path | None = None
    fail_on_regression: bool = False


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
    from metrics_build.compare.table import terminal_table

    result = compare(settings.baseline, settings.candidate, settings.config)
    sys.stdout.write(terminal_table(result))
    if settings.out is not None:
        path = settings.out / OUTPUT_FILE
        size = write_comparison(result, path)
        log.info("wrote %s (%d bytes, %d metrics compared)", path, size, len(result.metrics))
    if settings.fail_on_regression and result.regressions:
        return EXIT_TESTS_FAILED
    return EXIT_OK
