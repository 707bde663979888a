"""Directory sides on real files: the plain `<test>/metrics.binproto` layout, a local-batch output
with its manifest, and every kind of bad input answered clearly."""

from __future__ import annotations

import os

import pytest
from compare_helpers import write_manifest, write_test

from metrics_build.compare.records import Outcome
from metrics_build.compare.sides import directory_side
from metrics_build.errors import InputError
from metrics_build.model.enums import Status


def test_plain_layout_reads_every_test_with_scalars_statuses_and_thresholds(tmp_path):
    write_test(tmp_path / "b", {"speed": 3.0, "gap": 1.0}, block={"gap": 0.5})
    write_test(tmp_path / "a", {"speed": 2.0}, warn={"speed": 1.0})
    (tmp_path / "not-a-test").mkdir()
    (tmp_path / ".hidden").mkdir()
    write_test(tmp_path / ".hidden", {"speed": 9.0})
    side = directory_side(tmp_path, "baseline")
    assert side.source == str(tmp_path)
    records = list(side.tests)
    assert [r.name for r in records] == ["a", "b"]
    a, b = records
    assert (a.outcome, a.status) == (Outcome.OK, Status.FAIL_WARN)
    assert a.scalars["speed"].value == 2.0 and a.scalars["speed"].fails_above == 1.0
    assert a.scalars["speed"].status is Status.FAIL_WARN
    assert (b.status, b.scalars["gap"].status) == (Status.FAIL_BLOCK, Status.FAIL_BLOCK)
    assert b.scalars["gap"].fails_above == 0.5
    assert b.scalars["speed"].unit == "m" and b.scalars["speed"].fails_above is None


def test_local_batch_output_uses_the_manifest_for_errored_and_unfinished_tests(tmp_path):
    for name in ("ok", "skipped", "extra"):
        write_test(tmp_path / "tests" / name, {"x": 1.0})
    write_test(tmp_path / "batch", {"x": 1.0})  # batch mode's output, not a test
    write_manifest(tmp_path, {"ok": "success", "skipped": "skipped", "broken": "failed", "later": "pending",
                              "gone": "success"}, errors={"broken": "exit code 2: no readable log"})
    records = {r.name: r for r in directory_side(tmp_path, "candidate").tests}
    assert sorted(records) == ["broken", "extra", "gone", "later", "ok", "skipped"]
    assert records["ok"].outcome is records["skipped"].outcome is records["extra"].outcome is Outcome.OK
    assert (records["broken"].outcome, records["broken"].reason) == (Outcome.ERRORED, "exit code 2: no readable log")
    assert records["later"].outcome is Outcome.CANCELLED
    assert (records["gone"].outcome, records["gone"].reason) == (Outcome.ERRORED, "no metrics.binproto")


def test_local_batch_output_without_manifest_reads_its_tests_directory(tmp_path):
    write_test(tmp_path / "tests" / "one", {"x": 1.0})
    assert [r.name for r in directory_side(tmp_path, "baseline").tests] == ["one"]


def test_an_unreadable_file_is_an_errored_test_not_a_crash(tmp_path):
    write_test(tmp_path / "good", {"x": 1.0})
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "metrics.binproto").write_bytes(b"\xff\xff not protobuf")
    records = {r.name: r for r in directory_side(tmp_path, "baseline").tests}
    assert records["good"].outcome is Outcome.OK
    assert records["bad"].outcome is Outcome.ERRORED
    assert "not a JobMetrics file" in records["bad"].reason


def test_a_file_linked_from_outside_the_side_is_not_read(tmp_path):
    outside = tmp_path / "elsewhere"
    write_test(outside, {"x": 1.0})
    side_dir = tmp_path / "side"
    (side_dir / "linked").mkdir(parents=True)
    os.symlink(outside / "metrics.binproto", side_dir / "linked" / "metrics.binproto")
    write_test(side_dir / "own", {"x": 1.0})
    records = {r.name: r for r in directory_side(side_dir, "baseline").tests}
    assert records["linked"].outcome is Outcome.ERRORED and "links outside" in records["linked"].reason


@pytest.mark.parametrize(("setup", "message"), [
    (lambda p: None, "baseline {p}/missing: not a directory of test outputs"),
    (lambda p: (p / "missing").mkdir(), "baseline {p}/missing: no tests"),
    (lambda p: ((p / "missing" / "tests").mkdir(parents=True),
                (p / "missing" / "batch_manifest.json").write_text("{not json")),
     "batch_manifest.json: unreadable local-batch manifest"),
    (lambda p: ((p / "missing" / "tests").mkdir(parents=True),
                (p / "missing" / "batch_manifest.json").write_text('{"tests": {"../../etc": {}}}')),
     "not a local-batch manifest"),
])
def test_bad_sides_are_input_errors(tmp_path, setup, message):
    setup(tmp_path)
    with pytest.raises(InputError, match=message.format(p=tmp_path).replace(".", r"\.")):
        list(directory_side(tmp_path / "missing", "baseline").tests)


def test_event_metrics_and_repeated_names_are_left_out(tmp_path):
    from metrics_build import model as m
    from metrics_build.compare.extract import read_record
    from metrics_build.writer import JobMetricsWriter

    w = JobMetricsWriter("8a1f2b8e-2c61-4c0b-9a3e-6f1d2e3c4b5a")
    w.add_metric(m.ScalarMetric(name="peak", value=1.0))
    w.add_metric(m.ScalarMetric(name="peak", value=2.0))
    w.add_metric(m.TextMetric(name="note", text="hello"))
    event_metric = m.ScalarMetric(name="peak #1", value=3.0, event_metric=True)
    w.add_event(m.Event(name="peak #1", timestamp=0, metrics=[event_metric]))
    w.add_metric(event_metric)
    msg = w.build()
    (tmp_path / "metrics.binproto").write_bytes(msg.SerializeToString())
    record = read_record(tmp_path / "metrics.binproto", "t")
    assert list(record.scalars) == ["peak"]
    first = min((x for x in msg.job_level_metrics.metrics if x.name == "peak"), key=lambda x: x.metric_id.id.data)
    assert record.scalars["peak"].value == first.metric_values.scalar_metric_values.value  # (name, id) order
    assert record.status is Status.PASSED
    assert record.job_id == "8a1f2b8e-2c61-4c0b-9a3e-6f1d2e3c4b5a"
