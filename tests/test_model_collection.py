"""MetricSet.names lists what the writer emits, each object once, so clashes can be found before writing."""

from __future__ import annotations

import uuid

from metrics_build import model as m
from metrics_build.writer import JobMetricsWriter


def test_names_cover_referenced_data_indexes_linked_metrics_and_events_once_each() -> None:
    t = m.timestamps("t", [1, 2])
    v = m.doubles("v", [1.0, 2.0], index=t)
    over_time = m.DoubleOverTimeMetric(name="v over time", series=[v])
    shared = m.DoubleSummaryMetric(name="v summary", value=v)  # shares v (and t) with the plot
    linked = m.ScalarMetric(name="hit", value=1.0, event_metric=True)
    items = m.MetricSet(metrics=[over_time, shared], data=[m.doubles("orphan", [0.0])],
                        events=[m.Event(name="collision", metrics=[linked])])
    names = items.names()
    assert sorted(names) == sorted(["v over time", "v", "t", "v status (v over time)", "v summary",
                                    "v status (v summary)", "hit", "orphan", "collision"])
    assert items.repeated_names() == []
    # exactly what the writer emits
    msg = JobMetricsWriter(uuid.UUID(int=7)).add_all(items).build()
    written = [x.name for x in msg.job_level_metrics.metrics] + [d.name for d in msg.metrics_data]
    written += [e.name for e in msg.events]
    assert sorted(written) == sorted(names)


def test_repeated_names_finds_a_data_named_like_a_metric() -> None:
    items = m.MetricSet(metrics=[m.ScalarMetric(name="speed", value=1.0)], data=[m.doubles("speed", [1.0])])
    assert items.repeated_names() == ["speed"]


def test_extend_and_metric_lookup() -> None:
    a = m.MetricSet(metrics=[m.ScalarMetric(name="a", value=1.0)])
    b = m.MetricSet(metrics=[m.TextMetric(name="b", text="x")], data=[m.doubles("d", [1.0])])
    a.extend(b)
    assert [x.name for x in a.metrics] == ["a", "b"]
    assert a.metric("b") is b.metrics[0]
    assert [d.name for d in a.data] == ["d"]
