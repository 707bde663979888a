"""What goes wrong, and how slowly: the `Faults` config and the per-request decision to inject a fault."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass

from metrics_build.errors import InputError

FAULT_KINDS = ("500", "502", "503", "504", "429", "drop", "truncate")


@dataclass(frozen=True)
class Faults:
    """What goes wrong, and how slowly.

    Attributes:
        rate: Fraction of requests answered with a fault (each URL at most `max_per_url` times, so
            every request eventually succeeds unless it matches `always_fail`).
        kinds: Faults to pick from: "500", "502", "503", "504", "429" (with `Retry-After`),
            "drop" (close the connection without answering), "truncate" (cut the body short).
        max_per_url: Most faults injected for the same URL (path and query).
        retry_after: Seconds sent in `Retry-After` with a 429.
        seed: Makes the choice of faulted requests reproducible.
        always_fail: Path substrings answered 500 on every attempt (a permanently broken object).
        latency: Seconds added to every answer, on both servers.
        jitter: Up to this many extra seconds, random per answer (shuffles completion order).
        repeat_page_token: Listings always answer the same `nextPageToken` (a buggy API).
        target: Where faults apply: "all", "api" or "store".
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    max_per_url: int = 2
    retry_after: int = 0
    seed: int = 0
    always_fail: tuple[str, ...] = ()
    latency: float = 0.0
    jitter: float = 0.0
    repeat_page_token: bool = False
    target: str = "all"

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise InputError(f"unknown fault kinds {sorted(unknown)}; choose from {', '.join(FAULT_KINDS)}")
        if not 0.0 <= self.rate <= 1.0:
            raise InputError(f"fault rate must be within [0, 1], not {self.rate}")
        if self.target not in ("all", "api", "store"):
            raise InputError(f"fault target must be all, api or store, not {self.target!r}")


class FaultInjector:
    """Decides, per request, whether to inject a fault and how long to wait; counts what it injected.

    Shared by both servers' handler threads, so its counters are guarded by a lock.
    """

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._lock = threading.Lock()
        self._attempts: Counter[str] = Counter()
        self._injected: Counter[str] = Counter()

    def fault_for(self, server: str, key: str) -> str | None:
        """The fault to inject for this request, if any (counts attempts per key).

        Args:
            server: "api" or "store", matched against `Faults.target`.
            key: The request's path and query; faults are drawn per key and attempt.

        Returns:
            One of `FAULT_KINDS`, or None to answer normally.
        """
        f = self.faults
        if any(s in key for s in f.always_fail):
            return "500"
        if f.rate <= 0 or f.target not in ("all", server):
            return None
        with self._lock:
            attempt = self._attempts[key]
            self._attempts[key] += 1
        if attempt >= f.max_per_url:
            return None
        draw = random.Random(f"{f.seed}|{key}|{attempt}")
        if draw.random() >= f.rate:
            return None
        kind = draw.choice(f.kinds)
        with self._lock:
            self._injected[kind] += 1
        return kind

    def delay(self) -> float:
        """Seconds to wait before this answer: the latency plus a random share of the jitter."""
        f = self.faults
        return f.latency + (random.random() * f.jitter if f.jitter else 0.0)

    def injected(self) -> dict[str, int]:
        """Faults injected so far, per kind."""
        with self._lock:
            return dict(self._injected)
