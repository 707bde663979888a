"""The whole comparison: tests accounted for, pass rates and flips over tests, and every scalar
metric judged; pure (sides in, result out)."""

from __future__ import annotations

from dataclasses import dataclass

from metrics_build.compare.pairing import Pairing, SideCounts, pair_sides
from metrics_build.compare.records import Outcome, Side
from metrics_build.compare.stats import Flips, Rate, mcnemar_exact, wilson
from metrics_build.compare.verdict import MetricComparison, Verdict, flip_verdict, judge_metric, sort_key
from metrics_build.config import CompareSection, Denominator, Severity
from metrics_build.model.enums import Status


@dataclass(frozen=True)
class TestsComparison:
    """The tests themselves: how each side's ended, pass rates and pass/fail flips.

    Attributes:
        baseline / candidate: How each side's tests ended (`missing`: only the other side has it).
        only_baseline / only_candidate: Tests present on one side only, by name.
        without_metrics: (side, test, outcome, reason) of every errored or cancelled test.
        denominator: The policy applied to tests without metrics in rates and flips.
        baseline_rate / candidate_rate: Pass rates (a test passes unless FAIL_WARN or FAIL_BLOCK).
        flips: Tests that flipped, over tests judged on both sides.
        verdict / severity: Regression when significantly more tests flipped to failing.
        newly_failing: Tests that passed in the baseline and fail in the candidate.
    """

    __test__ = False  # not a pytest test class

    baseline: SideCounts
    candidate: SideCounts
    only_baseline: tuple[str, ...]
    only_candidate: tuple[str, ...]
    without_metrics: tuple[tuple[str, str, Outcome, str], ...]
    denominator: Denominator
    baseline_rate: Rate
    candidate_rate: Rate
    flips: Flips
    verdict: Verdict
    severity: Severity
    newly_failing: tuple[str, ...]

    @property
    def failing_status(self) -> Status:
        """The status a pass-rate regression gives."""
        return Status.FAIL_BLOCK if self.severity == "block" else Status.FAIL_WARN


@dataclass(frozen=True)
class Comparison:
    """The result: where each side came from, the settings, the tests, and every metric, most severe first."""

    baseline_source: str
    candidate_source: str
    settings: CompareSection
    tests: TestsComparison
    metrics: tuple[MetricComparison, ...]

    @property
    def regressions(self) -> list[str]:
        """Names of what regressed significantly (metrics; "test pass rate" for the tests)."""
        names = [m.name for m in self.metrics if m.verdict is Verdict.REGRESSION]
        return (["test pass rate"] if self.tests.verdict is Verdict.REGRESSION else []) + names


def _tests(pairing: Pairing, settings: CompareSection) -> TestsComparison:
    as_fail = settings.denominator == "fail"
    rates: list[Rate] = []
    states = {side: {n: pairing.test_state(side, n, as_fail) for n in pairing.names}
              for side in ("baseline", "candidate")}
    for side in ("baseline", "candidate"):
        judged = [s for s in states[side].values() if s is not None]
        rates.append(wilson(judged.count(False), len(judged), settings.confidence))
    both = [(n, states["baseline"][n], states["candidate"][n]) for n in pairing.names]
    both = [(n, b, c) for n, b, c in both if b is not None and c is not None]
    newly_failing = tuple(n for n, b, c in both if not b and c)
    fixed = sum(1 for _, b, c in both if b and not c)
    flips = mcnemar_exact(len(newly_failing), fixed, len(both))
    blocked = any(pairing.candidate[n].status is Status.FAIL_BLOCK for n in newly_failing if n in pairing.candidate)
    without = tuple((side, r.name, r.outcome, r.reason)
                    for side, records in (("baseline", pairing.baseline), ("candidate", pairing.candidate))
                    for r in records.values() if r.outcome is not Outcome.OK)
    return TestsComparison(
        baseline=pairing.counts("baseline"), candidate=pairing.counts("candidate"),
        only_baseline=tuple(pairing.only_in("baseline")), only_candidate=tuple(pairing.only_in("candidate")),
        without_metrics=without, denominator=settings.denominator,
        baseline_rate=rates[0], candidate_rate=rates[1], flips=flips,
        verdict=flip_verdict(flips, settings.alpha),
        severity="block" if blocked else settings.severity,
        newly_failing=newly_failing,
    )


def compare(baseline: Side, candidate: Side, settings: CompareSection) -> Comparison:
    """Match the sides' tests and judge the tests and every scalar metric.

    Raises:
        InputError: A side has no tests, or two with the same name.
    """
    pairing = pair_sides(baseline, candidate, settings.exclude)
    metrics = sorted((judge_metric(pairs, settings) for pairs in pairing.metrics.values()), key=sort_key)
    return Comparison(baseline.source, candidate.source, settings, _tests(pairing, settings), tuple(metrics))
