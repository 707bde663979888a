"""Matching, verdicts, direction and severity, the denominator policy, and the properties: identical
sides show nothing, a shifted candidate is detected, swapping the sides flips every sign."""

from __future__ import annotations

import math

import pytest
from compare_helpers import record, series_side, side
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics_build.compare.analysis import compare
from metrics_build.compare.records import Outcome, SideTest
from metrics_build.compare.verdict import Verdict
from metrics_build.config import CompareSection, MetricRule
from metrics_build.errors import InputError
from metrics_build.model.enums import Status

FAST = CompareSection(n_resamples=499)
BASE = [10.2, 11.5, 9.8, 12.1, 10.9, 11.3, 10.4, 12.6]
WORSE = [10.9, 11.4, 10.6, 12.9, 11.8, 11.9, 10.3, 13.5]

values = st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=5, max_size=25)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_identical_sides_show_no_change_and_zero_differences(xs):
    result = compare(series_side("baseline", "x", xs), series_side("candidate", "x", xs), FAST)
    (metric,) = result.metrics
    assert metric.verdict is Verdict.NO_CHANGE
    assert metric.differences.mean == 0.0 and metric.differences.median == 0.0
    assert metric.differences.ci is not None and metric.differences.ci.low == metric.differences.ci.high == 0.0
    assert result.regressions == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=6, max_size=25), st.floats(1, 50),
       st.randoms(use_true_random=False))
def test_a_shifted_candidate_is_detected(xs, shift, rnd):
    # Each test gets worse by `shift` give or take 10%: a consistent shift well above its noise.
    cand = [x + shift * (1 + 0.1 * (rnd.random() - 0.5)) for x in xs]
    result = compare(series_side("baseline", "x", xs, fails_above=["x"]),
                     series_side("candidate", "x", cand, fails_above=["x"]), FAST)
    (metric,) = result.metrics
    assert metric.better == "lower"
    assert metric.verdict is Verdict.REGRESSION
    assert metric.differences.ci is not None and metric.differences.ci.low > 0
    assert result.regressions == ["x"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values, values)
def test_swapping_sides_flips_every_sign(xs, ys):
    n = min(len(xs), len(ys))
    xs, ys = xs[:n], ys[:n]
    ab = compare(series_side("baseline", "x", xs, fails_below=["x"]),
                 series_side("candidate", "x", ys, fails_below=["x"]), FAST).metrics[0]
    ba = compare(series_side("baseline", "x", ys, fails_below=["x"]),
                 series_side("candidate", "x", xs, fails_below=["x"]), FAST).metrics[0]
    d, e = ab.differences, ba.differences
    assert d.mean == pytest.approx(-e.mean, abs=1e-6) and d.median == pytest.approx(-e.median, abs=1e-6)
    if d.effect is None:
        assert e.effect is None
    else:
        assert d.effect == pytest.approx(-e.effect, abs=1e-9) or (math.isinf(d.effect) and d.effect == -e.effect)
    if d.ci is not None and e.ci is not None:
        # The same resamples (same seed), negated: the interval mirrors.
        tolerance = 1e-6 * (d.ci.high - d.ci.low) + 1e-9
        assert d.ci.low == pytest.approx(-e.ci.high, abs=tolerance)
        assert d.ci.high == pytest.approx(-e.ci.low, abs=tolerance)
    flipped = {Verdict.REGRESSION: Verdict.IMPROVEMENT, Verdict.IMPROVEMENT: Verdict.REGRESSION}
    if ab.verdict in flipped and ba.verdict in flipped:
        assert ba.verdict is flipped[ab.verdict]


