"""Names in one output: ReSim's reader needs every metric, data and event name to be distinct."""

from __future__ import annotations

from collections.abc import Sequence

from metrics_build import model as m


class Names:
    """Hands out names that no other metric, data or event of the output uses."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def __contains__(self, name: str) -> bool:
        return name in self._used

    def claim(self, name: str) -> bool:
        """Take `name` exactly; False (and nothing taken) when it is already used."""
        if name in self._used:
            return False
        self._used.add(name)
        return True

    def unique(self, base: str) -> str:
        """`base` if free, else `base (2)`, `base (3)`, ... (the first free one), taken."""
        name, n = base, 1
        while name in self._used:
            n += 1
            name = f"{base} ({n})"
        self._used.add(name)
        return name

    def release(self, names: set[str] | list[str]) -> None:
        """Give back names (used when a Python metric's results are thrown away)."""
        self._used.difference_update(names)


def output_names(metrics: Sequence[m.Metric], data: Sequence[m.Data], events: Sequence[m.Event]) -> list[str]:
    """Every name the writer would emit for these objects, each object once (duplicates = clashes).

    Covers metrics (and the metrics events link), the data they reference with their indexes, data
    registered on its own, and events.
    """
    seen: set[int] = set()
    names: list[str] = []

    def visit(obj: object, name: str) -> bool:
        if id(obj) in seen:
            return False
        seen.add(id(obj))
        names.append(name)
        return True

    def visit_data(d: m.Data) -> None:
        node: m.Data | None = d
        while node is not None and visit(node, node.name):
            node = node.index if isinstance(node, m.SeriesData | m.GroupedData) else None

    all_metrics = list(metrics) + [mt for e in events for mt in e.metrics]
    for metric in all_metrics:
        if visit(metric, metric.name):
            for d in metric.data():
                visit_data(d)
    for d in data:
        visit_data(d)
    for e in events:
        visit(e, e.name)
    return names
