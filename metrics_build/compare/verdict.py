"""A verdict per metric: regression, improvement, changed (no direction), no significant change, or
not enough data; with the direction of "better" and the severity each metric is judged by."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from metrics_build.compare.pairing import MetricPairs
from metrics_build.compare.records import is_failing
from metrics_build.compare.stats import Differences, Flips, mcnemar_exact, paired_differences
from metrics_build.config import Better, CompareSection, Severity
from metrics_build.model.enums import Status

# How many tests a verdict names (the ones that moved most the wrong way).
MAX_NAMED_TESTS = 5


class Verdict(StrEnum):
    """The outcome for one metric (or the tests' pass rate)."""

    REGRESSION = "regression"
    CHANGED = "changed"
    IMPROVEMENT = "improvement"
    NO_CHANGE = "no significant change"
    NOT_ENOUGH_DATA = "not enough data"


@dataclass(frozen=True)
class MetricComparison:
    """One scalar metric compared.

    Attributes:
        name / unit: The metric ("" when it has no unit, or several).
        better: The direction judged by ("none": a significant change is just "changed").
        severity: What a regression means (FAIL_BLOCK for "block", FAIL_WARN for "warn").
        differences: The paired differences' statistics.
        flips: Its pass/fail flips (McNemar's exact test).
        verdict: The combined verdict (a regression by values or by flips is a regression).
        named_tests: Up to five tests that moved most the wrong way (name, difference), or that
            flipped to failing; empty unless the verdict is a regression or a change.
        unpaired / nonfinite: Tests left out: metric on one side only; a value ±inf.
    """

    name: str
    unit: str
    better: Better
    severity: Severity
    differences: Differences
    flips: Flips
    verdict: Verdict
    named_tests: tuple[tuple[str, float | None], ...]
    unpaired: int
    nonfinite: int

    @property
    def failing_status(self) -> Status:
        """The status a regression of this metric gives."""
        return Status.FAIL_BLOCK if self.severity == "block" else Status.FAIL_WARN


def direction(pairs: MetricPairs, configured: Better | None) -> Better:
    """The configured direction, else lower for a metric with only `fails_above`, higher with only
    `fails_below`, else "none"."""
    if configured is not None:
        return configured
    if pairs.fails_above and not pairs.fails_below:
        return "lower"
    if pairs.fails_below and not pairs.fails_above:
        return "higher"
    return "none"


def severity(pairs: MetricPairs, configured: Severity | None, default: Severity) -> Severity:
    """The configured severity, else "block" when the metric is flagged blocking or was FAIL_BLOCK
    in any test, "warn" when flagged non-blocking or FAIL_WARN anywhere, else `default`."""
    if configured is not None:
        return configured
    if True in pairs.blocking or Status.FAIL_BLOCK in pairs.statuses:
        return "block"
    if False in pairs.blocking or Status.FAIL_WARN in pairs.statuses:
        return "warn"
    return default


def _value_verdict(diffs: Differences, better: Better, settings: CompareSection, min_difference: float) -> Verdict:
    if diffs.ci is None or diffs.mean is None:
        return Verdict.NOT_ENOUGH_DATA
    effect = abs(diffs.effect) if diffs.effect is not None else 0.0
    if not (diffs.ci.excludes_zero() and effect >= settings.min_effect and abs(diffs.mean) >= min_difference):
        return Verdict.NO_CHANGE
    if better == "none":
        return Verdict.CHANGED
    worse = diffs.mean > 0 if better == "lower" else diffs.mean < 0
    return Verdict.REGRESSION if worse else Verdict.IMPROVEMENT


def flip_verdict(flips: Flips, alpha: float) -> Verdict:
    """Regression (improvement) when significantly more tests flipped to failing (to passing)."""
    if flips.p_value is None or flips.p_value >= alpha:
        return Verdict.NO_CHANGE
    return Verdict.REGRESSION if flips.worse > flips.better else Verdict.IMPROVEMENT


def combine(by_values: Verdict, by_flips: Verdict) -> Verdict:
    """A regression by either wins; then an improvement; a significant flip outweighs "not enough data"."""
    for verdict in (Verdict.REGRESSION, Verdict.IMPROVEMENT, Verdict.CHANGED):
        if verdict in (by_values, by_flips):
            return verdict
    return by_values


def _named(pairs: MetricPairs, better: Better, verdict: Verdict) -> tuple[tuple[str, float | None], ...]:
    if verdict not in (Verdict.REGRESSION, Verdict.CHANGED):
        return ()
    flipped = [t for t, b, c in zip(pairs.tests, pairs.baseline_status, pairs.candidate_status, strict=True)
               if not is_failing(b) and is_failing(c)]
    diffs = [(t, c - b) for t, b, c in zip(pairs.tests, pairs.baseline, pairs.candidate, strict=True)]
    sign = {"lower": 1.0, "higher": -1.0, "none": 0.0}[better]
    # Most harmful first: largest move the wrong way, or the largest move of any sign without a direction.
    ranked = sorted(diffs, key=lambda td: (-(sign * td[1] if sign else abs(td[1])), td[0]))
    if sign:
        ranked = [td for td in ranked if sign * td[1] > 0]
    named: dict[str, float | None] = dict(diffs)
    order = [*flipped, *(t for t, _ in ranked if t not in flipped)]
    return tuple((t, named.get(t)) for t in order[:MAX_NAMED_TESTS])


def judge_metric(pairs: MetricPairs, settings: CompareSection) -> MetricComparison:
    """Statistics and verdict of one metric under `settings`."""
    rule = settings.rule(pairs.name)
    better = direction(pairs, rule.better)
    diffs = paired_differences(pairs.baseline, pairs.candidate, confidence=settings.confidence,
                               n_resamples=settings.n_resamples, seed=settings.seed, min_pairs=settings.min_pairs)
    worse = sum(1 for b, c in zip(pairs.baseline_status, pairs.candidate_status, strict=True)
                if not is_failing(b) and is_failing(c))
    fixed = sum(1 for b, c in zip(pairs.baseline_status, pairs.candidate_status, strict=True)
                if is_failing(b) and not is_failing(c))
    flips = mcnemar_exact(worse, fixed, len(pairs.tests))
    verdict = combine(_value_verdict(diffs, better, settings, rule.min_difference), flip_verdict(flips, settings.alpha))
    return MetricComparison(
        name=pairs.name,
        unit=next(iter(pairs.units)) if len(pairs.units) == 1 else "",
        better=better,
        severity=severity(pairs, rule.severity, settings.severity),
        differences=diffs,
        flips=flips,
        verdict=verdict,
        named_tests=_named(pairs, better, verdict),
        unpaired=pairs.unpaired,
        nonfinite=pairs.nonfinite,
    )


def severity_rank(verdict: Verdict, sev: Severity) -> int:
    """Sort key: block regressions, warn regressions, changes, improvements, no change, not enough data."""
    if verdict is Verdict.REGRESSION:
        return 0 if sev == "block" else 1
    return {Verdict.CHANGED: 2, Verdict.IMPROVEMENT: 3, Verdict.NO_CHANGE: 4, Verdict.NOT_ENOUGH_DATA: 5}[verdict]


def sort_key(m: MetricComparison) -> tuple[int, float, str]:
    """Most severe first; within a verdict, the largest |effect| (then the name) first."""
    effect = m.differences.effect
    magnitude = abs(effect) if effect is not None and not math.isnan(effect) else -1.0
    return severity_rank(m.verdict, m.severity), -magnitude, m.name