def test_direction_from_thresholds_and_config():
    better_lower = compare(series_side("baseline", "x", BASE, fails_above=["x"]),
                           series_side("candidate", "x", WORSE, fails_above=["x"]), FAST).metrics[0]
    better_higher = compare(series_side("baseline", "x", BASE, fails_below=["x"]),
                            series_side("candidate", "x", WORSE, fails_below=["x"]), FAST).metrics[0]
    none = compare(series_side("baseline", "x", BASE), series_side("candidate", "x", WORSE), FAST).metrics[0]
    configured = compare(series_side("baseline", "x", BASE), series_side("candidate", "x", WORSE),
                         CompareSection(n_resamples=499, metrics={"x": MetricRule(better="lower")})).metrics[0]
    assert (better_lower.verdict, better_higher.verdict) == (Verdict.REGRESSION, Verdict.IMPROVEMENT)
    assert (none.better, none.verdict) == ("none", Verdict.CHANGED)
    assert (configured.better, configured.verdict) == ("lower", Verdict.REGRESSION)
    # The regression names the tests that moved most the wrong way, largest first.
    expected = sorted((f"t{i:02d}" for i in range(8)), key=lambda t: (-(WORSE[int(t[1:])] - BASE[int(t[1:])]), t))
    assert [t for t, _ in better_lower.named_tests] == expected[:5]
    assert {t for t, _ in better_lower.named_tests[:2]} == {"t04", "t07"}  # both +0.9


def test_minimum_effect_and_minimum_difference_hold_back_a_verdict():
    strict = CompareSection(n_resamples=499, min_effect=5.0)
    assert compare(series_side("baseline", "x", BASE, fails_above=["x"]),
                   series_side("candidate", "x", WORSE, fails_above=["x"]), strict).metrics[0].verdict \
        is Verdict.NO_CHANGE
    big = CompareSection(n_resamples=499, metrics={"x": MetricRule(min_difference=1.0)})
    assert compare(series_side("baseline", "x", BASE, fails_above=["x"]),
                   series_side("candidate", "x", WORSE, fails_above=["x"]), big).metrics[0].verdict \
        is Verdict.NO_CHANGE


def test_severity_from_statuses_flags_and_config():
    base = [record(f"t{i}", {"x": v}, fails_above=["x"]) for i, v in enumerate(BASE)]
    cand = [record(f"t{i}", {"x": v}, fails_above=["x"],
                   statuses={"x": Status.FAIL_BLOCK if i == 0 else Status.PASSED}) for i, v in enumerate(WORSE)]
    blocked = compare(side("baseline", base), side("candidate", cand), FAST).metrics[0]
    assert (blocked.verdict, blocked.severity, blocked.failing_status) == (Verdict.REGRESSION, "block",
                                                                          Status.FAIL_BLOCK)
    assert blocked.named_tests[0] == ("t0", pytest.approx(0.7))  # the test that flipped to failing first
    plain = compare(series_side("baseline", "x", BASE, fails_above=["x"]),
                    series_side("candidate", "x", WORSE, fails_above=["x"]), FAST).metrics[0]
    assert (plain.severity, plain.failing_status) == ("warn", Status.FAIL_WARN)
    configured = CompareSection(n_resamples=499, severity="block")
    assert compare(series_side("baseline", "x", BASE), series_side("candidate", "x", WORSE),
                   configured).metrics[0].severity == "block"


def test_flips_alone_make_a_regression():
    # Values barely move, but 6 of 8 tests cross the limit: McNemar p = 2 / 64.
    base = [record(f"t{i}", {"x": 1.0 + i}, fails_above=["x"]) for i in range(8)]
    cand = [record(f"t{i}", {"x": 1.0 + i}, fails_above=["x"],
                   statuses={"x": Status.FAIL_WARN if i < 6 else Status.PASSED}) for i in range(8)]
    result = compare(side("baseline", base), side("candidate", cand), FAST)
    metric = result.metrics[0]
    assert metric.differences.mean == 0.0
    assert (metric.flips.worse, metric.flips.better) == (6, 0)
    assert metric.verdict is Verdict.REGRESSION
    assert result.tests.verdict is Verdict.REGRESSION
    assert result.tests.newly_failing == ("t0", "t1", "t2", "t3", "t4", "t5")
    assert result.regressions == ["test pass rate", "x"]


def _errored(name: str) -> SideTest:
    return SideTest(name=name, outcome=Outcome.ERRORED, reason="exit code 2")


