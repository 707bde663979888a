"""An overall deadline for blocking HTTP calls: a socket still in use when its request's deadline passes
is shut down, so the blocked read returns at once.

Per-read timeouts cannot bound a request whose server sends a byte every few seconds (headers or
body); this can. Connections are urllib3's own, subclassed only to register their socket while a
request with a deadline runs on them.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


class _Watchdog:
    """One daemon thread holding (deadline, socket) entries; expired sockets are shut down.

    Cheap per request: the thread is woken only when a new entry becomes the earliest deadline (with
    one fixed deadline per request, almost never), and forgotten entries are dropped lazily, the heap
    being rebuilt once it holds twice as many entries as are live (so it stays bounded by the requests
    in flight, not by the requests made within one deadline).
    """

    def __init__(self) -> None:
        self._lock = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, socket.socket]] = []
        self._live: set[int] = set()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, sock: socket.socket, deadline: float) -> int:
        with self._lock:
            key = next(self._ids)
            heapq.heappush(self._heap, (deadline, key, sock))
            self._live.add(key)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="metrics-build-deadline", daemon=True)
                self._thread.start()
            if self._heap[0][1] == key:  # a new earliest deadline: the thread must wait less
                self._lock.notify()
            return key

    def forget(self, key: int) -> None:
        with self._lock:
            self._live.discard(key)
            if len(self._heap) > 64 + 2 * len(self._live):
                self._heap = [entry for entry in self._heap if entry[1] in self._live]
                heapq.heapify(self._heap)

    def pending(self) -> int:
        """Entries held (live or not yet dropped); for tests."""
        with self._lock:
            return len(self._heap)

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._heap and self._heap[0][1] not in self._live:
                    heapq.heappop(self._heap)
                wait = (self._heap[0][0] - time.monotonic()) if self._heap else None
                if wait is None or wait > 0:
                    self._lock.wait(timeout=wait)
                    continue
                _, key, sock = heapq.heappop(self._heap)
                self._live.discard(key)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


_WATCHDOG = _Watchdog()


@contextlib.contextmanager
def deadline(at: float) -> Iterator[None]:
    """Requests made by this thread inside the block are cut off at monotonic time `at`."""
    _current.deadline = at
    _current.keys = []
    try:
        yield
    finally:
        for key in _current.keys:
            _WATCHDOG.forget(key)
        _current.deadline = None
        _current.keys = []


def _register(conn: Any) -> None:
    at = getattr(_current, "deadline", None)
    sock = getattr(conn, "sock", None)
    if at is not None and isinstance(sock, socket.socket):
        _current.keys.append(_WATCHDOG.watch(sock, at))


class _Watched:
    """Registers the connection's socket with the current deadline before each request is sent."""

    sock: Any

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is None:
            self.connect()  # type: ignore[attr-defined]
        _register(self)
        super().request(*args, **kwargs)  # type: ignore[misc]


class WatchedHTTPConnection(_Watched, HTTPConnection):
    """urllib3's connection, watched (see `_Watched`)."""


class WatchedHTTPSConnection(_Watched, HTTPSConnection):
    """urllib3's TLS connection, watched (see `_Watched`)."""


class WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


POOL_CLASSES = {"http": WatchedHTTPConnectionPool, "https": WatchedHTTPSConnectionPool}

__all__ = ["POOL_CLASSES", "deadline"]
