"""Flattening nested objects and lists to dotted names, in order, bounded in depth and list length."""

from __future__ import annotations

import json
from pathlib import Path

from source_helpers import load, values, write_text

from metrics_build.channels import SourceReport
from metrics_build.sources._flatten import MAX_DEPTH, MAX_LIST_ITEMS, flatten


def test_order_prefix_and_skip() -> None:
    nested = {"a": 1, "b": {"c": 2, "d": {"e": 3}, "f": [1, {"h": 5}]}, "g": 4, "skip": 5}
    assert list(flatten(nested, skip=frozenset({"skip"}))) == [
        ("a", 1), ("b.c", 2), ("b.d.e", 3), ("b.f.0", 1), ("b.f.1.h", 5), ("g", 4)]
    assert list(flatten({"x": {"skip": 1}}, prefix="p.", skip=frozenset({"skip"}))) == [("p.x.skip", 1)]
    assert list(flatten({})) == [] and list(flatten({"a": {}})) == []


def test_long_lists_and_empty_keys_are_counted() -> None:
    report = SourceReport(path="x", format="json")
    pairs = list(flatten({"v": list(range(MAX_LIST_ITEMS + 5)), "": 1, "o": {"": 2, "k": 3}}, report=report))
    assert pairs == [(f"v.{i}", i) for i in range(MAX_LIST_ITEMS)] + [("o.k", 3)]
    assert dict(report.values_dropped) == {f"list items beyond {MAX_LIST_ITEMS}": 5, "empty key": 2}


def test_very_deep_nesting_does_not_overflow_and_is_bounded(tmp_path: Path) -> None:
    depth = 1000  # deeper than Python's default recursion limit
    document: dict[str, object] = {"v": 1.5}
    for _ in range(depth):
        document = {"k": document}
    report = SourceReport(path="x", format="json")
    assert list(flatten({"shallow": 1, "deep": document}, report=report)) == [("shallow", 1)]
    assert dict(report.values_dropped) == {f"nested deeper than {MAX_DEPTH} levels": 1}
    shallow: dict[str, object] = {"v": 1.5}
    for _ in range(MAX_DEPTH - 1):
        shallow = {"k": shallow}
    assert list(flatten(shallow)) == [(".".join(["k"] * (MAX_DEPTH - 1) + ["v"]), 1.5)]
    write_text(tmp_path / "metrics.jsonl", json.dumps({"step": 1, "deep": {"k": {"k": {"v": 2}}}}) + "\n")
    assert values(load(tmp_path).channels["deep.k.k.v"]) == [2.0]
