"""The loopback HTTP server and what both servers' handlers share: counting, latency, injected faults, answers.

Each server has a role ("api" or "store"), named by its handler class, that the request log and faults use.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from metrics_build.emulator.state import RequestRecord, State

log = logging.getLogger(__name__)
MAX_QUERY_FIELDS = 100
_CLIENT_ERRORS = {501: 405, 505: 400}


class BaseHandler(BaseHTTPRequestHandler):
    """Answers GET requests: injects a fault or waits as configured, then calls `route`."""

    protocol_version = "HTTP/1.1"
    server_version = "metrics-build-emulator"
    timeout = 60
    role: ClassVar[str]
    server: LoopbackServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm meets the
        # client's delayed ACK and every answer stalls ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        # The default logs the request line, which holds the presigned signature.
        return

    def do_GET(self) -> None:
        state, role = self.server.state, self.server.role
        with state.lock:
            state.active[role] += 1
            state.peak[role] = max(state.peak[role], state.active[role])
        try:
            self._answer()
        finally:
            with state.lock:
                state.active[role] -= 1

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server blames itself for two client mistakes: a method other than GET (501, here 405)
        # and an HTTP version it does not speak (505, here 400). send_error also closes the connection,
        # so an unread request body is no harm.
        super().send_error(_CLIENT_ERRORS.get(code, code), message, explain)

    def _answer(self) -> None:
        injector = self.server.state.injector
        parts = urlsplit(self.path)
        fault = injector.fault_for(self.server.role, self.path)
        delay = injector.delay()
        if delay:
            time.sleep(delay)
        has_auth = "Authorization" in self.headers
        if fault is not None:
            self._fault(fault, parts.path, has_auth)
            return
        try:
            query = parse_qs(parts.query, max_num_fields=MAX_QUERY_FIELDS, errors="strict")
            segments = [unquote(s, errors="strict") for s in parts.path.split("/")]
        except ValueError as exc:  # undecodable escapes, too many query fields
            self._json(400, {"message": f"malformed request ({type(exc).__name__})"}, parts.path, has_auth)
            return
        try:
            self.route(segments, query, parts.path, has_auth)
        except OSError:
            raise  # the client hung up; nothing can be answered
        except Exception:
            log.exception("emulator %s: failed to answer a request", self.server.role)
            self._json(500, {"message": "internal emulator error"}, parts.path, has_auth)

    def route(self, segments: list[str], query: dict[str, list[str]], path: str, has_auth: bool) -> None:
        """Answer a request that gets no fault (each server's handler does its own job here).

        Args:
            segments: The path split at "/", each part percent-decoded ("" first, for the leading "/").
            query: The decoded query parameters.
            path: The path as sent (for the request log).
            has_auth: Whether the request carried an `Authorization` header.
        """
        raise NotImplementedError

    # -- answers ----------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, path: str, has_auth: bool,
             extra: dict[str, str] | None = None) -> None:
        """Record the request, then answer `status` with `body` and any `extra` headers."""
        self.server.state.record(RequestRecord(self.server.role, path, status, has_auth))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any, path: str, has_auth: bool) -> None:
        """Answer `status` with `obj` as JSON."""
        self._send(status, json.dumps(obj).encode(), "application/json", path, has_auth)

    def _fault(self, kind: str, path: str, has_auth: bool) -> None:
        if kind == "drop":
            self.server.state.record(RequestRecord(self.server.role, path, 0, has_auth))
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "truncate":
            self.server.state.record(RequestRecord(self.server.role, path, -200, has_auth))
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"partial")
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status = int(kind)
        headers = {"Retry-After": str(self.server.state.faults.retry_after)} if status == 429 else None
        self._send(status, b'{"message":"injected fault"}', "application/json", path, has_auth, headers)


class LoopbackServer(ThreadingHTTPServer):
    """One of the emulator's two servers: a thread per connection, answered by `handler`."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: State, handler: type[BaseHandler]) -> None:
        self.state = state
        self.role = handler.role
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up (and injected drops) are normal here; never print tracebacks.
        log.debug("emulator %s: error while answering a request", self.role, exc_info=True)
