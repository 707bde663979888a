"""The transport against servers that misbehave: bombs, drips, endless pages, broken headers and URLs.

Every case ends with an `UpstreamError` naming what failed (exit 3), within a bounded time and memory.
"""

from __future__ import annotations

import gzip
import time
from http.server import BaseHTTPRequestHandler

import orjson
import pytest
from loopback_server import answer, serve

from metrics_build.errors import EXIT_UPSTREAM, UpstreamError
from metrics_build.http import ApiClient, ClientOptions, parse_batch_settings

FAST = ClientOptions(workers=2, retries=2, backoff_factor=0.01, backoff_max=1.0, connect_timeout=2, read_timeout=5)
BATCH = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"


def _client(base: str, options: ClientOptions = FAST) -> ApiClient:
    return ApiClient(parse_batch_settings({"authToken": "t0ken", "apiURL": f"{base}/v1", "batchID": BATCH}), options)


def _bomb(handler: BaseHTTPRequestHandler, seen: int) -> None:
    # 64 MiB of zeros compress to about 64 KiB: small on the wire, large once decoded.
    answer(handler, 200, gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9),
           {"Content-Encoding": "gzip", "Content-Type": "application/json"})


@pytest.mark.parametrize("where", ["api", "store"])
def test_a_gzip_bomb_is_cut_off_at_the_cap_counted_after_decompression(where: str) -> None:
    options = ClientOptions(workers=2, retries=1, backoff_factor=0.01, max_api_bytes=1 << 20,
                            max_object_bytes=1 << 20)
    too_large = r"larger than 1048576 bytes \(after decompression\)"
    with serve({"/v1/projects": _bomb, "/objects/x": _bomb}) as base, _client(base, options) as client, \
            pytest.raises(UpstreamError, match=too_large) as info:
        if where == "api":
            client.get_json("/projects")
        else:
            client.download(f"{base}/objects/x?X-Amz-Signature=secret")
    assert info.value.exit_code == EXIT_UPSTREAM
    assert "secret" not in str(info.value)


def _drip(handler: BaseHTTPRequestHandler, seen: int) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    for _ in range(1000):  # a byte every 0.5 s: never a read timeout, never an end
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.5)


def _drip_headers(handler: BaseHTTPRequestHandler, seen: int) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    for i in range(1000):
        handler.wfile.write(f"X-Slow-{i}: 1\r\n".encode())
        handler.wfile.flush()
        time.sleep(0.5)


@pytest.mark.parametrize("script", [_drip, _drip_headers], ids=["body", "headers"])
def test_a_dripping_server_ends_at_the_overall_deadline(script: object) -> None:
    options = ClientOptions(workers=2, retries=3, backoff_factor=0.01, read_timeout=5, deadline=2.0)
    with serve({"/v1/projects": script}) as base, _client(base, options) as client:  # type: ignore[dict-item]
        started = time.monotonic()
        with pytest.raises(UpstreamError, match=r"within 2 s"):
            client.get_json("/projects")
        assert time.monotonic() - started < 4.0  # the deadline, not 1,000 bytes x 0.5 s


def test_endless_fresh_page_tokens_end_at_the_page_bound() -> None:
    def pages(handler: BaseHTTPRequestHandler, seen: int) -> None:
        answer(handler, 200, orjson.dumps({"jobs": [{"jobID": f"j{seen}"}], "nextPageToken": f"token-{seen}"}))

    options = ClientOptions(workers=2, retries=0, max_pages=25)
    with serve({"/v1/jobs": pages}) as base, _client(base, options) as client, \
            pytest.raises(UpstreamError, match="more than 25 pages"):
        client.list_all("/jobs", "jobs")


def test_endless_fresh_page_tokens_end_at_the_listing_deadline() -> None:
    def slow_pages(handler: BaseHTTPRequestHandler, seen: int) -> None:
        time.sleep(0.05)
        answer(handler, 200, orjson.dumps({"jobs": [], "nextPageToken": f"token-{seen}"}))

    options = ClientOptions(workers=2, retries=0, listing_deadline=0.5)
    with serve({"/v1/jobs": slow_pages}) as base, _client(base, options) as client:
        started = time.monotonic()
        with pytest.raises(UpstreamError, match=r"took more than 0.5 s"):
            client.list_all("/jobs", "jobs")
        assert time.monotonic() - started < 3.0


@pytest.mark.parametrize("retry_after", ["soon", "-5", "Wed, 99 Foo 2026 25:61:61 GMT", "1e9999"])
def test_a_malformed_retry_after_still_retries_with_backoff(retry_after: str) -> None:
    def flaky(handler: BaseHTTPRequestHandler, seen: int) -> None:
        if seen == 0:
            answer(handler, 503, b"", {"Retry-After": retry_after})
        else:
            answer(handler, 200, b'{"projects": []}')

    with serve({"/v1/projects": flaky}) as base, _client(base) as client:
        assert client.get_json("/projects") == {"projects": []}


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    def busy(handler: BaseHTTPRequestHandler, seen: int) -> None:
        if seen == 0:
            answer(handler, 429, b"", {"Retry-After": "3600"})
        else:
            answer(handler, 200, b'{"projects": []}')

    options = ClientOptions(workers=2, retries=2, backoff_factor=0.01, backoff_max=0.3)
    with serve({"/v1/projects": busy}) as base, _client(base, options) as client:
        started = time.monotonic()
        assert client.get_json("/projects") == {"projects": []}
        assert time.monotonic() - started < 2.0  # an hour asked, 0.3 s waited


def test_retries_are_one_budget_per_request() -> None:
    attempts: list[int] = []

    def broken_body(handler: BaseHTTPRequestHandler, seen: int) -> None:
        attempts.append(seen)
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        handler.wfile.write(b"{")
        handler.close_connection = True  # and hang up: a body that breaks off

    with serve({"/v1/projects": broken_body}) as base, _client(base) as client, \
            pytest.raises(UpstreamError, match="after retries"):
        client.get_json("/projects")
    # One budget of FAST.retries retries: before, a second retry loop on top of urllib3's made up to
    # (retries + 1) x 3 attempts.
    assert len(attempts) == FAST.retries + 1


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:99999/objects/x?X-Amz-Signature=secret",
    "http://[::1/objects/x?X-Amz-Signature=secret",
    "http://127.0.0.1:port/objects/x?X-Amz-Signature=secret",
    "ftp://127.0.0.1/objects/x?X-Amz-Signature=secret",
])
def test_a_malformed_presigned_url_is_an_upstream_error_without_its_signature(url: str) -> None:
    with serve({}) as base, _client(base) as client, pytest.raises(UpstreamError) as info:
        client.download(url)
    assert info.value.exit_code == EXIT_UPSTREAM and "secret" not in str(info.value)


def test_the_deadline_watchdog_holds_only_what_is_in_flight() -> None:
    # Each request registers its socket with the watchdog until it ends; 500 finished requests (all well
    # within their deadline) must not stay behind in it.
    from metrics_build.http.watchdog import _WATCHDOG

    def small(handler: BaseHTTPRequestHandler, seen: int) -> None:
        answer(handler, 200, b"x" * 100)

    options = ClientOptions(workers=2, retries=1, backoff_factor=0.01, deadline=2.0)
    with serve({"/objects/x": small}) as base, _client(base, options) as client:
        for _ in range(500):
            assert client.download(f"{base}/objects/x?X-Amz-Signature=s") == b"x" * 100
        assert _WATCHDOG.pending() <= 64 + 2  # bounded by live entries, not by the requests made
