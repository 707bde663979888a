"""The one transport every request goes through: urllib3 pools, one retry policy, caps and deadlines.

API calls and presigned downloads take the same path: the same pools, the same `Retry` budget per
request (connection errors, 429/5xx, and bodies that break mid-way all draw on it; `Retry-After`
is honoured up to `backoff_max`, and a malformed one falls back to the backoff), a byte cap counted
after decompression, and an overall deadline. Redirects are never followed. Error messages name the
URL without its query string, where presigned URLs keep their signature.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
import urllib3
from urllib3.exceptions import (
    DecodeError,
    HTTPError,
    InvalidHeader,
    LocationParseError,
    MaxRetryError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.util.retry import Retry

from metrics_build import __version__
from metrics_build.errors import UpstreamError
from metrics_build.http import watchdog
from metrics_build.http.options import ClientOptions

log = logging.getLogger("metrics_build.http")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_QUERY = re.compile(r"\?[^\s'\"]*")
_CHUNK = 256 * 1024


class _DeadlinePassed(Exception):
    """The request's overall deadline passed (raised instead of sleeping past it)."""


class _TooLarge(Exception):
    """The body grew past its cap."""


class _Policy(Retry):
    """urllib3's `Retry` that never sleeps past the request's deadline and treats a malformed
    `Retry-After` as absent (so the normal backoff applies) instead of failing the request."""

    def __init__(self, *args: Any, deadline_at: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline_at = deadline_at

    def new(self, **kw: Any) -> _Policy:
        kw.setdefault("deadline_at", self.deadline_at)
        return super().new(**kw)

    def get_retry_after(self, response: Any) -> float | None:
        try:
            return super().get_retry_after(response)
        except InvalidHeader:
            return None

    def sleep(self, response: Any = None) -> None:
        wait = self.get_backoff_time()
        if response is not None and self.respect_retry_after_header:
            wait = max(wait, self.get_retry_after(response) or 0.0)
        if self.deadline_at is not None and time.monotonic() + wait >= self.deadline_at:
            raise _DeadlinePassed
        super().sleep(response)


class RedactQueries(logging.Filter):
    """urllib3 logs retried URLs with their query string, i.e. with a presigned URL's signature.
    Strip every query string and demote the retry notices to DEBUG: the final outcome is ours to report.
    The command line installs it on urllib3's logger (see `install_log_filter`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _QUERY.sub("?<redacted>", str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(_QUERY.sub("?<redacted>", a) if isinstance(a, str) else a for a in record.args)
        if record.levelno < logging.ERROR:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def install_log_filter() -> None:
    """Install `RedactQueries` on urllib3's connection-pool logger (idempotent)."""
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, RedactQueries) for f in logger.filters):
        logger.addFilter(RedactQueries())


def redact_url(url: str) -> str:
    """`url` without its query string, fragment and credentials (where secrets live)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<malformed URL>"
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def describe_exception(exc: BaseException) -> str:
    """A short, secret-free description of a transport error: the outer and innermost cause's class.

    `str()` of urllib3's errors includes the full URL (and so a presigned signature); this does not.
    """
    if isinstance(exc, MaxRetryError) and isinstance(exc.reason, BaseException):
        exc = exc.reason  # "retries used up" is said by the caller; what failed is the reason
    names = [type(exc).__name__]
    seen: set[int] = {id(exc)}
    current: BaseException | None = exc
    while current is not None:
        nxt = current.__cause__ or current.__context__
        if nxt is None and current.args and isinstance(current.args[0], BaseException):
            nxt = current.args[0]
        reason = getattr(current, "reason", None)
        if nxt is None and isinstance(reason, BaseException):
            nxt = reason
        if nxt is None or id(nxt) in seen:
            break
        seen.add(id(nxt))
        names.append(type(nxt).__name__)
        current = nxt
    return names[0] if len(names) == 1 else f"{names[0]} ({names[-1]})"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: the status, and the body when the status is 200 (else empty)."""

    status: int
    body: bytes
    retry_after: str | None = None


class Transport(Protocol):
    """What the API client needs from a transport (the seam tests can swap)."""

    options: ClientOptions

    def get(self, url: str, *, params: Mapping[str, str | int] | None = None,
            headers: Mapping[str, str] | None = None, max_bytes: int, shown: str) -> Answer:
        """GET `url` (with `params` as its query) and return the answer; `shown` names it in errors."""
        ...

    def close(self) -> None:
        """Release every pooled connection."""
        ...


