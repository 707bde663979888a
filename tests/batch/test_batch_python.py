"""Python batch metrics: modules beside the config file, called with the whole batch; failures become
FAIL_BLOCK text metrics and never lose the other metrics."""

from __future__ import annotations

import logging
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from aggregation_fixtures import errored_test, make_batch, make_test
from oracle import assert_resim_accepts

from metrics_build import model as m
from metrics_build.batch.compute import compute_batch_metrics
from metrics_build.batch.model import FetchedBatch
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
    yield m.BarChartMetric(name="ran", values=[m.doubles("ran values", [float(bool(t.metrics)) for t in batch.tests],
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


def _batch() -> FetchedBatch:
    return make_batch([make_test("a", scalars={"distance": 3.5}), make_test("b", scalars={"distance": 10.25}),
                       errored_test("c")])


def _section(config_dir: Path, *fns: str, **kw: object) -> BatchSection:
    return BatchSection.model_validate({"python": [_entry(config_dir, f) for f in fns], "use_defaults": False, **kw})


def test_python_metrics_receive_the_whole_batch(config_dir: Path) -> None:
    out = compute_batch_metrics(_batch(), _section(config_dir, "total_distance", "several", "nothing"),
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
    out = compute_batch_metrics(_batch(), section, config_dir=config_dir)
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
        out = compute_batch_metrics(_batch(), section, config_dir=config_dir)
    failed = out.metric(f"{fn} metric")
    assert isinstance(failed, m.TextMetric) and failed.status is m.Status.FAIL_BLOCK
    assert message in failed.text
    assert out.metric("total distance").status is m.Status.PASSED
    assert any(message.split(":")[0] in r.getMessage() for r in caplog.records)
    assert_resim_accepts(out.writer(JOB).serialize())


def test_a_module_that_cannot_be_imported_is_reported_by_its_function_name() -> None:
    section = BatchSection(python=[PythonEntry(function="no_such_module_xyz:run")], use_defaults=False)
    out = compute_batch_metrics(_batch(), section, config_dir=None)
    text = out.metric("no_such_module_xyz:run")
    assert isinstance(text, m.TextMetric) and "ModuleNotFoundError" in text.text


def test_python_output_clashing_with_another_name_fails_that_entry_only(config_dir: Path) -> None:
    # As in test mode: each entry's output is checked on its own, so the second `total distance`
    # becomes the failure metric of its entry and the first one stays.
    out = compute_batch_metrics(_batch(), _section(config_dir, "total_distance", "clash"), config_dir=config_dir)
    assert out.metric("total distance").status is m.Status.PASSED
    failed = out.metrics[-2] if out.metrics[-1].name == "batch summary" else out.metrics[-1]
    assert isinstance(failed, m.TextMetric) and failed.status is m.Status.FAIL_BLOCK
    assert "'total distance' is already used" in failed.text
    assert_resim_accepts(out.writer(JOB).serialize())
