"""Flattening nested objects to dotted names, in order, however deep."""

from __future__ import annotations

import json
from pathlib import Path

from source_helpers import load, values, write_text

from metrics_build.sources._flatten import flatten


def test_order_prefix_and_skip() -> None:
    nested = {"a": 1, "b": {"c": 2, "d": {"e": 3}, "f": [1]}, "g": 4, "skip": 5}
    assert list(flatten(nested, skip=frozenset({"skip"}))) == [
        ("a", 1), ("b.c", 2), ("b.d.e", 3), ("b.f", [1]), ("g", 4)]
    assert list(flatten({"x": {"skip": 1}}, prefix="p.", skip=frozenset({"skip"}))) == [("p.x.skip", 1)]
    assert list(flatten({})) == [] and list(flatten({"a": {}})) == []


def test_very_deep_nesting_does_not_overflow(tmp_path: Path) -> None:
    depth = 1000  # deeper than Python's default recursion limit
    document: dict[str, object] = {"v": 1.5}
    for _ in range(depth):
        document = {"k": document}
    assert list(flatten(document)) == [(".".join(["k"] * depth + ["v"]), 1.5)]
    write_text(tmp_path / "metrics.jsonl", json.dumps({"step": 1, "deep": {"k": {"k": {"v": 2}}}}) + "\n")
    assert values(load(tmp_path).channels["deep.k.k.v"]) == [2.0]
