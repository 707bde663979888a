"""The `validate` and `inspect` commands: read files, print results, return the exit code."""

from __future__ import annotations

import sys
from pathlib import Path

from metrics_build.errors import EXIT_BAD_INPUT, EXIT_INVALID_METRICS, EXIT_OK, InputError
from metrics_build.inspect import render
from metrics_build.reader import read_job_metrics
from metrics_build.validate import validate_job_metrics


def validate_files(paths: list[Path]) -> int:
    """Validate each file; print `FILE: ok`, or every violation as `FILE: <violation>` and a count.

    Every file is checked even after a failure. Unreadable files are reported on stderr.

    Returns:
        0 when every file is valid, 2 when any file cannot be read, else 4.
    """
    unreadable = invalid = False
    for path in paths:
        try:
            msg = read_job_metrics(path)
        except InputError as exc:
            print(f"metrics-build: error: {exc}", file=sys.stderr)
            unreadable = True
            continue
        violations = validate_job_metrics(msg)
        if not violations:
            print(f"{path}: ok")
            continue
        invalid = True
        for violation in violations:
            print(f"{path}: {violation}")
        extra = sum(v.is_extra for v in violations)
        note = ""
        if extra == len(violations):
            note = " (all are our extra rules: the platform's own validator would accept this file)"
        elif extra:
            note = f" ({extra} of them our extra rules)"
        print(f"{path}: invalid, {len(violations)} problem{'s' if len(violations) > 1 else ''}{note}")
    if unreadable:
        return EXIT_BAD_INPUT
    return EXIT_INVALID_METRICS if invalid else EXIT_OK


def inspect_file(path: Path, *, show_data: bool) -> int:
    """Print the tables of `metrics_build.inspect.render` for one file.

    Raises:
        InputError: the file is missing, unreadable or not a JobMetrics message (exit 2).
    """
    sys.stdout.write(render(read_job_metrics(path), show_data=show_data))
    return EXIT_OK
