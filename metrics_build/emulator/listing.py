"""Answers as (status, JSON) pairs, and paged listings of them as the platform pages its lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from metrics_build.emulator.paging import PagingError, page_of

if TYPE_CHECKING:
    from metrics_build.emulator.state import State

Answer = tuple[int, Any]


def not_found(message: str = "not found") -> Answer:
    """A 404 answer."""
    return 404, {"message": message}


def listing(state: State, items: Sequence[Any], key: str, query: dict[str, list[str]], *,
            total: bool = False) -> Answer:
    """One page of `items` under `key`, with `nextPageToken` (and `total` when asked for)."""
    return paged(state, len(items), lambda start, end: list(items[start:end]), key, query, total=total)


def paged(state: State, count: int, render: Callable[[int, int], list[Any]], key: str,
          query: dict[str, list[str]], *, total: bool = False) -> Answer:
    """One page of a listing of `count` items, only that page's items rendered (`render(start, end)`)."""
    try:
        page = page_of(count, query, max_page_size=state.max_page_size,
                       repeat_token=state.faults.repeat_page_token)
    except PagingError as exc:
        return 400, {"message": str(exc)}
    body: dict[str, Any] = {key: render(page.start, page.end), "nextPageToken": page.next_token}
    if total:
        body["total"] = count
    return 200, body


__all__ = ["Answer", "listing", "not_found", "paged"]
