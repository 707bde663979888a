"""Declared batch aggregations end to end in memory: values against NumPy, statuses, NaN policy,
name rules, and every output accepted by ReSim's validator and reader."""

from __future__ import annotations

import dataclasses
import itertools
import math
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aggregation_fixtures import Batch, compute, errored_test, make_batch, make_test
from oracle import assert_resim_accepts, resim_unpack

from metrics_build import model as m
from metrics_build.batch.compute import SKIPPED_METRIC, BatchOutput, write_batch_output
from metrics_build.batch.discovery import FirstPass
from metrics_build.batch.fetch import SkippedObject
from metrics_build.batch.tally import verdict_of
from metrics_build.config import BatchSection
from metrics_build.errors import InvalidMetricsError

JOB = uuid.UUID("9f0c7d64-2f0e-4e39-8d8a-0d6c1b3e5a77")
RNG = np.random.default_rng(7)
SPEEDS = [float(x) for x in RNG.uniform(1, 30, size=6)]
DIST = [float(x) for x in RNG.uniform(10, 500, size=6)]
LENGTHS = [5, 9, 1, 14, 3, 7]
SERIES = [RNG.normal(10, 4, size=n) for n in LENGTHS]
STATUS = [m.Status.PASSED, m.Status.FAIL_WARN, m.Status.PASSED, m.Status.FAIL_BLOCK, m.Status.PASSED,
          m.Status.PASSED]


def _batch() -> Batch:
    tests = [make_test(f"t{i}", scalars={"speed": (SPEEDS[i], STATUS[i]), "distance": DIST[i]},
                       series={"speed": SERIES[i]}, states={"gear": ["P", "D"] * (i + 1)})
             for i in range(6)]
    return make_batch([*tests, errored_test("crashed"), errored_test("stopped", "CANCELLED")])


def _section(*metrics: dict[str, Any], **kw: Any) -> BatchSection:
    return BatchSection.model_validate({"metrics": list(metrics), **kw})


def _run(section: BatchSection, batch: Batch | None = None, tmp_path: Path | None = None) -> BatchOutput:
    out = compute(batch or _batch(), section, config_dir=None)
    payload = out.writer(JOB).serialize()
    assert_resim_accepts(payload)
    return out


def _scalar(out: BatchOutput, name: str) -> m.ScalarMetric:
    metric = out.metric(name)
    assert isinstance(metric, m.ScalarMetric), f"{name} is {type(metric).__name__}"
    return metric


@pytest.mark.parametrize(("stat", "reference"), [
    ("mean", np.mean), ("min", np.min), ("max", np.max), ("sum", np.sum), ("std", np.std),
    ("median", np.median), ("p95", lambda a: np.percentile(a, 95)), ("p12.5", lambda a: np.percentile(a, 12.5)),
])
def test_scalar_stats_match_numpy(stat: str, reference: Any) -> None:
    out = _run(_section({"kind": "scalar_stat", "name": "s", "scalar": "speed", "stat": stat}))
    metric = _scalar(out, "s")
    assert metric.value == pytest.approx(float(reference(np.asarray(SPEEDS))), rel=1e-12)
    assert metric.status is m.Status.PASSED and metric.unit == "m"
    assert "over 6 of 8 tests" in metric.description


def test_count_is_how_many_tests_had_the_scalar() -> None:
    out = _run(_section({"kind": "scalar_stat", "name": "n", "scalar": "speed", "stat": "count"}))
    assert _scalar(out, "n").value == 6.0


