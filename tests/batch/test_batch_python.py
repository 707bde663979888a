"""Python batch metrics: modules beside the config file, as functions called with the whole (lazily read)
batch or as streaming classes (update / merge / compute); failures become FAIL_BLOCK text metrics and
never lose the other metrics."""

from __future__ import annotations

import logging
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from aggregation_fixtures import Batch, compute, errored_test, make_batch, make_test
from oracle import assert_resim_accepts

from metrics_build import model as m
from metrics_build.batch.engine import Aggregator
from metrics_build.batch.local import aggregate_tests
from metrics_build.config import BatchSection, PythonEntry

JOB = uuid.UUID("61c7a4b2-55d0-4c4e-8b53-37d1f4d1b0aa")

MODULE = '''
import numpy as np
from metrics_build import model as m

def total_distance(batch):
    values = [t.scalar("distance").value for t in batch.tests if t.scalar("distance") is not None]
    return m.ScalarMetric(name="total distance", value=float(np.sum(values)), unit="m")

def several(batch):
    labels = m.strings("per test labels", [t.name for t in batch.tests])
    yield m.BarChartMetric(name="ran", values=[m.doubles("ran values", [float(t.ran) for t in batch.tests],
                                                         index=labels)])
    yield m.doubles("tests seen", [float(len(batch.tests))])
    yield m.Event(name="batch done", timestamp=0, timestamp_type=2)

def nothing(batch):
    return None

def boom(batch):
    raise RuntimeError("the model exploded")

def wrong(batch):
    return 42

def clash(batch):
    return m.TextMetric(name="total distance", text="again")


class Distances:
    """The streaming form: one value per test, merged in test order."""

    def __init__(self, scale=1.0):
        self.values = []
        self.scale = scale

    def update(self, test):
        got = test.scalar("distance")
        if got is not None:
            self.values.append(got.value * self.scale)

    def merge(self, other):
        self.values += other.values

    def compute(self):
        return m.ScalarMetric(name="distances seen", value=float(len(self.values)),
                              description=" ".join(f"{v:g}" for v in self.values))


class Broken(Distances):
    def update(self, test):
        raise ValueError("no updates today")
'''


@pytest.fixture
def config_dir(tmp_path: Path) -> Iterator[Path]:
    # A unique module name per test: imported modules are cached in sys.modules.
    name = f"batch_metrics_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(MODULE))
    (tmp_path / "modname").write_text(name)
    yield tmp_path
    sys.modules.pop(name, None)


def _entry(config_dir: Path, fn: str, name: str | None = None) -> dict[str, str]:
    spec = {"function": f"{(config_dir / 'modname').read_text()}:{fn}"}
    if name:
        spec["name"] = name
    return spec


def _batch() -> Batch:
    return make_batch([make_test("a", scalars={"distance": 3.5}), make_test("b", scalars={"distance": 10.25}),
                       errored_test("c")])


def _section(config_dir: Path, *fns: str, **kw: object) -> BatchSection:
    return BatchSection.model_validate({"python": [_entry(config_dir, f) for f in fns], "use_defaults": False, **kw})


def test_python_metrics_receive_the_whole_batch(config_dir: Path) -> None:
    out = compute(_batch(), _section(config_dir, "total_distance", "several", "nothing"),
                                config_dir=config_dir)
    total = out.metric("total distance")
    assert isinstance(total, m.ScalarMetric) and total.value == pytest.approx(np.sum([3.5, 10.25]))
    ran = out.metric("ran")
    assert isinstance(ran, m.BarChartMetric) and isinstance(ran.values[0], m.SeriesData)
    assert ran.values[0].values.tolist() == [1.0, 1.0, 0.0]
    assert [d.name for d in out.data] == ["tests seen"] and [e.name for e in out.events] == ["batch done"]
    assert_resim_accepts(out.writer(JOB).serialize())
    assert str(config_dir.resolve()) not in sys.path  # the path is restored afterwards


def test_python_metrics_follow_the_declared_or_default_metrics(config_dir: Path) -> None:
    section = BatchSection.model_validate({"python": [_entry(config_dir, "total_distance")]})
    out = compute(_batch(), section, config_dir=config_dir)
    names = [x.name for x in out.metrics]
    assert names.index("pass rate") < names.index("total distance") < names.index("batch summary")
    assert_resim_accepts(out.writer(JOB).serialize())


