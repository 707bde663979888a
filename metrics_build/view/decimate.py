"""Thin out long series for drawing without hiding what matters: per bucket of consecutive points,
keep the minimum and maximum of every column (and the worst status), plus the first and last point."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

MAX_POINTS = 10_000
"""Points drawn per trace at most (a browser draws 10,000-point SVG paths quickly)."""


def _extremes(column: npt.NDArray[np.float64], buckets: int, *, low: bool) -> npt.NDArray[np.intp]:
    """Per bucket (`buckets` consecutive runs as equal as can be), the position of its min or max (NaN
    ignored). Buckets of two sizes, so each block is a plain reshape."""
    n = column.size
    size, bigger = divmod(n, buckets)
    fill = np.inf if low else -np.inf
    clean = np.where(np.isnan(column), fill, column)
    out = []
    for start, count, width in ((0, bigger, size + 1), (bigger * (size + 1), buckets - bigger, size)):
        if count == 0 or width == 0:
            continue
        block = clean[start:start + count * width].reshape(count, width)
        found = block.argmin(axis=1) if low else block.argmax(axis=1)
        out.append(start + np.arange(count, dtype=np.intp) * width + found)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.intp)


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
    keep = [np.array([0, n - 1], dtype=np.intp)]
    for column in picked:
        keep.append(_extremes(column, buckets, low=True))
        keep.append(_extremes(column, buckets, low=False))
    if worst is not None:
        keep.append(_extremes(worst.astype(np.float64), buckets, low=False))
    return np.unique(np.concatenate(keep))
