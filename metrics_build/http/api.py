"""The platform API: authenticated JSON calls, bounded pagination, and presigned downloads.

API calls carry `Authorization: Bearer <token>`; presigned downloads never do (and no other
credentials: no `.netrc`, no cookies). Both go through one `Transport`. Error messages name the path
but never the token or a URL's signed query string.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import orjson

from metrics_build.errors import AuthenticationError, NotFoundError, UpstreamError
from metrics_build.http.options import ClientOptions
from metrics_build.http.settings import ApiSettings
from metrics_build.http.transport import RETRY_STATUSES, PooledTransport, Transport, redact_url


class ApiClient:
    """The platform API and its object store, through one transport with bounded connection pools.

    Thread-safe for concurrent `get_json` / `list_all` / `download` calls from up to
    `options.workers` threads.

    Args:
        settings: Where the API is, and the token.
        options: Retries, timeouts, caps (default `ClientOptions()`).
        transport: The transport to use (default: a `PooledTransport` of `options`); the seam for tests.
    """

    def __init__(self, settings: ApiSettings, options: ClientOptions | None = None,
                 transport: Transport | None = None) -> None:
        self.settings = settings
        self.options = options or (transport.options if transport is not None else ClientOptions())
        self._transport = transport or PooledTransport(self.options)
        self._base = settings.api_url.rstrip("/")

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every pooled connection."""
        self._transport.close()

    def __repr__(self) -> str:
        return f"ApiClient(api_url={self._base!r}, workers={self.options.workers})"

    def get_json(self, path: str, params: Mapping[str, str | int] | None = None) -> dict[str, Any]:
        """GET `apiURL + path` and decode a JSON object.

        Raises:
            AuthenticationError: on 401/403.
            NotFoundError: on 404.
            UpstreamError: any other non-200 after retries, transport errors after retries, a body over
                `options.max_api_bytes`, or a body that is not a JSON object.
        """
        token = self.settings.auth_token.get_secret_value()
        answer = self._transport.get(self._base + path, params=params, headers={"Authorization": f"Bearer {token}"},
                                     max_bytes=self.options.max_api_bytes, shown=path)
        if answer.status in (401, 403):
            raise AuthenticationError(
                f"GET {path}: HTTP {answer.status}: the API rejected the authToken of the config "
                "(expired, wrong, or not allowed to read this)")
        if answer.status == 404:
            raise NotFoundError(f"GET {path}: HTTP 404 not found (check the ids in the config)")
        if answer.status != 200:
            raise UpstreamError(f"GET {path}: HTTP {answer.status}{_retried(answer.status)}")
        try:
            body = orjson.loads(answer.body)
        except orjson.JSONDecodeError:
            raise UpstreamError(f"GET {path}: the answer is not valid JSON") from None
        if not isinstance(body, dict):
            raise UpstreamError(f"GET {path}: expected a JSON object, got {type(body).__name__}")
        return body

    def list_all(self, path: str, key: str, params: Mapping[str, str | int] | None = None) -> list[dict[str, Any]]:
        """Every item of a paginated listing, in the order the API returned them.

        Sends `pageSize` and follows `nextPageToken` until it is missing or empty. A token seen twice,
        more than `max_pages` pages, or more than `listing_deadline` seconds is an error rather than an
        endless loop. Non-object items are ignored; a missing or null list counts as empty.

        Raises:
            UpstreamError: as `get_json`, or one of the bounds above.
        """
        items: list[dict[str, Any]] = []
        query: dict[str, str | int] = dict(params or {})
        query["pageSize"] = self.options.page_size
        seen: set[str] = set()
        ends = time.monotonic() + self.options.listing_deadline
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
            if time.monotonic() > ends:
                raise UpstreamError(f"GET {path}: the listing took more than {self.options.listing_deadline:g} s "
                                    f"({len(seen) + 1} pages)")
            seen.add(token)
            query["pageToken"] = token
        raise UpstreamError(f"GET {path}: more than {self.options.max_pages} pages")

    def download(self, url: str) -> bytes:
        """The raw bytes at a presigned URL, fetched without any Authorization header.

        Raises:
            UpstreamError: after retries, or a body over `options.max_object_bytes`, naming the URL
                without its signature.
        """
        shown = redact_url(url)
        answer = self._transport.get(url, max_bytes=self.options.max_object_bytes, shown=shown)
        if answer.status != 200:
            raise UpstreamError(f"GET {shown}: HTTP {answer.status}{_retried(answer.status)}")
        return answer.body


def _retried(status: int) -> str:
    return " (after retries)" if status in RETRY_STATUSES else ""


__all__ = ["ApiClient"]
