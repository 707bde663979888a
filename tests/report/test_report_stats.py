"""Wilson intervals (closed form, no SciPy in the image) against SciPy, and per-batch summaries against NumPy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from metrics_build.report.stats import percentile_of, summarise, wilson


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (0, 4), (4, 4), (2, 3), (2, 4), (1, 10), (9, 10),
                                      (50, 100), (199, 200), (3, 1_000_000)])
@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_wilson_equals_scipys(k: int, n: int, confidence: float) -> None:
    ours = wilson(k, n, confidence)
    theirs = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    assert ours.low == pytest.approx(theirs.low, rel=1e-12, abs=1e-15)
    assert ours.high == pytest.approx(theirs.high, rel=1e-12, abs=1e-15)
    assert ours.rate == k / n


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 100_000), data=st.data(), confidence=st.floats(0.5, 0.999))
def test_wilson_equals_scipys_anywhere(n: int, data: st.DataObject, confidence: float) -> None:
    k = data.draw(st.integers(0, n))
    ours = wilson(k, n, confidence)
    theirs = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    assert math.isclose(ours.low, theirs.low, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(ours.high, theirs.high, rel_tol=1e-9, abs_tol=1e-12)
    assert 0.0 <= ours.low <= k / n <= ours.high <= 1.0


def test_wilson_by_hand() -> None:
    # 2 of 4 at 95%: z = 1.959964, z² = 3.841459; centre = (0.5 + z²/8) / (1 + z²/4) = 0.5;
    # half = z / (1 + z²/4) * sqrt(0.25/4 + z²/64) = 1.959964 / 1.960365 * sqrt(0.122523) = 0.349961
    p = wilson(2, 4)
    assert (round(p.low, 6), round(p.high, 6)) == (0.150039, 0.849961)
    assert (wilson(0, 0).low, wilson(0, 0).high, wilson(0, 0).trials) == (0.0, 1.0, 0)
    assert math.isnan(wilson(0, 0).rate)


@pytest.mark.parametrize(("k", "n", "confidence"), [(-1, 3, 0.95), (4, 3, 0.95), (1, 3, 1.0), (1, 3, 0.0)])
def test_wilson_refuses_nonsense(k: int, n: int, confidence: float) -> None:
    with pytest.raises(ValueError):
        wilson(k, n, confidence)


def test_summary_equals_numpy() -> None:
    values = list(np.random.default_rng(3).normal(10, 2, 257))
    s = summarise(values, [95.0, 99.5], passed=3, judged=4, unit="m/s")
    arr = np.asarray(values)
    assert s.count == 257 and s.unit == "m/s"
    assert s.value("mean") == pytest.approx(arr.mean(), rel=1e-12)
    assert s.value("std") == pytest.approx(arr.std(), rel=1e-12)
    assert s.value("sum") == pytest.approx(arr.sum(), rel=1e-12)
    assert (s.value("min"), s.value("max")) == (arr.min(), arr.max())
    for stat, q in (("median", 50), ("p25", 25), ("p75", 75), ("p95", 95), ("p99.5", 99.5), ("p05", None)):
        if q is None:
            assert s.value(stat) is None  # p5 was not asked for
        else:
            assert s.value(stat) == pytest.approx(np.percentile(arr, q), rel=1e-12)
    assert s.value("pass_rate") == 75.0
    assert s.value("count") == 257


def test_summary_of_nothing_has_no_values() -> None:
    s = summarise([], [])
    assert (s.count, s.value("mean"), s.value("p50"), s.value("pass_rate"), s.value("count")) == (0, None, None,
                                                                                                   None, 0.0)


def test_percentile_names() -> None:
    assert [percentile_of(x) for x in ("median", "p5", "p05", "p99.9", "p100", "mean")] == [50.0, 5.0, 5.0, 99.9,
                                                                                            100.0, None]
