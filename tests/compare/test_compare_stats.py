"""The statistics against known answers: SciPy called independently, a hand-computed McNemar case,
Wilson intervals, and the degenerate cases (few tests, equal differences)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from metrics_build.compare.stats import mcnemar_exact, paired_differences, wilson

BASE = [10.2, 11.5, 9.8, 12.1, 10.9, 11.3, 10.4, 12.6]
CAND = [10.9, 11.4, 10.6, 12.9, 11.8, 11.9, 10.3, 13.5]


def test_paired_differences_match_scipy_bootstrap_of_the_differences():
    got = paired_differences(BASE, CAND, confidence=0.95, n_resamples=2000, seed=7, min_pairs=5)
    d = np.subtract(CAND, BASE)
    assert got.n == 8
    assert got.mean == pytest.approx(d.mean())
    assert got.median == pytest.approx(np.median(d))
    assert got.sd == pytest.approx(np.std(d, ddof=1))
    assert got.effect == pytest.approx(d.mean() / np.std(d, ddof=1))
    # Resampling test pairs is resampling their differences: SciPy on the differences alone, same seed.
    ref = stats.bootstrap((d,), np.mean, n_resamples=2000, confidence_level=0.95, method="BCa",
                          rng=np.random.default_rng(7)).confidence_interval
    assert got.ci is not None
    assert (got.ci.low, got.ci.high) == pytest.approx((ref.low, ref.high), rel=1e-9)
    assert got.ci.low > 0  # every test but two got larger


def test_paired_differences_are_deterministic_and_the_seed_matters():
    a = paired_differences(BASE, CAND, confidence=0.95, n_resamples=999, seed=1, min_pairs=5)
    b = paired_differences(BASE, CAND, confidence=0.95, n_resamples=999, seed=1, min_pairs=5)
    c = paired_differences(BASE, CAND, confidence=0.95, n_resamples=999, seed=2, min_pairs=5)
    assert a == b
    assert a.ci != c.ci


def test_paired_bootstrap_differs_from_an_unpaired_one():
    # The between-test spread is large, the within-test change small and consistent: only pairing sees it.
    base = [1.0, 5.0, 9.0, 13.0, 17.0, 21.0]
    cand = [x + 0.5 for x in base]
    cand[0] += 0.1
    got = paired_differences(base, cand, confidence=0.95, n_resamples=999, seed=0, min_pairs=5)
    assert got.ci is not None and got.ci.low > 0
    unpaired = stats.bootstrap((np.array(base), np.array(cand)), lambda x, y, axis: np.mean(y, axis) - np.mean(x, axis),
                               n_resamples=999, rng=np.random.default_rng(0)).confidence_interval
    assert unpaired.low < 0 < unpaired.high


def test_mcnemar_hand_computed():
    # 1 test got worse, 7 got better: P(X <= 1) for X ~ Bin(8, 1/2) is (1 + 8) / 256; two-sided doubles it.
    flips = mcnemar_exact(worse=1, better=7, pairs=20)
    assert flips.p_value == pytest.approx(18 / 256)
    assert (flips.worse, flips.better, flips.pairs) == (1, 7, 20)
    # 6 one way, none the other: 2 / 2**6.
    assert mcnemar_exact(6, 0, 6).p_value == pytest.approx(2 / 64)
    assert mcnemar_exact(0, 0, 10).p_value is None


def test_wilson_interval_matches_scipy_and_the_closed_form():
    r = wilson(7, 10, 0.95)
    ref = stats.binomtest(7, 10).proportion_ci(confidence_level=0.95, method="wilson")
    assert r.ci is not None and (r.ci.low, r.ci.high) == pytest.approx((ref.low, ref.high))
    # Wilson's score interval by its formula, z = 1.959964.
    z, p, n = 1.959963984540054, 0.7, 10
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert (r.ci.low, r.ci.high) == pytest.approx((centre - half, centre + half))
    assert r.value == 0.7
    assert wilson(0, 0, 0.95).ci is None


@pytest.mark.parametrize("n", [0, 1, 4])
def test_too_few_pairs_is_not_enough_data(n):
    got = paired_differences([1.0] * n, [float(i + 2) for i in range(n)], confidence=0.95, n_resamples=999,
                             seed=0, min_pairs=5)
    assert got.ci is None and got.effect is None
    assert got.note.startswith("not enough data")
    assert got.n == n


def test_no_difference_anywhere_is_a_zero_interval_whatever_n():
    got = paired_differences([3.0], [3.0], confidence=0.95, n_resamples=999, seed=0, min_pairs=5)
    assert got.ci is not None and (got.ci.low, got.ci.high) == (0.0, 0.0)
    assert got.mean == 0.0 and got.effect == 0.0


def test_equal_nonzero_differences_use_the_sign_test():
    # 5 tests all +1: sign test p = 2 / 2**5 = 0.0625 >= 0.05: not enough data.
    five = paired_differences([0.0] * 5, [1.0] * 5, confidence=0.95, n_resamples=999, seed=0, min_pairs=5)
    assert five.ci is None and "sign test p=0.0625" in five.note
    # 6 tests all -2: p = 0.03125: the interval is the point, the effect infinite.
    six = paired_differences([5.0] * 6, [3.0] * 6, confidence=0.95, n_resamples=999, seed=0, min_pairs=5)
    assert six.ci is not None and (six.ci.low, six.ci.high) == (-2.0, -2.0)
    assert six.effect == -math.inf
