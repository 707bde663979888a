"""`metrics-build emulate`: serve a directory of test outputs (one batch) or a test suite's history
through a loopback copy of the platform API."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from metrics_build.cli.args import non_negative, port, rate
from metrics_build.emulator import FAULT_KINDS, Emulator, Faults
from metrics_build.errors import InputError
from metrics_build.http import is_loopback_host
from metrics_build.platform import BATCH_CONFIG_FILE, REPORT_CONFIG_FILE


def _kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    unknown = sorted(set(kinds) - set(FAULT_KINDS))
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"choose from {','.join(FAULT_KINDS)}, not {text!r}")
    return kinds


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], **common: Any) -> None:
    """The `emulate` subcommand."""
    p = sub.add_parser("emulate", help="serve test outputs (one batch) or a history of batches through a loopback "
                       "copy of the platform API", **common)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--jobs-dir", type=Path,
                        help="one batch: DIR/<test>/metrics.binproto (and optional job.json)")
    source.add_argument("--history", type=Path, metavar="DIR",
                        help="a test suite's history: DIR/<batch>/batch.json and DIR/<batch>/jobs/<test>/ "
                             "(see docs/emulator.md); serves a report over it")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; only names and addresses that resolve to loopback)")
    p.add_argument("--port", type=port, default=0, help="API port (default: any free port)")
    p.add_argument("--store-port", type=port, default=0, help="object-store port (default: any free port)")
    p.add_argument("--inputs", type=Path, default=None,
                   help=f"where to write {BATCH_CONFIG_FILE} (default ./batch-inputs) or, with --history, "
                        f"{REPORT_CONFIG_FILE} (default ./report-inputs); use it as `run --inputs`")
    p.add_argument("--legacy-config", action="store_true",
                   help="write the older 3-field config (no projectID: batch mode looks the project up)")
    p.add_argument("--latency-ms", type=non_negative, default=0.0, help="added to every answer (default 0)")
    p.add_argument("--fault-rate", type=rate, default=0.0,
                   help="fraction of requests that fail; each URL fails at most twice (default 0)")
    p.add_argument("--fault-kinds", type=_kinds, default=FAULT_KINDS, metavar="K1,K2",
                   help=f"faults to inject (default {','.join(FAULT_KINDS)})")
    p.add_argument("--retry-after", type=int, default=1, help="seconds sent with an injected 429 (default 1)")
    p.add_argument("--page-size", type=int, default=100, help="largest page the API returns (default 100)")
    p.add_argument("--seed", type=int, default=0, help="which requests fail (default 0)")
    p.set_defaults(handler=run_emulator)


def run_emulator(ns: argparse.Namespace) -> int:
    """Serve until Ctrl-C (or SIGTERM); print the API URL and where the config was written."""
    if not is_loopback_host(ns.host):
        raise InputError(f"--host {ns.host}: the emulator only listens on loopback addresses")
    if not 1 <= ns.page_size <= 100:
        raise InputError(f"--page-size {ns.page_size}: must be within 1..100")
    faults = Faults(rate=ns.fault_rate, kinds=ns.fault_kinds, retry_after=max(0, ns.retry_after), seed=ns.seed,
                    latency=ns.latency_ms / 1000.0)
    inputs: Path = ns.inputs or Path("report-inputs" if ns.history else "batch-inputs")
    try:
        emu = Emulator(ns.jobs_dir, history=ns.history, host=ns.host, port=ns.port, store_port=ns.store_port,
                       faults=faults, max_page_size=ns.page_size, keep_log=False)
    except OSError as exc:
        raise InputError(f"cannot listen on {ns.host}: {exc.strerror or exc}") from None
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Both signals set the event (SIGINT explicitly: a background job may have inherited it ignored).
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    with emu:
        if ns.history:
            config = emu.write_report_config(inputs / REPORT_CONFIG_FILE)
            print(f"emulated API:  {emu.api_url}  ({len(emu.batch_ids)} batches, report {emu.report_id})")
            print(f"object store:  {emu.store_url}")
            print(f"report config: {config}")
            print(f"run report mode: metrics-build run --inputs {inputs} --outputs <dir>")
        else:
            config = emu.write_config(inputs / BATCH_CONFIG_FILE, with_project=not ns.legacy_config)
            print(f"emulated API:  {emu.api_url}  ({len(emu.job_ids)} tests of batch {emu.batch_id})")
            print(f"object store:  {emu.store_url}")
            print(f"batch config:  {config}")
            print(f"run batch mode: metrics-build run --inputs {inputs} --outputs <dir>")
        print("serving; press Ctrl-C to stop", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    print("emulator stopped", file=sys.stderr)
    return 0


__all__ = ["add_parser", "run_emulator"]
