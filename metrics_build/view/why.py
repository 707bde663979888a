"""Why a metric failed, in one line: the threshold its value crossed, how many points of a series fail,
which failure states were entered, or the first line of a failing text."""

from __future__ import annotations

import numpy as np

from metrics_build.view import status as st
from metrics_build.view import values
from metrics_build.view.lookup import Lookup, Part
from metrics_build.wire import metrics_pb2 as pb


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _failing_points(parts: list[Part]) -> str:
    total = sum(p.values.size for p in parts)
    counts = {s: sum(int((p.statuses == s).sum()) for p in parts if p.statuses is not None) for s in st.FAILING}
    failing = [f"{n:,} {st.label(s)}" for s, n in counts.items() if n]
    return f"{', '.join(failing)} of {_plural(total, 'point')}" if failing else ""


def _crossings(parts: list[Part], definitions: list[pb.DoubleFailureDefinition]) -> list[str]:
    out = []
    for part, definition in zip(parts, definitions, strict=False):
        y = part.values[np.isfinite(part.values)] if part.kind == "doubles" else np.zeros(0)
        if definition.HasField("fails_above") and (y > definition.fails_above).any():
            out.append(f"{_plural(int((y > definition.fails_above).sum()), 'point')} above "
                       f"{values.number(definition.fails_above)} (max {values.number(float(y.max()))})")
        if definition.HasField("fails_below") and (y < definition.fails_below).any():
            out.append(f"{_plural(int((y < definition.fails_below).sum()), 'point')} below "
                       f"{values.number(definition.fails_below)} (min {values.number(float(y.min()))})")
    return out


def _series_reason(mv: pb.MetricValues, member: str, lookup: Lookup) -> str:
    if member == "double_over_time_metric_values":
        v = mv.double_over_time_metric_values
        parts, definitions = [], []
        for i, ref in enumerate(v.doubles_over_time_data_id):
            status = v.statuses_over_time_data_id[i] if i < len(v.statuses_over_time_data_id) else None
            found = lookup.parts(ref, status)
            parts += found
            definitions += [v.failure_definition[i] if i < len(v.failure_definition)
                            else pb.DoubleFailureDefinition()] * len(found)
        return "; ".join(_crossings(parts, definitions)) or _failing_points(parts)
    if member == "states_over_time_metric_values":
        states = mv.states_over_time_metric_values
        failure = set(states.failure_states)
        counts: dict[str, int] = {}
        for ref in states.states_over_time_data_id:
            for part in lookup.parts(ref):
                for state in failure:
                    counts[state] = counts.get(state, 0) + int((part.values == state).sum())
        entered = [f"{state} ({_plural(n, 'sample')})" for state, n in sorted(counts.items()) if n]
        return "failure states entered: " + ", ".join(entered) if entered else ""
    refs: list[tuple[pb.MetricsDataId, pb.MetricsDataId | None]] = []
    if member == "line_plot_metric_values":
        lp = mv.line_plot_metric_values
        refs = [(y, lp.statuses_data_id[i] if i < len(lp.statuses_data_id) else None)
                for i, y in enumerate(lp.y_doubles_data_id)]
    elif member in ("bar_chart_metric_values", "batchwise_bar_chart_metric_values"):
        bars = getattr(mv, member)
        refs = [(ref, bars.statuses_data_id[i] if i < len(bars.statuses_data_id) else None)
                for i, ref in enumerate(bars.values_data_id)]
    elif member == "histogram_metric_values":
        refs = [(mv.histogram_metric_values.values_data_id, mv.histogram_metric_values.statuses_data_id)]
    return _failing_points([p for ref, status in refs for p in lookup.parts(ref, status)])


def reason(metric: pb.Metric, lookup: Lookup) -> str:
    """Why `metric` has its failing status, as far as the file shows it ("" when it does not say)."""
    mv = metric.metric_values
    member = mv.WhichOneof("metric_values") or ""
    if member == "scalar_metric_values":
        value = values.scalar(mv.scalar_metric_values)
        return f"{value.value} {value.unit}".rstrip() + (f" is {value.crossed}" if value.crossed else "")
    if member == "double_metric_values":
        value = values.summary(mv.double_metric_values, lookup)
        text = f"{value.value} {value.unit}".rstrip() + (f" at {value.at}" if value.at else "")
        return text + (f" is {value.crossed}" if value.crossed else "")
    if member == "text_metric_values":
        first = mv.text_metric_values.text.strip().split("\n", 1)[0]
        return first if len(first) <= 300 else first[:299] + "…"
    return _series_reason(mv, member, lookup)
