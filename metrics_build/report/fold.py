"""The longitudinal state: the history folded one batch at a time, each batch's tests one at a time.

A batch leaves one `BatchRow` (counts, verdicts, a summary per job metric and per tag, its batch
metrics); each experience one `ExperienceState`; each metric name a status count. Per-test values live
only while their batch is folded: memory follows the number of batches, experiences and metric names,
not the number of tests.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from metrics_build.config import JobMetricTrend, ReportSection
from metrics_build.platform import passes, status_from_api
from metrics_build.report.experiences import ExperienceState, verdict
from metrics_build.report.fetch import BatchContent
from metrics_build.report.history import BatchInfo, BuildInfo, HistoryTest, MetricRow, experience_key
from metrics_build.report.stats import Proportion, ValueSummary, percentile_of, summarise, wilson


@dataclass(frozen=True)
class BatchRow:
    """One batch, folded.

    Attributes:
        index: Its position in the history (0 = oldest).
        info: The batch.
        build: Its build (None when it has none, or it could not be fetched).
        statuses: Tests per conflated status ("UNKNOWN" when a job has none).
        tests: How many tests (jobs) it has.
        pass_rate: Tests that passed of those with a verdict, with its Wilson interval.
        job_metrics: Per SCALAR job metric name, its values across the batch's tests.
        batch_metrics: Per SCALAR batch metric name, its value and unit.
        tags: Per tag, its experiences' tests that passed of those with a verdict.
        unlisted: Tests whose metrics listing was skipped (partial results).
    """

    index: int
    info: BatchInfo
    build: BuildInfo | None
    statuses: dict[str, int]
    tests: int
    pass_rate: Proportion
    job_metrics: dict[str, ValueSummary] = field(default_factory=dict)
    batch_metrics: dict[str, tuple[float, str]] = field(default_factory=dict)
    tags: dict[str, Proportion] = field(default_factory=dict)
    unlisted: int = 0

    @property
    def version(self) -> str:
        """Its build's version ("-" when unknown)."""
        return self.build.version if self.build is not None else "-"

    @property
    def line(self) -> str:
        """Its build line: the build's branch, else the batch's ("" when neither is known)."""
        if self.build is not None and self.build.branch_id:
            return self.build.branch_id
        return self.info.branch_id or ""


@dataclass
class _Values:
    """A job metric's values in the batch being folded (let go when the batch is done)."""

    values: list[float] = field(default_factory=list)
    passed: int = 0
    judged: int = 0
    unit: str = ""


def _metric_verdict(row: MetricRow) -> bool | None:
    status = status_from_api(row.status)
    return None if status is None else passes(status)


