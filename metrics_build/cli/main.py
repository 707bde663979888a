"""The `metrics-build` command: the parser of every subcommand, logging, signals and exit codes.

Each subcommand lives in its own module (`add_parser` + a handler that builds typed settings and calls
the library). Errors of `metrics_build.errors` become one line on stderr and their documented code.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from metrics_build import __version__
from metrics_build.cli import compare, config, emulate, inspect, local_batch, run, validate, view
from metrics_build.cli.logs import configure_logging
from metrics_build.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    InvalidMetricsError,
    MetricsBuildError,
    one_line,
)

EXIT_CODES_HELP = """exit codes:
  0  success
  1  local-batch: a test failed (everything else was still written); if only its batch step
     failed, that step's code; compare --fail-on-regression: a significant regression
  2  bad input or config (missing inputs, malformed config, bad arguments)
  3  upstream failure (platform API or object store, after retries)
  4  invalid metrics (the output would be rejected by the platform; every problem is listed)
  5  internal error (a bug: rerun with -v for the traceback)
  6  the output cannot be written (disk full, read-only, the path is a directory)
  130 / 143  interrupted (Ctrl-C / SIGTERM); no partial output is left behind
"""

COMMANDS = (run, validate, inspect, view, config, emulate, local_batch, compare)

log = logging.getLogger("metrics_build")


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C, so temporary files are removed on the way out."""


def _verbosity_parent() -> argparse.ArgumentParser:
    # SUPPRESS keeps a subcommand's unset flags from overwriting the top-level ones.
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                        help="more logging on stderr (-v debug)")
    parent.add_argument("-q", "--quiet", action="count", default=argparse.SUPPRESS,
                        help="less logging on stderr (-q warnings only, -qq errors only)")
    return parent


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, every subcommand with its own --help."""
    verbosity = _verbosity_parent()
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="metrics-build",
        description="Turn what a simulation test wrote into ReSim metrics (test mode), aggregate a whole batch "
        "(batch mode), or summarise a test suite's history (report mode). With no command, runs `run` on the "
        "platform paths.",
        epilog=EXIT_CODES_HELP, formatter_class=fmt, parents=[verbosity],
    )
    parser.add_argument("--version", action="version", version=f"metrics-build {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub, parents=[verbosity], formatter_class=fmt, epilog=EXIT_CODES_HELP)
    return parser


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    def terminate(signum: int, frame: FrameType | None) -> None:
        raise Terminated

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # Bare `metrics-build` (optionally with -v/-q) is `run` on the platform paths.
    if all(a.startswith(("-v", "-q", "--verbose", "--quiet")) for a in args):
        args.append("run")
    ns = parser.parse_args(args)
    verbose = getattr(ns, "verbose", 0) or 0
    configure_logging(verbose, getattr(ns, "quiet", 0) or 0)
    handler: Callable[[argparse.Namespace], int] = ns.handler
    try:
        with _sigterm_unwinds():
            return handler(ns)
    except MetricsBuildError as exc:
        text = str(exc) if isinstance(exc, InvalidMetricsError) else one_line(str(exc))  # its lines are escaped
        print(f"metrics-build: error: {text}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("metrics-build: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("metrics-build: terminated (SIGTERM)", file=sys.stderr)
        return EXIT_TERMINATED
    except Exception as exc:
        if verbose:
            log.exception("internal error")
        print(f"metrics-build: internal error: {type(exc).__name__}: {one_line(str(exc))} "
              "(rerun with -v for details)", file=sys.stderr)
        return EXIT_INTERNAL


__all__ = ["EXIT_CODES_HELP", "Terminated", "build_parser", "main"]
