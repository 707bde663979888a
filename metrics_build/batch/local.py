"""Aggregate tests that are already at hand (records read from local files, or a shard's tests), without
the API: the same aggregation, second pass and Python entries as batch mode."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from metrics_build.batch.compute import BatchFacts, BatchOutput, compute_batch_metrics
from metrics_build.batch.engine import Aggregator
from metrics_build.batch.python import BatchTests, LazyTests
from metrics_build.config import BatchSection
from metrics_build.records import TestInfo, TestRecord

Read = Callable[[], Iterator[TestRecord]]
"""Reads the tests, in the batch's order, each time it is called."""


def lazy_batch(facts: BatchFacts, infos: Sequence[TestInfo], read: Read,
               read_one: Callable[[TestInfo], TestRecord] | None = None) -> BatchTests:
    """What function-form Python batch metrics receive: the tests, read each time they are iterated."""
    def scan(info: TestInfo) -> TestRecord:
        return next(t for t in read() if t.info == info)

    return BatchTests(project_id=facts.project_id, batch_id=facts.batch_id,
                      tests=LazyTests(infos, read, read_one or scan))


def fold_tests(tests: Iterable[TestRecord], section: BatchSection, config_dir: Path | None) -> Aggregator:
    """One shard: a new aggregator with `tests` folded in, in order (merge shards in test order)."""
    aggregator = Aggregator.start(section, config_dir)
    for test in tests:
        aggregator.update(test)
    return aggregator


def aggregate_tests(read: Read, infos: Sequence[TestInfo], facts: BatchFacts, section: BatchSection, *,
                    config_dir: Path | None, aggregator: Aggregator | None = None) -> BatchOutput:
    """Fold every test of `read()` into a new aggregator (or finish `aggregator`, already folded, e.g. the
    merge of shards) and compute the batch's output.

    Raises:
        InvalidMetricsError: two outputs share a name.
    """
    if aggregator is None:
        aggregator = fold_tests(read(), section, config_dir)
    return compute_batch_metrics(aggregator, facts, second_pass=lambda _names: read(),
                                 batch=lazy_batch(facts, infos, read))


__all__ = ["Read", "aggregate_tests", "fold_tests", "lazy_batch"]
