"""`metrics-build run`: pick the mode by the files in the inputs directory, then run it.

Batch mode when `INPUTS/batch_metrics_config.json` exists, report mode when `INPUTS/report_config.json`
exists (both: an error), else test mode.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from metrics_build.cli.args import positive_int, uuid_arg
from metrics_build.cli.paths import BAKED_CONFIG, CONFIG_ENV, PLATFORM_INPUTS, PLATFORM_OUTPUTS, resolve_config
from metrics_build.platform import BATCH_CONFIG_FILE, REPORT_CONFIG_FILE, Mode, mode_of

log = logging.getLogger("metrics_build")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], **common: Any) -> None:
    """The `run` subcommand (also what a bare `metrics-build` runs)."""
    p = sub.add_parser("run", help=f"compute metrics: batch mode if INPUTS/{BATCH_CONFIG_FILE} exists, report "
                       f"mode if INPUTS/{REPORT_CONFIG_FILE} exists, else test mode", **common)
    p.add_argument("--inputs", type=Path, default=PLATFORM_INPUTS,
                   help=f"inputs directory (default {PLATFORM_INPUTS})")
    p.add_argument("--outputs", type=Path, default=PLATFORM_OUTPUTS,
                   help=f"outputs directory for metrics.binproto (default {PLATFORM_OUTPUTS})")
    p.add_argument("--config", type=Path, default=None,
                   help=f"metrics config (TOML); else ${CONFIG_ENV}, else {BAKED_CONFIG}, else the built-in default")
    p.add_argument("--job-id", type=uuid_arg, default=None,
                   help="job id written into the output (default: derived from the mode, deterministic)")
    p.add_argument("--allow-partial", action="store_true",
                   help="batch and report mode: skip objects that still fail after retries and report them, "
                   "instead of failing")
    p.add_argument("--max-workers", type=positive_int, default=None,
                   help="batch and report mode: concurrent requests (default 64, or max_workers of [batch] / "
                   "[report]; report mode also caps API calls at 16)")
    p.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                   help="batch mode: keep the fetch cache in DIR (a rerun downloads nothing it already has; "
                   "never inside --outputs); default: a temporary directory, removed at the end")
    p.set_defaults(handler=handle)


def handle(ns: argparse.Namespace) -> int:
    """Run the mode the inputs call for."""
    inputs: Path = ns.inputs
    outputs: Path = ns.outputs
    config = resolve_config(ns.config)
    mode = mode_of(inputs)
    if mode is Mode.BATCH:
        from metrics_build.batch.run import run_batch_mode

        log.info("batch mode: %s found", inputs / BATCH_CONFIG_FILE)
        return run_batch_mode(inputs=inputs, outputs=outputs, config_path=config, allow_partial=ns.allow_partial,
                              max_workers=ns.max_workers, cache_dir=ns.cache_dir)
    if mode is Mode.REPORT:
        from metrics_build.report import run_report_mode

        log.info("report mode: %s found", inputs / REPORT_CONFIG_FILE)
        if ns.cache_dir is not None:
            log.warning("--cache-dir is for batch mode; report mode downloads no objects and ignores it")
        return run_report_mode(inputs=inputs, outputs=outputs, config_path=config, allow_partial=ns.allow_partial,
                               max_workers=ns.max_workers, job_id=ns.job_id)
    from metrics_build.test_mode.run import run_test_mode

    log.info("test mode: neither %s nor %s in %s", BATCH_CONFIG_FILE, REPORT_CONFIG_FILE, inputs)
    return run_test_mode(inputs=inputs, outputs=outputs, config_path=config, job_id=ns.job_id)


__all__ = ["add_parser", "handle"]
