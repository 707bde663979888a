"""Drive a headless Chromium over the DevTools protocol on a pipe: open a page, wait until it says it is
ready, collect console errors and requests, evaluate probes and take a screenshot.

Used by the browser tests and `scripts/screenshot.py`. No port is opened: Chromium reads commands from
file descriptor 3 and answers on 4 (`--remote-debugging-pipe`), and every non-loopback connection is
sent to a closed local port so a page (or Chromium itself) cannot reach the network.
"""

from __future__ import annotations

import base64
import fcntl
import itertools
import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from metrics_build.errors import InputError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell")
CHROMIUM_ENV = "METRICS_BUILD_CHROMIUM"
_FLAGS = (
    "--headless", "--disable-gpu", "--hide-scrollbars", "--mute-audio", "--no-first-run",
    "--no-default-browser-check", "--disable-extensions", "--disable-sync", "--disable-background-networking",
    "--disable-component-update", "--disable-default-apps", "--disable-breakpad", "--no-pings",
    "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--disable-dev-shm-usage",
    # Nothing leaves the machine: names do not resolve and every connection goes to a closed port.
    "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--remote-debugging-pipe",
)

_TRAMPOLINE = ("import os, sys; r, w = int(sys.argv[1]), int(sys.argv[2]); os.dup2(r, 3); os.dup2(w, 4); "
               "os.close(r); os.close(w); os.execv(sys.argv[3], sys.argv[3:])")


def find_chromium() -> Path | None:
    """`$METRICS_BUILD_CHROMIUM`, else the first Chromium or Chrome on PATH, else None."""
    explicit = os.environ.get(CHROMIUM_ENV)
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


@dataclass
class PageReport:
    """What one page load showed: problems reported by the page, what it requested, and probe results."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    ready: bool = False


class _Pipe:
    """The DevTools messages on a pair of pipes: JSON documents separated by NUL bytes."""

    def __init__(self, to_browser: int, from_browser: int) -> None:
        self._out, self._in = to_browser, from_browser
        self._buffer = b""
        self._selector = selectors.DefaultSelector()
        self._selector.register(from_browser, selectors.EVENT_READ)

    def send(self, message: Mapping[str, Any]) -> None:
        os.write(self._out, json.dumps(message).encode() + b"\0")

    def receive(self, deadline: float) -> dict[str, Any] | None:
        """The next message, or None when the deadline passes first."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(left):
                return None
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise InputError("chromium closed the DevTools pipe (it exited)")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def close(self) -> None:
        self._selector.close()
        for fd in (self._out, self._in):
            os.close(fd)


