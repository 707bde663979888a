"""What the benchmark scripts share: run a contender in its own subprocess and measure it (wall time,
peak RSS and CPU from `os.wait4` for that child alone, peak threads sampled from `/proc`), and start
and stop the emulator in its own process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    name: str
    seconds: float
    peak_rss_mb: float
    peak_threads: int
    cpu_seconds: float
    returncode: int
    stdout: str
    stderr: str
    server_cpu: float = 0.0
    capped: bool = False  # killed when its RSS passed the cap


def _status(pid: int) -> tuple[int, float]:
    """Threads and resident MB of process `pid` now (0, 0 once it is gone)."""
    threads, rss = 0, 0.0
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("Threads:"):
                    threads = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return threads, rss


def cpu_of(pid: int) -> float:
    """User + system CPU seconds used so far by process `pid` (all its threads)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(name: str, cmd: list[str], *, timeout: float, env: dict[str, str] | None = None,
            rss_cap_mb: float = 0.0, cwd: Path | None = None) -> Result:
    """Run `cmd`, returning wall time, this child's peak RSS and its sampled peak thread count; with
    `rss_cap_mb`, the child is killed as soon as its resident memory passes the cap."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        peak = [0]
        capped = [False]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                threads, rss = _status(proc.pid)
                peak[0] = max(peak[0], threads)
                if rss_cap_mb and rss > rss_cap_mb and not capped[0]:
                    capped[0] = True
                    proc.kill()
                time.sleep(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - started
        timer.cancel()
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Result(name, elapsed, usage.ru_maxrss / 1024.0, peak[0], usage.ru_utime + usage.ru_stime,
                      proc.returncode, out.read(), err.read(), capped=capped[0])


def start_emulator(source: list[str], config: Path, latency_ms: float) -> subprocess.Popen[bytes]:
    """`metrics-build emulate` serving `source` (e.g. `["--jobs-dir", DIR]`), in its own process; returns
    once it has written `config` (the platform config file it writes into its inputs directory)."""
    config.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "metrics_build", "emulate", *source, "--inputs",
                             str(config.parent), "--latency-ms", str(latency_ms)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 900
    while not config.is_file():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the emulator did not start")
        time.sleep(0.1)
    time.sleep(0.5)
    return proc


def stop(emulator: subprocess.Popen[bytes]) -> None:
    """Stop the emulator as Ctrl-C would, killing it when it does not end within a minute."""
    emulator.send_signal(signal.SIGINT)
    try:
        emulator.wait(timeout=60)
    except subprocess.TimeoutExpired:
        emulator.kill()


__all__ = ["Result", "cpu_of", "measure", "start_emulator", "stop"]
