"""`validate` and `inspect` as the user runs them: real files, printed output, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from resim_fixtures import resim_written_bytes

from metrics_build.cli import main
from metrics_build.cli.inspect import inspect_file
from metrics_build.cli.validate import validate_files
from metrics_build.errors import EXIT_BAD_INPUT, EXIT_INVALID_METRICS, InputError
from metrics_build.wire import metrics_pb2 as pb


def _write(path: Path, mutate: object = None) -> Path:
    msg = pb.JobMetrics.FromString(resim_written_bytes())
    if callable(mutate):
        mutate(msg)
    path.write_bytes(msg.SerializeToString())
    return path


def _break(msg: pb.JobMetrics) -> None:
    scalar = next(m for m in msg.job_level_metrics.metrics if m.name == "scalar zero")
    scalar.metric_values.scalar_metric_values.value = float("nan")
    scalar.status = pb.NO_METRIC_STATUS
    next(d for d in msg.metrics_data if d.name == "x").data_type = pb.NO_DATA_TYPE


def _extra_only(msg: pb.JobMetrics) -> None:
    msg.events[1].event_id.CopyFrom(msg.events[0].event_id)


def test_valid_files_print_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = _write(tmp_path / "a.binproto"), _write(tmp_path / "b.binproto")
    assert validate_files([a, b]) == 0
    assert capsys.readouterr().out == f"{a}: ok\n{b}: ok\n"


def test_invalid_file_lists_every_violation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "bad.binproto", _break)
    assert validate_files([path]) == EXIT_INVALID_METRICS
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{path}: metric 'scalar zero': status is NO_METRIC_STATUS [rule 18 metric.status]",
        f"{path}: metric 'scalar zero': value is NaN [rule 45 scalar.value-nan]",
        f"{path}: metric 'trajectory': x data 'x' has type NO_DATA_TYPE, needs one of DOUBLE_SERIES, "
        "INDEXED_DOUBLE_SERIES [rule 40 line-plot.value-type]",
        f"{path}: data 'x': data_type is NO_DATA_TYPE [rule 26 data.type]",
        f"{path}: invalid: the platform would reject it (4 problems)",
    ]  # the validator's order: metrics first, then data


def test_extra_only_findings_are_warnings_unless_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "dup.binproto", _extra_only)
    assert validate_files([path]) == 0  # the platform accepts it
    out = capsys.readouterr().out
    assert f"{path}: warning: " in out and "[rule extra:event.duplicate-id]" in out
    assert out.endswith(f"{path}: ok for the platform, with 1 warning from our stricter rules "
                        "(--strict fails on them)\n")
    assert validate_files([path], strict=True) == EXIT_INVALID_METRICS
    out = capsys.readouterr().out
    assert "warning:" not in out and "[rule extra:event.duplicate-id]" in out
    assert "invalid under --strict: 1 finding of our stricter rules (the platform's own validator would accept" in out


def test_platform_problems_fail_with_or_without_strict_and_extras_are_counted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def both(msg: pb.JobMetrics) -> None:
        _break(msg)
        _extra_only(msg)

    path = _write(tmp_path / "both.binproto", both)
    assert validate_files([path]) == EXIT_INVALID_METRICS
    assert validate_files([path], strict=True) == EXIT_INVALID_METRICS
    out = capsys.readouterr().out
    assert "invalid: the platform would reject it (4 problems and 1 finding of our stricter rules)" in out


def test_cli_validate_strict_flag(tmp_path: Path) -> None:
    path = _write(tmp_path / "dup.binproto", _extra_only)
    assert main(["validate", str(path)]) == 0
    assert main(["validate", "--strict", str(path)]) == EXIT_INVALID_METRICS


def test_inspect_says_what_the_platform_would_say(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert inspect_file(_write(tmp_path / "dup.binproto", _extra_only), show_data=False) == 0
    assert capsys.readouterr().out.endswith("valid: yes, the platform accepts it; 1 warning from our stricter "
                                            "rules (`metrics-build validate` lists them)\n")
    assert inspect_file(_write(tmp_path / "bad.binproto", _break), show_data=False) == 0
    assert "valid: no, the platform would reject it: 4 problems" in capsys.readouterr().out


def test_unreadable_file_is_reported_and_others_still_checked(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = _write(tmp_path / "good.binproto"), _write(tmp_path / "bad.binproto", _break)
    missing = tmp_path / "missing.binproto"
    assert validate_files([missing, good, bad]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.err == f"metrics-build: error: {missing}: JobMetrics file not found\n"
    assert f"{good}: ok" in captured.out
    assert f"{bad}: invalid: the platform would reject it (4 problems)" in captured.out


def test_inspect_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "m.binproto")
    assert inspect_file(path, show_data=False) == 0
    out = capsys.readouterr().out
    assert "batchwise" in out and "BATCHWISE_BAR_CHART" in out
    assert "Data:" not in out
    assert out.endswith("valid: yes, the platform accepts it\n")


def test_inspect_missing_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="JobMetrics file not found"):
        inspect_file(tmp_path / "nope", show_data=True)


def test_cli_exit_codes_without_tracebacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = _write(tmp_path / "good.binproto"), _write(tmp_path / "bad.binproto", _break)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not protobuf at all")
    assert main(["validate", str(good)]) == 0
    assert main(["validate", str(bad)]) == EXIT_INVALID_METRICS
    assert main(["inspect", "--data", str(good)]) == 0
    assert main(["inspect", str(junk)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err == f"metrics-build: error: {junk}: not a JobMetrics file (the bytes are not valid protobuf)\n"
    assert "Traceback" not in err
