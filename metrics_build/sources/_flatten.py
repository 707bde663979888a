"""Nested mappings to dotted names: `{"position": {"x": 1}}` -> `position.x`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def flatten(obj: Mapping[str, Any], prefix: str = "", skip: frozenset[str] = frozenset()) -> Iterator[
        tuple[str, Any]]:
    """Yield `(dotted_name, value)` for every leaf of `obj`, depth first in insertion order.

    Lists are leaves (the caller decides whether they are usable); keys in `skip` are ignored at the
    top level only. Iterative, so nesting as deep as a JSON parser allows cannot overflow the stack.
    """
    stack: list[tuple[str, Iterator[tuple[Any, Any]]]] = [(prefix, iter(obj.items()))]
    top = True
    while stack:
        base, items = stack[-1]
        for key, value in items:
            if top and key in skip:
                continue
            name = f"{base}{key}"
            if isinstance(value, Mapping):
                stack.append((f"{name}.", iter(value.items())))
                break
            yield name, value
        else:
            stack.pop()
        top = len(stack) == 1