@dataclass
class HistoryState:
    """Everything the report's metrics need, folded over the batches in order.

    Attributes:
        section: The `[report]` config.
        builds: Builds by id.
        rows: One row per batch folded, oldest first.
        experiences: One state per experience, by key (in order of first appearance).
        job_metric_statuses / batch_metric_statuses: Per metric name, listed metrics per API status.
        units: Per job metric name, its first non-empty unit.
        batch_units: Per batch metric name, likewise.
        tag_experiences: Per tag, how many experiences have it.
        tests: Tests in all batches.
    """

    section: ReportSection
    builds: dict[str, BuildInfo]
    rows: list[BatchRow] = field(default_factory=list)
    experiences: dict[str, ExperienceState] = field(default_factory=dict)
    job_metric_statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    batch_metric_statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    units: dict[str, str] = field(default_factory=dict)
    batch_units: dict[str, str] = field(default_factory=dict)
    tag_experiences: Counter[str] = field(default_factory=Counter)
    tests: int = 0

    def _percentiles(self) -> set[float]:
        wanted = set()
        for spec in self.section.trends:
            q = percentile_of(spec.stat) if isinstance(spec, JobMetricTrend) else None
            if q is not None:
                wanted.add(q)
        return wanted

    def add(self, content: BatchContent) -> BatchRow:
        """Fold one batch (consuming its tests) and return its row."""
        batch = content.info
        build = self.builds.get(batch.build_id or "")
        index = len(self.rows)
        line = build.branch_id if build is not None and build.branch_id else (batch.branch_id or "")
        statuses: Counter[str] = Counter()
        verdicts: Counter[bool] = Counter()
        tag_verdicts: dict[str, Counter[bool]] = defaultdict(Counter)
        values: dict[str, _Values] = defaultdict(_Values)
        unlisted = 0
        s = self.section
        for test in content.tests:
            conflated = test.info.conflated_status or "UNKNOWN"
            statuses[conflated] += 1
            passed = verdict(conflated, warn_passes=s.warn_passes, errors_fail=s.errors_fail)
            experience = self._experience(test, content.tags)
            experience.update(index, conflated, passed, line=line, build=batch.build_id)
            if passed is not None:
                verdicts[passed] += 1
                for tag in experience.tags:
                    tag_verdicts[tag][passed] += 1
            if test.metrics is None:
                unlisted += 1
                continue
            self._job_metrics(test, values)
        self.tests += content.test_count
        wanted = self._percentiles()
        summaries = {name: summarise(v.values, wanted, passed=v.passed, judged=v.judged, unit=v.unit)
                     for name, v in sorted(values.items())}
        row = BatchRow(index=index, info=batch, build=build, statuses=dict(statuses), tests=sum(statuses.values()),
                       pass_rate=wilson(verdicts[True], verdicts[True] + verdicts[False], s.confidence),
                       job_metrics=summaries, batch_metrics=self._batch_metrics(content.metrics),
                       tags={tag: wilson(c[True], c[True] + c[False], s.confidence)
                             for tag, c in sorted(tag_verdicts.items())},
                       unlisted=unlisted)
        self.rows.append(row)
        return row

    def _experience(self, test: HistoryTest, tags: dict[str, tuple[str, ...]]) -> ExperienceState:
        key = experience_key(test.info)
        state = self.experiences.get(key)
        if state is None:
            state = self.experiences[key] = ExperienceState(key=key, name=test.info.name, tags=tags.get(key, ()))
            self.tag_experiences.update(state.tags)
        state.name = test.info.name
        return state

    def _job_metrics(self, test: HistoryTest, values: dict[str, _Values]) -> None:
        for row in test.metrics or ():
            self.job_metric_statuses[row.name][row.status or "NO_STATUS_REPORTED"] += 1
            if row.type != "SCALAR":
                continue
            entry = values[row.name]
            if row.unit and not entry.unit:
                entry.unit = row.unit
                self.units.setdefault(row.name, row.unit)
            if row.value is not None and not math.isnan(row.value):
                entry.values.append(row.value)
            judged = _metric_verdict(row)
            if judged is not None:
                entry.judged += 1
                entry.passed += judged

    def _batch_metrics(self, metrics: tuple[MetricRow, ...]) -> dict[str, tuple[float, str]]:
        found: dict[str, tuple[float, str]] = {}
        for row in metrics:
            self.batch_metric_statuses[row.name][row.status or "NO_STATUS_REPORTED"] += 1
            if row.type == "SCALAR" and row.value is not None and row.name not in found:
                found[row.name] = (row.value, row.unit)
                if row.unit:
                    self.batch_units.setdefault(row.name, row.unit)
        return dict(sorted(found.items()))

    # -- views ----------------------------------------------------------------------------------------

    @property
    def complete_rows(self) -> list[BatchRow]:
        """Rows of batches whose tests have all ended (the points of every trend)."""
        return [r for r in self.rows if r.info.complete]

    def selected_tags(self) -> list[str]:
        """The tags to slice by: `[report] tags`, else the `max_tags` tags with the most experiences."""
        if self.section.tags is not None:
            return list(dict.fromkeys(self.section.tags))
        ranked = sorted(self.tag_experiences.items(), key=lambda kv: (-kv[1], kv[0]))
        return sorted(tag for tag, _ in ranked[: self.section.max_tags])

    def statuses(self) -> Counter[str]:
        """Tests per conflated status over the whole history."""
        total: Counter[str] = Counter()
        for row in self.rows:
            total.update(row.statuses)
        return total


__all__ = ["BatchRow", "HistoryState"]
