"""Per-test unpacking (`TestMetrics`): ids, index chains (cycle-safe), duplicate names, typed views, order."""

from __future__ import annotations

import numpy as np
import pytest

from metrics_build.batch.model import (
    FetchedBatch,
    ScalarValue,
    SkippedObject,
    StoredObject,
    TestInfo,
    TestMetrics,
    sort_tests,
    stored_data,
    stored_metric,
)
from metrics_build.errors import InputError
from metrics_build.wire import metrics_pb2 as pb


def _data(id_: str, name: str, *, kind: int = pb.DOUBLE_SERIES_DATA_TYPE, values: list[float] | None = None,
          index: str | None = None) -> pb.MetricsData:
    d = pb.MetricsData(name=name, data_type=kind)
    d.metrics_data_id.id.data = id_
    if kind in (pb.DOUBLE_SERIES_DATA_TYPE, pb.INDEXED_DOUBLE_SERIES_DATA_TYPE):
        d.series.doubles.series.extend(values if values is not None else [1.0, 2.0])
    elif kind in (pb.STRING_SERIES_DATA_TYPE, pb.INDEXED_STRING_SERIES_DATA_TYPE):
        d.series.strings.series.extend(["a", "b"])
    elif kind == pb.TIMESTAMP_SERIES_DATA_TYPE:
        d.series.timestamps.series.add(seconds=1)
        d.series.timestamps.series.add(seconds=2)
    if index is not None:
        d.is_indexed = True
        d.index_data_id.id.data = index
    return d


def _scalar(id_: str, name: str, value: float | None, *, status: int = pb.PASSED_METRIC_STATUS,
            unit: str | None = None) -> pb.Metric:
    m = pb.Metric(name=name, type=pb.SCALAR_METRIC_TYPE, status=status)
    m.metric_id.id.data = id_
    values = m.metric_values.scalar_metric_values
    values.SetInParent()
    if value is not None:
        values.value = value
    if unit is not None:
        values.unit = unit
    return m


def _test(data: list[pb.MetricsData], metrics: list[pb.Metric] | None = None, name: str = "t") -> TestMetrics:
    return TestMetrics(info=TestInfo(job_id=f"job-{name}", name=name), metrics=metrics or [], data=data)


def test_data_by_id_and_index_chain() -> None:
    t = _test([_data("v", "value", kind=pb.INDEXED_DOUBLE_SERIES_DATA_TYPE, index="i"),
               _data("i", "index", kind=pb.INDEXED_STRING_SERIES_DATA_TYPE, index="ts"),
               _data("ts", "time", kind=pb.TIMESTAMP_SERIES_DATA_TYPE)])
    value = t.data_by_id("v")
    assert value is not None and value.name == "value"
    assert [d.name for d in t.index_chain(value)] == ["index", "time"]
    assert t.index_of(value) == t.data_by_id("i")
    assert t.data_by_id("missing") is None


@pytest.mark.parametrize("ring", [["a"], ["a", "b"], ["a", "b", "c"]])
def test_index_cycles_terminate(ring: list[str]) -> None:
    data = [_data(x, f"d{x}", kind=pb.INDEXED_DOUBLE_SERIES_DATA_TYPE, index=ring[(k + 1) % len(ring)])
            for k, x in enumerate(ring)]
    t = _test(data)
    chain = t.index_chain(t.data_by_id("a"))  # type: ignore[arg-type]
    assert [d.metrics_data_id.id.data for d in chain] == ring[1:]


def test_index_pointing_nowhere_ends_the_chain() -> None:
    t = _test([_data("v", "value", kind=pb.INDEXED_DOUBLE_SERIES_DATA_TYPE, index="gone")])
    assert t.index_chain(t.data[0]) == []
    assert t.index_of(t.data[0]) is None


