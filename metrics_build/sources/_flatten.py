"""Nested mappings to dotted names: `{"position": {"x": 1}}` -> `position.x`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def flatten(obj: Mapping[str, Any], prefix: str = "", skip: frozenset[str] = frozenset()) -> Iterator[
        tuple[str, Any]]:
    """Yield `(dotted_name, value)` for every leaf of `obj`, in insertion order.

    Lists are leaves (the caller decides whether they are usable); keys in `skip` are ignored at the
    top level only. Keys are turned into text with `str`, so any JSON object is accepted.
    """
    for key, value in obj.items():
        if not prefix and key in skip:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from flatten(value, f"{name}.")
        else:
            yield name, value