class PooledTransport:
    """The transport: urllib3 pools (one per proxy, environment proxies resolved once per host).

    Thread-safe: any number of threads may call `get` at once; connections per host are bounded by
    `options.workers`.
    """

    def __init__(self, options: ClientOptions) -> None:
        self.options = options
        self._headers = {"User-Agent": f"metrics-build/{__version__}", "Accept-Encoding": "gzip, deflate"}
        self._direct = self._manager(None)
        self._via_proxy: dict[str, urllib3.PoolManager] = {}
        self._proxy_for: dict[str, str | None] = {}

    def _manager(self, proxy: str | None) -> urllib3.PoolManager:
        size = self.options.workers + 2
        manager: urllib3.PoolManager
        if proxy is None:
            manager = urllib3.PoolManager(num_pools=8, maxsize=size, block=False)
        else:
            manager = urllib3.ProxyManager(proxy, num_pools=8, maxsize=size, block=False)
        manager.pool_classes_by_scheme = dict(watchdog.POOL_CLASSES)
        return manager

    def _pool(self, url: str) -> urllib3.PoolManager:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._proxy_for:
            proxies = requests.utils.get_environ_proxies(key)
            self._proxy_for[key] = proxies.get(parts.scheme) or proxies.get("all")
        proxy = self._proxy_for[key]
        if proxy is None:
            return self._direct
        if proxy not in self._via_proxy:
            self._via_proxy[proxy] = self._manager(proxy)
        return self._via_proxy[proxy]

    def _policy(self, deadline_at: float) -> _Policy:
        o = self.options
        return _Policy(total=None, connect=o.retries, read=o.retries, status=o.retries, other=o.retries,
                       redirect=0, allowed_methods=frozenset({"GET"}), status_forcelist=RETRY_STATUSES,
                       backoff_factor=o.backoff_factor, backoff_max=o.backoff_max,
                       backoff_jitter=o.backoff_factor / 2, retry_after_max=int(max(o.backoff_max, 1)),
                       respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False,
                       deadline_at=deadline_at)

    def get(self, url: str, *, params: Mapping[str, str | int] | None = None,
            headers: Mapping[str, str] | None = None, max_bytes: int, shown: str) -> Answer:
        """GET `url`; the body of a 200 answer is read whole (at most `max_bytes` after decompression).

        Raises:
            UpstreamError: the URL is malformed; retries are used up; the deadline passed; the body
                is larger than `max_bytes`. The message names `shown`, never the query string.
        """
        if params:
            url = f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(params)}"
        deadline_at = time.monotonic() + self.options.deadline
        retries: Retry = self._policy(deadline_at)
        all_headers = {**self._headers, **(headers or {})}
        with watchdog.deadline(deadline_at):
            while True:
                remaining = deadline_at - time.monotonic()
                if remaining <= 0:
                    raise UpstreamError(f"GET {shown}: no answer within {self.options.deadline:g} s")
                timeout = urllib3.Timeout(connect=min(self.options.connect_timeout, remaining),
                                          read=min(self.options.read_timeout, remaining))
                try:
                    resp = self._pool(url).urlopen("GET", url, headers=all_headers, retries=retries,
                                                   redirect=False, timeout=timeout, preload_content=False,
                                                   decode_content=True, assert_same_host=False)
                except (LocationParseError, ValueError, UnicodeError):
                    raise UpstreamError(f"GET {shown}: malformed URL") from None
                except _DeadlinePassed:
                    raise UpstreamError(f"GET {shown}: no answer within {self.options.deadline:g} s") from None
                except (MaxRetryError, HTTPError, OSError) as exc:
                    raise UpstreamError(f"GET {shown}: {describe_exception(exc)} (after retries)") from None
                if time.monotonic() >= deadline_at:
                    resp.close()
                    raise UpstreamError(f"GET {shown}: no complete answer within {self.options.deadline:g} s")
                if resp.status != 200:
                    retry_after = resp.headers.get("Retry-After")
                    resp.close()  # an error body is not worth reading (nor waiting for)
                    return Answer(resp.status, b"", retry_after)
                try:
                    body = self._body(resp, max_bytes, deadline_at)
                    if time.monotonic() >= deadline_at:  # the watchdog may have cut the answer short
                        raise _DeadlinePassed
                    return Answer(200, body)
                except _TooLarge:
                    resp.close()
                    raise UpstreamError(f"GET {shown}: the answer is larger than {max_bytes} bytes "
                                        "(after decompression)") from None
                except (ProtocolError, ReadTimeoutError, DecodeError, OSError, _DeadlinePassed) as exc:
                    resp.close()
                    if isinstance(exc, _DeadlinePassed) or time.monotonic() >= deadline_at:
                        raise UpstreamError(
                            f"GET {shown}: no complete answer within {self.options.deadline:g} s") from None
                    retries = self._after_broken_body(resp.retries or retries, url, exc, shown)

    def _after_broken_body(self, retries: Retry, url: str, exc: Exception, shown: str) -> Retry:
        """The retry budget after a body that broke off; raises when it is used up."""
        log.debug("GET %s: body interrupted (%s), retrying", shown, describe_exception(exc))
        error = exc if isinstance(exc, ProtocolError | ReadTimeoutError) else ProtocolError(str(type(exc).__name__))
        try:
            retries = retries.increment("GET", url, error=error)
            retries.sleep()
        except MaxRetryError:
            raise UpstreamError(f"GET {shown}: {describe_exception(exc)} (after retries)") from None
        except _DeadlinePassed:
            raise UpstreamError(f"GET {shown}: no complete answer within {self.options.deadline:g} s") from None
        return retries

    @staticmethod
    def _body(resp: urllib3.BaseHTTPResponse, max_bytes: int, deadline_at: float) -> bytes:
        length = resp.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes and not resp.headers.get("Content-Encoding"):
            raise _TooLarge
        parts: list[bytes] = []
        size = 0
        while True:
            chunk = resp.read1(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise _TooLarge
            parts.append(chunk)
            if time.monotonic() >= deadline_at:
                raise _DeadlinePassed
        resp.release_conn()
        return b"".join(parts)

    def close(self) -> None:
        """Release every pooled connection."""
        self._direct.clear()
        for manager in self._via_proxy.values():
            manager.clear()


__all__ = ["RETRY_STATUSES", "Answer", "PooledTransport", "RedactQueries", "Transport", "describe_exception",
           "install_log_filter", "redact_url"]
