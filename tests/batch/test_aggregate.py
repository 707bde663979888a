"""Mergeable states: each checked against NumPy, and shards merged equal one pass (hypothesis)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics_build.batch.aggregate import (
    CategoryCounts,
    Histogram,
    PassCount,
    Sample,
    Summary,
    WeightedMean,
)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
maybe_nan = st.one_of(finite, st.just(math.nan))
values_lists = st.lists(maybe_nan, max_size=40)


def merge_all(states: Iterable[Any]) -> Any:
    """Fold `merge` over the states (all of one type), left to right."""
    it = iter(states)
    acc = next(it)
    for state in it:
        acc = acc.merge(state)
    return acc


def _shards(values: list[Any], cuts: list[int]) -> list[list[Any]]:
    """Split `values` at the (sorted, clipped) cut points into consecutive shards (some may be empty)."""
    points = sorted({min(max(c, 0), len(values)) for c in cuts})
    bounds = [0, *points, len(values)]
    return [values[a:b] for a, b in itertools.pairwise(bounds)]


cuts_st = st.lists(st.integers(min_value=0, max_value=40), max_size=5)


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


# ---- Summary ---------------------------------------------------------------------------------------


@given(values_lists, cuts_st)
def test_summary_shards_merged_equal_one_pass(values: list[float], cuts: list[int]) -> None:
    one = Summary().update(values)
    parts = [Summary().update(s) for s in _shards(values, cuts)]
    merged = merge_all(parts)
    # Also fold updates one shard at a time, and merge in reverse order.
    folded = Summary()
    for s in _shards(values, cuts):
        folded = folded.update(s)
    reverse = merge_all(reversed(parts))
    for other in (merged, folded, reverse):
        assert other.count == one.count and other.nan_count == one.nan_count
        assert other.minimum == one.minimum and other.maximum == one.maximum
        for stat in ("mean", "sum", "min", "max", "count", "std"):
            assert _close(other.compute(stat), one.compute(stat)), stat


@given(values_lists)
def test_summary_matches_numpy(values: list[float]) -> None:
    arr = np.asarray(values, dtype=np.float64)
    clean = arr[~np.isnan(arr)]
    s = Summary().update(values)
    assert s.nan_count == int(np.isnan(arr).sum())
    assert s.compute("count") == clean.size
    if clean.size == 0:
        assert s.compute("mean") is None and s.compute("min") is None and s.compute("std") is None
        assert s.compute("sum") == 0.0
        return
    assert _close(s.compute("mean"), float(np.mean(clean)))
    assert _close(s.compute("sum"), float(np.sum(clean)))
    assert s.compute("min") == float(np.min(clean)) and s.compute("max") == float(np.max(clean))
    assert _close(s.compute("std"), float(np.std(clean)))


def test_summary_with_infinities() -> None:
    s = Summary().update([1.0, math.inf, 2.0])
    assert s.compute("max") == math.inf and s.compute("mean") == math.inf
    assert s.compute("std") is None  # undefined spread is reported as "no value", never NaN
    both = Summary().update([math.inf]).merge(Summary().update([-math.inf]))
    assert both.compute("mean") is None and both.compute("min") == -math.inf


# ---- Sample (percentiles) --------------------------------------------------------------------------


@given(values_lists, cuts_st, st.floats(min_value=0, max_value=100))
def test_percentile_shards_equal_one_pass_and_numpy(values: list[float], cuts: list[int], q: float) -> None:
    one = Sample().update(values)
    merged = merge_all(Sample().update(s) for s in _shards(values, cuts))
    assert merged.nan_count == one.nan_count
    clean = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if clean.size == 0:
        assert one.compute(q) is None and merged.compute(q) is None
        return
    expected = float(np.percentile(clean, q))
    assert one.compute(q) == merged.compute(q)  # order statistics do not depend on merge order
    assert _close(one.compute(q), expected)


# ---- WeightedMean ----------------------------------------------------------------------------------

weights_st = st.one_of(st.floats(min_value=0, max_value=1e3, allow_nan=False), st.just(-1.0), st.just(math.nan),
                       st.just(math.inf))
pairs_st = st.lists(st.tuples(maybe_nan, weights_st), max_size=40)


@given(pairs_st, cuts_st)
def test_weighted_mean_shards_equal_one_pass_and_numpy(pairs: list[tuple[float, float]], cuts: list[int]) -> None:
    v = [p[0] for p in pairs]
    w = [p[1] for p in pairs]
    one = WeightedMean().update(v, w)
    merged = merge_all(WeightedMean().update([p[0] for p in s], [p[1] for p in s]) for s in _shards(pairs, cuts))
    assert (merged.count, merged.nan_count, merged.bad_weight_count) == (one.count, one.nan_count,
                                                                          one.bad_weight_count)
    assert _close(merged.compute(), one.compute())

    va, wa = np.asarray(v, dtype=np.float64), np.asarray(w, dtype=np.float64)
    keep = ~np.isnan(va) & np.isfinite(wa) & (wa >= 0)
    assert one.nan_count == int(np.isnan(va).sum())
    assert one.bad_weight_count == int((~np.isnan(va) & ~(np.isfinite(wa) & (wa >= 0))).sum())
    if wa[keep].sum() == 0:
        assert one.compute() is None
    else:
        assert _close(one.compute(), float(np.average(va[keep], weights=wa[keep])))


def test_weighted_mean_equal_weights_is_the_mean_and_zero_weight_ignores_infinity() -> None:
    wm = WeightedMean().update([1.0, 2.0, 6.0], [1.0, 1.0, 1.0])
    assert wm.compute() == pytest.approx(3.0)
    assert WeightedMean().update([math.inf, 4.0], [0.0, 2.0]).compute() == 4.0
    with pytest.raises(ValueError, match="3 values but 2 weights"):
        WeightedMean().update([1, 2, 3], [1, 2])


# ---- Histogram -------------------------------------------------------------------------------------

edges_st = st.lists(st.floats(min_value=-100, max_value=100, allow_nan=False), min_size=2, max_size=8,
                    unique=True).map(sorted)
hist_values = st.lists(st.one_of(st.floats(min_value=-150, max_value=150, allow_nan=False), st.just(math.nan),
                                 st.just(math.inf), st.just(-math.inf)), max_size=60)


@given(edges_st, hist_values, cuts_st)
@settings(max_examples=200)
def test_histogram_shards_equal_one_pass_and_numpy(edges: list[float], values: list[float], cuts: list[int]) -> None:
    one = Histogram.empty(edges).update(values)
    merged = merge_all(Histogram.empty(edges).update(s) for s in _shards(values, cuts))
    assert merged == one  # integer counts: exactly equal

    arr = np.asarray(values, dtype=np.float64)
    clean = arr[~np.isnan(arr)]
    expected, _ = np.histogram(clean[(clean >= edges[0]) & (clean <= edges[-1])], bins=np.asarray(edges))
    np.testing.assert_array_equal(one.compute(), expected)
    assert one.underflow == int((clean < edges[0]).sum()) and one.overflow == int((clean > edges[-1]).sum())
    assert one.nan_count == int(np.isnan(arr).sum())
    assert one.binned + one.underflow + one.overflow + one.nan_count == len(values)


@given(edges_st, st.lists(st.floats(min_value=-100, max_value=100, allow_nan=False), max_size=300),
       st.integers(min_value=1, max_value=50))
def test_histogram_representatives_rebin_to_the_counts(edges: list[float], values: list[float], cap: int) -> None:
    h = Histogram.empty(edges).update(values)
    reps, scale = h.representatives(max_samples=10_000)
    assert scale == 1.0
    rebinned, _ = np.histogram(reps, bins=np.asarray(edges))
    np.testing.assert_array_equal(rebinned, h.compute())
    # Capped: exactly `cap` values, each bucket within one of its proportional share.
    small, scale = h.representatives(max_samples=cap)
    if h.binned > cap:
        assert small.size == cap and scale == pytest.approx(cap / h.binned)
        got, _ = np.histogram(small, bins=np.asarray(edges))
        assert np.all(np.abs(got - h.compute() * scale) < 1.0)
    else:
        assert small.size == h.binned


def test_histogram_last_bucket_is_closed_and_edges_must_match() -> None:
    h = Histogram.empty([0.0, 1.0, 2.0]).update([0.0, 1.0, 2.0, 2.5, -0.1])
    assert h.counts == (1, 2) and h.overflow == 1 and h.underflow == 1
    assert (h.minimum, h.maximum) == (-0.1, 2.5)
    with pytest.raises(ValueError, match="different edges"):
        h.merge(Histogram.empty([0.0, 2.0]))
    with pytest.raises(ValueError, match="strictly increasing"):
        Histogram.empty([1.0, 1.0])


# ---- PassCount, CategoryCounts -----------------------------------------------------------


@given(st.lists(st.sampled_from([True, False, None]), max_size=40), cuts_st)
def test_pass_count_shards_equal_one_pass(verdicts: list[bool | None], cuts: list[int]) -> None:
    one = PassCount().update(verdicts)
    assert merge_all(PassCount().update(s) for s in _shards(verdicts, cuts)) == one
    decided = [v for v in verdicts if v is not None]
    if decided:
        assert one.compute() == pytest.approx(float(np.mean(decided)))
    else:
        assert one.compute() is None
    assert one.excluded == verdicts.count(None)


statuses_st = st.lists(st.sampled_from(["PASSED", "WARNING", "BLOCKER", "ERROR", "CANCELLED", "NEW"]), max_size=40)


@given(statuses_st, cuts_st)
def test_category_counts_shards_equal_one_pass(statuses: list[str], cuts: list[int]) -> None:
    one = CategoryCounts().update(statuses)
    assert merge_all(CategoryCounts().update(s) for s in _shards(statuses, cuts)) == one
    out = one.compute(order=("PASSED", "ERROR"))
    assert list(out)[:2] == ["PASSED", "ERROR"]
    assert sum(out.values()) == len(statuses)
    labels, counts = np.unique(np.asarray(statuses, dtype=str), return_counts=True)
    assert {k: v for k, v in out.items() if v} == dict(zip(labels.tolist(), counts.tolist(), strict=True))