@pytest.mark.parametrize(("fn", "message"), [
    ("boom", "RuntimeError: the model exploded"),
    ("wrong", "returned a int, not metrics"),
    ("missing_function", "module "),
])
def test_a_failing_entry_becomes_a_fail_block_text_and_keeps_the_others(
        config_dir: Path, fn: str, message: str, caplog: pytest.LogCaptureFixture) -> None:
    section = BatchSection.model_validate({"python": [_entry(config_dir, fn, name=f"{fn} metric"),
                                                      _entry(config_dir, "total_distance")],
                                           "use_defaults": False})
    with caplog.at_level(logging.ERROR, logger="metrics_build"):
        out = compute(_batch(), section, config_dir=config_dir)
    failed = out.metric(f"{fn} metric")
    assert isinstance(failed, m.TextMetric) and failed.status is m.Status.FAIL_BLOCK
    assert message in failed.text
    assert out.metric("total distance").status is m.Status.PASSED
    assert any(message.split(":")[0] in r.getMessage() for r in caplog.records)
    assert_resim_accepts(out.writer(JOB).serialize())


def test_a_module_that_cannot_be_imported_is_reported_by_its_function_name() -> None:
    section = BatchSection(python=[PythonEntry(function="no_such_module_xyz:run")], use_defaults=False)
    out = compute(_batch(), section, config_dir=None)
    text = out.metric("no_such_module_xyz:run")
    assert isinstance(text, m.TextMetric) and "ModuleNotFoundError" in text.text


def test_python_output_clashing_with_another_name_fails_that_entry_only(config_dir: Path) -> None:
    # As in test mode: each entry's output is checked on its own, so the second `total distance`
    # becomes the failure metric of its entry and the first one stays.
    out = compute(_batch(), _section(config_dir, "total_distance", "clash"), config_dir=config_dir)
    assert out.metric("total distance").status is m.Status.PASSED
    failed = out.metrics[-2] if out.metrics[-1].name == "batch summary" else out.metrics[-1]
    assert isinstance(failed, m.TextMetric) and failed.status is m.Status.FAIL_BLOCK
    assert "'total distance' is already used" in failed.text
    assert_resim_accepts(out.writer(JOB).serialize())


def test_a_streaming_class_is_updated_with_each_test_and_computed_once(config_dir: Path) -> None:
    section = BatchSection.model_validate({"python": [{**_entry(config_dir, "Distances"), "args": {"scale": 2.0}}],
                                           "use_defaults": False})
    out = compute(_batch(), section, config_dir=config_dir)
    seen = out.metric("distances seen")
    assert isinstance(seen, m.ScalarMetric) and seen.value == 2.0 and seen.description == "7 20.5"
    assert_resim_accepts(out.writer(JOB).serialize())


def test_streaming_shards_merged_in_order_give_the_single_pass_output(config_dir: Path) -> None:
    section = BatchSection.model_validate({"python": [_entry(config_dir, "Distances"),
                                                      _entry(config_dir, "total_distance")]})
    batch = _batch()
    single = compute(batch, section, config_dir=config_dir)
    shards = [Aggregator.start(section, config_dir) for _ in range(3)]
    for i, test in enumerate(batch.tests):
        shards[i].update(test)
    merged = shards[0]
    for shard in shards[1:]:
        merged.merge(shard)
    sharded = aggregate_tests(batch.read, [t.info for t in batch.tests], batch.facts, section,
                              config_dir=config_dir, aggregator=merged)
    assert sharded.writer(JOB).serialize() == single.writer(JOB).serialize()


def test_a_streaming_class_that_fails_becomes_its_failure_metric(config_dir: Path) -> None:
    section = BatchSection.model_validate({"python": [_entry(config_dir, "Broken", name="broken"),
                                                      _entry(config_dir, "Distances")], "use_defaults": False})
    out = compute(_batch(), section, config_dir=config_dir)
    failed = out.metric("broken")
    assert isinstance(failed, m.TextMetric) and failed.status is m.Status.FAIL_BLOCK
    assert "ValueError: no updates today" in failed.text
    assert out.metric("distances seen").value == 2.0


def test_a_function_receives_the_tests_lazily_and_can_read_them_twice(config_dir: Path) -> None:
    (config_dir / "twice.py").write_text(textwrap.dedent('''
        from metrics_build import model as m

        def twice(batch):
            first = [t.name for t in batch.tests]
            second = [t.name for t in batch.tests]
            assert first == second and len(batch.tests) == len(first)
            return m.TextMetric(name="names", text=", ".join(first) + " / " + batch.tests[1].name)
    '''))
    section = BatchSection.model_validate({"python": [{"function": "twice:twice"}], "use_defaults": False})
    out = compute(_batch(), section, config_dir=config_dir)
    names = out.metric("names")
    assert isinstance(names, m.TextMetric) and names.text == "a, b, c / b"

