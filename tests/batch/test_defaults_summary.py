"""The built-in default batch metrics in the summary layout (the default): one metric per scalar name
with its statistics, statuses that mean something, per-test breakdowns of judged scalars, a table."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from aggregation_fixtures import Batch, compute, errored_test, make_batch, make_test
from oracle import assert_resim_accepts, resim_unpack

from metrics_build import model as m
from metrics_build.batch.compute import BatchOutput
from metrics_build.batch.defaults import (
    PASS_RATE_METRIC,
    SCALAR_TABLE_METRIC,
    STATUS_COUNTS_METRIC,
    SUMMARY_METRIC,
    histogram_name,
    per_test_name,
)
from metrics_build.config import BatchSection

JOB = uuid.UUID("7a3b4c5d-6e7f-4081-9203-a4b5c6d7e8f9")
RNG = np.random.default_rng(5)
ACC = [float(x) for x in RNG.uniform(0, 3, size=5)]
LAT = [float(x) for x in RNG.uniform(10, 90, size=5)]
LIMIT = 50.0


def _latency(i: int) -> m.ScalarMetric:
    failing = LAT[i] > LIMIT
    return m.ScalarMetric(name="latency", value=LAT[i], unit="ms", failure=m.FailureDefinition(fails_above=LIMIT),
                          status=(m.Status.FAIL_BLOCK if i % 2 else m.Status.FAIL_WARN) if failing else m.Status.PASSED)


def _batch() -> Batch:
    tests = [make_test(f"case {i}", scalars={"accel": ACC[i]}, metrics=[_latency(i)],
                       series={"yaw": RNG.normal(size=5)}) for i in range(5)]
    return make_batch([*tests, errored_test("case x")])


def _run(batch: Batch, section: BatchSection | None = None) -> BatchOutput:
    out = compute(batch, section or BatchSection())
    resim_unpack(assert_resim_accepts(out.writer(JOB).serialize()))
    return out


def test_one_scalar_per_name_holds_the_mean_and_its_statistics() -> None:
    out = _run(_batch())
    accel = out.metric("accel")
    assert isinstance(accel, m.ScalarMetric)
    arr = np.asarray(ACC)
    assert accel.value == pytest.approx(float(arr.mean()), rel=1e-12) and accel.unit == "m"
    for word, value in (("min", arr.min()), ("p50", np.percentile(arr, 50)), ("p95", np.percentile(arr, 95)),
                        ("max", arr.max())):
        assert f"{word} {float(value):.6g}" in accel.description
    assert "mean over 5 of 6 tests" in accel.description
    # no per-statistic scalars any more
    assert not any(x.name.startswith("accel: ") for x in out.metrics)


def test_a_scalar_no_threshold_judged_is_raw_not_passed() -> None:
    accel = _run(_batch()).metric("accel")
    assert accel.status is m.Status.RAW and "no threshold judged it" in accel.description


def test_a_judged_scalar_takes_the_worst_status_of_its_tests_and_names_them() -> None:
    out = _run(_batch())
    latency = out.metric("latency")
    failing = [i for i in range(5) if LAT[i] > LIMIT]
    expected = m.rollup(_latency(i).status for i in range(5))
    assert latency.status is expected
    if failing:
        assert f"failed its thresholds in {len(failing)} test" in latency.description
        assert all(f"case {i}" in latency.description for i in failing)
    bars = out.metric(per_test_name("latency"))
    assert isinstance(bars, m.BarChartMetric) and bars.status is expected
    assert bars.values[0].index is not None
    assert bars.values[0].index.values.tolist() == [f"case {i}" for i in range(5)]
    assert bars.statuses is not None
    assert bars.statuses[0].values.tolist() == [int(_latency(i).status) for i in range(5)]
    assert out.metrics.count(bars) == 1 and not any(x.name == per_test_name("accel") for x in out.metrics)


@pytest.mark.parametrize(("statuses", "expected"), [
    (["PASSED", "PASSED"], m.Status.PASSED),
    (["PASSED", "WARNING"], m.Status.FAIL_WARN),
    (["WARNING", "BLOCKER"], m.Status.FAIL_BLOCK),
])
def test_pass_rate_and_status_counts_reflect_warned_and_blocked_tests(statuses: list[str],
                                                                      expected: m.Status) -> None:
    by_conflated = {"PASSED": m.Status.PASSED, "WARNING": m.Status.FAIL_WARN, "BLOCKER": m.Status.FAIL_BLOCK}
    batch = make_batch([make_test(f"t{i}", scalars={"x": (1.0, by_conflated[s])}) for i, s in enumerate(statuses)])
    out = _run(batch)
    rate = out.metric(PASS_RATE_METRIC)
    assert isinstance(rate, m.ScalarMetric) and rate.status is expected
    assert rate.value == statuses.count("PASSED") / len(statuses)
    counts = out.metric(STATUS_COUNTS_METRIC)
    assert isinstance(counts, m.BarChartMetric) and counts.status is expected
    assert counts.statuses is not None and counts.values[0].index is not None
    bar_status = dict(zip(counts.values[0].index.values.tolist(), counts.statuses[0].values.tolist(), strict=True))
    assert bar_status["BLOCKER"] == m.Status.FAIL_BLOCK and bar_status["WARNING"] == m.Status.FAIL_WARN
    assert bar_status["PASSED"] == m.Status.PASSED


def test_an_errored_test_blocks_the_status_counts() -> None:
    out = _run(make_batch([make_test("ok", scalars={"x": 1.0}), errored_test("crashed")]))
    assert out.metric(STATUS_COUNTS_METRIC).status is m.Status.FAIL_BLOCK
    rate = out.metric(PASS_RATE_METRIC)
    assert rate.status is m.Status.PASSED and "1 of them errored or cancelled" in rate.description


def test_the_scalar_table_lists_every_scalar_and_histograms_are_raw() -> None:
    out = _run(_batch())
    table = out.metric(SCALAR_TABLE_METRIC)
    assert isinstance(table, m.TextMetric)
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.text.splitlines()[2:]}
    assert set(rows) == {"accel", "latency"}
    assert f"| {float(np.mean(ACC)):.6g} |" in rows["accel"]
    assert rows["accel"].endswith("| - |")  # no threshold: failing tests not applicable
    assert rows["latency"].endswith(f"| {sum(v > LIMIT for v in LAT)} |")
    assert out.metric(histogram_name("yaw")).status is m.Status.RAW


def test_the_layout_is_compact_and_ordered() -> None:
    out = _run(_batch())
    names = [x.name for x in out.metrics]
    assert names == [STATUS_COUNTS_METRIC, PASS_RATE_METRIC, "accel", "latency", per_test_name("latency"),
                     SCALAR_TABLE_METRIC, histogram_name("yaw"), SUMMARY_METRIC]


def test_a_test_level_name_equal_to_a_fixed_name_is_kept_apart() -> None:
    out = _run(make_batch([make_test("t", scalars={PASS_RATE_METRIC: 0.25, "x": 1.0})]))
    assert out.metric(PASS_RATE_METRIC).value == 1.0  # the batch's own
    assert out.metric(f"{PASS_RATE_METRIC} (2)").value == 0.25  # the tests' scalar of that name
