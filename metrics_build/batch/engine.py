"""The batch aggregation as a map-reduce: an `Aggregator` folds tests one at a time (`update`), shards
of tests merge in test order (`merge`), and `finish` turns the merged state into the batch's metrics.

The single-process run and a sharded run (Dask) are the same code: one shard, or many merged. Every
fold keeps per-test scalars and integer counts and computes in test order at the end, so any sharding
gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from metrics_build import model as m
from metrics_build.batch import defaults
from metrics_build.batch.declared import Fold, HistogramFold, fold_for
from metrics_build.batch.discovery import FirstPass
from metrics_build.batch.python import BatchTests, PythonEntries
from metrics_build.batch.tally import Tally
from metrics_build.compare.extract import side_test
from metrics_build.compare.records import SideTest
from metrics_build.config import BatchSection
from metrics_build.records import TestRecord

SecondPass = Callable[[], Iterator[TestRecord]]
"""Reads the batch's tests again, in order, with at least their exported series."""


@dataclass
class Aggregator:
    """Everything batch metrics fold over the tests of one shard.

    Attributes:
        section: The `[batch]` config.
        config_dir: The config file's directory (for Python entries), or None.
        tally: Tests, statuses, verdicts.
        folds: The declared aggregations, in output order.
        discovery: The defaults' first pass (None when aggregations are declared or defaults are off).
        python: The Python entries (streaming ones are folded here).
        sides: This batch as a comparison side (a scalar per test and name), when a baseline is set.
    """

    section: BatchSection
    config_dir: Path | None = None
    tally: Tally = field(default_factory=Tally)
    folds: list[Fold] = field(default_factory=list)
    discovery: FirstPass | None = None
    python: PythonEntries = field(default_factory=PythonEntries)
    sides: list[SideTest] | None = None

    @classmethod
    def start(cls, section: BatchSection, config_dir: Path | None) -> Aggregator:
        """An empty aggregator for `section` (Python entries loaded now)."""
        folds = [fold_for(spec, section.nan_policy) for spec in section.metrics]
        discovery = FirstPass() if not section.metrics and section.use_defaults else None
        return cls(section=section, config_dir=config_dir, folds=folds, discovery=discovery,
                   python=PythonEntries.load(section.python, config_dir),
                   sides=[] if section.baseline is not None else None)

    @property
    def with_defaults(self) -> bool:
        """Whether the built-in defaults run (no declared aggregations, defaults on)."""
        return self.discovery is not None

    def update(self, test: TestRecord) -> None:
        """Fold in the next test."""
        self.tally.update(test)
        for fold in self.folds:
            fold.update(test)
        if self.discovery is not None:
            self.discovery.update(test)
        self.python.update(test, self.config_dir)
        if self.sides is not None:
            self.sides.append(side_test(test))

    def merge(self, other: Aggregator) -> None:
        """Fold in the next shard (its tests all come after this one's)."""
        self.tally.merge(other.tally)
        for mine, theirs in zip(self.folds, other.folds, strict=True):
            mine.merge(theirs)
        if self.discovery is not None and other.discovery is not None:
            self.discovery.merge(other.discovery)
        self.python.merge(other.python, self.config_dir)
        if self.sides is not None and other.sides is not None:
            self.sides += other.sides

    def histograms(self) -> list[HistogramFold]:
        """The default histograms, whose edges the first pass found; fill them with `second_pass`."""
        if self.discovery is None:
            return []
        return defaults.histogram_folds(self.discovery, self.section,
                                        judged=self.section.default_layout == "per_statistic")

    def aggregated(self, histograms: list[HistogramFold], names: m.Names) -> list[m.Metric]:
        """The declared (or default) metrics, histograms filled."""
        if self.discovery is None:
            return [fold.result(self.tally) for fold in self.folds]
        if self.section.default_layout == "per_statistic":
            metrics = [fold.result(self.tally) for fold in defaults.per_statistic(self.tally, self.discovery,
                                                                                   self.section)]
        else:
            metrics = defaults.summary_layout(self.tally, self.discovery, self.section, names)
        return metrics + [h.result(self.tally) for h in histograms]


def fill(histograms: list[HistogramFold], tests: Iterator[TestRecord]) -> None:
    """The second pass: bin every test's exported series on the edges the first pass found."""
    if not histograms:
        return
    for test in tests:
        for histogram in histograms:
            histogram.update(test)


def python_results(aggregator: Aggregator, batch: BatchTests, names: m.Names) -> m.MetricSet:
    """The Python entries' output (failures as their FAIL_BLOCK metrics)."""
    return aggregator.python.results(batch, names, aggregator.config_dir)


__all__ = ["Aggregator", "SecondPass", "fill", "python_results"]
