"""The report's statistics, closed-form (SciPy is not in the image): Wilson score intervals of pass rates,
and the per-batch summary of a job metric's values across a batch's tests."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

_PERCENTILE = re.compile(r"^p(\d+(\.\d+)?)$")


@dataclass(frozen=True)
class Proportion:
    """`successes` of `trials` with its Wilson score interval (`low`, `high`) at `confidence`."""

    successes: int
    trials: int
    low: float
    high: float
    confidence: float

    @property
    def rate(self) -> float:
        """successes / trials (NaN when there is no trial)."""
        return self.successes / self.trials if self.trials else math.nan


def wilson(successes: int, trials: int, confidence: float = 0.95) -> Proportion:
    """The Wilson score interval of a binomial proportion (no continuity correction).

    With z the two-sided normal quantile of `confidence`, p = k/n:
    centre = (p + z²/2n) / (1 + z²/n), half-width = z / (1 + z²/n) · √(p(1-p)/n + z²/4n²);
    the bounds are exactly 0 when k = 0 and exactly 1 when k = n. No trial gives (0, 1).

    Raises:
        ValueError: counts out of range, or a confidence outside (0, 1).
    """
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be within (0, 1), got {confidence}")
    if trials == 0:
        return Proportion(0, 0, 0.0, 1.0, confidence)
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    n, p = float(trials), successes / trials
    z2 = z * z
    scale = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / scale
    half = z / scale * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Proportion(successes, trials, low, high, confidence)


def percentile_of(stat: str) -> float | None:
    """The q of a `p<q>` statistic name (`median` is 50), else None."""
    if stat == "median":
        return 50.0
    match = _PERCENTILE.match(stat)
    return float(match.group(1)) if match else None


@dataclass(frozen=True)
class ValueSummary:
    """A job metric's values across one batch's tests, reduced to what trends plot.

    Attributes:
        count: Values summarised.
        stats: mean, min, max, sum, std (population), count and every requested percentile (`p25`...),
            by name; percentiles interpolate linearly, as `numpy.percentile`.
        passed / judged: Tests whose metric passed, of those whose metric had a verdict.
        unit: The metric's unit in this batch ("" when none).
    """

    count: int
    stats: dict[str, float] = field(default_factory=dict)
    passed: int = 0
    judged: int = 0
    unit: str = ""

    def value(self, stat: str) -> float | None:
        """Statistic `stat` (see `stats`; `pass_rate` in percent), or None when it has no value."""
        if stat == "pass_rate":
            return 100.0 * self.passed / self.judged if self.judged else None
        q = percentile_of(stat)
        found = self.stats.get(f"p{q:g}" if q is not None else stat)
        return None if found is None or math.isnan(found) else found


BOX = ("min", "p25", "p50", "p75", "max")
"""The statistics the built-in job-metric trends draw (a box plot's five numbers)."""


def summarise(values: Sequence[float], percentiles: Iterable[float], *, passed: int = 0, judged: int = 0,
              unit: str = "") -> ValueSummary:
    """Reduce `values` (finite numbers) to a `ValueSummary` with the box-plot statistics and `percentiles`."""
    if not values:
        return ValueSummary(0, {"count": 0.0, "sum": 0.0}, passed, judged, unit)
    arr = np.asarray(values, dtype=np.float64)
    qs = sorted({25.0, 50.0, 75.0, *percentiles})
    points = np.percentile(arr, qs)
    stats = {"count": float(arr.size), "sum": float(arr.sum()), "mean": float(arr.mean()),
             "min": float(arr.min()), "max": float(arr.max()), "std": float(arr.std())}
    stats.update({f"p{q:g}": float(v) for q, v in zip(qs, points, strict=True)})
    return ValueSummary(int(arr.size), stats, passed, judged, unit)


__all__ = ["BOX", "Proportion", "ValueSummary", "percentile_of", "summarise", "wilson"]
