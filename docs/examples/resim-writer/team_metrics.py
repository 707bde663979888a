"""A team's metric code written for ReSim's library, run by metrics-build unchanged.

`speed_metrics` is the team's existing function (it only knows ReSim's `ResimMetricsWriter`); the
three-line `compute` entry hands it the speed channel metrics-build already loaded and returns the
writer. metrics-build merges what the writer holds into its own output, with ids derived as its own are
(so the output stays byte-identical run after run), and the job status rolls up over everything.
"""

from __future__ import annotations

import uuid

import numpy as np
from resim.metrics.python.metrics import SeriesMetricsData
from resim.metrics.python.metrics_utils import DoubleFailureDefinition, MetricImportance, MetricStatus
from resim.metrics.python.metrics_writer import ResimMetricsWriter


def speed_metrics(writer: ResimMetricsWriter, times_s: np.ndarray, speed: np.ndarray, limit: float) -> None:
    """The team's existing ReSim metrics: the top speed, and the speed over time."""
    top = float(np.max(speed))
    (writer.add_scalar_metric("top speed (ReSim writer)").with_value(top).with_unit("m/s")
     .with_failure_definition(DoubleFailureDefinition(fails_above=limit, fails_below=None))
     .with_status(MetricStatus.FAIL_BLOCK_METRIC_STATUS if top > limit else MetricStatus.PASSED_METRIC_STATUS)
     .with_importance(MetricImportance.HIGH_IMPORTANCE))
    times = SeriesMetricsData("speed times (ReSim writer)", series=times_s, unit="s")
    values = SeriesMetricsData("speed values (ReSim writer)", series=speed, unit="m/s")
    statuses = SeriesMetricsData("speed statuses (ReSim writer)",
                                 series=np.array([MetricStatus.PASSED_METRIC_STATUS] * len(speed), dtype=object))
    (writer.add_line_plot_metric("speed (ReSim writer)").append_series_data(times, values, "speed")
     .append_statuses_data(statuses).with_x_axis_name("time (s)").with_y_axis_name("m/s")
     .with_status(MetricStatus.PASSED_METRIC_STATUS).with_importance(MetricImportance.MEDIUM_IMPORTANCE))


def compute(loaded, limit: float = 10.0):  # type: ignore[no-untyped-def]
    """The `[[python]]` entry: the team's function, given the loaded channel."""
    channel = loaded.channels["speed"]
    writer = ResimMetricsWriter(uuid.uuid4())  # ReSim's writer wants a job id; metrics-build replaces it
    speed_metrics(writer, (channel.timestamps_ns - channel.timestamps_ns[0]) / 1e9, channel.values, limit)
    return writer
