"""What ReSim's report build does not show: flaky experiences, regression onsets, how experiences' pass
rates are spread, and all of it per experience tag.

Flaky: an experience whose verdict changed between consecutive batches on the same build line, ranked by
changes (see `experiences.flaky`). Regression onset: for each experience failing now, the batch and
build where its current run of failures began (see `experiences.regressions`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from metrics_build import model as m
from metrics_build.report import text as t
from metrics_build.report.experiences import flaky, regressions
from metrics_build.report.fold import BatchRow, HistoryState

INFO = m.Status.NOT_APPLICABLE
PASS_RATE_EDGES = [float(x) for x in range(0, 101, 10)]
_MAX_BARS = 50


def _where(rows: Sequence[BatchRow], index: int | None) -> str:
    if index is None:
        return "-"
    row = rows[index]
    return f"{row.info.name} (build {row.version}, {t.when(row.info.created)})"


def flaky_table(state: HistoryState, name: str = "flaky experiences") -> m.Metric:
    """Experiences whose verdict changed between consecutive batches, most changes first."""
    ranked = flaky(list(state.experiences.values()))
    if not ranked:
        return m.TextMetric(name=name, text="No experience changed its verdict between consecutive batches on "
                            "the same build line: none looks flaky.", status=INFO, importance=m.Importance.HIGH,
                            description="experiences whose verdict changes between batches (none)")
    body: list[list[object]] = [
        [i + 1, e.name, e.changes, e.compared, t.percent(100.0 * e.change_rate, 0), e.same_build_changes,
         " ".join(e.recent), ", ".join(e.tags) or "-"] for i, e in enumerate(ranked)]
    shown, more = t.clipped(body, state.section.max_rows, "experiences")
    text = (f"{t.plural(len(ranked), 'experience')} changed verdict between consecutive batches (pass ↔ fail, "
            "on the same build line). *Same build* counts changes between two runs of one build: the code did not "
            "change, the result did.\n\n"
            + t.table(["#", "experience", "changes", "compared", "change rate", "same build", "recent verdicts",
                       "tags"], shown, right=[True, False, True, True, True, True, False, False]) + more)
    return m.TextMetric(name=name, text=text, status=INFO, importance=m.Importance.HIGH,
                        description="experiences whose verdict changes between batches, most changes first")


def flaky_bars(state: HistoryState, name: str = "flaky experiences: status changes") -> m.Metric | None:
    """A bar per flaky experience (at most 50): its verdict changes, and of them those on the same build."""
    ranked = flaky(list(state.experiences.values()))[:_MAX_BARS]
    if not ranked:
        return None
    labels = m.strings(f"{name}: experiences", [f"{i + 1}. {e.name}" for i, e in enumerate(ranked)])
    changes = m.doubles(f"{name}: changes", np.array([e.changes for e in ranked], dtype=np.float64), index=labels)
    same = m.doubles(f"{name}: same build", np.array([e.same_build_changes for e in ranked], dtype=np.float64),
                     index=labels)
    return m.BarChartMetric(name=name, values=[changes, same], legend=["changes", "on the same build"], status=INFO,
                            importance=m.Importance.HIGH, x_axis_name="experience", y_axis_name="verdict changes",
                            description=f"the {len(ranked)} flakiest experiences")


def onset_table(state: HistoryState, name: str = "regression onset") -> m.Metric:
    """Each experience failing now: where its failures began, how long they have lasted, when it last passed,
    then which batches started the most regressions."""
    failing = regressions(list(state.experiences.values()))
    rows = state.rows
    if not failing:
        return m.TextMetric(name=name, text="No experience is failing now (its newest verdict passed, or it has "
                            "none).", status=INFO, importance=m.Importance.HIGH,
                            description="where the failures of experiences failing now began (none)")
    body: list[list[object]] = [
        [e.name, e.last_status or "-", _where(rows, e.streak_start), e.streak,
         _where(rows, e.last_pass) if e.last_pass is not None else "never in this report",
         ", ".join(e.tags) or "-"] for e in failing]
    shown, more = t.clipped(body, state.section.max_rows, "experiences")
    by_batch: dict[int, list[str]] = {}
    for e in failing:
        by_batch.setdefault(e.streak_start or 0, []).append(e.name)
    onsets = [[_where(rows, index), len(names), ", ".join(sorted(names)[:10]) + (" …" if len(names) > 10 else "")]
              for index, names in sorted(by_batch.items(), key=lambda kv: (-len(kv[1]), -kv[0]))]
    onsets, more_onsets = t.clipped(onsets, state.section.max_rows, "batches")
    text = (f"{t.plural(len(failing), 'experience')} failing now. *Failing since* is the first batch of its current "
            "run of failing verdicts (batches where it has no verdict are skipped); if it never passed in this "
            "report, its failures may have begun before the report's window.\n\n"
            + t.table(["experience", "status now", "failing since", "failing batches", "last passed", "tags"], shown,
                      right=[False, False, False, True, False, False]) + more
            + "\n\n**Where regressions began**\n\n"
            + t.table(["batch (build)", "experiences", "which"], onsets, right=[False, True, False]) + more_onsets)
    return m.TextMetric(name=name, text=text, status=INFO, importance=m.Importance.HIGH,
                        description="where the failures of experiences failing now began")


def pass_rate_histogram(state: HistoryState, name: str = "experience pass rates") -> m.Metric | None:
    """How experiences' pass rates over the history are spread (in 10% buckets): stable ones at the ends,
    flaky or degraded ones in between."""
    rates = [e.pass_rate for e in state.experiences.values()]
    values = [r for r in rates if r is not None]
    if not values:
        return None
    return m.HistogramMetric(name=name, values=m.doubles(f"{name}: values", np.array(values), unit="%"),
                             buckets=m.histogram_buckets(PASS_RATE_EDGES), x_axis_name="pass rate (%)", status=INFO,
                             importance=m.Importance.MEDIUM,
                             description=f"pass rate over the history of each of {t.plural(len(values), 'experience')} "
                                         "with a verdict")


def tag_table(state: HistoryState, tags: list[str], name: str = "tags") -> m.Metric | None:
    """Per tag: its experiences, the newest complete batch's pass rate with its interval and change, and its
    flaky and failing experiences with the earliest onset."""
    if not tags:
        return None
    complete = state.complete_rows
    experiences = list(state.experiences.values())
    body: list[list[object]] = []
    for tag in tags:
        tagged = [e for e in experiences if tag in e.tags]
        points = [r for r in complete if tag in r.tags and r.tags[tag].trials]
        newest = points[-1].tags[tag] if points else None
        change = (f"{100.0 * (newest.rate - points[-2].tags[tag].rate):+.1f} pts"
                  if newest is not None and len(points) > 1 else "-")
        failing = regressions(tagged)
        earliest = min((e.streak_start for e in failing if e.streak_start is not None), default=None)
        body.append([tag, len(tagged), t.rate(newest) if newest else "-", t.interval(newest) if newest else "-", change,
                     len(flaky(tagged)), len(failing), _where(state.rows, earliest)])
    confidence = round(100 * state.section.confidence)
    text = t.table(["tag", "experiences", "pass rate (newest)", f"{confidence}% interval", "change", "flaky",
                    "failing now", "earliest onset"], body,
                   right=[False, True, True, False, True, True, True, False])
    return m.TextMetric(name=name, text=text, status=INFO, importance=m.Importance.HIGH,
                        description="pass rate, flaky and failing experiences per experience tag")


__all__ = ["flaky_bars", "flaky_table", "onset_table", "pass_rate_histogram", "tag_table"]
