"""Report mode: a test suite's history of batches (the report's window on one branch), fetched through the
platform API batch by batch and folded into longitudinal states, summarised as one JobMetrics.

Modules: `history` (records decoded from the API's JSON), `fetch` (the stream, one bounded pool), `stats`
(Wilson intervals, per-batch summaries), `experiences` (each experience across batches: flakiness,
regression onset), `fold` (the state), `overview`, `trends` and `insights` (the metrics), `python`
(users' report metrics over a lazily fetched history), `compute` (the output) and `run` (the shell).
"""

from metrics_build.report.run import report_job_id, run_report_mode

__all__ = ["report_job_id", "run_report_mode"]
