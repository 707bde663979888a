"""The test-only oracle itself: it accepts ReSim-written files and fails on what ReSim rejects."""

from __future__ import annotations

from pathlib import Path

import pytest
from oracle import assert_resim_accepts, resim_pb, resim_rejects
from resim_fixtures import METRIC_NAMES, resim_written_bytes, resim_written_job_metrics


def test_accepts_a_resim_written_file_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "metrics.binproto"
    path.write_bytes(resim_written_bytes())
    msg = assert_resim_accepts(path)
    types = {resim_pb.MetricType.Name(m.type) for m in msg.job_level_metrics.metrics}
    assert types == set(METRIC_NAMES)
    assert not resim_rejects(path)


def test_fails_on_a_file_resim_rejects() -> None:
    msg = resim_written_job_metrics()
    msg.metrics_status = resim_pb.NO_METRIC_STATUS
    assert resim_rejects(msg)
    with pytest.raises(AssertionError, match="validate_job_metrics rejected"):
        assert_resim_accepts(msg)


def test_fails_on_fields_resim_does_not_know() -> None:
    # Field 99 (varint) appended to a valid file: parses, but is not part of ReSim's schema.
    data = resim_written_bytes() + bytes([0x98, 0x06, 0x01])
    with pytest.raises(AssertionError, match="fields ReSim's schema does not know"):
        assert_resim_accepts(data)


def test_fails_when_unpack_metrics_fails() -> None:
    # Valid for the validator, but ReSim's unpacker needs every name in a job to be distinct.
    msg = resim_written_job_metrics()
    msg.metrics_data[0].name = msg.job_level_metrics.metrics[0].name
    assert not resim_rejects(msg)
    with pytest.raises(AssertionError):
        assert_resim_accepts(msg)
