"""The `metrics-build` command: argument parsing, logging, mode choice and exit codes.

This is the only module that knows the platform's default paths. Every command returns an exit
code; errors from `metrics_build.errors` become one line on stderr and their documented code.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from metrics_build import __version__
from metrics_build.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    InputError,
    MetricsBuildError,
)

PLATFORM_INPUTS = Path("/tmp/resim/inputs")
PLATFORM_OUTPUTS = Path("/tmp/resim/outputs")
BATCH_CONFIG_NAME = "batch_metrics_config.json"
CONFIG_ENV = "METRICS_BUILD_CONFIG"
BAKED_CONFIG = Path("/etc/metrics-build/metrics.toml")

EXIT_CODES_HELP = """exit codes:
  0  success
  1  local-batch: a test failed (everything else was still written); if only its batch step
     failed, that step's code
  2  bad input or config (missing inputs, malformed config, bad arguments)
  3  upstream failure (platform API or object store, after retries)
  4  invalid metrics (the output would be rejected by the platform; every problem is listed)
  5  internal error (a bug: rerun with -v for the traceback)
"""

log = logging.getLogger("metrics_build")


def resolve_config(explicit: Path | None) -> Path | None:
    """--config, else $METRICS_BUILD_CONFIG, else the baked-in file if present, else None (the default)."""
    if explicit is not None:
        return explicit
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    if BAKED_CONFIG.is_file():
        return BAKED_CONFIG
    return None


def _cmd_run(ns: argparse.Namespace) -> int:
    inputs: Path = ns.inputs
    outputs: Path = ns.outputs
    config = resolve_config(ns.config)
    if (inputs / BATCH_CONFIG_NAME).is_file():
        from metrics_build.batch.run import run_batch_mode

        log.info("batch mode: %s found", inputs / BATCH_CONFIG_NAME)
        return run_batch_mode(
            inputs=inputs,
            outputs=outputs,
            config_path=config,
            allow_partial=ns.allow_partial,
            max_workers=ns.max_workers,
        )
    from metrics_build.test_mode.run import run_test_mode

    log.info("test mode: no %s in %s", BATCH_CONFIG_NAME, inputs)
    return run_test_mode(inputs=inputs, outputs=outputs, config_path=config, job_id=ns.job_id)


def _cmd_validate(ns: argparse.Namespace) -> int:
    from metrics_build.commands import validate_files

    return validate_files(ns.files)


def _cmd_inspect(ns: argparse.Namespace) -> int:
    from metrics_build.commands import inspect_file

    return inspect_file(ns.file, show_data=ns.data)


def _cmd_config(ns: argparse.Namespace) -> int:
    from metrics_build.config import check_config_file, default_config_text

    if ns.show_default:
        sys.stdout.write(default_config_text())
        return 0
    check_config_file(ns.check)
    print(f"{ns.check}: ok")
    return 0


def _cmd_emulate(ns: argparse.Namespace) -> int:
    from metrics_build.emulator_cli import run_emulator

    return run_emulator(ns)


def _cmd_local_batch(ns: argparse.Namespace) -> int:
    from metrics_build.local_batch import run_local_batch

    return run_local_batch(ns)


def _cmd_view(ns: argparse.Namespace) -> int:
    from metrics_build.view.command import run

    return run(ns.files, ns.output, ns.title)


def _uuid_arg(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a UUID: {text!r}") from None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def _verbosity_parent() -> argparse.ArgumentParser:
    # SUPPRESS keeps a subcommand's unset flags from overwriting the top-level ones.
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                        help="more logging on stderr (-v debug)")
    parent.add_argument("-q", "--quiet", action="count", default=argparse.SUPPRESS,
                        help="less logging on stderr (-q warnings only, -qq errors only)")
    return parent


def _add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inputs", type=Path, default=PLATFORM_INPUTS,
                   help=f"inputs directory (default {PLATFORM_INPUTS}); batch mode iff it holds {BATCH_CONFIG_NAME}")
    p.add_argument("--outputs", type=Path, default=PLATFORM_OUTPUTS,
                   help=f"outputs directory for metrics.binproto (default {PLATFORM_OUTPUTS})")
    p.add_argument("--config", type=Path, default=None,
                   help=f"metrics config (TOML); else ${CONFIG_ENV}, else {BAKED_CONFIG}, else the built-in default")
    p.add_argument("--job-id", type=_uuid_arg, default=None,
                   help="job id written into the output (default: derived from the mode, deterministic)")
    p.add_argument("--allow-partial", action="store_true",
                   help="batch mode: skip objects that still fail after retries and report them, instead of failing")
    p.add_argument("--max-workers", type=positive_int, default=None,
                   help="batch mode: concurrent downloads (default 64, or [batch] max_workers)")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, every subcommand with its own --help."""
    verbosity = _verbosity_parent()
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="metrics-build",
        description="Turn what a simulation test wrote into ReSim metrics (test mode), or aggregate a "
        "whole batch (batch mode). With no command, runs `run` on the platform paths.",
        epilog=EXIT_CODES_HELP, formatter_class=fmt, parents=[verbosity],
    )
    parser.add_argument("--version", action="version", version=f"metrics-build {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", parents=[verbosity], formatter_class=fmt, epilog=EXIT_CODES_HELP,
                       help="compute metrics: batch mode if INPUTS/batch_metrics_config.json exists, else test mode")
    _add_run_arguments(p)
    p.set_defaults(handler=_cmd_run)

    p = sub.add_parser("validate", parents=[verbosity], formatter_class=fmt, epilog=EXIT_CODES_HELP,
                       help="check metrics.binproto files against every platform rule, listing all problems")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser("inspect", parents=[verbosity], formatter_class=fmt, epilog=EXIT_CODES_HELP,
                       help="print a readable table of a JobMetrics file (ours or ReSim's)")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--data", action="store_true", help="also list every metrics data")
    p.set_defaults(handler=_cmd_inspect)

    p = sub.add_parser("view", parents=[verbosity], formatter_class=fmt, epilog=EXIT_CODES_HELP,
                       help="render JobMetrics files as one self-contained HTML page (charts, events, why it failed)")
    from metrics_build.view.command import add_arguments as add_view_arguments

    add_view_arguments(p)
    p.set_defaults(handler=_cmd_view)

    p = sub.add_parser("config", parents=[verbosity], formatter_class=fmt, epilog=EXIT_CODES_HELP,
                       help="print the built-in default config, or check a config file")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--show-default", action="store_true", help="print the built-in default config (TOML)")
    group.add_argument("--check", type=Path, metavar="FILE", help="validate a config file without running")
    p.set_defaults(handler=_cmd_config)

    p = sub.add_parser("emulate", parents=[verbosity], formatter_class=fmt, epilog=EXIT_CODES_HELP,
                       help="serve a directory of test outputs through a loopback copy of the platform API")
    from metrics_build.emulator_cli import add_emulator_arguments

    add_emulator_arguments(p)
    p.set_defaults(handler=_cmd_emulate)

    p = sub.add_parser("local-batch", parents=[verbosity], formatter_class=fmt, epilog=EXIT_CODES_HELP,
                       help="run test mode over many test directories, then batch mode, resumably")
    from metrics_build.local_batch_cli import add_local_batch_arguments

    add_local_batch_arguments(p)
    p.set_defaults(handler=_cmd_local_batch)
    return parser


def _configure_logging(verbose: int, quiet: int) -> None:
    level = logging.INFO
    if verbose:
        level = logging.DEBUG
    elif quiet == 1:
        level = logging.WARNING
    elif quiet >= 2:
        level = logging.ERROR
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("metrics-build: %(levelname)s: %(message)s"))
    root = logging.getLogger("metrics_build")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # Bare `metrics-build` (optionally with -v/-q) is `run` on the platform paths.
    if all(a.startswith(("-v", "-q", "--verbose", "--quiet")) for a in args):
        args.append("run")
    ns = parser.parse_args(args)
    verbose = getattr(ns, "verbose", 0) or 0
    _configure_logging(verbose, getattr(ns, "quiet", 0) or 0)
    handler: Callable[[argparse.Namespace], int] = ns.handler
    try:
        return handler(ns)
    except MetricsBuildError as exc:
        print(f"metrics-build: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("metrics-build: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if verbose:
            log.exception("internal error")
        print(f"metrics-build: internal error: {type(exc).__name__}: {exc} (rerun with -v for details)",
              file=sys.stderr)
        return EXIT_INTERNAL


__all__ = ["InputError", "build_parser", "main", "resolve_config"]
