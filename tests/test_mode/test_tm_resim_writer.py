"""Migration without a rewrite: a `[[python]]` metric built with ReSim's `ResimMetricsWriter` (the
example in docs/examples/resim-writer, a team's function unchanged) joins the output with derived ids."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest
from oracle import assert_resim_accepts, resim_unpack
from resim_fixtures import resim_written_job_metrics

from metrics_build import model as m
from metrics_build.cli import main
from metrics_build.config import PythonEntry
from metrics_build.test_mode.run import DEFAULT_JOB_ID
from metrics_build.user_code import run_entries
from metrics_build.writer import JobMetricsWriter

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "resim-writer"


def test_the_example_runs_a_resim_metric_function_unchanged(tmp_path: Path) -> None:
    outputs = tmp_path / "out"
    code = main(["-q", "run", "--inputs", str(EXAMPLE / "inputs"), "--outputs", str(outputs),
                 "--config", str(EXAMPLE / "metrics.toml")])
    assert code == 0
    msg = assert_resim_accepts(outputs / "metrics.binproto")
    resim_unpack(msg)
    by_name = {x.name: x for x in msg.job_level_metrics.metrics}
    top = by_name["top speed (ReSim writer)"]
    speeds = np.loadtxt(EXAMPLE / "inputs" / "logs" / "drive.csv", delimiter=",", skiprows=1, usecols=1)
    assert top.metric_values.scalar_metric_values.value == pytest.approx(float(speeds.max()))
    # ids derived as ours are, every reference rewritten, the job id ours
    assert top.metric_id.id.data == str(uuid.uuid5(DEFAULT_JOB_ID, "metric/top speed (ReSim writer)/0"))
    assert top.job_id.id.data == str(DEFAULT_JOB_ID)
    data_ids = {d.metrics_data_id.id.data for d in msg.metrics_data}
    plot = by_name["speed (ReSim writer)"].metric_values.line_plot_metric_values
    assert {plot.x_doubles_data_id[0].id.data, plot.y_doubles_data_id[0].id.data} <= data_ids
    # the team's FAIL_BLOCK (top speed above 10 m/s) rolls up into the job status
    assert msg.metrics_status == 5
    first = (outputs / "metrics.binproto").read_bytes()
    assert main(["-q", "run", "--inputs", str(EXAMPLE / "inputs"), "--outputs", str(outputs),
                 "--config", str(EXAMPLE / "metrics.toml")]) == 0
    assert (outputs / "metrics.binproto").read_bytes() == first  # deterministic despite ReSim's uuid4s


@pytest.mark.parametrize("form", ["message", "bytes", "output"])
def test_every_form_of_a_resim_written_job_metrics_is_accepted(form: str, tmp_path: Path) -> None:
    resim = resim_written_job_metrics()
    returned = {"message": resim, "bytes": resim.SerializeToString(),
                "output": type("ResimMetricsOutput", (), {"metrics_msg": resim})()}[form]
    names = m.Names()
    out = run_entries([PythonEntry(function="builtins:len")], lambda func, entry: returned, config_dir=None,
                      names=names)
    assert out.failed == [] and len(out.imported) == 1
    job = uuid.UUID("00000000-0000-4000-8000-0000000000aa")
    writer = JobMetricsWriter(job)
    writer.add_metric(m.ScalarMetric(name="ours", value=1.0))
    msg = assert_resim_accepts(writer.add_all(out).serialize())
    assert len(msg.job_level_metrics.metrics) == len(resim.job_level_metrics.metrics) + 1
    assert {d.name for d in msg.metrics_data} == {d.name for d in resim.metrics_data}
    assert len(msg.events) == len(resim.events)
    assert all(e.metrics[0].id.data in {x.metric_id.id.data for x in msg.job_level_metrics.metrics}
               for e in msg.events if e.metrics)
    assert msg.job_level_metrics.metrics[0].name == "ours"  # ours first, then the imported ones
