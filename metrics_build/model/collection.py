"""A set of metrics, data and events: what both modes hand to the writer.

`names()` lists every name the writer would emit, each object once, so both modes check the one
rule the platform's reader adds to its validator: metric, data and event names must all differ.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from metrics_build.model.data import Data, GroupedData, SeriesData
from metrics_build.model.metrics import Event, Metric


@dataclass(frozen=True)
class ImportedJobMetrics:
    """A JobMetrics another library wrote (ReSim's `ResimMetricsWriter`), kept serialized: the writer
    merges its metrics, data and events into the output with ids derived as ours are."""

    payload: bytes


@dataclass
class MetricSet:
    """Metrics (each packed with the data it references), data without a metric, events, and JobMetrics
    written by other libraries."""

    metrics: list[Metric] = field(default_factory=list)
    data: list[Data] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    imported: list[ImportedJobMetrics] = field(default_factory=list)

    def extend(self, other: MetricSet) -> None:
        """Append everything `other` holds, in order."""
        self.metrics += other.metrics
        self.data += other.data
        self.events += other.events
        self.imported += other.imported

    def metric(self, name: str) -> Metric:
        """The first metric called `name` (KeyError when there is none)."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(name)

    def names(self) -> list[str]:
        """Every name the writer would emit, each object once (a name listed twice is a clash).

        Covers metrics (and the metrics events link), the data they reference with their index
        chains, data registered on its own, and events; not the names inside `imported` (they are
        serialized: `metrics_build.writer.output_names` covers them too).
        """
        seen: set[int] = set()
        names: list[str] = []

        def visit(obj: object, name: str) -> bool:
            if id(obj) in seen:
                return False
            seen.add(id(obj))
            names.append(name)
            return True

        def visit_data(d: Data) -> None:
            node: Data | None = d
            while node is not None and visit(node, node.name):
                node = node.index if isinstance(node, SeriesData | GroupedData) else None

        for metric in [*self.metrics, *(mt for e in self.events for mt in e.metrics)]:
            if visit(metric, metric.name):
                for d in metric.data():
                    visit_data(d)
        for d in self.data:
            visit_data(d)
        for e in self.events:
            visit(e, e.name)
        return names

    def repeated_names(self) -> list[str]:
        """Names used by more than one metric, data or event, sorted."""
        return sorted(n for n, count in Counter(self.names()).items() if count > 1)
