"""(d) Hypothesis-generated valid metric sets, built through our model and writer, pass both
validators: ours (the writer validates before serializing) and ReSim's (`assert_resim_accepts`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import assert_resim_accepts

from metrics_build import model as m
from metrics_build.validate import validate_job_metrics
from metrics_build.wire import metrics_pb2 as pb
from metrics_build.writer import JobMetricsWriter

FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)
FINITE = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)
# No NUL: NumPy's str_ arrays (the model's STRING storage) drop trailing "\x00" (reported to the writer's owner).
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=12)
STATUS = st.sampled_from(list(m.Status))
IMPORTANCE = st.sampled_from(list(m.Importance))


def _times(draw: st.DrawFn, name: str, n: int) -> m.SeriesData:
    start = draw(st.integers(0, 2**40))
    steps = draw(st.lists(st.integers(1, 10**9), min_size=n, max_size=n))
    return m.timestamps(name, start + np.cumsum(steps, dtype=np.int64))


def _common(draw: st.DrawFn) -> dict[str, Any]:
    return {"status": draw(STATUS), "importance": draw(IMPORTANCE),
            "description": draw(st.text(max_size=20)), "tags": draw(st.lists(st.tuples(TEXT, TEXT), max_size=2))}


@st.composite
def scalar(draw: st.DrawFn, name: str) -> m.Metric:
    failure = draw(st.none() | st.builds(m.FailureDefinition, st.none() | FINITE, st.none() | FINITE))
    value = draw(st.floats(allow_nan=False))
    return m.ScalarMetric(name=name, value=value, unit=draw(st.none() | TEXT), failure=failure, **_common(draw))


@st.composite
def over_time(draw: st.DrawFn, name: str) -> m.Metric:
    n = draw(st.integers(1, 40))
    time = _times(draw, f"{name} time", n)
    count = draw(st.integers(1, 3))
    series = [m.doubles(f"{name} v{i}", draw(st.lists(FLOATS, min_size=n, max_size=n)), index=time)
              for i in range(count)]
    failures = [m.FailureDefinition(draw(st.none() | FINITE), draw(st.none() | FINITE)) for _ in series]
    return m.DoubleOverTimeMetric(name=name, series=series, failures=failures,
                                  y_axis_name=draw(st.none() | TEXT), **_common(draw))


@st.composite
def summary(draw: st.DrawFn, name: str) -> m.Metric:
    n = draw(st.integers(1, 20))
    values = m.doubles(f"{name} values", draw(st.lists(FINITE, min_size=n, max_size=n)))
    return m.DoubleSummaryMetric(name=name, value=values, index=draw(st.integers(0, n - 1)), **_common(draw))


@st.composite
def line_plot(draw: st.DrawFn, name: str) -> m.Metric:
    n = draw(st.integers(1, 30))
    x = m.doubles(f"{name} x", draw(st.lists(FINITE, min_size=n, max_size=n)))
    y = m.doubles(f"{name} y", draw(st.lists(FLOATS, min_size=n, max_size=n)))
    return m.LinePlotMetric(name=name, x=[x], y=[y], x_axis_name="x", y_axis_name="y", **_common(draw))


@st.composite
def bar_chart(draw: st.DrawFn, name: str) -> m.Metric:
    labels = draw(st.lists(TEXT, min_size=1, max_size=6, unique=True))
    index = m.strings(f"{name} labels", labels)
    values = m.doubles(f"{name} heights", draw(st.lists(FINITE, min_size=len(labels), max_size=len(labels))),
                       index=index)
    return m.BarChartMetric(name=name, values=[values], stack_bars=draw(st.booleans()), **_common(draw))


@st.composite
def batchwise(draw: st.DrawFn, name: str) -> m.Metric:
    n = draw(st.integers(1, 5))
    batches = m.uuids(f"{name} batches", [uuid.UUID(int=draw(st.integers(0, 2**128 - 1))) for _ in range(n)])
    times = m.timestamps(f"{name} times", np.arange(n, dtype=np.int64) * 10**9, index=batches)
    counts = m.doubles(f"{name} counts", draw(st.lists(FINITE, min_size=n, max_size=n)), index=batches)
    color = draw(st.sampled_from(["#7CA0FB", "#fa7070aa", "#000000"]))
    return m.BatchwiseBarChartMetric(name=name, times=[times], values=[counts], categories=["PASSED"],
                                     project_id=uuid.UUID(int=7), colors=[color], **_common(draw))


@st.composite
def states(draw: st.DrawFn, name: str) -> m.Metric:
    states_set = draw(st.lists(TEXT, min_size=1, max_size=4, unique=True))
    n = draw(st.integers(1, 30))
    time = _times(draw, f"{name} time", n)
    values = m.strings(f"{name} states", draw(st.lists(st.sampled_from(states_set), min_size=n, max_size=n)),
                       index=time)
    failure = draw(st.lists(st.sampled_from(states_set), unique=True))
    return m.StatesOverTimeMetric(name=name, states=[values], states_set=states_set, failure_states=failure,
                                  **_common(draw))


@st.composite
def histogram(draw: st.DrawFn, name: str) -> m.Metric:
    edges = sorted(draw(st.lists(FINITE, min_size=2, max_size=6, unique=True)))
    values = m.doubles(f"{name} values", draw(st.lists(FINITE, min_size=1, max_size=30)))
    return m.HistogramMetric(name=name, values=values, buckets=m.histogram_buckets(edges), **_common(draw))


@st.composite
def simple(draw: st.DrawFn, name: str) -> m.Metric:
    kind = draw(st.sampled_from(["text", "plotly", "image", "images"]))
    if kind == "text":
        return m.TextMetric(name=name, text=draw(TEXT), **_common(draw))
    if kind == "plotly":
        figure = {"data": [{"y": draw(st.lists(FINITE, max_size=4))}], "layout": {"title": draw(TEXT)}}
        return m.PlotlyMetric(name=name, figure=figure, **_common(draw))
    if kind == "image":
        return m.ImageMetric(name=name, image=m.external_file(f"{name} file", f"{name}.png"), **_common(draw))
    files = [m.external_file(f"{name} file {i}", f"{i}.png") for i in range(draw(st.integers(1, 3)))]
    return m.ImageListMetric(name=name, images=files, **_common(draw))


KINDS: list[Callable[[str], st.SearchStrategy[m.Metric]]] = [
    scalar, over_time, summary, line_plot, bar_chart, batchwise, states, histogram, simple]


@st.composite
def writers(draw: st.DrawFn) -> JobMetricsWriter:
    writer = JobMetricsWriter(uuid.UUID(int=draw(st.integers(0, 2**128 - 1))))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=6))
    for i, kind in enumerate(kinds):
        writer.add_metric(draw(kind(f"metric {i}")))
    for i in range(draw(st.integers(0, 2))):
        writer.add_data(m.doubles(f"export/channel {i}", draw(st.lists(FLOATS, min_size=1, max_size=10))))
    timestamp_type = draw(st.sampled_from(list(m.TimestampType)))
    for i in range(draw(st.integers(0, 2))):
        attached = draw(scalar(f"event {i} metric"))
        attached.event_metric = True
        writer.add_event(m.Event(name=f"event {i}", timestamp=draw(st.integers(0, 2**40)),
                                 timestamp_type=timestamp_type, metrics=[attached], status=draw(STATUS),
                                 importance=draw(IMPORTANCE), tags=draw(st.lists(TEXT, max_size=2))))
    return writer


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(writers())
def test_generated_metric_sets_pass_both_validators(writer: JobMetricsWriter) -> None:
    data = writer.serialize()  # raises InvalidMetricsError if our validator objects
    assert validate_job_metrics(pb.JobMetrics.FromString(data)) == []
    assert_resim_accepts(data)
    assert writer.serialize() == data  # deterministic
