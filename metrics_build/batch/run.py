"""The batch-mode shell: batch_metrics_config.json → fetch every test → aggregate → `OUTPUTS/metrics.binproto`.

Nothing is written until the whole batch is fetched and the output validates, and then atomically:
a failed run leaves no partial file.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import replace
from pathlib import Path

from metrics_build import config as c
from metrics_build.batch.compute import compute_batch_metrics, write_batch_output
from metrics_build.batch.fetch import fetch_batch
from metrics_build.batch.model import FetchedBatch
from metrics_build.http import DEFAULT_WORKERS, ApiClient, ClientOptions, load_batch_settings

log = logging.getLogger("metrics_build.batch")

CONFIG_NAME = "batch_metrics_config.json"
OUTPUT_NAME = "metrics.binproto"
_BATCH_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://metrics-build.invalid/batch-mode")


def batch_job_id(batch_id: str) -> uuid.UUID:
    """The job id written into a batch's output: derived from the batch id, so reruns are byte-identical."""
    return uuid.uuid5(_BATCH_NAMESPACE, batch_id)


def _load_config(config_path: Path | None) -> tuple[c.MetricsConfig, Path | None]:
    if config_path is None:
        return c.default_config(), None
    return c.load_config(config_path), config_path.resolve().parent


def run_batch_mode(*, inputs: Path, outputs: Path, config_path: Path | None, allow_partial: bool,
                   max_workers: int | None, client_options: ClientOptions | None = None) -> int:
    """Fetch the batch named by `inputs/batch_metrics_config.json`, aggregate it, write the output.

    Args:
        inputs: Directory holding `batch_metrics_config.json`.
        outputs: Directory to write `metrics.binproto` into.
        config_path: The metrics config (TOML, its `[batch]` section), or None for the built-in default.
        allow_partial: Skip and report objects that still fail after retries (also `[batch] allow_partial`).
        max_workers: Concurrent requests (else `[batch] max_workers`, else the client's default).
        client_options: Retries and timeouts (default: `ClientOptions.from_env`); its `workers` is
            replaced by the resolved worker count.

    Returns:
        0 on success (also when objects were skipped with partial results allowed).

    Raises:
        InputError / ConfigError: a missing or malformed config (exit 2).
        UpstreamError: the API or the store failed after retries (exit 3).
        InvalidMetricsError: the output would be rejected (exit 4).
    """
    started = time.monotonic()
    settings = load_batch_settings(inputs / CONFIG_NAME)
    config, config_dir = _load_config(config_path)
    section = config.batch
    partial = allow_partial or section.allow_partial
    workers = max_workers or section.max_workers or DEFAULT_WORKERS
    log.info("fetching batch %s from %s with %d workers%s", settings.batch_id, settings.api_url, workers,
             " (partial results allowed)" if partial else "")
    options = replace(client_options or ClientOptions.from_env(os.environ), workers=workers)
    with ApiClient(settings, options) as client:
        batch = fetch_batch(client, batch_id=str(settings.batch_id),
                            project_id=str(settings.project_id) if settings.project_id else None,
                            allow_partial=partial)
    _report(batch)
    output = compute_batch_metrics(batch, section, config_dir=config_dir)
    path = outputs / OUTPUT_NAME
    size = write_batch_output(output, path, job_id=batch_job_id(batch.batch_id))
    log.info("wrote %s (%d bytes, %d metrics) in %.1f s", path, size, len(output.metrics),
             time.monotonic() - started)
    return 0


def _report(batch: FetchedBatch) -> None:
    counts = ", ".join(f"{k} {v}" for k, v in batch.conflated_status_counts().items())
    log.info("batch %s: %d tests (%s), %d without metrics", batch.batch_id, len(batch.tests), counts or "none",
             len(batch.tests_without_metrics()))
    if batch.skipped:
        log.warning("%d objects still failed after retries and were skipped; they are listed in the output's "
                    "'skipped objects' metric", len(batch.skipped))


__all__ = ["batch_job_id", "run_batch_mode"]
