"""Python metrics for the emissions example: anything the declarative config cannot say.

Each function gets the loaded logs (`metrics_build.channels.Loaded`: channels, episodes, events,
results) plus the entry's `args`, and returns metrics built with `metrics_build.model`.
"""

from __future__ import annotations

import numpy as np

from metrics_build import model as m
from metrics_build.channels import Loaded


def path_length(loaded: Loaded) -> list[m.Metric]:
    """Distance driven along the ego's path, from its x/y positions."""
    x = loaded.channels["ego.position.x"].values
    y = loaded.channels["ego.position.y"].values
    length = float(np.hypot(np.diff(x), np.diff(y)).sum())
    return [m.ScalarMetric(name="path length", value=length, unit="m", importance=m.Importance.HIGH,
                           description="sum of the distances between consecutive positions")]


def hard_brakes(loaded: Loaded, limit: int = 3) -> m.Metric:
    """How many `hard brake` events the test logged; more than `limit` fails (FAIL_WARN)."""
    count = sum(1 for event in loaded.events if event.name == "hard brake")
    failed = count > limit
    return m.ScalarMetric(name="hard brakes", value=float(count), failure=m.FailureDefinition(fails_above=limit),
                          status=m.Status.FAIL_WARN if failed else m.Status.PASSED)
