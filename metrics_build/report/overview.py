"""The report's overview metrics: test statuses over sequential batches (a batchwise bar chart), the
summary, the per-batch table, statuses per experience, and status counts per job and batch metric.

These carry what ReSim's default report build shows, with native metric types; they are informational
(NOT_APPLICABLE): thresholds live on the trends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from metrics_build import model as m
from metrics_build.model.times import to_ns
from metrics_build.platform import CONFLATED_STATUSES
from metrics_build.report import text as t
from metrics_build.report.experiences import ExperienceState
from metrics_build.report.fold import BatchRow, HistoryState
from metrics_build.report.history import ReportInfo

STATUS_ORDER = (*CONFLATED_STATUSES, "RUNNING", "QUEUED")
"""Conflated statuses in the order charts stack them; any other status follows, sorted."""
COLORS = {"PASSED": "#7CA0FB", "WARNING": "#FFAC70", "BLOCKER": "#FA7070", "ERROR": "#AD4143",
          "CANCELLED": "#FCB5EC", "RUNNING": "#D3FAA3", "QUEUED": "#3A3A44"}
"""The platform's status palette; other statuses are grey."""
OTHER_COLOR = "#9E9E9E"
INFO = m.Status.NOT_APPLICABLE
_METRIC_STATUS_ORDER = ("FAIL_BLOCK", "FAIL_WARN", "PASSED")
_EXPERIENCE_SORT = ("ERROR", "BLOCKER", "WARNING", "CANCELLED", "PASSED")


def ordered_statuses(seen: Counter[str] | dict[str, int]) -> list[str]:
    """The statuses that occur, in `STATUS_ORDER`, then any others sorted."""
    known = [s for s in STATUS_ORDER if seen.get(s)]
    return known + sorted(s for s in seen if s not in STATUS_ORDER and seen[s])


def status_over_time(state: HistoryState, project_id: str, name: str = "test status over time") -> m.Metric | None:
    """Tests per conflated status in each batch, stacked, at each batch's creation time; None without tests.

    Running, queued and cancelled tests are shown too (ReSim's chart leaves running and queued out).
    """
    rows = [r for r in state.rows if r.tests]
    statuses = ordered_statuses(state.statuses())
    if not rows or not statuses:
        return None
    ids = m.uuids(f"{name}: batch ids", [r.info.batch_id for r in rows])
    times_ns = np.array([to_ns(r.info.created) for r in rows], dtype=np.int64)
    times, values, flags = [], [], []
    for status in statuses:
        times.append(m.timestamps(f"{name}: times ({status})", times_ns, index=ids))
        counts = np.array([r.statuses.get(status, 0) for r in rows], dtype=np.float64)
        values.append(m.doubles(f"{name}: tests ({status})", counts, index=ids))
        flags.append(m.statuses(f"{name}: statuses ({status})", np.full(len(rows), INFO, dtype=np.int8), index=ids))
    return m.BatchwiseBarChartMetric(
        name=name, times=times, values=values, statuses=flags, categories=statuses, project_id=project_id,
        colors=[COLORS.get(s, OTHER_COLOR) for s in statuses], x_axis_name="Time", y_axis_name="Tests",
        stack_bars=True, status=INFO, importance=m.Importance.HIGH,
        description=f"tests per conflated status in each of {t.plural(len(rows), 'batch|batches')}, in order of "
                    "creation (running, queued and cancelled tests included)")


def summary(state: HistoryState, report: ReportInfo, skipped: int, name: str = "report summary") -> m.Metric:
    """What the report covers: batches by status, tests by status, experiences, builds, the window, and
    where the pass rate stands (NOT_APPLICABLE: it judges nothing)."""
    rows = state.rows
    title = f"**Report {t.cell(report.name or report.report_id)}**"
    window = f"batches created between {t.when(report.start)} and {t.when(report.end)} UTC"
    if report.respect_revision_boundary and report.suite_revision is not None:
        window += f", test suite revision {report.suite_revision}"
    if not rows:
        return m.TextMetric(name=name, text=f"{title}: no batch of the test suite on this branch was created in "
                            f"the window ({window}). There is nothing to report.", status=INFO,
                            importance=m.Importance.HIGH, description="what this report covers (no batches)")
    batch_statuses = Counter(r.info.conflated for r in rows)
    test_statuses = state.statuses()
    builds = {r.version for r in rows if r.build is not None}
    lines = [f"{title}: {window}.", "",
             t.table(["what", "count", "by status"], [
                 ["batches", len(rows), _by_status(batch_statuses)],
                 ["tests", state.tests, _by_status(test_statuses)],
                 ["experiences", len(state.experiences), "-"],
                 ["builds", len(builds), f"{rows[0].version} … {rows[-1].version}"],
             ], right=[False, True, False])]
    unfinished = [r for r in rows if not r.info.complete]
    if unfinished:
        names = ", ".join(f"{r.info.name} ({r.info.status.lower().replace('_', ' ')})" for r in unfinished)
        lines.append(f"\n{t.plural(len(unfinished), 'batch|batches')} not complete, counted and shown but left out "
                     f"of the trend lines (their finished tests still count for each experience): {t.cell(names)}.")
    complete = state.complete_rows
    if complete:
        newest = complete[-1].pass_rate
        lines.append(f"\nPass rate of the newest complete batch ({t.cell(complete[-1].info.name)}): "
                     f"{t.rate(newest)}, {round(100 * newest.confidence)}% interval {t.interval(newest)}.")
    if skipped:
        lines.append(f"\n{t.plural(skipped, 'request')} still failed after retries and were skipped "
                     "(see `skipped requests`).")
    return m.TextMetric(name=name, text="\n".join(lines), status=INFO, importance=m.Importance.HIGH,
                        description="what this report covers")