@pytest.mark.parametrize(("weight_by", "weight", "weights"), [
    ("equal", None, np.ones(6)),
    ("scalar", "distance", np.asarray(DIST)),
    ("series_length", "speed", np.asarray(LENGTHS, dtype=float)),
    ("series_length", "gear", 2.0 * np.arange(1, 7)),
])
def test_weighted_mean_matches_numpy(weight_by: str, weight: str | None, weights: np.ndarray) -> None:
    spec: dict[str, Any] = {"kind": "weighted_mean", "name": "w", "scalar": "speed", "weight_by": weight_by}
    if weight is not None:
        spec["weight"] = weight
    metric = _scalar(_run(_section(spec)), "w")
    assert metric.value == pytest.approx(float(np.average(SPEEDS, weights=weights)), rel=1e-12)


def test_weighted_mean_leaves_out_tests_without_the_weight() -> None:
    batch = _batch()
    batch.tests.append(make_test("z-no-distance", scalars={"speed": 1000.0}))
    metric = _scalar(_run(_section({"kind": "weighted_mean", "name": "w", "scalar": "speed", "weight_by": "scalar",
                                    "weight": "distance"}), batch), "w")
    assert metric.value == pytest.approx(float(np.average(SPEEDS, weights=DIST)))
    assert "1 test with a missing or invalid weight left out" in metric.description


def test_histogram_merges_every_test_on_fixed_edges() -> None:
    edges = [0.0, 5.0, 8.0, 10.0, 12.0, 15.0]
    out = _run(_section({"kind": "histogram", "name": "h", "channel": "speed", "edges": edges}))
    metric = out.metric("h")
    assert isinstance(metric, m.HistogramMetric)
    allv = np.concatenate(SERIES)
    expected, _ = np.histogram(allv[(allv >= 0) & (allv <= 15)], bins=edges)
    assert isinstance(metric.values, m.SeriesData)
    got, _ = np.histogram(metric.values.values, bins=edges)
    np.testing.assert_array_equal(got, expected)
    assert metric.buckets == list(itertools.pairwise(edges))
    assert f"{int((allv < 0).sum())} below and {int((allv > 15).sum())} above" in metric.description


def test_histogram_thresholds_apply_to_values() -> None:
    allv = np.concatenate(SERIES)
    spec = {"kind": "histogram", "name": "h", "channel": "speed", "lower": 0, "upper": 20, "count": 4,
            "fails_above": float(allv.max()) - 0.01, "severity": "warn"}
    assert _run(_section(spec)).metric("h").status is m.Status.FAIL_WARN
    spec["fails_above"] = float(allv.max()) + 0.01
    assert _run(_section(spec)).metric("h").status is m.Status.PASSED


def test_histogram_of_a_missing_or_string_series_says_so() -> None:
    out = _run(_section({"kind": "histogram", "name": "h", "channel": "gear", "edges": [0, 1]}))
    metric = out.metric("h")
    assert isinstance(metric, m.TextMetric) and metric.status is m.Status.NOT_APPLICABLE
    assert "none of the 8 tests exported a numeric series 'gear'" in metric.text


@pytest.mark.parametrize(("spec", "expected"), [
    ({}, 4 / 6),                                   # PASSED passes; WARN and BLOCK fail; 2 errored left out
    ({"warn_passes": True}, 5 / 6),
    ({"metric": "speed"}, 4 / 6),                  # by the speed metric's own status
    ({"metric": "distance"}, 1.0),
])
def test_pass_rate(spec: dict[str, Any], expected: float) -> None:
    metric = _scalar(_run(_section({"kind": "pass_rate", "name": "rate", **spec})), "rate")
    assert metric.value == pytest.approx(expected)
    assert "2 without a verdict left out" in metric.description


def test_pass_rate_threshold_gives_the_severity() -> None:
    out = _run(_section({"kind": "pass_rate", "name": "rate", "fails_below": 0.9},
                        {"kind": "pass_rate", "name": "rate2", "fails_below": 0.9, "severity": "warn"},
                        {"kind": "pass_rate", "name": "rate3", "fails_below": 0.5}))
    assert [out.metric(n).status for n in ("rate", "rate2", "rate3")] == [
        m.Status.FAIL_BLOCK, m.Status.FAIL_WARN, m.Status.PASSED]
    assert isinstance(out.metric("rate"), m.ScalarMetric)


