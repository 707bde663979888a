"""The metrics config: the built-in default, every kind parsed, and errors that name the metric and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from metrics_build import config as c
from metrics_build.config.defaults import DEFAULT_CONFIG_TOML
from metrics_build.errors import ConfigError

CLI = [sys.executable, "-m", "metrics_build"]


def test_default_text_is_what_runs() -> None:
    cfg = c.default_config()
    assert c.default_config_text() == DEFAULT_CONFIG_TOML
    assert cfg.auto is not None and cfg.auto.scalars == ["min", "max", "mean"]
    assert cfg.auto.over_time and cfg.auto.states_over_time and cfg.auto.episodes
    assert cfg.output.export == ["*"] and cfg.output.input_report
    assert cfg.metrics == [] and cfg.python == []
    assert cfg.batch.use_defaults


def test_every_commented_example_in_the_default_parses() -> None:
    # The default's commented examples must stay valid: uncomment them and parse.
    lines = []
    for line in DEFAULT_CONFIG_TOML.splitlines():
        if line.startswith("# ") and ("=" in line or line.startswith("# [")) and not line.startswith("# ("):
            lines.append(line[2:])
        elif not line.startswith("#"):
            lines.append(line)
    cfg = c.parse_config_text("\n".join(lines), "uncommented default")
    assert [m.kind for m in cfg.metrics] == ["scalar", "double_over_time", "histogram", "states_over_time",
                                             "bar_chart"]
    assert [e.kind for e in cfg.events] == ["threshold"]
    assert cfg.python[0].function == "custom_metrics:compute"
    assert cfg.sources.time_column == "t" and cfg.sources.patterns == {"jsonl": ["**/train*.jsonl"]}
    assert len(cfg.batch.metrics) == 6


def test_channel_or_channels() -> None:
    cfg = c.parse_config_text('[[metrics]]\nkind = "double_over_time"\nname = "a"\nchannel = "x"\n', "t")
    spec = cfg.metrics[0]
    assert isinstance(spec, c.DoubleOverTimeSpec) and spec.channels == ["x"]


def test_histogram_edges_from_range() -> None:
    cfg = c.parse_config_text('[[metrics]]\nkind = "histogram"\nname = "h"\nchannel = "x"\n'
                              "lower = -1.0\nupper = 1.0\ncount = 4\n", "t")
    spec = cfg.metrics[0]
    assert isinstance(spec, c.HistogramSpec)
    assert spec.bucket_edges() == [-1.0, -0.5, 0.0, 0.5, 1.0]


BAD = [
    ('[[metrics]]\nkind = "scalar"\nname = "a"\nchannel = "x"\nreduce = "max"\n'
     '[[metrics]]\nkind = "scalar"\nname = "b"\nchannel = "x"\nreduce = "max"\n'
     '[[metrics]]\nkind = "scalar"\nname = "max speed"\nchannel = "speed"\nreduce = "max"\nfails_above = "fast"\n',
     'test.toml: metrics[2] ("max speed").fails_above: Input should be a valid number'),
    ('[[metrics]]\nkind = "scalar"\nname = "a"\nchannel = "x"\nreduce = "max"\ncolour = "red"\n',
     'test.toml: metrics[0] ("a").colour: unknown key'),
    ('[[metrics]]\nkind = "scalar"\nname = "a"\nchannel = "x"\nreduce = "median"\n',
     'test.toml: metrics[0] ("a").reduce: Input should be'),
    ('[[metrics]]\nkind = "scalar"\nname = "a"\nchannel = "x"\n',
     'test.toml: metrics[0] ("a"): `reduce` is required with `channel`'),
    ('[[metrics]]\nkind = "pie"\nname = "a"\n', 'test.toml: metrics[0] ("a").kind: unknown kind \'pie\' (kinds: '
     "'scalar', 'double_summary', 'double_over_time', 'line_plot', 'histogram', 'states_over_time', "
     "'bar_chart', 'text')"),
    ('[[metrics]]\nname = "a"\n', 'test.toml: metrics[0] ("a").kind: missing'),
    ('[[metrics]]\nkind = "scalar"\nname = "a"\nchannel = "x"\nreduce = "max"\n'
     '[[metrics]]\nkind = "scalar"\nname = "a"\nchannel = "y"\nreduce = "min"\n',
     'test.toml: metrics[1] ("a").name: the name is already used by metrics[0]'),
    ('[[metrics]]\nkind = "scalar"\nname = "a"\nchannel = "x"\nreduce = "max"\nfails_above = 1\nfails_below = 2\n',
     'test.toml: metrics[0] ("a"): fails_below must be less than fails_above'),
    ('[[metrics]]\nkind = "scalar"\nname = "a"\nchannel = "x"\nreduce = "max"\nseverity = "fatal"\n',
     'test.toml: metrics[0] ("a").severity: Input should be \'warn\' or \'block\''),
    ('[[metrics]]\nkind = "histogram"\nname = "h"\nchannel = "x"\nedges = [0, 2, 1]\n',
     'test.toml: metrics[0] ("h"): `edges` must be strictly increasing'),
    ('[[metrics]]\nkind = "histogram"\nname = "h"\nchannel = "x"\nlower = 0\n',
     'test.toml: metrics[0] ("h"): a histogram needs fixed `edges`, or all of `lower`, `upper` and `count`'),
    ('[[metrics]]\nkind = "states_over_time"\nname = "s"\nchannel = "x"\nstates = ["a"]\nfailure_states = ["b"]\n',
     "test.toml: metrics[0] (\"s\"): failure_states ['b'] are not in `states`"),
    ('[[metrics]]\nkind = "text"\nname = "t"\n', 'test.toml: metrics[0] ("t"): a text metric needs `text` or'),
    ('[[metrics]]\nkind = "scalar"\nname = "export/x"\nchannel = "x"\nreduce = "max"\n',
     'test.toml: metrics[0] ("export/x").name: names starting with \'export/\' are reserved'),
    ('[[metrics]]\nkind = "scalar"\nname = "input report"\nchannel = "x"\nreduce = "max"\n',
     "test.toml: metrics[0] (\"input report\").name: 'input report' is the name of the input report"),
    ('[[events]]\nkind = "threshold"\nname = "e"\nchannel = "x"\nfails_above = 1\nmetrics = ["nope"]\n',
     "test.toml: events[0] (\"e\").metrics: no metric named 'nope' in [[metrics]]"),
    ('[[events]]\nkind = "threshold"\nname = "e"\nchannel = "x"\n',
     'test.toml: events[0] ("e"): a threshold event needs fails_above or fails_below'),
    ('[[python]]\nfunction = "not a ref"\n', 'test.toml: python[0] ("not a ref").function: String should match'),
    ('[sources]\npatterns = { parquet = ["*.pq"] }\n', "test.toml: sources.patterns: unknown format 'parquet'"),
    ('[output]\nmax_plot_points = 1\n', "test.toml: output.max_plot_points: Input should be greater than or equal"),
    ('[batch]\nnan_policy = "ignore"\n', "test.toml: batch.nan_policy: Input should be"),
    ('version = 2\n', "test.toml: version: Input should be 1"),
    ("[[metrics]\n", "test.toml: invalid TOML:"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m[:40] for _, m in BAD])
def test_errors_name_the_metric_and_field(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        c.parse_config_text(text, "test.toml")
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


def test_several_errors_on_one_line() -> None:
    text = "".join(f'[[metrics]]\nkind = "scalar"\nname = "m{i}"\nchannel = "x"\nreduce = "bad"\n' for i in range(8))
    with pytest.raises(ConfigError) as info:
        c.parse_config_text(text, "t.toml")
    msg = str(info.value)
    assert "\n" not in msg and msg.count("metrics[") == 5 and msg.endswith("; and 3 more")


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        c.load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="is a directory"):
        c.load_config(tmp_path)
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'name = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        c.load_config(bad)


def test_cli_check_and_show_default(tmp_path: Path) -> None:
    shown = subprocess.run([*CLI, "config", "--show-default"], capture_output=True, text=True, check=True)
    assert shown.stdout == DEFAULT_CONFIG_TOML
    good = tmp_path / "metrics.toml"
    good.write_text(shown.stdout)
    ok = subprocess.run([*CLI, "config", "--check", str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.strip() == f"{good}: ok"

    bad = tmp_path / "bad.toml"
    bad.write_text('[[metrics]]\nkind = "scalar"\nname = "max speed"\nchannel = "speed"\nreduce = "max"\n'
                   'fails_above = "fast"\n')
    res = subprocess.run([*CLI, "config", "--check", str(bad)], capture_output=True, text=True)
    assert res.returncode == 2
    assert res.stderr.strip() == (f'metrics-build: error: {bad}: metrics[0] ("max speed").fails_above: '
                                  "Input should be a valid number, unable to parse string as a number")
    assert "Traceback" not in res.stderr


def test_every_example_config_checks() -> None:
    root = Path(__file__).resolve().parents[2] / "examples"
    configs = sorted(root.glob("*/metrics.toml"))
    assert len(configs) == 6
    for path in configs:
        c.check_config_file(path)
