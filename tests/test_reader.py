"""Reading JobMetrics files from a real filesystem: good files, and one clear line for each bad one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from oracle import resim_pb
from resim_fixtures import resim_written_bytes, resim_written_job_metrics

from metrics_build.errors import EXIT_BAD_INPUT, InputError
from metrics_build.reader import parse_job_metrics, read_job_metrics
from metrics_build.wire import metrics_pb2 as pb


def test_reads_a_resim_written_file(tmp_path: Path) -> None:
    path = tmp_path / "metrics.binproto"
    path.write_bytes(resim_written_bytes())
    msg = read_job_metrics(path)
    assert isinstance(msg, pb.JobMetrics)
    assert msg.SerializeToString(deterministic=True) == \
        resim_pb.JobMetrics.FromString(path.read_bytes()).SerializeToString(deterministic=True)
    assert len(msg.job_level_metrics.metrics) == 14


def _error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        read_job_metrics(path)
    assert info.value.exit_code == EXIT_BAD_INPUT
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"{path}: ")
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    assert str(_error(tmp_path / "nope.binproto")).endswith(": JobMetrics file not found")


def test_directory(tmp_path: Path) -> None:
    assert "is a directory" in str(_error(tmp_path))


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.binproto"
    path.write_bytes(b"")
    assert "empty file" in str(_error(path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.binproto"
    path.write_bytes(resim_written_bytes())
    path.chmod(0)
    assert str(_error(path)).endswith("permission denied")


@pytest.mark.parametrize(("content", "expected"), [
    (b"hello world, not protobuf", "not valid protobuf"),
    (b'{"metrics": []}', "not valid protobuf"),
    # A PNG signature happens to parse as protobuf, but only into fields JobMetrics does not have.
    (b"\x89PNG\r\n\x1a\n\x00\x00", "fields the JobMetrics schema does not define"),
])
def test_not_a_job_metrics_file(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "other.bin"
    path.write_bytes(content)
    error = str(_error(path))
    assert "not a JobMetrics file" in error
    assert expected in error


def test_a_single_metric_message_is_not_a_job_metrics_file() -> None:
    metric = resim_written_job_metrics().job_level_metrics.metrics[0]
    with pytest.raises(InputError, match=r"^scalar\.pb: not a JobMetrics file"):
        parse_job_metrics(metric.SerializeToString(), "scalar.pb")


def test_parse_names_the_source_and_keeps_valid_bytes() -> None:
    data = resim_written_bytes()
    assert parse_job_metrics(data, "x").SerializeToString(deterministic=True) == \
        pb.JobMetrics.FromString(data).SerializeToString(deterministic=True)
    with pytest.raises(InputError, match=r"^download of job 7: empty file"):
        parse_job_metrics(b"", "download of job 7")
