"""Logging set-up for the command line: one line per record on stderr, control characters escaped,
urllib3's retry notices without presigned signatures."""

from __future__ import annotations

import logging
import sys

from metrics_build.errors import one_line
from metrics_build.http import install_log_filter


class OneLineFormatter(logging.Formatter):
    """Escapes control characters in every message, so a file, channel or metric name holding a
    newline cannot forge a log line (a traceback, at -v, keeps its lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return one_line(super().formatMessage(record))


def configure_logging(verbose: int, quiet: int) -> None:
    """INFO by default; -v DEBUG, -q WARNING, -qq ERROR; records of `metrics_build` only."""
    level = logging.INFO
    if verbose:
        level = logging.DEBUG
    elif quiet == 1:
        level = logging.WARNING
    elif quiet >= 2:
        level = logging.ERROR
    install_log_filter()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter("metrics-build: %(levelname)s: %(message)s"))
    root = logging.getLogger("metrics_build")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


__all__ = ["OneLineFormatter", "configure_logging"]
