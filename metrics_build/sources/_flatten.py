"""Nested documents to dotted names: `{"position": {"x": 1}}` -> `position.x`, `{"v": [4, 5]}` -> `v.0`, `v.1`.

Lists count as objects keyed by index, up to `MAX_LIST_ITEMS` items each; nesting deeper than
`MAX_DEPTH` levels and empty keys are dropped. What is dropped is counted in the file's report.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from metrics_build.channels import SourceReport

MAX_LIST_ITEMS = 16
MAX_DEPTH = 32
_BEYOND = f"list items beyond {MAX_LIST_ITEMS}"
_DEEP = f"nested deeper than {MAX_DEPTH} levels"


def _items(value: Mapping[str, Any] | Sequence[Any], report: SourceReport | None) -> Iterator[tuple[Any, Any]]:
    if isinstance(value, Mapping):
        return iter(value.items())
    if len(value) > MAX_LIST_ITEMS and report is not None:
        report.drop(_BEYOND, len(value) - MAX_LIST_ITEMS)
    return enumerate(value[:MAX_LIST_ITEMS])


def flatten(obj: Mapping[str, Any], prefix: str = "", skip: frozenset[str] = frozenset(),
            report: SourceReport | None = None) -> Iterator[tuple[str, Any]]:
    """Yield `(dotted_name, value)` for every scalar leaf of `obj`, depth first in document order.

    Keys in `skip` are ignored at the top level only. Iterative, so nesting as deep as a JSON parser
    allows cannot overflow the stack; values deeper than `MAX_DEPTH`, list items past
    `MAX_LIST_ITEMS` and empty keys are left out and counted in `report` (when given).
    """
    stack: list[tuple[str, Iterator[tuple[Any, Any]]]] = [(prefix, iter(obj.items()))]
    while stack:
        base, items = stack[-1]
        top = len(stack) == 1
        for key, value in items:
            if top and key in skip:
                continue
            if key == "":
                if report is not None:
                    report.drop("empty key")
                continue
            name = f"{base}{key}"
            if isinstance(value, Mapping | list):
                if len(stack) > MAX_DEPTH:
                    if report is not None:
                        report.drop(_DEEP)
                    continue
                stack.append((f"{name}.", _items(value, report)))
                break
            yield name, value
        else:
            stack.pop()
