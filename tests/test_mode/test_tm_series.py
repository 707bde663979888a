"""Plot axes and decimation: extremes are kept, sizes are bounded, state changes survive."""

from __future__ import annotations

import numpy as np
import pytest
from tm_helpers import T0_NS, numeric

from metrics_build.test_mode.series import axis_ns, change_indices, minmax_indices, step_slice


@pytest.mark.parametrize(("n", "limit"), [(10, 10), (11, 10), (1000, 10), (100_003, 1000), (5, 4), (999_999, 10_000)])
def test_minmax_keeps_extremes_within_the_limit(n: int, limit: int) -> None:
    values = np.random.default_rng(n).normal(size=n)
    idx = minmax_indices(values, limit)
    if n <= limit:
        assert idx is None
        return
    assert idx is not None
    assert idx.size <= limit
    assert np.all(np.diff(idx) > 0)  # sorted, unique
    assert idx[0] == 0 and idx[-1] == n - 1
    assert int(np.argmax(values)) in idx and int(np.argmin(values)) in idx
    # Every slice's extremes are kept: the decimated envelope matches a NumPy per-slice reference.
    slices = max(1, (limit - 2) // 2)
    width = -(-n // slices)
    for start in range(0, n, width):
        part = values[start:start + width]
        assert start + int(np.argmax(part)) in idx and start + int(np.argmin(part)) in idx


def test_change_points_keep_every_transition() -> None:
    words = np.array(["a"] * 500 + ["b"] * 3 + ["a"] * 500 + ["c"])
    idx = change_indices(words, 100)
    assert idx is not None
    assert idx.tolist() == [0, 500, 503, 1003]
    # Reconstructing the step function from the kept points gives back every sample.
    assert (np.repeat(words[idx], np.diff(np.append(idx, words.size))) == words).all()
    assert change_indices(words[:50], 100) is None


def test_too_many_changes_are_thinned_evenly() -> None:
    words = np.array(["a", "b"] * 1000)
    idx = change_indices(words, 100)
    assert idx is not None and idx.size <= 100 and idx[0] == 0 and idx[-1] == words.size - 1


def test_axis_is_time_else_steps_as_seconds() -> None:
    timed = numeric("x", [1.0, 2.0, 3.0], dt_s=0.5)
    assert axis_ns(timed).tolist() == [T0_NS, T0_NS + 500_000_000, T0_NS + 1_000_000_000]
    stepped = numeric("x", [1.0, 2.0, 3.0], dt_s=None)
    assert axis_ns(stepped).tolist() == [0, 1_000_000_000, 2_000_000_000]
    bare = numeric("x", [1.0, 2.0], dt_s=None, steps=False)
    assert axis_ns(bare).tolist() == [0, 1_000_000_000]


def test_step_slice_inclusive_and_unordered() -> None:
    ch = numeric("x", np.arange(10.0))
    part = step_slice(ch, 3, 5)
    assert part is not None and part.values.tolist() == [3.0, 4.0, 5.0]
    assert part.steps is not None and part.steps.tolist() == [3, 4, 5]
    shuffled = numeric("x", [5.0, 1.0, 3.0])
    assert shuffled.steps is not None
    shuffled.steps[:] = [5, 1, 3]
    part = step_slice(shuffled, 2, 5)
    assert part is not None and sorted(part.values.tolist()) == [3.0, 5.0]
    assert step_slice(numeric("x", [1.0], steps=False), 0, 1) is None
