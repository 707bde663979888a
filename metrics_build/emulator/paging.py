"""Paged listings as the platform pages them: `pageSize` 1..100, opaque `pageToken`s, `nextPageToken` "" at the end."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

MAX_PAGE_SIZE = 100
_NUMBER = re.compile(r"[0-9]{1,9}")


class PagingError(ValueError):
    """A `pageSize` or `pageToken` the platform would answer with 400."""


@dataclass(frozen=True)
class Page:
    """Which slice of a listing to answer, and the token of the next page ("" when this is the last)."""

    start: int
    end: int
    next_token: str


def page_of(total: int, query: dict[str, list[str]], *, max_page_size: int, repeat_token: bool = False) -> Page:
    """The page that `query` asks for, of a listing of `total` items.

    Args:
        total: How many items the listing has.
        query: The request's query parameters (`pageSize`, `pageToken`).
        max_page_size: The largest page answered, whatever the client asks for.
        repeat_token: Always answer the first page's `nextPageToken` (a buggy API, for client tests).

    Raises:
        PagingError: `pageSize` is not an integer within 1..100, or `pageToken` is not one of ours.
    """
    size_text = query.get("pageSize", [str(MAX_PAGE_SIZE)])[0]
    if not _NUMBER.fullmatch(size_text) or not 1 <= int(size_text) <= MAX_PAGE_SIZE:
        raise PagingError("pageSize must be an integer within 1..100")
    size = min(int(size_text), max_page_size)
    token = query.get("pageToken", [""])[0]
    start = offset_of(token) if token else 0
    if start is None:
        raise PagingError("invalid pageToken")
    end = min(start + size, total)
    if end >= total:
        return Page(start, end, "")
    return Page(start, end, token_for(size if repeat_token else end))


def token_for(offset: int) -> str:
    """The opaque token of the page that starts at `offset`."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def offset_of(token: str) -> int | None:
    """The offset a token stands for, or None when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    kind, _, number = text.partition(":")
    return int(number) if kind == "offset" and _NUMBER.fullmatch(number) else None


__all__ = ["MAX_PAGE_SIZE", "Page", "PagingError", "offset_of", "page_of", "token_for"]