def test_duplicate_names_are_tolerated_and_ordered_by_id() -> None:
    t = _test([_data("2", "speed", values=[2.0]), _data("1", "speed", values=[1.0]), _data("0", "accel")],
              metrics=[_scalar("m2", "speed", 5.0), _scalar("m1", "speed", 4.0)])
    assert [d.metrics_data_id.id.data for d in t.data_named("speed")] == ["1", "2"]
    assert [d.name for d in t.data] == ["accel", "speed", "speed"]
    assert [m.metric_id.id.data for m in t.metrics_named("speed")] == ["m1", "m2"]
    assert t.scalar("speed") == ScalarValue(value=4.0, status=pb.PASSED_METRIC_STATUS, unit="")


def test_given_messages_are_kept_as_they_are() -> None:
    source = _data("d", "speed", values=[1.0, 2.0])
    t = _test([source], metrics=[_scalar("m", "max", 3.0)])
    assert t.data[0] is source and t.data_named("speed")[0] is source
    assert (t.data_names, t.metric_names, t.object_count) == (["speed"], ["max"], 2)
    assert repr(t) == "TestMetrics(name='t', metrics=1, data=1)"


def test_stored_objects_are_parsed_on_each_access() -> None:
    d = _data("d", "speed", values=[1.0, 2.0])
    m = _scalar("m", "max", 3.0)
    t = TestMetrics.from_stored(TestInfo(job_id="j", name="n"), [stored_metric(m)],
                                [StoredObject("speed", "d", d.SerializeToString())])
    first, second = t.data, t.data
    assert first == second == [d] and first[0] is not second[0]
    assert t.data_by_id("d") == d and t.data_named("speed") == [d]
    assert t.metrics == [m] and t.scalar("max") == ScalarValue(3.0, pb.PASSED_METRIC_STATUS, "")
    assert stored_data(d) == StoredObject("speed", "d", d.SerializeToString(deterministic=True))


def test_duplicate_ids_keep_the_first_in_order() -> None:
    t = _test([_data("x", "b", values=[2.0]), _data("x", "a", values=[1.0])])
    found = t.data_by_id("x")
    assert found is not None and found.name == "a"


def test_doubles_as_float64() -> None:
    values = [0.5, -1.25, 1e300, float("nan")]
    t = _test([_data("d", "d", values=values)])
    got = t.doubles(t.data[0])
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, np.array(values))


def test_typed_views_refuse_other_kinds_with_a_clear_message() -> None:
    t = _test([_data("s", "labels", kind=pb.STRING_SERIES_DATA_TYPE), _data("d", "speed")], name="run 7")
    labels, speed = t.data
    assert t.strings(labels) == ["a", "b"]
    with pytest.raises(InputError, match=r"test 'run 7': data 'labels' is not a double series \(type STRING"):
        t.doubles(labels)
    with pytest.raises(InputError, match="data 'speed' is not a string series"):
        t.strings(speed)


def test_scalar_needs_a_present_value_and_scalar_type() -> None:
    other = pb.Metric(name="x", type=pb.TEXT_METRIC_TYPE, status=pb.PASSED_METRIC_STATUS)
    other.metric_values.text_metric_values.text = "hi"
    t = _test([], metrics=[_scalar("a", "empty", None), _scalar("b", "zero", 0.0, status=pb.FAIL_WARN_METRIC_STATUS,
                                                                  unit="m"), other])
    assert t.scalar("empty") is None
    assert t.scalar("x") is None
    assert t.scalar("absent") is None
    assert t.scalar("zero") == ScalarValue(value=0.0, status=pb.FAIL_WARN_METRIC_STATUS, unit="m")


def test_batch_orders_tests_and_skipped_objects() -> None:
    tests = [_test([], name=n) for n in ("b", "a", "c")]
    skipped = [SkippedObject("j2", "b", "metric", "y", "HTTP 500"), SkippedObject("j1", "a", "metric", "x", "e")]
    batch = FetchedBatch(project_id="p", batch_id="b", tests=tests, skipped=skipped)
    assert [t.name for t in batch.tests] == ["a", "b", "c"]
    assert [s.test_name for s in batch.skipped] == ["a", "b"]
    assert [t.name for t in sort_tests(reversed(batch.tests))] == ["a", "b", "c"]
    assert batch.conflated_status_counts() == {"UNKNOWN": 3}
    assert len(batch.tests_without_metrics()) == 3