@pytest.mark.parametrize(("policy", "rates", "flips"), [
    ("exclude", ((4, 4), (4, 4)), (0, 0, 3)),
    # t3 errored in the candidate: a new failure; t9 is missing from the baseline: a failure there.
    ("fail", ((4, 5), (4, 5)), (1, 1, 5)),
])
def test_denominator_policy_is_explicit(policy, rates, flips):
    base = [record(f"t{i}", {"x": 1.0}) for i in range(4)]
    cand = [record("t0", {"x": 1.0}), record("t1", {"x": 1.0}), record("t2", {"x": 1.0}), _errored("t3"),
            record("t9", {"x": 1.0})]
    result = compare(side("baseline", base), side("candidate", cand),
                     CompareSection(n_resamples=499, denominator=policy))
    t = result.tests
    assert (t.baseline.ok, t.baseline.missing) == (4, 1)
    assert (t.candidate.ok, t.candidate.errored, t.candidate.missing) == (4, 1, 0)
    assert t.only_candidate == ("t9",) and t.only_baseline == ()
    assert t.without_metrics == (("candidate", "t3", Outcome.ERRORED, "exit code 2"),)
    assert ((t.baseline_rate.passed, t.baseline_rate.total), (t.candidate_rate.passed, t.candidate_rate.total)) == rates
    assert (t.flips.worse, t.flips.better, t.flips.pairs) == flips
    assert result.metrics[0].differences.n == 3


def test_one_side_only_metrics_and_nonfinite_values_are_counted():
    base = [record("a", {"x": 1.0, "y": 2.0}), record("b", {"x": math.inf})]
    cand = [record("a", {"x": 1.0}), record("b", {"x": 3.0})]
    metrics = {m.name: m for m in compare(side("baseline", base), side("candidate", cand), FAST).metrics}
    assert (metrics["x"].differences.n, metrics["x"].nonfinite) == (1, 1)
    assert (metrics["y"].differences.n, metrics["y"].unpaired, metrics["y"].verdict) == (0, 1, Verdict.NOT_ENOUGH_DATA)


def test_empty_sides_and_duplicate_names_are_input_errors():
    with pytest.raises(InputError, match="baseline: no tests"):
        compare(side("baseline", []), series_side("candidate", "x", [1.0]), FAST)
    dup = side("candidate", [record("a", {"x": 1.0}), record("a", {"x": 2.0})])
    with pytest.raises(InputError, match="candidate: two tests named 'a'"):
        compare(series_side("baseline", "x", [1.0]), dup, FAST)


def test_metrics_sort_by_severity():
    names = ["block", "warn", "changed", "better", "same", "few"]
    base = [record(f"t{i}", {n: v for n in names}, fails_above=["block", "warn", "better"]) for i, v in enumerate(BASE)]
    cand = []
    for i, (b, w) in enumerate(zip(BASE, WORSE, strict=True)):
        vals = {"block": w, "warn": w, "changed": w, "better": 2 * b - w, "same": b}
        statuses = {"block": Status.FAIL_BLOCK} if i == 0 else {}
        cand.append(record(f"t{i}", vals, statuses=statuses, fails_above=["block", "warn", "better"]))
    base.append(record("t9", {"few": 1.0}))
    cand.append(record("t9", {"few": 2.0}))
    got = [(m.name, m.verdict) for m in compare(side("baseline", base), side("candidate", cand), FAST).metrics]
    assert got == [("block", Verdict.REGRESSION), ("warn", Verdict.REGRESSION), ("changed", Verdict.CHANGED),
                   ("better", Verdict.IMPROVEMENT), ("same", Verdict.NO_CHANGE), ("few", Verdict.NOT_ENOUGH_DATA)]


def test_excluded_metrics_are_left_out():
    result = compare(side("baseline", [record("a", {"x": 1.0, "time s": 2.0})]),
                     side("candidate", [record("a", {"x": 1.0, "time s": 3.0})]),
                     CompareSection(n_resamples=499, exclude=["time*"]))
    assert [m.name for m in result.metrics] == ["x"]
