"""`metrics-build validate FILE...`: every platform rule, every problem listed; our stricter rules as
warnings unless `--strict`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from metrics_build.errors import EXIT_BAD_INPUT, EXIT_INVALID_METRICS, EXIT_OK, InputError, one_line
from metrics_build.reader import read_job_metrics
from metrics_build.validate import validate_job_metrics


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], **common: Any) -> None:
    """The `validate` subcommand."""
    p = sub.add_parser("validate", help="check metrics.binproto files against every platform rule, listing all "
                       "problems", **common)
    p.description = ("Check each FILE against every rule of the platform's validator (exit 4 when the platform "
                     "would reject one). Our stricter rules (marked `extra:`) are listed as warnings and do not "
                     "fail the file, unless --strict.")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--strict", action="store_true",
                   help="also fail (exit 4) on our stricter rules, as our own writer does")
    p.set_defaults(handler=lambda ns: validate_files(ns.files, strict=ns.strict))


def validate_files(paths: list[Path], *, strict: bool = False) -> int:
    """Validate each file; print `FILE: ok`, or each problem as `FILE: <problem>` and a verdict line.

    Every file is checked even after a failure. Unreadable files are reported on stderr.

    Returns:
        2 when any file cannot be read, else 4 when any file breaks a platform rule (or, with `strict`,
        one of ours), else 0.
    """
    unreadable = invalid = False
    for path in paths:
        shown = one_line(str(path))
        try:
            msg = read_job_metrics(path)
        except InputError as exc:
            print(f"metrics-build: error: {one_line(str(exc))}", file=sys.stderr)
            unreadable = True
            continue
        problems = validate_job_metrics(msg)
        platform = [p for p in problems if not p.is_extra]
        extra = [p for p in problems if p.is_extra]
        for problem in platform:
            print(f"{shown}: {one_line(str(problem))}")
        for problem in extra:
            print(f"{shown}: {'' if strict else 'warning: '}{one_line(str(problem))}")
        print(f"{shown}: {_verdict(len(platform), len(extra), strict)}")
        invalid = invalid or bool(platform) or (strict and bool(extra))
    if unreadable:
        return EXIT_BAD_INPUT
    return EXIT_INVALID_METRICS if invalid else EXIT_OK


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _verdict(platform: int, extra: int, strict: bool) -> str:
    if not platform and not extra:
        return "ok"
    if platform:
        note = f" and {_plural(extra, 'finding')} of our stricter rules" if extra else ""
        return f"invalid: the platform would reject it ({_plural(platform, 'problem')}{note})"
    if strict:
        return (f"invalid under --strict: {_plural(extra, 'finding')} of our stricter rules "
                "(the platform's own validator would accept this file)")
    return (f"ok for the platform, with {_plural(extra, 'warning')} from our stricter rules "
            "(--strict fails on them)")


__all__ = ["add_parser", "validate_files"]
