"""A read-only view of a fetched batch with per-name lookups built once.

Aggregations ask for the same scalar of every test many times (the defaults run six statistics per
scalar name); scanning each test's metrics per question would cost tests × metrics × questions.
"""

from __future__ import annotations

from metrics_build.batch.model import FetchedBatch, ScalarValue, TestMetrics
from metrics_build.wire import metrics_pb2 as pb


class BatchView:
    """`batch` plus, per SCALAR metric name, each test's value (as `TestMetrics.scalar` gives it)."""

    def __init__(self, batch: FetchedBatch) -> None:
        self.batch = batch
        self._scalars: dict[str, dict[int, ScalarValue]] = {}
        self._non_event: set[str] = set()
        for i, t in enumerate(batch.tests):
            for metric in t.metrics:  # (name, id) order: the first with a value wins, as in `scalar()`
                if metric.type != pb.SCALAR_METRIC_TYPE \
                        or metric.metric_values.WhichOneof("metric_values") != "scalar_metric_values":
                    continue
                values = metric.metric_values.scalar_metric_values
                if not values.HasField("value"):
                    continue
                per_test = self._scalars.setdefault(metric.name, {})
                if i not in per_test:
                    per_test[i] = ScalarValue(value=values.value, status=int(metric.status), unit=values.unit)
                if not metric.event_metric:
                    self._non_event.add(metric.name)

    @property
    def tests(self) -> list[TestMetrics]:
        """The batch's tests, in its deterministic order."""
        return self.batch.tests

    def scalar(self, test_index: int, name: str) -> ScalarValue | None:
        """`tests[test_index].scalar(name)`, from the table."""
        return self._scalars.get(name, {}).get(test_index)

    def scalars(self, name: str) -> list[tuple[int, ScalarValue]]:
        """(test index, value) of every test that has SCALAR `name`, in test order."""
        return sorted(self._scalars.get(name, {}).items())

    def scalar_names(self) -> list[str]:
        """Every non-event SCALAR metric name with a value in at least one test, sorted."""
        return sorted(self._non_event)


__all__ = ["BatchView"]