def test_status_counts_bar_chart_and_thresholds() -> None:
    out = _run(_section({"kind": "status_counts", "name": "statuses", "fails_above": 0,
                         "checked_statuses": ["ERROR"]}))
    metric = out.metric("statuses")
    assert isinstance(metric, m.BarChartMetric)
    values = metric.values[0]
    assert isinstance(values, m.SeriesData) and values.index is not None
    got = dict(zip(values.index.values.tolist(), values.values.tolist(), strict=True))
    assert got == {"PASSED": 4, "WARNING": 1, "BLOCKER": 1, "ERROR": 1, "CANCELLED": 1}
    assert metric.status is m.Status.FAIL_BLOCK  # one errored test, threshold > 0 on ERROR only
    bar_status = metric.statuses[0] if metric.statuses else None
    assert isinstance(bar_status, m.SeriesData)
    assert bar_status.values.tolist() == [1, 1, 1, 5, 1]
    assert values.index.name == "statuses labels" and values.name == "statuses values"


def test_per_test_bar_labels_by_experience_and_checks_each_bar() -> None:
    out = _run(_section({"kind": "per_test_bar", "name": "speeds", "scalar": "speed",
                         "fails_above": sorted(SPEEDS)[-2], "severity": "warn"}))
    metric = out.metric("speeds")
    assert isinstance(metric, m.BarChartMetric)
    values = metric.values[0]
    assert isinstance(values, m.SeriesData) and values.index is not None
    assert values.index.values.tolist() == [f"t{i}" for i in range(6)]
    np.testing.assert_array_equal(values.values, SPEEDS)
    assert metric.status is m.Status.FAIL_WARN
    assert metric.statuses is not None and isinstance(metric.statuses[0], m.SeriesData)
    assert int((metric.statuses[0].values == m.Status.FAIL_WARN).sum()) == 1


def test_per_test_bar_disambiguates_duplicate_experience_names() -> None:
    a = make_test("a", scalars={"x": 1.0}, experience="same", jid=str(uuid.UUID(int=1)))
    b = make_test("b", scalars={"x": 2.0}, experience="same", jid=str(uuid.UUID(int=2)))
    out = _run(_section({"kind": "per_test_bar", "name": "x per test", "scalar": "x"}), make_batch([b, a]))
    metric = out.metric("x per test")
    assert isinstance(metric, m.BarChartMetric)
    index = metric.values[0].index  # type: ignore[union-attr]
    assert index is not None
    assert index.values.tolist() == [f"same ({uuid.UUID(int=1)})", f"same ({uuid.UUID(int=2)})"]


def _with_nan_speed(batch: Batch, test_index: int) -> Batch:
    # A scalar cannot be NaN on the wire, but a hand-made or older file may carry one.
    at = next(i for i, t in enumerate(batch.tests) if t.name == f"t{test_index}")
    test = batch.tests[at]
    metrics = tuple(dataclasses.replace(x, value=math.nan) if x.name == "speed" else x for x in test.metrics)
    batch.tests[at] = dataclasses.replace(test, metrics=metrics)
    return batch


@pytest.mark.parametrize(("policy", "status"), [("skip", m.Status.PASSED), ("warn", m.Status.FAIL_WARN),
                                                 ("fail", m.Status.FAIL_BLOCK)])
def test_nan_policy(policy: str, status: m.Status) -> None:
    batch = _with_nan_speed(_batch(), 0)
    out = _run(_section({"kind": "scalar_stat", "name": "mean", "scalar": "speed", "stat": "mean"},
                        {"kind": "per_test_bar", "name": "bars", "scalar": "speed"},
                        {"kind": "weighted_mean", "name": "w", "scalar": "speed"},
                        nan_policy=policy), batch)
    mean = _scalar(out, "mean")
    assert mean.value == pytest.approx(float(np.mean(SPEEDS[1:])))
    assert mean.status is status and "1 NaN value left out" in mean.description
    assert out.metric("bars").status is status
    assert _scalar(out, "w").value == pytest.approx(float(np.mean(SPEEDS[1:])))


