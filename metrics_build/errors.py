"""One error tree for the whole package; the command line maps each branch to a documented exit code.

    MetricsBuildError                   any failure the user can act on (never shown with a traceback)
    ├── InputError            exit 2    missing or unreadable inputs, bad arguments
    │   ├── ConfigError                 a config file that fails validation (names the field path)
    │   └── UserCodeError               a user's `module:function` entry cannot be loaded or used
    ├── UpstreamError         exit 3    the platform API or object store failed after retries
    │   ├── AuthenticationError         the API refused the token (fatal even with partial results)
    │   └── NotFoundError               the API answered 404 (a wrong id, or a probe that missed)
    ├── InvalidMetricsError   exit 4    the metrics would not pass the platform's validator
    ├── OutputError           exit 6    the output cannot be written (disk full, read-only, not a directory)
    └── (anything else)       exit 5    an internal error: a bug, reported with a traceback at -v

    Interrupted: exit 130 (SIGINT) or 143 (SIGTERM); no partial output is left behind.

Messages never contain secrets: callers pass redacted values only, and chain the cause
(`raise X(...) from exc`) only where the cause's text cannot carry one (a URL's signature, a token).
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_TESTS_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_UPSTREAM = 3
EXIT_INVALID_METRICS = 4
EXIT_INTERNAL = 5
EXIT_OUTPUT = 6
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


_CONTROL_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)} | {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


def one_line(text: str) -> str:
    """`text` with control characters escaped (a newline becomes `\\n`), so a name taken from a file
    or a server cannot forge a line of a log or an error message."""
    return text.translate(_CONTROL_ESCAPES)


class MetricsBuildError(Exception):
    """Root of every error the user can act on; `exit_code` says how the process ends."""

    exit_code = EXIT_INTERNAL


class InputError(MetricsBuildError):
    """Inputs are missing or unreadable, or an argument is wrong."""

    exit_code = EXIT_BAD_INPUT


class ConfigError(InputError):
    """A config file is malformed; the message names the file and the field path."""


class UserCodeError(InputError):
    """A user's Python entry (`module:function`) cannot be loaded, is not callable, or returned
    something that is not metrics; inside a run it becomes a failure metric rather than an exit."""


class UpstreamError(MetricsBuildError):
    """The platform API or its object store failed, even after retries."""

    exit_code = EXIT_UPSTREAM


class AuthenticationError(UpstreamError):
    """The API refused the token (401/403): fatal even when partial results are allowed."""


class NotFoundError(UpstreamError):
    """The API answered 404 for a path (a wrong projectID/batchID, or a probe that missed)."""


class InvalidMetricsError(MetricsBuildError):
    """Metrics that the platform would reject; carries every violation found, not just the first."""

    exit_code = EXIT_INVALID_METRICS

    def __init__(self, violations: Sequence[object], what: str = "metrics") -> None:
        self.violations = list(violations)
        lines = "\n".join(f"  - {one_line(str(v))}" for v in self.violations)
        super().__init__(f"{what} would be rejected by the platform ({len(self.violations)} problems):\n{lines}")


class OutputError(MetricsBuildError):
    """The output cannot be written: the disk is full, the directory is read-only, or the path is a
    directory. Not the user's input's fault, and nothing partial is left behind."""

    exit_code = EXIT_OUTPUT


__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID_METRICS",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "EXIT_TERMINATED",
    "EXIT_TESTS_FAILED",
    "EXIT_UPSTREAM",
    "AuthenticationError",
    "ConfigError",
    "InputError",
    "InvalidMetricsError",
    "MetricsBuildError",
    "NotFoundError",
    "OutputError",
    "UpstreamError",
    "UserCodeError",
    "one_line",
]
