"""(b) Files written by ReSim's own writer: every metric type, events, grouped data, data without a
metric. Our validator accepts them, our parse → serialize gives back ReSim's message byte for byte
(under deterministic serialization), and the real CLI validates them from disk.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from oracle import resim_pb
from resim_fixtures import METRIC_NAMES, resim_written_bytes, resim_written_job_metrics

from metrics_build.validate import validate_job_metrics
from metrics_build.wire import metrics_pb2 as pb

CLI = str(Path(sys.executable).with_name("metrics-build"))
JOB_IDS = [uuid.UUID("6c1e0b52-3f3a-4d0e-9a43-2f0d1c3b5a71"), uuid.UUID(int=0), uuid.uuid4()]


def test_fixture_covers_every_metric_type_and_extras() -> None:
    msg = resim_written_job_metrics()
    assert {pb.MetricType.Name(m.type) for m in msg.job_level_metrics.metrics} == \
        set(pb.MetricType.keys()) - {"NO_METRIC_TYPE"} == set(METRIC_NAMES)
    assert len(msg.events) == 2
    assert any(d.is_per_category for d in msg.metrics_data)
    assert {d.data_type for d in msg.metrics_data} == set(pb.MetricsDataType.values()) - {pb.NO_DATA_TYPE}
    referenced = {ref.id.data for m in msg.job_level_metrics.metrics
                  for _, v in m.metric_values.ListFields() for f, refs in v.ListFields()
                  if f.message_type is not None and f.message_type.name == "MetricsDataId"
                  for ref in (refs if f.is_repeated else [refs])}
    assert "export/orphan" in {d.name for d in msg.metrics_data if d.metrics_data_id.id.data not in referenced}


@pytest.mark.parametrize("job_id", JOB_IDS, ids=str)
def test_our_validator_accepts_resim_written_files(job_id: uuid.UUID) -> None:
    assert [str(v) for v in validate_job_metrics(pb.JobMetrics.FromString(resim_written_bytes(job_id)))] == []


@pytest.mark.parametrize("job_id", JOB_IDS, ids=str)
def test_parse_and_serialize_gives_back_resim_bytes(job_id: uuid.UUID) -> None:
    data = resim_written_bytes(job_id)  # ReSim's default (map order unspecified) serialization
    theirs = resim_pb.JobMetrics.FromString(data).SerializeToString(deterministic=True)
    ours = pb.JobMetrics.FromString(data).SerializeToString(deterministic=True)
    assert ours == theirs
    assert resim_pb.JobMetrics.FromString(ours) == resim_pb.JobMetrics.FromString(data)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=60, check=False)


def test_cli_validates_a_resim_written_file(tmp_path: Path) -> None:
    path = tmp_path / "metrics.binproto"
    path.write_bytes(resim_written_bytes())
    result = _run("validate", str(path))
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{path}: ok\n", "")
    shown = _run("inspect", "--data", str(path))
    assert shown.returncode == 0
    for name in METRIC_NAMES.values():
        assert f"\n{name}  " in shown.stdout


def test_cli_names_each_problem_of_a_corrupted_copy(tmp_path: Path) -> None:
    msg = pb.JobMetrics.FromString(resim_written_bytes())
    by_name = {m.name: m for m in msg.job_level_metrics.metrics}
    by_name["histogram"].metric_values.histogram_metric_values.buckets[1].lower = 0.75
    by_name["text"].metric_values.text_metric_values.text = ""
    next(d for d in msg.metrics_data if d.name == "time").series.timestamps.series.pop()
    msg.events[0].name = ""
    path = tmp_path / "corrupted.binproto"
    path.write_bytes(msg.SerializeToString())
    result = _run("validate", str(path))
    assert result.returncode == 4, result.stderr
    assert result.stderr == ""
    for expected in ["metric 'histogram': bucket 1 starts at 0.75, bucket 0 ends at 0.5 [rule 44 histogram.bucket-gap]",
                     "metric 'text': text is empty [rule 47 text.text]",
                     "data 'speed values': does not match the shape of its index data 'time'",
                     "event #0: name is empty [rule 32 event.name]"]:
        assert f"{path}: {expected}" in result.stdout
    assert result.stdout.splitlines()[-1].startswith(f"{path}: invalid: the platform would reject it (")