def _by_status(counts: Counter[str]) -> str:
    return ", ".join(f"{s} {counts[s]}" for s in ordered_statuses(counts)) or "-"


def batch_table(state: HistoryState, name: str = "pass rate per batch") -> m.Metric | None:
    """One row per batch, newest first: build, status, tests by status, pass rate with its interval and the
    change from the previous complete batch. None without batches."""
    if not state.rows:
        return None
    previous: dict[int, BatchRow] = {}
    last: BatchRow | None = None
    for row in state.rows:
        if last is not None:
            previous[row.index] = last
        if row.info.complete and row.pass_rate.trials:
            last = row
    body: list[list[object]] = []
    for row in reversed(state.rows):
        before = previous.get(row.index)
        change = "-"
        if row.pass_rate.trials and before is not None:
            change = f"{100.0 * (row.pass_rate.rate - before.pass_rate.rate):+.1f} pts"
        status = row.info.conflated + ("" if row.info.complete else " (not in trends)")
        body.append([row.index + 1, row.info.name, t.when(row.info.created), row.version, status, row.tests,
                     _by_status(Counter(row.statuses)), t.rate(row.pass_rate), t.interval(row.pass_rate), change])
    shown, more = t.clipped(body, state.section.max_rows, "batches")
    confidence = round(100 * state.section.confidence)
    text = t.table(["#", "batch", "created (UTC)", "build", "status", "tests", "tests by status", "pass rate",
                    f"{confidence}% interval", "change"], shown,
                   right=[True, False, False, False, False, True, False, True, False, True]) + more
    return m.TextMetric(name=name, text=text, status=INFO, importance=m.Importance.HIGH,
                        description="each batch, newest first: pass rate of the tests with a verdict and its Wilson "
                                    "interval; the change is from the previous complete batch")


def _labels(experiences: Sequence[ExperienceState]) -> list[str]:
    """Experience names, made distinct where two experiences share one (by a short key)."""
    names = Counter(e.name for e in experiences)
    return [e.name if names[e.name] == 1 else f"{e.name} ({e.key.removeprefix('name:')[:8]})" for e in experiences]


def experience_rows(state: HistoryState) -> list[ExperienceState]:
    """Experiences, worst first: by ERROR, BLOCKER, WARNING, CANCELLED, PASSED counts (descending), then name."""
    return sorted(state.experiences.values(),
                  key=lambda e: (*(-e.statuses[s] for s in _EXPERIENCE_SORT), e.name, e.key))


def experience_statuses(state: HistoryState, name: str = "experience statuses") -> m.Metric | None:
    """A stacked bar per experience: its tests per conflated status over the history."""
    experiences = experience_rows(state)
    total: Counter[str] = Counter()
    for e in experiences:
        total.update(e.statuses)
    statuses = ordered_statuses(total)
    if not experiences or not statuses:
        return None
    labels = m.strings(f"{name}: experiences", _labels(experiences))
    values = [m.doubles(f"{name}: {s}", np.array([e.statuses[s] for e in experiences], dtype=np.float64),
                        index=labels) for s in statuses]
    return m.BarChartMetric(name=name, values=values, legend=statuses, stack_bars=True, status=INFO,
                            importance=m.Importance.HIGH, x_axis_name="experience", y_axis_name="tests",
                            description="tests of each experience per conflated status, worst first")


def experience_table(state: HistoryState, name: str = "experience status counts") -> m.Metric | None:
    """Per experience, its tests per conflated status (worst first), its pass rate and its tags."""
    experiences = experience_rows(state)
    if not experiences:
        return None
    statuses = list(dict.fromkeys([*CONFLATED_STATUSES, *ordered_statuses(state.statuses())]))
    body: list[list[object]] = [[label, *(e.statuses[s] for s in statuses), t.percent(e.pass_rate),
                                 ", ".join(e.tags) or "-"] for e, label in zip(experiences, _labels(experiences),
                                                                               strict=True)]
    shown, more = t.clipped(body, state.section.max_rows, "experiences")
    text = t.table(["experience", *statuses, "pass rate", "tags"], shown,
                   right=[False, *(True for _ in statuses), True, False]) + more
    return m.TextMetric(name=name, text=text, status=INFO, importance=m.Importance.HIGH,
                        description="tests of each experience per conflated status, worst first")


def metric_status_table(counts: dict[str, Counter[str]], name: str, what: str, limit: int) -> m.Metric:
    """Per metric name, how many listed metrics ended in each status (FAIL_BLOCK, FAIL_WARN and PASSED
    always shown), most FAIL_BLOCK first."""
    seen: Counter[str] = Counter()
    for c in counts.values():
        seen.update(c)
    statuses = list(_METRIC_STATUS_ORDER) + sorted(s for s in seen if s not in _METRIC_STATUS_ORDER)
    ranked = sorted(counts.items(), key=lambda kv: (*(-kv[1][s] for s in _METRIC_STATUS_ORDER), kv[0]))
    if not ranked:
        return m.TextMetric(name=name, text=f"No {what} in any batch of this report.", status=INFO,
                            importance=m.Importance.HIGH, description=f"{what} per status (none)")
    body: list[list[object]] = [[metric, *(c[s] for s in statuses)] for metric, c in ranked]
    shown, more = t.clipped(body, limit, "metrics")
    text = t.table(["metric", *statuses], shown, right=[False, *(True for _ in statuses)]) + more
    return m.TextMetric(name=name, text=text, status=INFO, importance=m.Importance.HIGH,
                        description=f"{what} per status over every batch, most blocking first")


__all__ = ["COLORS", "STATUS_ORDER", "batch_table", "experience_rows", "experience_statuses", "experience_table",
           "metric_status_table", "ordered_statuses", "status_over_time", "summary"]
