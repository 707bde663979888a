"""Mergeable aggregation states: `update` (values → sufficient statistics), `merge` (state + state),
`compute` (statistics → value). Pure and immutable: every operation returns a new state.

NaN inputs are never folded into a statistic: each state counts them in `nan_count` and the caller
applies its NaN policy. Results that do not exist (no values, zero total weight) are None.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _as_array(values: Iterable[float] | npt.ArrayLike) -> FloatArray:
    if isinstance(values, Iterable) and not isinstance(values, (np.ndarray, list, tuple)):
        # generators and other one-shot iterables
        return np.fromiter(cast(Iterable[float], values), dtype=np.float64)
    return np.asarray(values, dtype=np.float64).reshape(-1)


def _split_nan(values: Iterable[float] | npt.ArrayLike) -> tuple[FloatArray, int]:
    arr = _as_array(values)
    nan = np.isnan(arr)
    n_nan = int(nan.sum())
    return (arr[~nan] if n_nan else arr), n_nan


@dataclass(frozen=True)
class Summary:
    """Count, sum, mean, spread, min and max of every non-NaN value seen (±inf included).

    Attributes:
        count: non-NaN values seen.
        total: their sum.
        mean: their mean (0.0 while empty).
        m2: sum of squared deviations from `mean` (merged with Chan et al.'s pairwise formula).
        minimum / maximum: extremes (+inf / -inf while empty).
        nan_count: NaN values seen and left out.
    """

    count: int = 0
    total: float = 0.0
    mean: float = 0.0
    m2: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf
    nan_count: int = 0

    def update(self, values: Iterable[float] | npt.ArrayLike) -> Summary:
        """This state with `values` added."""
        arr, n_nan = _split_nan(values)
        if arr.size == 0:
            return Summary(self.count, self.total, self.mean, self.m2, self.minimum, self.maximum,
                           self.nan_count + n_nan)
        with np.errstate(invalid="ignore", over="ignore"):
            mean = float(arr.mean())
            part = Summary(count=int(arr.size), total=float(arr.sum()), mean=mean,
                           m2=float(np.square(arr - mean).sum()), minimum=float(arr.min()),
                           maximum=float(arr.max()), nan_count=n_nan)
        return self.merge(part)

    def merge(self, other: Summary) -> Summary:
        """The state of both inputs together."""
        if other.count == 0 or self.count == 0:
            base = other if self.count == 0 else self
            return Summary(base.count, base.total, base.mean, base.m2, min(self.minimum, other.minimum),
                           max(self.maximum, other.maximum), self.nan_count + other.nan_count)
        n = self.count + other.count
        delta = other.mean - self.mean
        if math.isfinite(delta):
            mean = self.mean + delta * other.count / n
            m2 = self.m2 + other.m2 + delta * delta * self.count * other.count / n
        else:  # an infinite value somewhere: the mean is the sum's sign, the spread is undefined
            mean = (self.total + other.total) / n
            m2 = math.nan
        return Summary(n, self.total + other.total, mean, m2, min(self.minimum, other.minimum),
                       max(self.maximum, other.maximum), self.nan_count + other.nan_count)

    def compute(self, stat: str) -> float | None:
        """`mean`, `sum`, `min`, `max`, `count` or `std` (population, ddof 0); None when undefined."""
        if stat == "count":
            return float(self.count)
        if self.count == 0:
            return 0.0 if stat == "sum" else None
        value = {"mean": self.mean, "sum": self.total, "min": self.minimum, "max": self.maximum,
                 "std": math.sqrt(max(self.m2, 0.0) / self.count) if not math.isnan(self.m2) else math.nan}[stat]
        return None if math.isnan(value) else value


@dataclass(frozen=True)
class Sample:
    """Every non-NaN value seen, for order statistics (percentiles need the values themselves).

    Attributes:
        values: the values, in no meaningful order (merge concatenates).
        nan_count: NaN values seen and left out.
    """

    values: FloatArray = field(default_factory=lambda: np.empty(0, dtype=np.float64))
    nan_count: int = 0

    def update(self, values: Iterable[float] | npt.ArrayLike) -> Sample:
        """This state with `values` added."""
        arr, n_nan = _split_nan(values)
        return Sample(np.concatenate([self.values, arr]), self.nan_count + n_nan)

    def merge(self, other: Sample) -> Sample:
        """The state of both inputs together."""
        return Sample(np.concatenate([self.values, other.values]), self.nan_count + other.nan_count)

    def compute(self, q: float) -> float | None:
        """The q-th percentile (0..100, linear interpolation as `numpy.percentile`); None when empty."""
        if self.values.size == 0:
            return None
        with np.errstate(invalid="ignore"):
            value = float(np.percentile(np.sort(self.values), q))
        return None if math.isnan(value) else value


@dataclass(frozen=True)
class WeightedMean:
    """A weighted mean kept as `weighted_sum` / `total_weight`, so merging is exact.

    Attributes:
        weighted_sum: sum of value × weight.
        total_weight: sum of weights.
        count: (value, weight) pairs used.
        nan_count: pairs left out because the value was NaN.
        bad_weight_count: pairs left out because the weight was NaN, infinite or negative.
    """

    weighted_sum: float = 0.0
    total_weight: float = 0.0
    count: int = 0
    nan_count: int = 0
    bad_weight_count: int = 0

    def update(self, values: npt.ArrayLike, weights: npt.ArrayLike) -> WeightedMean:
        """This state with the (value, weight) pairs added."""
        v = _as_array(values)
        w = _as_array(weights)
        if v.shape != w.shape:
            raise ValueError(f"{v.size} values but {w.size} weights")
        nan = np.isnan(v)
        bad = ~nan & ~(np.isfinite(w) & (w >= 0))
        keep = ~nan & ~bad
        with np.errstate(invalid="ignore"):
            # A zero weight drops its value entirely (0 × inf would be NaN).
            products = np.where(w[keep] > 0, v[keep] * w[keep], 0.0)
        part = WeightedMean(float(products.sum()), float(w[keep].sum()), int(keep.sum()),
                            int(nan.sum()), int(bad.sum()))
        return self.merge(part)

    def merge(self, other: WeightedMean) -> WeightedMean:
        """The state of both inputs together."""
        return WeightedMean(self.weighted_sum + other.weighted_sum, self.total_weight + other.total_weight,
                            self.count + other.count, self.nan_count + other.nan_count,
                            self.bad_weight_count + other.bad_weight_count)

    def compute(self) -> float | None:
        """weighted_sum / total_weight; None when the total weight is 0 or the result is NaN."""
        if self.total_weight <= 0:
            return None
        value = self.weighted_sum / self.total_weight
        return None if math.isnan(value) else value


@dataclass(frozen=True)
class Histogram:
    """Counts of values in fixed buckets; values outside the edges are under/overflow.

    Buckets are [edges[i], edges[i+1]), the last one closed ([lower, upper]), as `numpy.histogram`.
    Only states with identical edges merge: edges come from config, never from the data of one shard.

    Attributes:
        edges: the fixed, strictly increasing bucket edges.
        counts: values per bucket (len(edges) - 1 integers).
        underflow / overflow: values below the first / above the last edge (±inf included).
        nan_count: NaN values seen and left out.
        minimum / maximum: extremes of the non-NaN values (for thresholds on the values).
    """

    edges: tuple[float, ...]
    counts: tuple[int, ...] = ()
    underflow: int = 0
    overflow: int = 0
    nan_count: int = 0
    minimum: float = math.inf
    maximum: float = -math.inf

    def __post_init__(self) -> None:
        if len(self.edges) < 2 or any(b <= a for a, b in itertools.pairwise(self.edges)):
            raise ValueError(f"histogram edges must be at least two strictly increasing values: {self.edges}")
        if not self.counts:
            object.__setattr__(self, "counts", (0,) * (len(self.edges) - 1))
        elif len(self.counts) != len(self.edges) - 1:
            raise ValueError(f"{len(self.counts)} counts for {len(self.edges) - 1} buckets")

    @classmethod
    def empty(cls, edges: Sequence[float]) -> Histogram:
        """A histogram with no values on `edges`."""
        return cls(tuple(float(e) for e in edges))

    def update(self, values: Iterable[float] | npt.ArrayLike) -> Histogram:
        """This state with `values` binned."""
        arr, n_nan = _split_nan(values)
        lo, hi = self.edges[0], self.edges[-1]
        inside = arr[(arr >= lo) & (arr <= hi)]
        counts, _ = np.histogram(inside, bins=np.asarray(self.edges))
        part = Histogram(self.edges, tuple(int(c) for c in counts), int((arr < lo).sum()), int((arr > hi).sum()),
                         n_nan, float(arr.min()) if arr.size else math.inf,
                         float(arr.max()) if arr.size else -math.inf)
        return self.merge(part)

    def merge(self, other: Histogram) -> Histogram:
        """The state of both inputs together.

        Raises:
            ValueError: the two states have different edges.
        """
        if other.edges != self.edges:
            raise ValueError("cannot merge histograms with different edges")
        return Histogram(self.edges, tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)),
                         self.underflow + other.underflow, self.overflow + other.overflow,
                         self.nan_count + other.nan_count, min(self.minimum, other.minimum),
                         max(self.maximum, other.maximum))

    @property
    def binned(self) -> int:
        """Values inside the edges."""
        return sum(self.counts)

    def compute(self) -> npt.NDArray[np.int64]:
        """The bucket counts."""
        return np.asarray(self.counts, dtype=np.int64)

    def representatives(self, max_samples: int) -> tuple[FloatArray, float]:
        """Values whose histogram on `edges` is exactly `counts` (each bucket's midpoint, repeated),
        for platforms that bin raw values themselves.

        Above `max_samples` values in total, counts are scaled down proportionally (largest
        remainders) to `max_samples`; the scale used (1.0 when not scaled) is returned with them.
        """
        counts = self.compute()
        total = int(counts.sum())
        scale = 1.0
        if total > max_samples:
            scale = max_samples / total
            exact = counts * scale
            scaled = np.floor(exact).astype(np.int64)
            short = max_samples - int(scaled.sum())
            # Stable order on ties: the lower bucket gets the extra value first.
            order = np.argsort(-(exact - scaled), kind="stable")[:short]
            scaled[order] += 1
            counts = scaled
        edges = np.asarray(self.edges)
        mids = (edges[:-1] + edges[1:]) / 2
        return np.repeat(mids, counts), scale


@dataclass(frozen=True)
class PassCount:
    """Tests that passed or failed; tests with no verdict are `excluded` from the rate.

    Attributes:
        passed / failed: tests with a passing / failing verdict.
        excluded: tests without a verdict (errored, cancelled, metric missing or NOT_APPLICABLE).
    """

    passed: int = 0
    failed: int = 0
    excluded: int = 0

    def update(self, verdicts: Iterable[bool | None]) -> PassCount:
        """This state with verdicts added (True passed, False failed, None no verdict)."""
        got = Counter(verdicts)
        return self.merge(PassCount(got[True], got[False], got[None]))

    def merge(self, other: PassCount) -> PassCount:
        """The state of both inputs together."""
        return PassCount(self.passed + other.passed, self.failed + other.failed, self.excluded + other.excluded)

    def compute(self) -> float | None:
        """passed / (passed + failed); None when no test has a verdict."""
        decided = self.passed + self.failed
        return self.passed / decided if decided else None


@dataclass(frozen=True)
class CategoryCounts:
    """How many times each category (e.g. a test status) was seen.

    Attributes:
        counts: category → count, sorted by category.
    """

    counts: Mapping[str, int] = field(default_factory=dict)

    def update(self, categories: Iterable[str]) -> CategoryCounts:
        """This state with each category in `categories` counted once."""
        return self.merge(CategoryCounts(dict(Counter(categories))))

    def merge(self, other: CategoryCounts) -> CategoryCounts:
        """The state of both inputs together."""
        total = Counter(self.counts)
        total.update(other.counts)
        return CategoryCounts(dict(sorted(total.items())))

    def compute(self, order: Sequence[str] = ()) -> dict[str, int]:
        """Counts with the categories of `order` first (zero when unseen), then the others sorted."""
        out = {c: int(self.counts.get(c, 0)) for c in order}
        out.update({c: n for c, n in sorted(self.counts.items()) if c not in out})
        return out


__all__ = [
    "CategoryCounts",
    "Histogram",
    "PassCount",
    "Sample",
    "Summary",
    "WeightedMean",
]
