"""The subset of the platform's batch `search` filter that report builds send, parsed into one predicate.

    test_suite_id = "<id>" AND branch_id = "<id>" AND created_at > "<time>" AND created_at < "<time>"
    [AND test_suite_revision = <n>]

Clauses are `field op value` joined by `AND`; fields: test_suite_id, branch_id, build_id, batch_id,
status, name, created_at, test_suite_revision; operators: = != > >= < <=; values: "quoted text" or an
integer; times in any ISO-8601 form (`str(datetime)` too). Anything else is a `SearchError` (400).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from metrics_build.emulator.catalog import BatchRecord
from metrics_build.emulator.ids import parse_time

Predicate = Callable[[BatchRecord], bool]
MAX_SEARCH = 2000

_CLAUSE = re.compile(r'\s*([a-z_]+)\s*(!=|>=|<=|=|>|<)\s*("(?:[^"\\]|\\.)*"|-?[0-9]+)\s*')
_AND = re.compile(r"AND\b", re.IGNORECASE)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
_TEXT_FIELDS: dict[str, Callable[[BatchRecord], str]] = {
    "test_suite_id": lambda b: b.suite_id, "branch_id": lambda b: b.branch_id, "build_id": lambda b: b.build_id,
    "batch_id": lambda b: b.batch_id, "status": lambda b: b.status, "name": lambda b: b.name}


class SearchError(ValueError):
    """A filter the emulator cannot parse (answered with 400 and this message)."""


def parse_search(text: str) -> Predicate:
    """The predicate a `search` filter stands for (an empty filter matches every batch).

    Raises:
        SearchError: The filter is too long, or has a clause, field, operator or value not in the subset.
    """
    if len(text) > MAX_SEARCH:
        raise SearchError(f"search filter longer than {MAX_SEARCH} characters")
    clauses: list[Predicate] = []
    position, expect_and = 0, False
    while position < len(text.rstrip()):
        if expect_and:
            gap = re.compile(r"\s*").match(text, position)
            position = gap.end() if gap else position
            joined = _AND.match(text, position)
            if joined is None:
                raise SearchError(f"expected AND at character {position} of the search filter")
            position = joined.end()
        match = _CLAUSE.match(text, position)
        if match is None:
            raise SearchError(f"cannot parse the search filter at character {position}: "
                              'expected field op value, e.g. branch_id = "..."')
        clauses.append(_clause(*match.groups()))
        position, expect_and = match.end(), True
    return lambda batch: all(c(batch) for c in clauses)


def _clause(name: str, op: str, raw: str) -> Predicate:
    compare = _OPS[op]
    quoted = raw.startswith('"')
    value = re.sub(r"\\(.)", r"\1", raw[1:-1]) if quoted else raw
    if name in _TEXT_FIELDS:
        if op not in ("=", "!=") or not quoted:
            raise SearchError(f"{name} takes = or != and a quoted value")
        get = _TEXT_FIELDS[name]
        return lambda b: compare(get(b), value)
    if name == "test_suite_revision":
        if quoted or not value.lstrip("-").isdigit():
            raise SearchError("test_suite_revision takes an unquoted integer")
        number = int(value)
        return lambda b: compare(b.suite_revision, number)
    if name == "created_at":
        moment: datetime | None = parse_time(value) if quoted else None
        if moment is None:
            raise SearchError(f"created_at takes a quoted ISO-8601 time, not {raw[:40]}")
        return lambda b: compare(b.created, moment)
    raise SearchError(f"unknown search field {name!r}")


__all__ = ["MAX_SEARCH", "Predicate", "SearchError", "parse_search"]
