"""How hard and how long the client tries: retries, timeouts, deadlines, caps (a small value object)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from metrics_build.errors import InputError

DEFAULT_WORKERS = 64
MIB = 1024 * 1024


@dataclass(frozen=True)
class ClientOptions:
    """How hard and how long to try, and how much to accept.

    Attributes:
        connect_timeout: Seconds to establish a connection.
        read_timeout: Seconds to wait for the next bytes of an answer.
        deadline: Seconds one request may take in all, retries and body included (a server that drips
            a byte at a time never times out per read, but ends here).
        retries: Retries per request on transport errors, broken bodies and 429/500/502/503/504; one
            budget for the whole request, shared by connecting, status and body failures.
        backoff_factor: Exponential backoff base in seconds (0.25 → 0.25, 0.5, 1, 2, ...).
        backoff_max: Longest wait between two attempts, and the cap on an honoured `Retry-After`.
        page_size: `pageSize` for listings (the API allows 1..100).
        workers: Connections kept per host (the fetch pool size).
        api_workers: Most listing calls in flight at once (the API is shared; downloads are not).
        max_pages: Most pages one listing may have (1,000,000 items at 100 per page).
        listing_deadline: Seconds one listing may take over all its pages.
        max_api_bytes: Largest API answer accepted, counted after decompression.
        max_object_bytes: Largest stored object accepted, counted after decompression.
    """

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    deadline: float = 600.0
    retries: int = 6
    backoff_factor: float = 0.25
    backoff_max: float = 30.0
    page_size: int = 100
    workers: int = DEFAULT_WORKERS
    api_workers: int = 16
    max_pages: int = 10_000
    listing_deadline: float = 3600.0
    max_api_bytes: int = 64 * MIB
    max_object_bytes: int = 512 * MIB

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, workers: int = DEFAULT_WORKERS) -> ClientOptions:
        """Defaults, with operator overrides: `METRICS_BUILD_HTTP_RETRIES` (retries per request),
        `METRICS_BUILD_HTTP_BACKOFF` (backoff base, seconds), `METRICS_BUILD_HTTP_TIMEOUT` (read timeout,
        seconds), `METRICS_BUILD_HTTP_DEADLINE` (seconds per request) and `METRICS_BUILD_MAX_OBJECT_MB`
        (largest object, MiB).

        Raises:
            InputError: an override that is not a finite number >= 0.
        """
        base = cls(workers=workers)
        retries = _env_number(environ, "METRICS_BUILD_HTTP_RETRIES", base.retries, integer=True)
        backoff = _env_number(environ, "METRICS_BUILD_HTTP_BACKOFF", base.backoff_factor)
        timeout = _env_number(environ, "METRICS_BUILD_HTTP_TIMEOUT", base.read_timeout)
        deadline = _env_number(environ, "METRICS_BUILD_HTTP_DEADLINE", base.deadline)
        max_mb = _env_number(environ, "METRICS_BUILD_MAX_OBJECT_MB", base.max_object_bytes / MIB)
        return cls(workers=workers, retries=int(retries), backoff_factor=backoff, read_timeout=max(timeout, 0.1),
                   deadline=max(deadline, 1.0), max_object_bytes=max(int(max_mb * MIB), 1024))


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


__all__ = ["DEFAULT_WORKERS", "ClientOptions"]
