"""The built-in default batch aggregations in the per-statistic layout (`default_layout =
"per_statistic"`, the layout before, byte for byte): values against NumPy, global histogram edges, empty
and all-errored batches, all accepted by ReSim's validator and reader."""

from __future__ import annotations

import itertools
import math
import uuid

import numpy as np
import pytest
from aggregation_fixtures import Batch, compute, errored_test, make_batch, make_test
from oracle import assert_resim_accepts, resim_unpack

from metrics_build import model as m
from metrics_build.batch.compute import BatchOutput
from metrics_build.batch.defaults import (
    PASS_RATE_METRIC,
    STATUS_COUNTS_METRIC,
    SUMMARY_METRIC,
    histogram_name,
    stat_name,
)
from metrics_build.batch.discovery import Extent, global_edges
from metrics_build.config import BatchSection

JOB = uuid.UUID("2a3b4c5d-6e7f-4081-9203-a4b5c6d7e8f9")
RNG = np.random.default_rng(11)
ACC = [float(x) for x in RNG.uniform(0, 3, size=5)]
LAT = [float(x) for x in RNG.uniform(10, 90, size=5)]
SERIES = [RNG.normal(0, 2, size=n) for n in (4, 10, 7, 1, 12)]


def _batch() -> Batch:
    tests = []
    for i in range(5):
        scalars: dict[str, float | tuple[float, m.Status]] = {"accel": ACC[i]}
        if i != 2:  # test 2 has no latency
            scalars["latency"] = (LAT[i], m.Status.FAIL_BLOCK if i == 4 else m.Status.PASSED)
        series = {"yaw": SERIES[i]}
        if i == 1:
            series["pitch"] = np.asarray([1.0, math.nan, math.inf, 3.0])
        tests.append(make_test(f"case {i}", scalars=scalars, series=series, states={"mode": ["a", "b"]}))
    return make_batch([*tests, errored_test("case x")])


def _run(batch: Batch, section: BatchSection | None = None) -> BatchOutput:
    section = (section or BatchSection()).model_copy(update={"default_layout": "per_statistic"})
    out = compute(batch, section, config_dir=None)
    resim_unpack(assert_resim_accepts(out.writer(JOB).serialize()))
    return out


def _value(out: BatchOutput, name: str) -> float:
    metric = out.metric(name)
    assert isinstance(metric, m.ScalarMetric), f"{name}: {type(metric).__name__}"
    return metric.value


def test_default_scalar_statistics_match_numpy() -> None:
    out = _run(_batch())
    for name, values in (("accel", ACC), ("latency", [v for i, v in enumerate(LAT) if i != 2])):
        arr = np.asarray(values)
        assert _value(out, stat_name(name, "mean")) == pytest.approx(float(arr.mean()), rel=1e-12)
        assert _value(out, stat_name(name, "min")) == float(arr.min())
        assert _value(out, stat_name(name, "max")) == float(arr.max())
        assert _value(out, stat_name(name, "p50")) == pytest.approx(float(np.percentile(arr, 50)), rel=1e-12)
        assert _value(out, stat_name(name, "p95")) == pytest.approx(float(np.percentile(arr, 95)), rel=1e-12)
        assert _value(out, stat_name(name, "count")) == len(values)


def test_default_status_counts_pass_rate_and_order() -> None:
    out = _run(_batch())
    counts = out.metric(STATUS_COUNTS_METRIC)
    assert isinstance(counts, m.BarChartMetric)
    values = counts.values[0]
    assert isinstance(values, m.SeriesData) and values.index is not None
    got = dict(zip(values.index.values.tolist(), values.values.tolist(), strict=True))
    assert got == {"PASSED": 4, "WARNING": 0, "BLOCKER": 1, "ERROR": 1, "CANCELLED": 0}
    assert _value(out, PASS_RATE_METRIC) == pytest.approx(4 / 5)
    names = [x.name for x in out.metrics]
    assert names[:2] == [STATUS_COUNTS_METRIC, PASS_RATE_METRIC] and names[-1] == SUMMARY_METRIC
    assert names.index(stat_name("accel", "mean")) < names.index(stat_name("latency", "mean"))
    assert names.index(histogram_name("pitch")) < names.index(histogram_name("yaw"))
    assert histogram_name("mode") not in names  # a state (string) channel is not histogrammed


