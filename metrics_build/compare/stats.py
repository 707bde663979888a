"""The statistics of a paired comparison, all from SciPy (imported here only, lazily): a paired
bootstrap interval of the mean difference, Cohen's d_z, McNemar's exact test and Wilson intervals."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from metrics_build.errors import InputError

# Bounds the bootstrap's working memory (resamples x tests doubles per batch) whatever the batch size.
_MAX_BATCH_ELEMENTS = 2_000_000


def require_scipy() -> None:
    """Raises InputError (exit 2) when SciPy, which every comparison needs, is not installed."""
    _scipy_stats()


def _scipy_stats() -> Any:
    try:
        from scipy import stats
    except ImportError:
        raise InputError("`compare` needs SciPy: install metrics-build[compare] (pip install 'metrics-build[compare]')"
                         ) from None
    return stats


@dataclass(frozen=True)
class Interval:
    """A confidence interval [low, high]."""

    low: float
    high: float

    def excludes_zero(self) -> bool:
        """True when the whole interval is on one side of zero."""
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class Differences:
    """Candidate minus baseline over the paired tests of one metric.

    Attributes:
        n: Paired tests.
        mean / median / sd: Of the differences (None without data; sd needs two).
        ci: Bootstrap interval of the mean difference; None when there is not enough data.
        effect: Cohen's d_z = mean / sd; ±inf when every difference is the same non-zero number.
        note: Why `ci` is None, or how it was found when not by the bootstrap ("" otherwise).
    """

    n: int
    mean: float | None
    median: float | None
    sd: float | None
    ci: Interval | None
    effect: float | None
    note: str = ""


def _mean_difference(baseline: npt.NDArray[np.float64], candidate: npt.NDArray[np.float64],
                     axis: int = -1) -> Any:
    return np.mean(candidate - baseline, axis=axis)


def _bootstrap(stats: Any, baseline: npt.NDArray[np.float64], candidate: npt.NDArray[np.float64], *,
               confidence: float, n_resamples: int, seed: int) -> Interval:
    batch = max(1, _MAX_BATCH_ELEMENTS // baseline.size)
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            # BCa warns (and answers NaN) on heavily tied data; the percentile interval is then used.
            warnings.simplefilter("ignore")
            result = stats.bootstrap((baseline, candidate), _mean_difference, paired=True, vectorized=True,
                                     confidence_level=confidence, n_resamples=n_resamples, batch=batch,
                                     method=method, rng=np.random.default_rng(seed))
        low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
        if math.isfinite(low) and math.isfinite(high):
            break
    return Interval(low, high)


def paired_differences(baseline: Sequence[float], candidate: Sequence[float], *, confidence: float,
                       n_resamples: int, seed: int, min_pairs: int) -> Differences:
    """Mean, median, bootstrap interval and effect size of candidate - baseline.

    The bootstrap resamples whole tests (`paired=True`), so each test's baseline and candidate stay
    together; a fresh generator from `seed` makes the result deterministic.

    Args:
        baseline / candidate: Finite values, position i of both from the same test.
        confidence: Of the interval (0.95 for a 95% interval).
        n_resamples: Bootstrap resamples.
        seed: Seed of the bootstrap's generator.
        min_pairs: Fewer pairs than this give no interval ("not enough data").

    Returns:
        The differences' summary. No difference in any test gives the interval [0, 0] whatever n.
        When every difference is the same non-zero d the bootstrap has no spread to resample: the
        interval is [d, d] when the exact sign test (all n tests moving the same way by chance) is
        below 1 - confidence, else there is none.
    """
    b = np.asarray(baseline, dtype=np.float64)
    c = np.asarray(candidate, dtype=np.float64)
    if b.shape != c.shape or b.ndim != 1:
        raise ValueError("baseline and candidate must be paired 1-D sequences")
    n = int(b.size)
    if n == 0:
        return Differences(0, None, None, None, None, None, "not enough data: no paired tests")
    d = c - b
    mean, median = float(np.mean(d)), float(np.median(d))
    sd = float(np.std(d, ddof=1)) if n > 1 else None
    if not np.any(d):
        return Differences(n, 0.0, 0.0, 0.0 if n > 1 else None, Interval(0.0, 0.0), 0.0, "no difference in any test")
    if n < min_pairs:
        return Differences(n, mean, median, sd, None, None, f"not enough data: {n} paired (needs {min_pairs})")
    if np.all(d == d[0]):
        first = float(d[0])
        p_value = float(_scipy_stats().binomtest(n, n, 0.5).pvalue)
        if p_value >= 1 - confidence:
            return Differences(n, mean, median, 0.0, None, None,
                               f"not enough data: every difference is {first:.6g} and {n} tests are too few "
                               f"(sign test p={p_value:.3g})")
        return Differences(n, mean, median, 0.0, Interval(first, first), math.copysign(math.inf, first),
                           f"every difference is {first:.6g} (sign test p={p_value:.3g})")
    ci = _bootstrap(_scipy_stats(), b, c, confidence=confidence, n_resamples=n_resamples, seed=seed)
    effect = mean / sd if sd else None
    return Differences(n, mean, median, sd, ci, effect)


@dataclass(frozen=True)
class Flips:
    """Pass/fail changes between paired tests, judged by McNemar's exact test.

    Attributes:
        worse: Tests that passed in the baseline and fail in the candidate.
        better: Tests that failed in the baseline and pass in the candidate.
        pairs: Tests judged on both sides (concordant ones included).
        p_value: Two-sided exact p of the discordant split; None when nothing flipped.
    """

    worse: int
    better: int
    pairs: int
    p_value: float | None


def mcnemar_exact(worse: int, better: int, pairs: int) -> Flips:
    """McNemar's exact test: under no change a flip is as likely either way, so `worse` of the
    `worse + better` discordant tests is Binomial(worse + better, 1/2)."""
    discordant = worse + better
    if discordant == 0:
        return Flips(worse, better, pairs, None)
    return Flips(worse, better, pairs, float(_scipy_stats().binomtest(worse, discordant, 0.5).pvalue))


@dataclass(frozen=True)
class Rate:
    """A pass rate with its Wilson interval (None without tests)."""

    passed: int
    total: int
    ci: Interval | None

    @property
    def value(self) -> float | None:
        """passed / total, or None without tests."""
        return self.passed / self.total if self.total else None


def wilson(passed: int, total: int, confidence: float) -> Rate:
    """`passed` of `total` with the Wilson score interval (good near 0 and 1 and for small totals)."""
    if total == 0:
        return Rate(0, 0, None)
    ci = _scipy_stats().binomtest(passed, total).proportion_ci(confidence_level=confidence, method="wilson")
    return Rate(passed, total, Interval(float(ci.low), float(ci.high)))
