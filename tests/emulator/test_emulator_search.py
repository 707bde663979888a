"""The batch `search` filter: the subset report builds send is understood; everything else is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from metrics_build.emulator.catalog import BatchRecord
from metrics_build.emulator.search import MAX_SEARCH, SearchError, parse_search


def _batch(name: str, day: int, *, suite: str = "s1", branch: str = "b1", revision: int = 1) -> BatchRecord:
    return BatchRecord(key=name, batch_id=f"id-{name}", name=name, created=datetime(2026, 1, day, 20, tzinfo=UTC),
                       branch_id=branch, suite_id=suite, suite_revision=revision, build_id="build",
                       status="SUCCEEDED", jobs=[])


BATCHES = [_batch("a", 5), _batch("b", 6, revision=2), _batch("c", 7, branch="b2"), _batch("d", 8, suite="s2")]


def _names(text: str) -> list[str]:
    matches = parse_search(text)
    return [b.name for b in BATCHES if matches(b)]


@pytest.mark.parametrize(("text", "names"), [
    ("", ["a", "b", "c", "d"]),
    ('test_suite_id = "s1" AND branch_id = "b1"', ["a", "b"]),
    # What ReSim's report code sends: str(datetime) times, strict bounds.
    ('test_suite_id = "s1" AND branch_id = "b1" AND created_at > "2026-01-05 20:00:00+00:00" '
     'AND created_at < "2026-01-09 00:00:00+00:00"', ["b"]),
    ('created_at >= "2026-01-05T20:00:00Z" and created_at <= "2026-01-06T20:00:00Z"', ["a", "b"]),
    ('created_at > "2026-01-06"', ["b", "c", "d"]),  # a naive time is UTC
    ("test_suite_revision = 2", ["b"]),
    ('test_suite_revision != 2 AND branch_id != "b2"', ["a", "d"]),
    ('  name = "a"  ', ["a"]),
    ('name = "with \\"quotes\\""', []),
])
def test_understood_filters(text: str, names: list[str]) -> None:
    assert _names(text) == names


@pytest.mark.parametrize(("text", "message"), [
    ('test_suite_id = "s1" OR branch_id = "b1"', "expected AND"),
    ('(test_suite_id = "s1")', "cannot parse"),
    ('colour = "red"', "unknown search field"),
    ('branch_id > "b1"', "takes = or !="),
    ("branch_id = b1", "cannot parse"),
    ('test_suite_revision = "1"', "unquoted integer"),
    ("created_at > 5", "quoted ISO-8601"),
    ('created_at > "yesterday"', "quoted ISO-8601"),
    ('name = "a" AND', "cannot parse"),
    ('name = "unterminated', "cannot parse"),
    ("x" * (MAX_SEARCH + 1), "longer than"),
])
def test_everything_else_is_refused(text: str, message: str) -> None:
    with pytest.raises(SearchError, match=message):
        parse_search(text)
