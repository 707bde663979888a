"""HTTP to the platform: one `requests.Session`, urllib3 retries, a timeout on every call, pagination.

API calls carry `Authorization: Bearer <token>`; presigned downloads never do (the header is removed
explicitly, `.netrc` is never consulted for them, and redirects are not followed). Error messages name
the path but never the token or a URL's signed query string.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import orjson
import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from metrics_build import __version__
from metrics_build.batch.settings import BatchSettings
from metrics_build.errors import InputError, UpstreamError

log = logging.getLogger(__name__)
_QUERY = re.compile(r"\?[^\s'\"]*")


class _RedactQueries(logging.Filter):
    """urllib3 logs retried URLs with their query string, i.e. with a presigned URL's signature.
    Strip every query string and demote the retry notices to DEBUG: the final outcome is ours to report."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _QUERY.sub("?<redacted>", str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(_QUERY.sub("?<redacted>", a) if isinstance(a, str) else a for a in record.args)
        if record.levelno < logging.ERROR:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def _install_log_filter() -> None:
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _RedactQueries) for f in logger.filters):
        logger.addFilter(_RedactQueries())


_install_log_filter()

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_WORKERS = 64


class AuthenticationError(UpstreamError):
    """The API refused the token (401/403): fatal even when partial results are allowed."""


class NotFoundError(UpstreamError):
    """The API answered 404 for a path (a wrong projectID/batchID, or a probe that missed)."""


@dataclass(frozen=True)
class ClientOptions:
    """How hard and how long to try.

    Attributes:
        connect_timeout: Seconds to establish a connection.
        read_timeout: Seconds to wait for the next bytes of an answer.
        retries: Retries per request on transport errors and on 429/500/502/503/504.
        backoff_factor: Exponential backoff base in seconds (0.25 → 0.25, 0.5, 1, 2, ...).
        backoff_max: Longest wait between two attempts, and the cap on an honoured `Retry-After`.
        page_size: `pageSize` for listings (the API allows 1..100).
        workers: Connections kept per host (the fetch pool size).
        api_workers: Most listing calls in flight at once (the API is shared; downloads are not).
        max_pages: Safety cap on pages per listing (besides the repeated-token guard).
        max_object_bytes: Largest API answer accepted (checked against Content-Length before reading).
    """

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 6
    backoff_factor: float = 0.25
    backoff_max: float = 30.0
    page_size: int = 100
    workers: int = DEFAULT_WORKERS
    api_workers: int = 16
    max_pages: int = 100_000
    max_object_bytes: int = 512 * 1024 * 1024

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, workers: int = DEFAULT_WORKERS) -> ClientOptions:
        """Defaults, with operator overrides from `METRICS_BUILD_HTTP_RETRIES` (retries per request),
        `METRICS_BUILD_HTTP_BACKOFF` (backoff base, seconds) and `METRICS_BUILD_HTTP_TIMEOUT` (read
        timeout, seconds).

        Raises:
            InputError: an override that is not a non-negative number.
        """
        base = cls(workers=workers)
        retries = _env_number(environ, "METRICS_BUILD_HTTP_RETRIES", base.retries, integer=True)
        backoff = _env_number(environ, "METRICS_BUILD_HTTP_BACKOFF", base.backoff_factor)
        timeout = _env_number(environ, "METRICS_BUILD_HTTP_TIMEOUT", base.read_timeout)
        return cls(workers=workers, retries=int(retries), backoff_factor=backoff, read_timeout=max(timeout, 0.1))


def _env_number(environ: Mapping[str, str], name: str, default: float, *, integer: bool = False) -> float:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise InputError(f"${name}: not {'an integer' if integer else 'a number'}: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise InputError(f"${name}: must be a finite number >= 0, not {text!r}")
    return float(value)


class _CappedRetry(Retry):
    """urllib3 `Retry` whose honoured `Retry-After` never exceeds `cap` seconds (a hostile or buggy
    server cannot stall the run for hours)."""

    cap: ClassVar[float] = 30.0

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.cap)


def _retry_policy(options: ClientOptions) -> Retry:
    retry_cls = type("_Retry", (_CappedRetry,), {"cap": options.backoff_max})
    policy: Retry = retry_cls(
        total=None,
        connect=options.retries,
        read=options.retries,
        status=options.retries,
        other=options.retries,
        redirect=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=options.backoff_factor,
        backoff_max=options.backoff_max,
        backoff_jitter=options.backoff_factor / 2,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )
    return policy


