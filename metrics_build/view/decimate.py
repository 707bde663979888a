"""Thin out long series for drawing without hiding what matters: per bucket of consecutive points,
keep the minimum and maximum of every column (and the worst status), plus the first and last point."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

MAX_POINTS = 10_000
"""Points drawn per trace at most (a browser draws 10,000-point SVG paths quickly)."""


def _bucketed(column: npt.NDArray[np.float64], buckets: int, size: int, fill: float) -> npt.NDArray[np.float64]:
    padded = np.full(buckets * size, fill)
    padded[: column.size] = np.where(np.isnan(column), fill, column)
    return padded.reshape(buckets, size)


def keep_indices(columns: Sequence[npt.NDArray[np.float64]], *, worst: npt.NDArray[np.float64] | None = None,
                 limit: int = MAX_POINTS) -> npt.NDArray[np.intp]:
    """Sorted positions to keep so that at most `limit` points remain.

    Args:
        columns: equally long numeric columns (e.g. x and y of a line); each keeps its extremes per bucket.
        worst: a severity per point (higher is worse); each bucket keeps its worst point too.
        limit: the most positions returned (at least 8).

    Returns:
        Every position when the columns are short enough, else the first, the last and each bucket's
        extremes, in order.
    """
    n = columns[0].size if columns else 0
    if n <= limit:
        return np.arange(n, dtype=np.intp)
    picked = [c.astype(np.float64, copy=False) for c in columns]
    per_bucket = 2 * len(picked) + (worst is not None)
    buckets = max(1, (limit - 2) // per_bucket)
    size = -(-n // buckets)
    buckets = -(-n // size)
    starts = np.arange(buckets, dtype=np.intp) * size
    keep = [np.array([0, n - 1], dtype=np.intp)]
    for column in picked:
        keep.append(starts + _bucketed(column, buckets, size, np.inf).argmin(axis=1))
        keep.append(starts + _bucketed(column, buckets, size, -np.inf).argmax(axis=1))
    if worst is not None:
        keep.append(starts + _bucketed(worst.astype(np.float64), buckets, size, -np.inf).argmax(axis=1))
    positions = np.unique(np.concatenate(keep))
    return positions[positions < n]
