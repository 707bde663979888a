"""One error tree for the whole package; the CLI maps each branch to a documented exit code.

    MetricsBuildError                 any failure the user can act on (never shown with a traceback)
    ├── InputError          exit 2    missing or unreadable inputs, bad config, bad arguments
    │   └── ConfigError               a config file that fails validation (names the field path)
    ├── UpstreamError       exit 3    the platform API or object store failed after retries
    ├── InvalidMetricsError exit 4    the metrics would not pass the platform's validator
    └── (anything else)     exit 5    an internal error: a bug, reported with a traceback at -v

Messages never contain secrets: callers pass redacted values only.
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_TESTS_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_UPSTREAM = 3
EXIT_INVALID_METRICS = 4
EXIT_INTERNAL = 5
EXIT_INTERRUPTED = 130


class MetricsBuildError(Exception):
    """Root of every error the user can act on; `exit_code` says how the process ends."""

    exit_code = EXIT_INTERNAL


class InputError(MetricsBuildError):
    """Inputs are missing or unreadable, or an argument is wrong."""

    exit_code = EXIT_BAD_INPUT


class ConfigError(InputError):
    """A config file is malformed; the message names the file and the field path."""


class UpstreamError(MetricsBuildError):
    """The platform API or its object store failed, even after retries."""

    exit_code = EXIT_UPSTREAM


class InvalidMetricsError(MetricsBuildError):
    """Metrics that the platform would reject; carries every violation found, not just the first."""

    exit_code = EXIT_INVALID_METRICS

    def __init__(self, violations: Sequence[object], what: str = "metrics") -> None:
        self.violations = list(violations)
        lines = "\n".join(f"  - {v}" for v in self.violations)
        super().__init__(f"{what} would be rejected by the platform ({len(self.violations)} problems):\n{lines}")
