"""Python batch metrics: `module:function` entries called with the whole fetched batch.

A function returns model metrics, data and events (one object, any iterable of them, or None). One
that cannot be imported, raises, or returns anything else becomes a FAIL_BLOCK text metric carrying
the error text (and is logged), so one broken entry never loses the other metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from metrics_build import model as m
from metrics_build.batch.model import FetchedBatch
from metrics_build.batch.section import PythonEntry
from metrics_build.user_code import load_function, on_sys_path

log = logging.getLogger(__name__)

Output = m.Metric | m.SeriesData | m.GroupedData | m.ExternalFileData | m.Event


@dataclass
class PythonResults:
    """What the Python entries gave, by kind, in entry order."""

    metrics: list[m.Metric] = field(default_factory=list)
    data: list[m.Data] = field(default_factory=list)
    events: list[m.Event] = field(default_factory=list)

    def add(self, obj: Output) -> None:
        """File one returned object under its kind."""
        if isinstance(obj, m.Metric):
            self.metrics.append(obj)
        elif isinstance(obj, m.Event):
            self.events.append(obj)
        else:
            self.data.append(obj)


def _objects(result: object, spec: str) -> list[Output]:
    if result is None:
        return []
    items: Iterable[object]
    if isinstance(result, (m.Metric, m.Event, m.SeriesData, m.GroupedData, m.ExternalFileData)):
        items = [result]
    elif isinstance(result, Iterable) and not isinstance(result, (str, bytes)):
        items = list(result)
    else:
        raise TypeError(f"{spec} returned {type(result).__name__}, not metrics, data or events")
    out: list[Output] = []
    for obj in items:
        if not isinstance(obj, (m.Metric, m.Event, m.SeriesData, m.GroupedData, m.ExternalFileData)):
            raise TypeError(f"{spec} returned a {type(obj).__name__}, not a metric, data or event")
        out.append(obj)
    return out


def failure_metric(entry: PythonEntry, error: BaseException) -> m.TextMetric:
    """The FAIL_BLOCK text metric that stands for a failed entry."""
    text = f"Python batch metric `{entry.function}` failed: {type(error).__name__}: {error}"
    return m.TextMetric(name=entry.label(), text=text, status=m.Status.FAIL_BLOCK, importance=m.Importance.HIGH,
                        description="a Python batch metric that failed")


def run_python_entries(entries: Iterable[PythonEntry], batch: FetchedBatch, *,
                       config_dir: Path | None) -> PythonResults:
    """Call every entry with `batch`, the config file's directory first on `sys.path`.

    Args:
        entries: the `[[batch.python]]` entries, run in order.
        batch: the whole fetched batch (do not mutate it).
        config_dir: directory of the config file (None: the built-in config, nothing added to the path).

    Returns:
        Every returned object by kind; a failed entry contributes one FAIL_BLOCK text metric instead.
    """
    results = PythonResults()
    with on_sys_path(config_dir):
        for entry in entries:
            try:
                objects = _objects(load_function(entry.function, config_dir)(batch), entry.function)
            except Exception as exc:
                log.error("Python batch metric %s failed: %s: %s", entry.function, type(exc).__name__, exc)
                results.add(failure_metric(entry, exc))
                continue
            for obj in objects:
                results.add(obj)
    return results


__all__ = ["PythonResults", "failure_metric", "run_python_entries"]
