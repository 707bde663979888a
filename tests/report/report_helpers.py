"""Helpers of the report-mode tests: run `metrics-build run` on a history served by the emulator, and read
what it wrote with ReSim's classes (the oracle)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from oracle import assert_resim_accepts, resim_pb

from metrics_build.cli.main import main
from metrics_build.emulator import Emulator, Faults


@dataclass
class Run:
    """One run of report mode: its exit code, stderr, output (parsed by ReSim) and the emulator's log."""

    code: int
    stderr: str
    output: Path
    requests: list[Any]
    peak: dict[str, int]
    token: str

    @property
    def msg(self) -> resim_pb.JobMetrics:
        return assert_resim_accepts(self.output / "metrics.binproto")


def run_report(history: Path, tmp: Path, capsys: pytest.CaptureFixture[str], *args: str,
               config: str | Path | None = None, faults: Faults | None = None, name: str = "out",
               max_page_size: int = 100, edit: Any = None) -> Run:
    """Serve `history`, write its report config (optionally changed by `edit(dict)`), run report mode with
    `config` (a file, or TOML text written to a file)."""
    inputs, outputs = tmp / f"{name}-inputs", tmp / name
    cmd = ["run", "--inputs", str(inputs), "--outputs", str(outputs), *args]
    if isinstance(config, Path):
        cmd += ["--config", str(config)]
    elif config is not None:
        path = tmp / f"{name}.toml"
        path.write_text(config, encoding="utf-8")
        cmd += ["--config", str(path)]
    with Emulator(history=history, faults=faults, max_page_size=max_page_size) as emu:
        config_file = emu.write_report_config(inputs / "report_config.json")
        if edit is not None:
            content = json.loads(config_file.read_text())
            edit(content)
            config_file.write_text(json.dumps(content))
        capsys.readouterr()
        code = main(cmd)
        stderr = capsys.readouterr().err
        return Run(code, stderr, outputs, emu.requests, emu.peak_concurrency, emu.token)


def metric(msg: resim_pb.JobMetrics, name: str) -> Any:
    """The metric called `name` (KeyError when there is none)."""
    for m in msg.job_level_metrics.metrics:
        if m.name == name:
            return m
    raise KeyError(name)


def names(msg: resim_pb.JobMetrics) -> list[str]:
    return [m.name for m in msg.job_level_metrics.metrics]


def series(msg: resim_pb.JobMetrics, data_name: str) -> list[Any]:
    """The values of the data called `data_name` (UUIDs as text)."""
    data = next(d for d in msg.metrics_data if d.name == data_name)
    kind = data.series.WhichOneof("series")
    values = getattr(data.series, kind).series
    return [v.data for v in values] if kind == "uuids" else list(values)


def text(msg: resim_pb.JobMetrics, name: str) -> str:
    return str(metric(msg, name).metric_values.text_metric_values.text)


def table(markdown: str, header_start: str) -> list[dict[str, str]]:
    """The rows of the markdown table whose header begins with `| <header_start>`, as dicts."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header_start}"))
    header = [c.strip() for c in lines[start].strip("|").split(" | ")]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def figure(msg: resim_pb.JobMetrics, name: str) -> dict[str, Any]:
    """A Plotly metric's figure (ReSim's output)."""
    found: dict[str, Any] = json_format.MessageToDict(metric(msg, name).metric_values.plotly_metric_values.json)
    return found