def test_per_metric_nan_policy_overrides_the_section() -> None:
    batch = _with_nan_speed(_batch(), 2)
    out = _run(_section({"kind": "scalar_stat", "name": "a", "scalar": "speed", "stat": "max", "nan_policy": "fail"},
                        {"kind": "scalar_stat", "name": "b", "scalar": "speed", "stat": "max"},
                        nan_policy="warn"), batch)
    assert out.metric("a").status is m.Status.FAIL_BLOCK and out.metric("b").status is m.Status.FAIL_WARN


def test_missing_scalar_gives_a_not_applicable_text() -> None:
    out = _run(_section({"kind": "scalar_stat", "name": "nothing", "scalar": "no such", "stat": "p50"},
                        {"kind": "per_test_bar", "name": "bars", "scalar": "no such"},
                        {"kind": "weighted_mean", "name": "w", "scalar": "no such"}))
    for name in ("nothing", "bars", "w"):
        metric = out.metric(name)
        assert isinstance(metric, m.TextMetric) and metric.status is m.Status.NOT_APPLICABLE
        assert "no test had" in metric.text


def test_declared_metrics_replace_the_defaults_and_keep_their_order() -> None:
    out = _run(_section({"kind": "pass_rate", "name": "z"}, {"kind": "status_counts", "name": "a"}))
    assert [x.name for x in out.metrics] == ["z", "a"]


def test_no_aggregations_at_all_when_defaults_are_off() -> None:
    out = _run(BatchSection(use_defaults=False))
    assert out.metrics == []


def test_every_test_errored_gives_a_summary_text() -> None:
    batch = make_batch([errored_test("a"), errored_test("b"), errored_test("c", "CANCELLED")])
    out = _run(_section({"kind": "scalar_stat", "name": "mean", "scalar": "speed", "stat": "mean"}), batch)
    summary = out.metric("batch summary")
    assert isinstance(summary, m.TextMetric) and "None of the 3 tests produced metrics" in summary.text
    assert summary.status is m.Status.FAIL_BLOCK
    assert out.metric("mean").status is m.Status.NOT_APPLICABLE


def test_skipped_objects_are_reported() -> None:
    skipped = [SkippedObject(job_id="j1", test_name="t1", kind="metric", object_name="speed", error="HTTP 500")]
    batch = _batch()
    out = _run(_section({"kind": "pass_rate", "name": "rate"}), make_batch(batch.tests, skipped))
    metric = out.metric(SKIPPED_METRIC)
    assert isinstance(metric, m.TextMetric) and metric.status is m.Status.FAIL_WARN
    assert "test `t1` (j1): metric 'speed': HTTP 500" in metric.text


def test_name_collisions_are_invalid_metrics_as_in_test_mode() -> None:
    # "h values" is the data name of histogram "h"; a metric of that name would clash with it.
    section = _section({"kind": "histogram", "name": "h", "channel": "speed", "edges": [0, 100]},
                       {"kind": "pass_rate", "name": "h values"})
    with pytest.raises(InvalidMetricsError, match="'h values'"):
        compute(_batch(), section, config_dir=None)


