"""The comparison as a JobMetrics the platform accepts: a summary text, the pass rates, and one scalar
per metric (its mean difference) whose status is FAIL_BLOCK / FAIL_WARN for a significant regression."""

from __future__ import annotations

import uuid
from pathlib import Path

from metrics_build import model as m
from metrics_build.compare.analysis import Comparison
from metrics_build.compare.table import flips, interval, markdown, num, rate, verdict_label
from metrics_build.compare.verdict import MetricComparison, Verdict
from metrics_build.writer import JobMetricsWriter

COMPARE_JOB_ID = uuid.uuid5(uuid.NAMESPACE_URL, "https://metrics-build.invalid/compare")
SUMMARY_METRIC = "comparison"
PASS_RATE_METRIC = "test pass rate"
DIFFERENCE_SUFFIX = ": mean difference"


def _status(verdict: Verdict, failing: m.Status) -> m.Status:
    if verdict is Verdict.REGRESSION:
        return failing
    return m.Status.NOT_APPLICABLE if verdict is Verdict.NOT_ENOUGH_DATA else m.Status.PASSED


def _importance(verdict: Verdict, status: m.Status) -> m.Importance:
    if verdict is not Verdict.REGRESSION:
        return m.Importance.MEDIUM
    return m.Importance.CRITICAL if status is m.Status.FAIL_BLOCK else m.Importance.HIGH


def _metric(c: MetricComparison, order: int, pct: float) -> m.ScalarMetric | None:
    d = c.differences
    if d.mean is None:
        return None
    status = _status(c.verdict, c.failing_status)
    text = (f"{verdict_label(c.verdict, c.severity)}: candidate - baseline over {d.n} paired tests; "
            f"median {num(d.median, True)}, {pct:g}% CI {interval(d.ci)}, d_z {num(d.effect, True)}, "
            f"better {c.better}, flips {flips(c.flips)}")
    if d.note:
        text += f"; {d.note}"
    if c.named_tests:
        text += "; tests: " + ", ".join(t for t, _ in c.named_tests)
    return m.ScalarMetric(name=c.name + DIFFERENCE_SUFFIX, value=d.mean, unit=c.unit or None, status=status,
                          importance=_importance(c.verdict, status), description=text, order=float(order),
                          tags=(("verdict", c.verdict.value), ("better", c.better)))


def comparison_metrics(c: Comparison, *, prefix: str = "") -> list[m.Metric]:
    """Every metric of the comparison, each name after `prefix`: a summary text (carrying the worst
    verdict), the pass-rate change and both rates, and one scalar per compared metric."""
    t = c.tests
    summary = m.TextMetric(name=prefix + SUMMARY_METRIC, text=markdown(c), order=0.0, importance=m.Importance.HIGH)
    metrics: list[m.Metric] = [summary]
    b, k = t.baseline_rate.value, t.candidate_rate.value
    if b is not None and k is not None:
        status = _status(t.verdict, t.failing_status)
        metrics.append(m.ScalarMetric(
            name=f"{prefix}{PASS_RATE_METRIC}: change", value=k - b, status=status, order=1.0,
            importance=_importance(t.verdict, status),
            description=f"{verdict_label(t.verdict, t.severity)}: {rate(t.baseline_rate)} -> "
                        f"{rate(t.candidate_rate)}; flips {flips(t.flips)} (McNemar exact); "
                        f"denominator {t.denominator}",
            tags=(("verdict", t.verdict.value),)))
    for label, r in (("baseline", t.baseline_rate), ("candidate", t.candidate_rate)):
        if r.value is not None and r.ci is not None:
            metrics.append(m.ScalarMetric(
                name=f"{prefix}{PASS_RATE_METRIC}: {label}", value=r.value, status=m.Status.RAW, order=2.0,
                description=f"{rate(r)} (Wilson interval)"))
    for i, metric in enumerate(c.metrics):
        scalar = _metric(metric, 10 + i, round(c.settings.confidence * 100, 6))
        if scalar is not None:
            scalar.name = prefix + scalar.name
            metrics.append(scalar)
    # The summary carries the worst verdict, so it stands out where the platform lists statuses.
    summary.status = m.rollup(x.status for x in metrics[1:])
    return metrics


def build(c: Comparison) -> JobMetricsWriter:
    """Every metric of the comparison in a writer (nothing written yet)."""
    w = JobMetricsWriter(COMPARE_JOB_ID)
    for metric in comparison_metrics(c):
        w.add_metric(metric)
    return w


def write_comparison(c: Comparison, path: Path) -> int:
    """Validate and atomically write the comparison's JobMetrics; returns its size in bytes.

    Raises:
        InvalidMetricsError: the platform would reject it (a bug: every problem listed).
    """
    return build(c).write(path)
