"""Python metrics: found beside the config, called with the logs, and a failing one never loses the others."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from tm_helpers import config, loaded, numeric, run

from metrics_build.model import Status

GOOD = '''
from metrics_build import model as m

def double_max(loaded, factor=2.0):
    ch = loaded.channels["x"]
    return [m.ScalarMetric(name="double max", value=float(ch.values.max()) * factor),
            m.doubles("extra series", ch.values)]

def one_metric(loaded):
    return m.TextMetric(name="hello", text="hi")

def nothing(loaded):
    return None

def boom(loaded):
    raise ValueError("the sky fell")

def wrong_type(loaded):
    return 42

def clash(loaded):
    return [m.ScalarMetric(name="declared", value=1.0)]

def invalid(loaded):
    return [m.ScalarMetric(name="nan metric", value=float("nan"))]

def event(loaded):
    hit = m.ScalarMetric(name="hit speed", value=3.0, event_metric=True)
    return [m.Event(name="hit", timestamp=1_700_000_000 * 10**9, metrics=[hit])]
'''


def write_module(directory: Path, name: str = "custom_metrics", body: str = GOOD) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.py").write_text(textwrap.dedent(body))
    return directory


def entries(*refs: str) -> str:
    return "".join(f'[[python]]\nfunction = "custom_metrics:{r}"\n' for r in refs)


def test_results_join_the_output(tmp_path: Path) -> None:
    cfg_dir = write_module(tmp_path / "cfg")
    cfg = config(entries("one_metric", "nothing", "event")
                 + '[[python]]\nfunction = "custom_metrics:double_max"\nargs = { factor = 3.0 }\n')
    out = run(cfg, loaded(numeric("x", [1.0, 4.0, 2.0])), tmp_path, config_dir=cfg_dir)
    assert out.scalar("double max") == 12.0
    assert out.metrics["hello"].metric_values.text_metric_values.text == "hi"
    assert "extra series" in out.data
    assert out.events["hit"].timestamp.seconds == 1_700_000_000
    assert int(out.msg.metrics_status) == Status.PASSED


@pytest.mark.parametrize(("ref", "message"), [
    ("boom", "ValueError: the sky fell (at custom_metrics.py line 16, in boom)"),
    ("wrong_type", "returned a int, not metrics, data and events"),
    ("clash", "the name 'declared' is already used"),
    ("invalid", "returned metrics the platform would reject"),
    ("missing", "module 'custom_metrics' has no attribute 'missing'"),
])
def test_a_failing_entry_becomes_a_fail_block_metric(tmp_path: Path, ref: str, message: str,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    cfg_dir = write_module(tmp_path / "cfg")
    cfg = config('[[metrics]]\nkind = "scalar"\nname = "declared"\nchannel = "x"\nreduce = "max"\n'
                 + entries(ref, "one_metric"))
    out = run(cfg, loaded(numeric("x", [1.0, 2.0])), tmp_path, config_dir=cfg_dir)
    failed = out.metrics[f"custom_metrics:{ref}"]
    assert failed.status == Status.FAIL_BLOCK
    assert message in failed.metric_values.text_metric_values.text
    assert int(out.msg.metrics_status) == Status.FAIL_BLOCK
    # The others are all there.
    assert out.scalar("declared") == 2.0 and "hello" in out.metrics
    assert any(message in r.getMessage() for r in caplog.records if r.levelname == "ERROR")


def test_unimportable_module_fails_alone(tmp_path: Path) -> None:
    cfg = config('[[python]]\nfunction = "no_such_module_xyz:f"\nname = "broken"\n')
    out = run(cfg, loaded(numeric("x", [1.0])), tmp_path, config_dir=tmp_path)
    text = out.metrics["broken"].metric_values.text_metric_values.text
    assert "ModuleNotFoundError" in text and "no_such_module_xyz" in text
    assert "input report" in out.metrics


def test_same_module_name_in_two_config_dirs(tmp_path: Path) -> None:
    one = write_module(tmp_path / "one", body="from metrics_build import model as m\n"
                                              "def f(l):\n    return m.TextMetric(name='who', text='one')\n")
    two = write_module(tmp_path / "two", body="from metrics_build import model as m\n"
                                              "def f(l):\n    return m.TextMetric(name='who', text='two')\n")
    cfg = config(entries("f"))
    a = run(cfg, loaded(numeric("x", [1.0])), tmp_path / "a", config_dir=one)
    b = run(cfg, loaded(numeric("x", [1.0])), tmp_path / "b", config_dir=two)
    assert a.metrics["who"].metric_values.text_metric_values.text == "one"
    assert b.metrics["who"].metric_values.text_metric_values.text == "two"


def test_helper_modules_beside_the_config_import(tmp_path: Path) -> None:
    cfg_dir = write_module(tmp_path / "cfg", name="helper", body="LIMIT = 7.0\n")
    write_module(cfg_dir, body="from metrics_build import model as m\nimport helper\n"
                               "def f(l):\n    return m.ScalarMetric(name='limit', value=helper.LIMIT)\n")
    out = run(config(entries("f")), loaded(numeric("x", [1.0])), tmp_path, config_dir=cfg_dir)
    assert out.scalar("limit") == 7.0
