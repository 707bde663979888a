"""Python report metrics (`[[report.python]]`): `module:function` called as `f(history, **args)`.

`history` is a `ReportHistory`: the report, every batch as its folded `BatchRow` (counts, pass rate with
its interval, per-metric summaries) and every experience's state, already computed; and, fetched only
when asked for, a batch's tests with their metrics listings (one job at a time) and its batch metrics.
The output goes through the runner every mode shares: a failing entry becomes its FAIL_BLOCK text
metric and never loses the others.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from metrics_build import model as m
from metrics_build.config import PythonEntry
from metrics_build.errors import InputError
from metrics_build.report.experiences import ExperienceState
from metrics_build.report.fetch import HistoryFetcher
from metrics_build.report.fold import BatchRow
from metrics_build.report.history import BuildInfo, HistoryTest, MetricRow, ReportInfo
from metrics_build.user_code import EntryOutput, run_entries

WHAT = "Python report metric"


@dataclass(frozen=True)
class ReportHistory:
    """What a Python report metric receives.

    Attributes:
        report: The report (suite, branch, window).
        batches: Every batch, oldest first, folded: `info` (id, name, time, status, `complete`), `build`,
            `statuses` (tests per conflated status), `pass_rate` (with `low` / `high`), `job_metrics` (per
            SCALAR name a `ValueSummary`: `value("mean")`, `value("p95")`, ...), `batch_metrics`, `tags`.
        experiences: Every experience: `name`, `tags`, `statuses`, `passed` / `failed`, `changes`,
            `same_build_changes`, `failing_now`, `streak_start` (a batch index), `last_pass`, `recent`.
    """

    report: ReportInfo
    batches: Sequence[BatchRow]
    experiences: Sequence[ExperienceState]
    _fetcher: HistoryFetcher = field(repr=False)

    @property
    def project_id(self) -> str:
        """The report's project."""
        return self.report.project_id

    @property
    def builds(self) -> dict[str, BuildInfo]:
        """The batches' builds, by id."""
        return {b.build.build_id: b.build for b in self.batches if b.build is not None}

    def batch(self, key: str | int) -> BatchRow:
        """A batch by id, name or index.

        Raises:
            InputError: no batch of this report is called so.
        """
        if isinstance(key, int):
            if not 0 <= key < len(self.batches):
                raise InputError(f"no batch #{key} (the report has {len(self.batches)})")
            return self.batches[key]
        found = next((b for b in self.batches if key in (b.info.batch_id, b.info.name)), None)
        if found is None:
            raise InputError(f"no batch {key!r} in this report")
        return found

    def tests(self, batch: BatchRow | str | int) -> Iterator[HistoryTest]:
        """The batch's tests (ordered by name, job id), each with its metrics listing, fetched now: one
        listing of jobs, then one job's metrics at a time in the bounded pool.

        Raises:
            UpstreamError: a listing fails after retries.
        """
        row = batch if isinstance(batch, BatchRow) else self.batch(batch)
        for info in self._fetcher.jobs(row.info):
            yield HistoryTest(info=info, metrics=self._fetcher.job_metrics(row.info, info))

    def batch_metrics(self, batch: BatchRow | str | int) -> tuple[MetricRow, ...]:
        """The batch's own metrics listing (its batch-mode output), fetched now.

        Raises:
            UpstreamError: the listing fails after retries.
        """
        row = batch if isinstance(batch, BatchRow) else self.batch(batch)
        return self._fetcher.batch_metrics(row.info)


def run_python(entries: Sequence[PythonEntry], history: ReportHistory, names: m.Names,
               config_dir: Path | None) -> EntryOutput:
    """Every entry's output, in order, each checked on its own (a failure becomes its FAIL_BLOCK metric)."""
    return run_entries(entries, lambda func, entry: func(history, **entry.args), config_dir=config_dir,
                       names=names, what=WHAT)


__all__ = ["WHAT", "ReportHistory", "run_python"]