class Browser:
    """One headless Chromium process; `load` opens pages in it one at a time.

    Args:
        executable: the Chromium binary (`find_chromium()`).
        width, height: the viewport in CSS pixels.
        timeout: seconds allowed for each command and for a page to become ready.
    """

    def __init__(self, executable: Path, *, width: int = 1280, height: int = 900, timeout: float = 60.0) -> None:
        self.executable, self.width, self.height, self.timeout = executable, width, height, timeout
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []
        self._process: subprocess.Popen[bytes] | None = None
        self._pipe: _Pipe | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Browser:
        self._profile = tempfile.TemporaryDirectory(prefix="metrics-build-chromium-")
        # Chromium expects the pipe at fds 3 (its input) and 4 (its output). subprocess cannot renumber
        # descriptors, a preexec_fn is unsafe with threads, and dash reads no fd above 9, so a tiny Python
        # trampoline moves them (from 10 up, where neither can clobber the other) and execs Chromium.
        cmd_read, cmd_write = os.pipe()
        out_read, out_write = os.pipe()
        # Numbers from 10 up, so the shell's redirections cannot clobber one another at 3 and 4.
        for low in (cmd_read, out_write):
            high = fcntl.fcntl(low, fcntl.F_DUPFD_CLOEXEC, 10)
            os.close(low)
            if low == cmd_read:
                cmd_read = high
            else:
                out_write = high
        flags = [*_FLAGS, f"--user-data-dir={self._profile.name}", f"--window-size={self.width},{self.height}"]
        if os.geteuid() == 0:
            flags.append("--no-sandbox")  # Chromium refuses to run its sandbox as root
        self._process = subprocess.Popen(
            [sys.executable, "-c", _TRAMPOLINE, str(cmd_read), str(out_write), str(self.executable), *flags,
             "about:blank"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(cmd_read, out_write),
        )
        os.close(cmd_read)
        os.close(out_write)
        self._pipe = _Pipe(cmd_write, out_read)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Ask Chromium to quit, then make sure it has."""
        if self._process is not None:
            try:
                if self._pipe is not None and self._process.poll() is None:
                    self._pipe.send({"id": next(self._ids), "method": "Browser.close"})
                self._process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
        if self._profile is not None:
            self._profile.cleanup()
            self._profile = None

    def _call(self, method: str, params: Mapping[str, Any] | None = None, session: str | None = None) -> Any:
        if self._pipe is None:
            raise InputError("the browser is not running (use it as a context manager)")
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": dict(params or {})}
        if session is not None:
            message["sessionId"] = session
        self._pipe.send(message)
        deadline = time.monotonic() + self.timeout
        while (reply := self._pipe.receive(deadline)) is not None:
            if reply.get("id") != message_id:
                self._events.append(reply)
                continue
            if "error" in reply:
                raise InputError(f"chromium: {method} failed: {reply['error'].get('message')}")
            return reply.get("result", {})
        raise InputError(f"chromium: no answer to {method} within {self.timeout:g} s")

    def _drain(self, seconds: float) -> None:
        """Collect the events that arrive within `seconds` (console messages come asynchronously)."""
        if self._pipe is None:
            return
        deadline = time.monotonic() + seconds
        while (event := self._pipe.receive(deadline)) is not None:
            self._events.append(event)

    def _evaluate(self, expression: str, session: str) -> Any:
        result = self._call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                 "awaitPromise": True}, session)
        if "exceptionDetails" in result:
            raise InputError(f"chromium: probe {expression!r} threw: {result['exceptionDetails'].get('text')}")
        return result.get("result", {}).get("value")

    def load(self, page: Path | str, *, ready: str = "document.readyState === 'complete'",
             probes: Mapping[str, str] | None = None, screenshot: Path | None = None,
             full_page: bool = True) -> PageReport:
        """Open `page` (a file path or URL) in a fresh tab, wait for `ready` to be true, then probe.

        Args:
            page: a file (opened as a file: URL) or a URL.
            ready: a JavaScript expression polled until true (or the timeout passes).
            probes: name -> JavaScript expression; each result lands in `values` under its name.
            screenshot: where to write a PNG of the page, if anywhere.
            full_page: the whole page in the screenshot, not just the viewport.

        Returns:
            The page's console errors, uncaught exceptions, failed loads, requests and probe values.
        """
        url = page.resolve().as_uri() if isinstance(page, Path) else page
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self._events.clear()
        report = PageReport()
        try:
            for domain in ("Runtime", "Log", "Page", "Network"):
                self._call(f"{domain}.enable", session=session)
            self._call("Emulation.setDeviceMetricsOverride", {"width": self.width, "height": self.height,
                                                              "deviceScaleFactor": 1, "mobile": False}, session)
            self._call("Page.navigate", {"url": url}, session)
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                if self._evaluate(f"Boolean({ready})", session):
                    report.ready = True
                    break
                self._drain(0.1)
            self._drain(0.3)
            for name, expression in (probes or {}).items():
                report.values[name] = self._evaluate(expression, session)
            if screenshot is not None:
                self._screenshot(session, screenshot, full_page)
        finally:
            self._call("Target.closeTarget", {"targetId": target})
        _collect(self._events, session, report)
        return report

    def _screenshot(self, session: str, path: Path, full_page: bool) -> None:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self._call("Page.getLayoutMetrics", session=session)["cssContentSize"]
            params |= {"captureBeyondViewport": True,
                       "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}}
        data = self._call("Page.captureScreenshot", params, session)["data"]
        path.write_bytes(base64.b64decode(data))


def _collect(events: list[dict[str, Any]], session: str, report: PageReport) -> None:
    for event in events:
        if event.get("sessionId") != session:
            continue
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            report.errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            description = details.get("exception", {}).get("description") or details.get("text")
            report.errors.append(f"uncaught: {description}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            report.errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}".rstrip())
        elif method == "Network.requestWillBeSent":
            report.requests.append(params.get("request", {}).get("url", ""))
        elif method == "Network.loadingFailed":
            report.errors.append(f"load failed: {params.get('errorText')} {params.get('blockedReason', '')}".rstrip())
