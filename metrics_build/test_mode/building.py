"""What every metric builder shares: the Built result, common Metric fields, thresholds and statuses.

Statuses: a metric with thresholds is FAIL_BLOCK / FAIL_WARN (its `severity`) when its value, or any
sample it covers, is outside them, else PASSED; a metric without thresholds takes the configured
base status (PASSED, or RAW). A builder raises `NotApplicable` when the logs cannot answer it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from metrics_build import model as m
from metrics_build.test_mode import events as ev
from metrics_build.test_mode.context import BuildContext, fail_status, importance


@dataclass
class Built:
    """What one spec produced: metrics in output order, and events still waiting for their times."""

    metrics: list[m.Metric] = field(default_factory=list)
    events: list[ev.PendingEvent] = field(default_factory=list)


def common(spec: Any) -> dict[str, Any]:
    """The Metric fields every spec sets the same way."""
    return {
        "name": spec.name,
        "description": spec.description,
        "importance": importance(spec.importance),
        "tags": tuple(sorted(spec.tags.items())),
        "order": spec.order,
        "should_display": spec.display,
    }


def failure_of(spec: Any) -> m.FailureDefinition | None:
    """The spec's thresholds as a failure definition, or None without thresholds."""
    if spec.fails_above is None and spec.fails_below is None:
        return None
    return m.FailureDefinition(fails_above=spec.fails_above, fails_below=spec.fails_below)


def verdict(ctx: BuildContext, spec: Any, failure: m.FailureDefinition | None, values: npt.NDArray[Any]) -> m.Status:
    """The metric status: failing severity if any of `values` fails, PASSED if none, base without limits."""
    if failure is None:
        return ctx.base_status
    return fail_status(spec.severity) if bool(failure.failing(values).any()) else m.Status.PASSED


def point_statuses(ctx: BuildContext, spec: Any, failure: m.FailureDefinition | None,
                   values: npt.NDArray[np.float64]) -> npt.NDArray[np.int8]:
    """Per-sample statuses: failing samples take the severity, the others PASSED (base without limits)."""
    if failure is None:
        return np.full(values.shape, ctx.base_status, dtype=np.int8)
    return np.where(failure.failing(values), fail_status(spec.severity), m.Status.PASSED).astype(np.int8)


def metric_event_style(ctx: BuildContext, spec: Any, metric: m.Metric) -> ev.EventStyle:
    """Events of a metric with thresholds (`events = true`): linked to it, sharing its failing status."""
    return ev.EventStyle(name=spec.name, severity=spec.severity, importance=importance(spec.importance),
                         linked=[metric], max_events=100)