def test_default_histogram_uses_global_edges_from_every_test() -> None:
    out = _run(_batch(), BatchSection(default_histogram_buckets=7))
    metric = out.metric(histogram_name("yaw"))
    assert isinstance(metric, m.HistogramMetric) and isinstance(metric.values, m.SeriesData)
    allv = np.concatenate(SERIES)
    edges = np.linspace(allv.min(), allv.max(), 8)
    assert [b[0] for b in metric.buckets] == pytest.approx(edges[:-1].tolist(), rel=1e-12)
    assert metric.buckets[0][0] == allv.min() and metric.buckets[-1][1] == allv.max()
    expected, _ = np.histogram(allv, bins=edges)
    got, _ = np.histogram(metric.values.values, bins=[metric.buckets[0][0], *(b[1] for b in metric.buckets)])
    np.testing.assert_array_equal(got, expected)


def test_default_histogram_skips_nan_and_puts_infinity_outside() -> None:
    out = _run(_batch())
    metric = out.metric(histogram_name("pitch"))
    assert isinstance(metric, m.HistogramMetric) and isinstance(metric.values, m.SeriesData)
    assert metric.buckets[0][0] == 1.0 and metric.buckets[-1][1] == 3.0
    assert metric.values.values.size == 2
    assert "1 NaN value left out" in metric.description and "1 above the edges" in metric.description


@pytest.mark.parametrize(("lo", "hi"), [(2.0, 2.0), (-1e308, 1e308), (0.0, 5e-324)])
def test_global_edges_are_strictly_increasing_and_finite(lo: float, hi: float) -> None:
    extent = Extent()
    extent.update(np.asarray([lo, hi]))
    edges = global_edges(extent, 20)
    assert edges is not None
    assert all(math.isfinite(e) for e in edges) and all(b > a for a, b in itertools.pairwise(edges))
    assert edges[0] <= lo and edges[-1] >= hi
    nothing = Extent()
    nothing.update(np.asarray([math.nan, math.inf]))
    assert global_edges(nothing, 20) is None


def test_summary_text_describes_the_batch() -> None:
    out = _run(_batch())
    summary = out.metric(SUMMARY_METRIC)
    assert isinstance(summary, m.TextMetric) and summary.status is m.Status.PASSED
    assert "6 tests (PASSED 4, BLOCKER 1, ERROR 1)" in summary.text
    assert "Pass rate: 80.0% (4 of 5 tests with a verdict)" in summary.text
    assert "aggregated 2 scalar metrics and 2 exported series" in summary.text


@pytest.mark.parametrize(("tests", "phrase", "status"), [
    ([], "The batch has no tests", m.Status.NOT_APPLICABLE),
    (["ERROR", "ERROR"], "None of the 2 tests produced metrics", m.Status.FAIL_BLOCK),
    (["CANCELLED"], "None of the 1 tests produced metrics", m.Status.NOT_APPLICABLE),
])
def test_empty_or_all_errored_batch_gives_a_valid_output_that_says_so(
        tests: list[str], phrase: str, status: m.Status) -> None:
    out = _run(make_batch([errored_test(f"e{i}", s) for i, s in enumerate(tests)]))
    summary = out.metric(SUMMARY_METRIC)
    assert isinstance(summary, m.TextMetric) and phrase in summary.text and summary.status is status
    rate = out.metric(PASS_RATE_METRIC)
    assert isinstance(rate, m.TextMetric) and rate.status is m.Status.NOT_APPLICABLE
    assert [x.name for x in out.metrics] == [STATUS_COUNTS_METRIC, PASS_RATE_METRIC, SUMMARY_METRIC]


def test_default_histograms_write_at_most_the_configured_samples_keeping_the_shape() -> None:
    rng = np.random.default_rng(3)
    batch = make_batch([make_test(f"t{i}", series={"big": rng.normal(size=3000), "small": rng.normal(size=50)})
                        for i in range(2)])
    full = _run(batch, BatchSection(default_histogram_samples=10_000_000))
    capped = _run(batch, BatchSection(default_histogram_samples=1000))
    hist_names = [x.name for x in full.metrics if isinstance(x, m.HistogramMetric)]
    assert sorted(hist_names) == ["big: distribution", "small: distribution"]
    for name in hist_names:
        big, small = full.metric(name), capped.metric(name)
        assert isinstance(big, m.HistogramMetric)
        assert isinstance(small, m.HistogramMetric)
        assert isinstance(big.values, m.SeriesData)
        assert isinstance(small.values, m.SeriesData)
        assert len(small.values) <= 1000
        edges = [b[0] for b in big.buckets] + [big.buckets[-1][1]]
        big_counts, _ = np.histogram(big.values.values, bins=edges)
        small_counts, _ = np.histogram(small.values.values, bins=edges)
        if len(big.values) > 1000:  # scaled: each bucket keeps its share within one sample
            share = big_counts / big_counts.sum() * small_counts.sum()
            assert np.all(np.abs(small_counts - share) <= 1.0)
        else:
            assert small_counts.tolist() == big_counts.tolist()