def test_output_is_deterministic_and_written_atomically(tmp_path: Path) -> None:
    section = _section({"kind": "histogram", "name": "h", "channel": "speed", "lower": 0, "upper": 20, "count": 5},
                       {"kind": "per_test_bar", "name": "bars", "scalar": "speed"},
                       {"kind": "status_counts", "name": "statuses"})
    first = compute(_batch(), section, config_dir=None)
    shuffled = _batch()
    shuffled.tests.reverse()  # download order must not matter
    second = compute(make_batch(shuffled.tests), section, config_dir=None)
    a, b = tmp_path / "a" / "metrics.binproto", tmp_path / "b" / "metrics.binproto"
    size = write_batch_output(first, a, job_id=JOB)
    write_batch_output(second, b, job_id=JOB)
    assert a.read_bytes() == b.read_bytes() and size == a.stat().st_size
    unpacked = resim_unpack(assert_resim_accepts(a))
    assert {x.name for x in unpacked.metrics} == {"h", "bars", "statuses"}


def test_discovery_agrees_with_each_record_s_scalar() -> None:
    batch = _batch()
    extra = make_test("t9", scalars={"speed": 1.0, "only event": 3.0})
    as_event = tuple(dataclasses.replace(x, event=True) if x.name == "only event" else x for x in extra.metrics)
    batch = make_batch([*batch.tests, dataclasses.replace(extra, metrics=as_event)])  # as fetched with events
    discovery = FirstPass()
    for t in batch.tests:
        discovery.update(t)
    for name in ("speed", "distance", "only event", "absent"):
        expected = [got.value for t in batch.tests if (got := t.scalar(name)) is not None]
        assert list(discovery.column(name).values) == expected
    assert discovery.scalar_names() == ["distance", "speed"]  # event-only names are not aggregated by default


def test_sum_of_a_scalar_no_test_has_is_not_zero_but_no_value() -> None:
    out = _run(_section({"kind": "scalar_stat", "name": "total", "scalar": "absent", "stat": "sum"},
                        {"kind": "scalar_stat", "name": "n", "scalar": "absent", "stat": "count"}))
    assert isinstance(out.metric("total"), m.TextMetric)
    assert _scalar(out, "n").value == 0.0


@pytest.mark.parametrize(("job_metrics_status", "conflated", "verdict"), [
    ("PASSED", "PASSED", True), ("RAW", "PASSED", True), ("FAIL_WARN", "WARNING", False),
    ("FAIL_BLOCK", "BLOCKER", False), ("NOT_APPLICABLE", "PASSED", None),
    ("NO_STATUS_REPORTED", "BLOCKER", False), ("SOMETHING_NEW", "PASSED", True), ("FAIL_BLOCK", "ERROR", None),
])
def test_verdict_by_test_status(job_metrics_status: str, conflated: str, verdict: bool | None) -> None:
    t = make_test("x", scalars={"a": 1.0}, conflated=conflated, job_metrics_status=job_metrics_status)
    assert verdict_of(t, None, warn_passes=False) is verdict


def test_declared_aggregations_read_any_named_data_as_resims_writer_names_it() -> None:
    # Tests written by ReSim's library have no `export/<channel>` data: a histogram names the data itself.
    tests = [make_test(f"r{i}", scalars={"top": float(i)},
                       metrics=[m.DoubleOverTimeMetric(name="speed plot", series=[
                           m.doubles("speed values", SERIES[i], index=m.timestamps(
                               "speed time", np.arange(len(SERIES[i])) * 1_000_000_000))])])
             for i in range(4)]
    out = _run(_section({"kind": "histogram", "name": "h", "channel": "speed values", "lower": -10, "upper": 30,
                         "count": 8},
                        {"kind": "scalar_stat", "name": "p50 top", "scalar": "top", "stat": "p50"}),
               make_batch(tests))
    hist = out.metric("h")
    assert isinstance(hist, m.HistogramMetric) and isinstance(hist.values, m.SeriesData)
    allv = np.concatenate(SERIES[:4])
    expected, _ = np.histogram(allv[(allv >= -10) & (allv <= 30)], bins=np.linspace(-10, 30, 9))
    got, _ = np.histogram(hist.values.values, bins=np.linspace(-10, 30, 9))
    np.testing.assert_array_equal(got, expected)
    assert _scalar(out, "p50 top").value == 1.5
