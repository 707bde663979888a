"""Decimation keeps the extremes, the worst statuses and the ends, and never more than the limit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics_build.view.decimate import MAX_POINTS, keep_indices


def test_short_series_are_kept_whole() -> None:
    values = np.arange(MAX_POINTS, dtype=np.float64)
    assert np.array_equal(keep_indices([values]), np.arange(MAX_POINTS))


@pytest.mark.parametrize("n", [10_001, 123_457, 1_000_000])
def test_a_long_series_keeps_its_extremes_and_ends_within_the_limit(n: int) -> None:
    rng = np.random.default_rng(n)
    y = rng.normal(size=n)
    y[n // 7], y[n // 3] = 99.0, -99.0
    keep = keep_indices([y])
    assert keep.size <= MAX_POINTS
    assert np.all(np.diff(keep) > 0)
    assert {0, n - 1, n // 7, n // 3} <= set(keep.tolist())
    assert keep.size >= 0.9 * MAX_POINTS  # the budget is used: detail is not thrown away needlessly


def test_both_columns_of_a_path_keep_their_extremes() -> None:
    n = 50_000
    t = np.linspace(0, 40 * np.pi, n)
    x, y = np.cos(t) * t, np.sin(t)
    keep = keep_indices([x, y])
    assert keep.size <= MAX_POINTS
    assert x[keep].min() == x.min() and x[keep].max() == x.max()
    assert y[keep].min() == y.min() and y[keep].max() == y.max()


def test_the_worst_status_of_every_bucket_is_kept() -> None:
    n = 200_000
    y = np.zeros(n)
    worst = np.zeros(n)
    failing = np.array([5, 70_001, 199_998])
    worst[failing] = 2.0
    keep = keep_indices([y], worst=worst)
    assert set(failing.tolist()) <= set(keep.tolist())


def test_nan_values_do_not_hide_the_extremes() -> None:
    y = np.full(30_000, np.nan)
    y[::3] = np.arange(10_000, dtype=np.float64)
    keep = keep_indices([y])
    assert np.nanmax(y[keep]) == 9_999.0 and np.nanmin(y[keep]) == 0.0


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=60_000), st.integers(min_value=8, max_value=5_000),
       st.integers(min_value=1, max_value=3))
def test_never_more_than_the_limit_and_always_the_global_extremes(n: int, limit: int, columns: int) -> None:
    rng = np.random.default_rng(n * 7 + limit)
    data = [rng.normal(size=n) for _ in range(columns)]
    keep = keep_indices(data, limit=limit)
    assert keep.size <= max(limit, n if n <= limit else 0)
    assert np.all((keep >= 0) & (keep < max(n, 1)))
    for column in data:
        if n:
            assert column[keep].max() == column.max() and column[keep].min() == column.min()
