"""Trends: values per batch over the batches' creation times, as DOUBLE_OVER_TIME metrics, and the
thresholds that judge them.

Only complete batches are points (a running or cancelled batch's values are partial). A judged trend
gives every point a status (over `fails_above`, under `fails_below`, more than `max_drop` below or
`max_rise` above the previous point) and takes the status of its newest point: where the suite stands
now. An unjudged trend is NOT_APPLICABLE throughout.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from metrics_build import model as m
from metrics_build.config import BatchMetricTrend, JobMetricTrend, PassRateTrend, trend_name
from metrics_build.model.times import to_ns
from metrics_build.platform import failing_status, importance_of
from metrics_build.report import text as t
from metrics_build.report.fold import BatchRow
from metrics_build.report.stats import BOX, Proportion

INFO = m.Status.NOT_APPLICABLE
Spec = PassRateTrend | JobMetricTrend | BatchMetricTrend


@dataclass(frozen=True)
class Line:
    """One line of a trend: its label and its (batch row, value) points in time order."""

    label: str
    points: list[tuple[BatchRow, float]]


def _changes(spec: Spec, values: Sequence[float]) -> list[str]:
    """Why each point fails ("" when it passes), by the spec's thresholds."""
    why = []
    for i, v in enumerate(values):
        reasons = []
        if spec.fails_above is not None and v > spec.fails_above:
            reasons.append(f"above {t.number(spec.fails_above)}")
        if spec.fails_below is not None and v < spec.fails_below:
            reasons.append(f"below {t.number(spec.fails_below)}")
        if i:
            change = v - values[i - 1]
            if spec.max_drop is not None and -change > spec.max_drop:
                reasons.append(f"{t.number(-change)} below the previous batch (max_drop {t.number(spec.max_drop)})")
            if spec.max_rise is not None and change > spec.max_rise:
                reasons.append(f"{t.number(change)} above the previous batch (max_rise {t.number(spec.max_rise)})")
        why.append("; ".join(reasons))
    return why


def over_time(name: str, lines: list[Line], *, description: str, unit: str = "", judge: Spec | None = None,
              importance: m.Importance = m.Importance.HIGH) -> m.Metric | None:
    """A DOUBLE_OVER_TIME of `lines` (each over its points' batch creation times; lines with the same
    batches share one time index). `judge` judges the first line. None when no line has a point."""
    lines = [line for line in lines if line.points]
    if not lines:
        return None
    status = INFO
    point_status: list[np.ndarray] = [np.full(len(line.points), INFO, dtype=np.int8) for line in lines]
    verdict = ""
    if judge is not None and judge.judged:
        values = [v for _, v in lines[0].points]
        why = _changes(judge, values)
        failing = failing_status(judge.severity)
        point_status[0] = np.array([failing if w else m.Status.PASSED for w in why], dtype=np.int8)
        status = failing if why[-1] else m.Status.PASSED
        newest = lines[0].points[-1][0].info.name
        verdict = (f"; newest batch {newest}: {why[-1]}" if why[-1] else f"; newest batch {newest} within its "
                   "thresholds") + f"; {sum(1 for w in why if w)} of {len(why)} batches failed a threshold"
    series, statuses = [], []
    indexes: dict[tuple[int, ...], m.SeriesData] = {}
    for line, flags in zip(lines, point_status, strict=True):
        times = tuple(to_ns(row.info.created) for row, _ in line.points)
        key = tuple(row.index for row, _ in line.points)
        if key not in indexes:
            indexes[key] = m.timestamps(f"{name} times" + (f" ({line.label})" if indexes else ""),
                                        np.array(times, dtype=np.int64))
        index = indexes[key]
        series.append(m.doubles(f"{name}: {line.label}", np.array([v for _, v in line.points], dtype=np.float64),
                                unit=unit, index=index))
        statuses.append(m.statuses(f"{name} statuses: {line.label}", flags, index=index))
    failures = [m.FailureDefinition() for _ in lines]
    if judge is not None:
        failures[0] = m.FailureDefinition(judge.fails_above, judge.fails_below)
    return m.DoubleOverTimeMetric(name=name, series=series, statuses=statuses, failures=failures, status=status,
                                  importance=importance, legend=[line.label for line in lines],
                                  y_axis_name=unit or None, description=description + verdict)


def pass_rate_lines(points: list[tuple[BatchRow, Proportion]], confidence: float) -> list[Line]:
    """The pass rate (percent) and its interval's bounds, over the points that have a verdict."""
    kept = [(row, p) for row, p in points if p.trials]
    label = f"{round(100 * confidence)}%"
    return [Line("pass rate", [(row, 100.0 * p.rate) for row, p in kept]),
            Line(f"{label} low", [(row, 100.0 * p.low) for row, p in kept]),
            Line(f"{label} high", [(row, 100.0 * p.high) for row, p in kept])]


