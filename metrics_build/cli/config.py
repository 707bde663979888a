"""`metrics-build config --show-default | --check FILE`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from metrics_build.config import check_config_file, default_config_text
from metrics_build.errors import one_line


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], **common: Any) -> None:
    """The `config` subcommand."""
    p = sub.add_parser("config", help="print the built-in default config, or check a config file",
                       **common)
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--show-default", action="store_true", help="print the built-in default config (TOML)")
    group.add_argument("--check", type=Path, metavar="FILE", help="validate a config file without running")
    p.set_defaults(handler=lambda ns: show_default() if ns.show_default else check(ns.check))


def show_default() -> int:
    """Print the built-in default config."""
    sys.stdout.write(default_config_text())
    return 0


def check(path: Path) -> int:
    """Validate `path`; print `FILE: ok`.

    Raises:
        ConfigError: the file is missing or invalid (exit 2).
    """
    check_config_file(path)
    print(f"{one_line(str(path))}: ok")
    return 0


__all__ = ["add_parser", "check", "show_default"]
