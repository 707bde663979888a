"""The `[compare]` table of the config: significance, minimum effect, denominator policy, and per-metric
direction of "better" and severity (`metrics-build compare`, and a batch's baseline comparison)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from metrics_build.config.common import Frozen, Severity

Better = Literal["lower", "higher", "none"]
Denominator = Literal["exclude", "fail"]


class MetricRule(Frozen):
    """How one metric is judged (`[compare.metrics."max speed"]`); unset fields are inferred.

    Attributes:
        better: "lower" or "higher" is better; "none" reports a significant change without a
            direction. Unset: from the metric's thresholds (fails_above → lower, fails_below → higher).
        severity: A significant regression gives FAIL_BLOCK ("block") or FAIL_WARN ("warn"). Unset: from
            the statuses the metric showed (FAIL_BLOCK anywhere → block), else `[compare] severity`.
        min_difference: The smallest |mean difference|, in the metric's unit, worth a verdict.
    """

    better: Better | None = None
    severity: Severity | None = None
    min_difference: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0


class CompareSection(Frozen):
    """`[compare]`: how a candidate batch is judged against a baseline.

    Attributes:
        alpha: Significance level; intervals are at confidence 1 - alpha (0.05 → 95%).
        min_effect: The smallest |Cohen's d_z| (mean difference / SD of the differences) worth a verdict.
        min_pairs: Fewer paired tests than this give "not enough data" for a metric.
        denominator: Errored, cancelled and missing tests: "exclude" them from pass rates and flips,
            or count them as failures ("fail"). Either way they are counted and reported.
        severity: The severity of a regression when nothing else says it.
        n_resamples: Bootstrap resamples per metric.
        seed: Seed of every bootstrap (each metric starts afresh from it): output is deterministic.
        exclude: Glob patterns of scalar metric names not to compare.
        metrics: Per-metric rules by exact metric name.
    """

    alpha: Annotated[float, Field(gt=0, lt=0.5)] = 0.05
    min_effect: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.2
    min_pairs: Annotated[int, Field(ge=2, le=1000)] = 5
    denominator: Denominator = "exclude"
    severity: Severity = "warn"
    n_resamples: Annotated[int, Field(ge=99, le=100_000)] = 9999
    seed: Annotated[int, Field(ge=0)] = 0
    exclude: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    metrics: dict[Annotated[str, Field(min_length=1)], MetricRule] = Field(default_factory=dict)

    @property
    def confidence(self) -> float:
        """The confidence level of every interval (1 - alpha)."""
        return 1.0 - self.alpha

    def rule(self, metric: str) -> MetricRule:
        """The rule configured for `metric`, or the all-inferred default."""
        return self.metrics.get(metric, _DEFAULT_RULE)


_DEFAULT_RULE = MetricRule()


__all__ = ["Better", "CompareSection", "Denominator", "MetricRule"]