class _Bearer(requests.auth.AuthBase):
    """Adds the bearer token to API requests; its repr never shows the token."""

    def __init__(self, settings: BatchSettings) -> None:
        self._token = settings.auth_token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        return r

    def __repr__(self) -> str:
        return "_Bearer(**********)"


def _no_authorization(r: requests.PreparedRequest) -> requests.PreparedRequest:
    # Passing an explicit auth also stops requests from adding `.netrc` credentials.
    r.headers.pop("Authorization", None)
    return r


def redact_url(url: str) -> str:
    """`url` without its query string and fragment (where presigned URLs keep their signature)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def describe_exception(exc: BaseException) -> str:
    """A short, secret-free description of a transport error: the innermost cause's class name.

    `str()` of requests' errors includes the full URL (and so a presigned signature); this does not.
    """
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
    # Keep the outermost (what failed) and the innermost (why).
    return names[0] if len(names) == 1 else f"{names[0]} ({names[-1]})"


_BODY_ERRORS = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)
_BODY_ATTEMPTS = 3


class ApiClient:
    """The platform API and its object store, through one session with a bounded connection pool.

    Thread-safe for concurrent `get_json` / `list_all` / `download` calls from up to
    `options.workers` threads (each request only reads shared state).
    """

    def __init__(self, settings: BatchSettings, options: ClientOptions | None = None) -> None:
        self.settings = settings
        self.options = options or ClientOptions()
        self._base = settings.api_url.rstrip("/")
        self._auth = _Bearer(settings)
        self._timeout = (self.options.connect_timeout, self.options.read_timeout)
        session = requests.Session()
        adapter = HTTPAdapter(
            max_retries=_retry_policy(self.options),
            pool_connections=4,
            pool_maxsize=self.options.workers + 2,
            pool_block=False,
        )
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        # Environment proxies are resolved once per host (`_proxies`) instead of on every request, and
        # `.netrc` is never consulted: no credentials but the bearer token, and that only for the API.
        session.trust_env = False
        self._proxy_cache: dict[str, dict[str, str]] = {}
        session.headers["User-Agent"] = f"metrics-build/{__version__}"
        session.headers["Accept-Encoding"] = "gzip, deflate"
        self._session = session
        self._adapter = adapter
        self._retry = _retry_policy(self.options)
        self._plain_timeout = urllib3.Timeout(connect=self.options.connect_timeout, read=self.options.read_timeout)
        self._plain_headers = {"User-Agent": f"metrics-build/{__version__}", "Accept-Encoding": "gzip, deflate"}

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every pooled connection."""
        self._session.close()

    def __repr__(self) -> str:
        return f"ApiClient(api_url={self._base!r}, workers={self.options.workers})"

    # -- API (authenticated) -------------------------------------------------------------------

    def get_json(self, path: str, params: Mapping[str, str | int] | None = None) -> dict[str, Any]:
        """GET `apiURL + path` and decode a JSON object.

        Raises:
            AuthenticationError: on 401/403.
            UpstreamError: on 404, any other non-200 after retries, transport errors after retries,
                or a body that is not a JSON object.
        """
        status, content = self._request(self._base + path, params, self._auth, path)
        if status in (401, 403):
            raise AuthenticationError(
                f"GET {path}: HTTP {status}: the API rejected the authToken of the batch config "
                "(expired, wrong, or not allowed to read this batch)")
        if status == 404:
            raise NotFoundError(f"GET {path}: HTTP 404 not found (check projectID and batchID)")
        if status != 200:
            raise UpstreamError(f"GET {path}: HTTP {status}{_retried(status)}")
        try:
            body = orjson.loads(content)
        except orjson.JSONDecodeError:
            raise UpstreamError(f"GET {path}: the answer is not valid JSON") from None
        if not isinstance(body, dict):
            raise UpstreamError(f"GET {path}: expected a JSON object, got {type(body).__name__}")
        return body

    def list_all(self, path: str, key: str, params: Mapping[str, str | int] | None = None) -> list[dict[str, Any]]:
        """Every item of a paginated listing, in the order the API returned them.

        Sends `pageSize` and follows `nextPageToken` until it is missing or empty. A token seen
        twice, or more than `max_pages` pages, is an error rather than an endless loop.
        Non-object items are ignored; a missing or null list counts as empty.
        """
        items: list[dict[str, Any]] = []
        query: dict[str, str | int] = dict(params or {})
        query["pageSize"] = self.options.page_size
        seen: set[str] = set()
        for _ in range(self.options.max_pages):
            page = self.get_json(path, query)
            values = page.get(key)
            if isinstance(values, list):
                items.extend(v for v in values if isinstance(v, dict))
            elif values is not None:
                raise UpstreamError(f"GET {path}: `{key}` is a {type(values).__name__}, expected a list")
            token = page.get("nextPageToken")
            if not token:
                return items
            if not isinstance(token, str):
                raise UpstreamError(f"GET {path}: nextPageToken is not a string")
            if token in seen:
                raise UpstreamError(f"GET {path}: the API returned the same nextPageToken twice (pagination loop)")
            seen.add(token)
            query["pageToken"] = token
        raise UpstreamError(f"GET {path}: more than {self.options.max_pages} pages")

    # -- object store (presigned, never authenticated) ----------------------------------------

    def download(self, url: str) -> bytes:
        """The raw bytes at a presigned URL, fetched without any Authorization header.

        Goes straight to the session adapter's urllib3 pool (same connections, same `Retry`):
        a presigned GET needs none of requests' per-call machinery (cookies, hooks, auth, settings
        merging), which costs about as much CPU as the request itself when thousands are made.
        The body is read inside urllib3's retry loop, so a connection that breaks mid-body is retried.
        Behind an environment proxy the ordinary session path is used.

        Raises:
            UpstreamError: after retries, naming the URL without its signature.
        """
        shown = redact_url(url)
        if self._proxies(url):
            status, content = self._request(url, None, _no_authorization, shown)
        else:
            try:
                resp = self._adapter.poolmanager.urlopen(
                    "GET", url, headers=self._plain_headers, retries=self._retry, redirect=False,
                    timeout=self._plain_timeout, preload_content=True, decode_content=True)
            except urllib3.exceptions.HTTPError as exc:
                raise UpstreamError(f"GET {shown}: {describe_exception(exc)} (after retries)") from None
            status, content = resp.status, resp.data
        if status != 200:
            raise UpstreamError(f"GET {shown}: HTTP {status}{_retried(status)}")
        return content

    def _proxies(self, url: str) -> dict[str, str]:
        """The proxies the environment (`HTTPS_PROXY`, `NO_PROXY`, ...) sets for `url`'s host."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        found = self._proxy_cache.get(key)
        if found is None:
            found = self._proxy_cache[key] = requests.utils.get_environ_proxies(key)
        return found

    def _request(self, url: str, params: Mapping[str, str | int] | None, auth: Any,
                 shown: str) -> tuple[int, bytes]:
        """(status, body) of one GET; the body only for 200. urllib3 retries everything up to the
        headers; a connection that breaks mid-body is retried here."""
        last = ""
        for attempt in range(_BODY_ATTEMPTS):
            if attempt:
                time.sleep(self.options.backoff_factor * 2 ** (attempt - 1))
            try:
                resp = self._session.get(url, params=params, auth=auth, timeout=self._timeout,
                                         allow_redirects=False, stream=True, proxies=self._proxies(url))
            except requests.RequestException as exc:
                raise UpstreamError(f"GET {shown}: {describe_exception(exc)} (after retries)") from None
            with resp:
                if resp.status_code != 200:
                    return resp.status_code, b""
                length = resp.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > self.options.max_object_bytes:
                    raise UpstreamError(f"GET {shown}: answer of {length} bytes exceeds the limit")
                try:
                    return 200, resp.content
                except (*_BODY_ERRORS, requests.ConnectionError) as exc:
                    last = describe_exception(exc)
                    log.debug("GET %s: body interrupted (%s), retrying", shown, last)
        raise UpstreamError(f"GET {shown}: {last} (after {_BODY_ATTEMPTS} attempts)")


def _retried(status: int) -> str:
    return " (after retries)" if status in RETRY_STATUSES else ""


__all__ = [
    "DEFAULT_WORKERS",
    "ApiClient",
    "AuthenticationError",
    "ClientOptions",
    "NotFoundError",
    "describe_exception",
    "redact_url",
]
