"""The report-mode shell: `report_config.json` → the report's history, streamed batch by batch into the
longitudinal state → the report's metrics → `OUTPUTS/metrics.binproto`.

Memory follows the state (a row per batch, a state per experience), not the history: each batch's
tests are folded in and let go. Nothing is written until the output validates, and then atomically.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import replace
from pathlib import Path

from metrics_build import config as c
from metrics_build import model as m
from metrics_build.http import DEFAULT_WORKERS, ApiClient, ClientOptions, load_report_settings
from metrics_build.platform import METRICS_FILE, REPORT_CONFIG_FILE
from metrics_build.report.compute import compute_report, write_report
from metrics_build.report.fetch import HistoryFetcher
from metrics_build.report.fold import HistoryState
from metrics_build.report.python import ReportHistory, run_python

log = logging.getLogger("metrics_build.report")

_REPORT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://metrics-build.invalid/report-mode")


def report_job_id(project_id: str, report_id: str) -> uuid.UUID:
    """The job id written into a report's output: derived from its ids, so reruns are byte-identical."""
    return uuid.uuid5(_REPORT_NAMESPACE, f"{project_id}/{report_id}")


def run_report_mode(*, inputs: Path, outputs: Path, config_path: Path | None, allow_partial: bool = False,
                    max_workers: int | None = None, job_id: uuid.UUID | None = None,
                    client_options: ClientOptions | None = None) -> int:
    """Fetch the report named by `inputs/report_config.json`, fold its history, write its metrics.

    Args:
        inputs: Directory holding `report_config.json`.
        outputs: Directory to write `metrics.binproto` into.
        config_path: The metrics config (TOML, its `[report]` section), or None for the built-in default.
        allow_partial: Skip and report requests that still fail after retries (also `[report] allow_partial`).
        max_workers: Concurrent requests (else `[report] max_workers`, else the client's default; the API
            calls in flight are also capped by the client's `api_workers`).
        job_id: The output's job id (default: derived from the project and report ids).
        client_options: Retries and timeouts (default: `ClientOptions.from_env`).

    Returns:
        0 on success (also when requests were skipped with partial results allowed).

    Raises:
        InputError / ConfigError: a missing or malformed config (exit 2).
        UpstreamError: the API failed after retries, refused the token, or does not know the report (exit 3).
        InvalidMetricsError: the output would be rejected (exit 4).
        OutputError: the output cannot be written (exit 6).
    """
    started = time.monotonic()
    settings = load_report_settings(inputs / REPORT_CONFIG_FILE)
    config, config_dir = c.load_run_config(config_path)
    section = config.report
    partial = allow_partial or section.allow_partial
    workers = max_workers or section.max_workers or DEFAULT_WORKERS
    options = replace(client_options or ClientOptions.from_env(os.environ), workers=workers)
    project_id, report_id = str(settings.project_id), str(settings.report_id)
    with ApiClient(settings, options) as client, \
            HistoryFetcher(client, project_id=project_id, report_id=report_id, allow_partial=partial) as fetcher:
        log.info("fetching report %s from %s with %d workers%s", report_id, settings.api_url, fetcher.workers,
                 " (partial results allowed)" if partial else "")
        report = fetcher.report()
        batches = fetcher.batches(report, section.last_batches)
        log.info("report %r: %d batches", report.name, len(batches))
        state = HistoryState(section=section, builds=fetcher.builds(batches))
        for content in fetcher.stream(batches):
            row = state.add(content)
            log.debug("batch %s: %d tests, pass rate %d/%d", row.info.name, row.tests, row.pass_rate.successes,
                      row.pass_rate.trials)

        def python(names: m.Names) -> m.MetricSet:
            history = ReportHistory(report=report, batches=tuple(state.rows),
                                    experiences=tuple(state.experiences.values()), _fetcher=fetcher)
            return run_python(section.python, history, names, config_dir)

        output = compute_report(state, report, skipped=fetcher.skipped, skipped_count=fetcher.skipped_count,
                                python=python if section.python else None)
    log.info("report %r: %d batches, %d tests, %d experiences", report.name, len(state.rows), state.tests,
             len(state.experiences))
    path = outputs / METRICS_FILE
    size = write_report(output, path, job_id=str(job_id or report_job_id(project_id, report_id)))
    log.info("wrote %s (%d bytes, %d metrics) in %.1f s", path, size, len(output.metrics), time.monotonic() - started)
    return 0


__all__ = ["report_job_id", "run_report_mode"]
