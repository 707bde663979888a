"""The command line: one module per command (arguments → typed settings → library call), logging
set-up, signals, and errors → exit codes. The only package that knows the platform's paths."""

from metrics_build.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
