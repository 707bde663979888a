"""The batch-mode shell: `batch_metrics_config.json` → stream every test through the fetch cache into the
aggregation → a second pass where needed → `OUTPUTS/metrics.binproto`.

Memory follows the aggregation state (a scalar per test and name), not the batch: each test is folded
in and let go. Nothing is written until the output validates, and then atomically.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import replace
from pathlib import Path

from metrics_build import config as c
from metrics_build.batch.baseline import baseline_metrics
from metrics_build.batch.cache import FetchCache
from metrics_build.batch.compute import BatchFacts, compute_batch_metrics, write_batch_output
from metrics_build.batch.engine import Aggregator
from metrics_build.batch.fetch import cached_records, open_batch
from metrics_build.batch.local import lazy_batch
from metrics_build.compare.stats import require_scipy
from metrics_build.http import DEFAULT_WORKERS, ApiClient, ClientOptions, load_batch_settings
from metrics_build.platform import BATCH_CONFIG_FILE, METRICS_FILE

log = logging.getLogger("metrics_build.batch")

_BATCH_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://metrics-build.invalid/batch-mode")


def batch_job_id(batch_id: str) -> uuid.UUID:
    """The job id written into a batch's output: derived from the batch id, so reruns are byte-identical."""
    return uuid.uuid5(_BATCH_NAMESPACE, batch_id)


def run_batch_mode(*, inputs: Path, outputs: Path, config_path: Path | None, allow_partial: bool,
                   max_workers: int | None, cache_dir: Path | None = None,
                   client_options: ClientOptions | None = None) -> int:
    """Fetch the batch named by `inputs/batch_metrics_config.json`, aggregate it, write the output.

    Args:
        inputs: Directory holding `batch_metrics_config.json`.
        outputs: Directory to write `metrics.binproto` into.
        config_path: The metrics config (TOML, its `[batch]` section), or None for the built-in default.
        allow_partial: Skip and report objects that still fail after retries (also `[batch] allow_partial`).
        max_workers: Concurrent requests (else `[batch] max_workers`, else the client's default).
        cache_dir: Keep the fetch cache here (a rerun then downloads nothing it already has); None: a
            temporary directory, removed at the end.
        client_options: Retries and timeouts (default: `ClientOptions.from_env`); its `workers` is
            replaced by the resolved worker count.

    Returns:
        0 on success (also when objects were skipped with partial results allowed).

    Raises:
        InputError / ConfigError: a missing or malformed config (exit 2).
        UpstreamError: the API or the store failed after retries (exit 3).
        InvalidMetricsError: the output would be rejected (exit 4).
        OutputError: the output or the cache cannot be written (exit 6).
    """
    started = time.monotonic()
    settings = load_batch_settings(inputs / BATCH_CONFIG_FILE)
    config, config_dir = c.load_run_config(config_path)
    section = config.batch
    partial = allow_partial or section.allow_partial
    workers = max_workers or section.max_workers or DEFAULT_WORKERS
    log.info("fetching batch %s from %s with %d workers%s", settings.batch_id, settings.api_url, workers,
             " (partial results allowed)" if partial else "")
    options = replace(client_options or ClientOptions.from_env(os.environ), workers=workers)
    if section.baseline is not None:
        require_scipy()  # before fetching anything: the comparison needs it
    aggregator = Aggregator.start(section, config_dir)
    with ApiClient(settings, options) as client, \
            FetchCache.open(cache_dir, batch_id=str(settings.batch_id), outputs=outputs) as cache:
        stream = open_batch(client, cache, batch_id=str(settings.batch_id),
                            project_id=str(settings.project_id) if settings.project_id else None,
                            allow_partial=partial)
        for test in stream:
            aggregator.update(test)
        facts = BatchFacts(project_id=stream.project_id, batch_id=stream.batch_id, skipped=stream.skipped,
                           skipped_count=stream.skipped_count)
        _report(aggregator, facts)
        extra = []
        if section.baseline is not None and aggregator.sides is not None:
            extra = baseline_metrics(client, cache, project_id=stream.project_id, batch_id=stream.batch_id,
                                     spec=section.baseline, settings=config.compare, candidate=aggregator.sides,
                                     allow_partial=partial)
        output = compute_batch_metrics(
            aggregator, facts, extra=extra,
            batch=lazy_batch(facts, stream.tests, lambda: cached_records(cache, stream.tests),
                             lambda info: next(cached_records(cache, [info]))),
            second_pass=lambda names: cached_records(cache, stream.tests, data_names=names, with_metrics=False))
    path = outputs / METRICS_FILE
    size = write_batch_output(output, path, job_id=batch_job_id(stream.batch_id))
    log.info("wrote %s (%d bytes, %d metrics) in %.1f s", path, size, len(output.metrics),
             time.monotonic() - started)
    return 0


def _report(aggregator: Aggregator, facts: BatchFacts) -> None:
    tally = aggregator.tally
    counts = ", ".join(f"{k} {v}" for k, v in tally.conflated_counts().items())
    log.info("batch %s: %d tests (%s), %d without metrics", facts.batch_id, tally.count, counts or "none",
             tally.count - tally.produced)
    if facts.skipped_count:
        log.warning("%d objects still failed after retries and were skipped; they are listed in the output's "
                    "'skipped objects' metric", facts.skipped_count)


__all__ = ["batch_job_id", "run_batch_mode"]
