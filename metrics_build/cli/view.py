"""`metrics-build view FILE... [-o report.html] [--title T]`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from metrics_build.view.command import DEFAULT_OUTPUT, run


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], **common: Any) -> None:
    """The `view` subcommand."""
    parser = sub.add_parser("view", help="render JobMetrics files as one self-contained HTML page", **common)
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE",
                        help="JobMetrics files (metrics.binproto of a test, a batch or a report; ours or ReSim's)")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT,
                        help=f"the HTML file to write (default {DEFAULT_OUTPUT}); several FILEs give one page "
                        "with a section per file")
    parser.add_argument("--title", default=None, help="the page title (default: from the file names)")
    parser.set_defaults(handler=lambda ns: run(ns.files, ns.output, ns.title))


__all__ = ["add_parser"]
