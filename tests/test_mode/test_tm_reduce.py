"""Every reduction against NumPy, NaN handling, and the cases that have no answer."""

from __future__ import annotations

import numpy as np
import pytest
from tm_helpers import numeric, states

from metrics_build.test_mode.reduce import NotApplicable, label, reduce_channel, unit_of

RNG = np.random.default_rng(42)
VALUES = RNG.normal(3.0, 2.0, 1001)

REFERENCE = {
    "min": np.min, "max": np.max, "mean": np.mean, "sum": np.sum,
    "first": lambda v: v[0], "last": lambda v: v[-1], "count": lambda v: float(v.size),
    "std": lambda v: np.std(v, ddof=0),
    "p50": lambda v: np.percentile(v, 50), "p90": lambda v: np.percentile(v, 90),
    "p95": lambda v: np.percentile(v, 95), "p99": lambda v: np.percentile(v, 99),
}


@pytest.mark.parametrize("reduction", sorted(REFERENCE))
def test_value_reductions_match_numpy(reduction: str) -> None:
    got = reduce_channel(reduction, numeric("x", VALUES))
    assert got == pytest.approx(float(REFERENCE[reduction](VALUES)), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("reduction", sorted(REFERENCE))
def test_nan_samples_are_ignored(reduction: str) -> None:
    with_nan = VALUES.copy()
    with_nan[::7] = np.nan
    clean = with_nan[~np.isnan(with_nan)]
    got = reduce_channel(reduction, numeric("x", with_nan))
    assert got == pytest.approx(float(REFERENCE[reduction](clean)), rel=1e-12, abs=1e-12)


def test_duration_is_last_minus_first_timestamp() -> None:
    ch = numeric("x", VALUES, dt_s=0.25)
    assert ch.timestamps_ns is not None
    assert reduce_channel("duration", ch) == (int(ch.timestamps_ns[-1]) - int(ch.timestamps_ns[0])) / 1e9 == 250.0


def test_max_rate_of_change_per_second_and_per_step() -> None:
    ch = numeric("x", VALUES, dt_s=0.5, unit="m")
    expected = np.max(np.abs(np.diff(VALUES) / 0.5))
    assert reduce_channel("max_rate_of_change", ch) == pytest.approx(expected, rel=1e-12)
    assert unit_of("max_rate_of_change", ch) == "m/s"
    stepped = numeric("x", VALUES, dt_s=None)
    assert reduce_channel("max_rate_of_change", stepped) == pytest.approx(np.max(np.abs(np.diff(VALUES))), rel=1e-12)
    assert unit_of("max_rate_of_change", stepped) == "1/step"


def test_rate_skips_repeated_times() -> None:
    ch = numeric("x", [0.0, 5.0, 1.0, 2.0], dt_s=1.0)
    assert ch.timestamps_ns is not None
    ch.timestamps_ns[1] = ch.timestamps_ns[0]  # 0 -> 5 at the same instant: no rate
    assert reduce_channel("max_rate_of_change", ch) == pytest.approx(2.0)  # 5 -> 1 over 2 s


def test_infinities_take_part() -> None:
    assert reduce_channel("max", numeric("x", [1.0, np.inf])) == np.inf
    with pytest.raises(NotApplicable, match="NaN"):
        reduce_channel("mean", numeric("x", [np.inf, -np.inf]))


@pytest.mark.parametrize(("channel", "reduction", "why"), [
    (numeric("x", []), "max", "no samples"),
    (numeric("x", [np.nan, np.nan]), "mean", "no samples"),
    (numeric("x", [1.0, 2.0], dt_s=None), "duration", "no timestamps"),
    (numeric("x", [1.0]), "max_rate_of_change", "two samples"),
    (states("s", ["a", "b"]), "mean", "holds states"),
])
def test_not_applicable(channel, reduction: str, why: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotApplicable, match=why):
        reduce_channel(reduction, channel)


def test_state_channels_count_and_duration() -> None:
    ch = states("s", ["a", "b", "a"], dt_s=2.0)
    assert reduce_channel("count", ch) == 3.0
    assert reduce_channel("duration", ch) == 4.0


def test_units_and_labels() -> None:
    ch = numeric("x", [1.0, 2.0], unit="m/s")
    assert unit_of("mean", ch) == "m/s" and unit_of("count", ch) == "" and unit_of("duration", ch) == "s"
    assert label("max_rate_of_change") == "max rate of change" and label("p95") == "p95"
