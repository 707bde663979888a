"""`metrics-build inspect [--data] FILE`: readable tables of any JobMetrics file (ours or ReSim's)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from metrics_build.errors import EXIT_OK
from metrics_build.inspect import render
from metrics_build.reader import read_job_metrics


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], **common: Any) -> None:
    """The `inspect` subcommand."""
    p = sub.add_parser("inspect", help="print a readable table of a JobMetrics file (ours or ReSim's)",
                       **common)
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--data", action="store_true", help="also list every metrics data")
    p.set_defaults(handler=lambda ns: inspect_file(ns.file, show_data=ns.data))


def inspect_file(path: Path, *, show_data: bool) -> int:
    """Print the tables of `metrics_build.inspect.render` for one file.

    Raises:
        InputError: the file is missing, unreadable or not a JobMetrics message (exit 2).
    """
    sys.stdout.write(render(read_job_metrics(path), show_data=show_data))
    return EXIT_OK


__all__ = ["add_parser", "inspect_file"]
