"""A tiny scripted HTTP server on loopback for tests of hostile or broken servers (the emulator plays
a well-behaved platform; this one plays the rest): each path answers with a function of the request."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Script = Callable[[BaseHTTPRequestHandler, int], None]
"""Writes the answer to a request; the int counts earlier requests to the same path."""


@contextmanager
def serve(routes: dict[str, Script]) -> Iterator[str]:
    """Serve `routes` (by path without query) on 127.0.0.1; yields the base URL. Unknown paths: 404."""
    counts: dict[str, int] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            with lock:
                seen = counts.get(path, 0)
                counts[path] = seen + 1
            script = routes.get(path)
            if script is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with suppress(BrokenPipeError, ConnectionResetError):
                script(self, seen)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def answer(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"",
           headers: dict[str, str] | None = None) -> None:
    """Send a complete answer."""
    handler.send_response(status)
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