def pass_rate_over_time(rows: list[BatchRow], confidence: float, *, name: str = "pass rate over time",
                        judge: PassRateTrend | None = None) -> m.Metric | None:
    """The pass rate of each complete batch with its Wilson interval."""
    tag = judge.tag if judge is not None else None
    points = [(r, r.tags.get(tag, Proportion(0, 0, 0.0, 1.0, confidence)) if tag else r.pass_rate) for r in rows]
    who = f"tests of experiences tagged {tag!r}" if tag else "tests"
    return over_time(name, pass_rate_lines(points, confidence), unit="%", judge=judge,
                     importance=importance_of(judge.importance) if judge else m.Importance.HIGH,
                     description=(judge.description if judge and judge.description else
                                  f"percent of {who} with a verdict that passed in each complete batch, with the "
                                  f"{round(100 * confidence)}% Wilson interval"))


def job_metric_trend(rows: list[BatchRow], metric: str, unit: str, *, name: str) -> m.Metric | None:
    """A job metric's distribution across each complete batch's tests: min, quartiles, max."""
    lines = [Line("median" if stat == "p50" else stat,
                  [(r, v) for r in rows if metric in r.job_metrics
                   for v in [r.job_metrics[metric].value(stat)] if v is not None]) for stat in BOX]
    counts = [r.job_metrics[metric].count for r in rows if metric in r.job_metrics]
    return over_time(name, lines, unit=unit,
                     description=f"{metric!r} across the tests of each complete batch (min, quartiles, max; "
                                 f"{sum(counts)} values in {t.plural(len(counts), 'batch|batches')})")


def batch_metric_trend(rows: list[BatchRow], metric: str, unit: str, *, name: str) -> m.Metric | None:
    """A batch metric's value in each complete batch that has it."""
    line = Line(metric, [(r, r.batch_metrics[metric][0]) for r in rows if metric in r.batch_metrics])
    return over_time(name, [line], unit=unit, description=f"the batch metric {metric!r} of each complete batch")


def tag_pass_rates(rows: list[BatchRow], tags: list[str], name: str = "pass rate by tag") -> m.Metric | None:
    """One pass-rate line per tag (percent of its experiences' tests with a verdict that passed)."""
    lines = [Line(tag, [(r, 100.0 * r.tags[tag].rate) for r in rows if tag in r.tags and r.tags[tag].trials])
             for tag in tags]
    return over_time(name, lines, unit="%", description="percent of each tag's tests with a verdict that passed, "
                                                        "in each complete batch")


def declared(spec: Spec, rows: list[BatchRow], confidence: float, unit_of: Callable[[str, bool], str]) -> m.Metric:
    """A declared `[[report.trends]]` entry; a trend without any point is a NOT_APPLICABLE text saying so."""
    name = trend_name(spec)
    metric: m.Metric | None
    if isinstance(spec, PassRateTrend):
        metric = pass_rate_over_time(rows, confidence, name=name, judge=spec)
    elif isinstance(spec, JobMetricTrend):
        unit = "%" if spec.stat == "pass_rate" else "" if spec.stat == "count" else unit_of(spec.metric, False)
        line = Line(spec.stat, [(r, v) for r in rows if spec.metric in r.job_metrics
                                for v in [r.job_metrics[spec.metric].value(spec.stat)]
                                if v is not None and not math.isnan(v)])
        metric = over_time(name, [line], unit=unit, judge=spec, importance=importance_of(spec.importance),
                           description=spec.description or f"{spec.stat} of the job metric {spec.metric!r} across "
                                                           "the tests of each complete batch")
    else:
        line = Line(spec.metric, [(r, r.batch_metrics[spec.metric][0]) for r in rows if spec.metric in r.batch_metrics])
        metric = over_time(name, [line], unit=unit_of(spec.metric, True), judge=spec,
                           importance=importance_of(spec.importance),
                           description=spec.description or f"the batch metric {spec.metric!r} of each complete batch")
    if metric is not None:
        return metric
    return m.TextMetric(name=name, text=f"No value: no complete batch of this report has a value for this trend "
                        f"({spec.kind}{' ' + repr(getattr(spec, 'metric', '')) if spec.kind != 'pass_rate' else ''}).",
                        status=INFO, importance=importance_of(spec.importance), description="a trend without points")


__all__ = ["Line", "batch_metric_trend", "declared", "job_metric_trend", "over_time", "pass_rate_lines",
           "pass_rate_over_time", "tag_pass_rates"]
