"""The command line: help on every command, version, argument errors, and the error → exit code mapping."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from metrics_build.cli import build_parser

COMMANDS = ["run", "validate", "inspect", "config", "emulate", "local-batch"]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "metrics_build", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, check=False)


def test_top_level_help_lists_every_command_and_the_exit_codes() -> None:
    result = cli("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout
    for code in range(6):
        assert f"\n  {code}  " in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = cli(command, "--help")
    assert result.returncode == 0, result.stderr
    assert f"usage: metrics-build {command}" in result.stdout
    assert "exit codes:" in result.stdout


def test_version() -> None:
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("metrics-build ")


def test_unknown_command_and_bad_arguments_exit_2_without_traceback() -> None:
    for args in (["frobnicate"], ["run", "--max-workers", "0"], ["run", "--job-id", "nope"], ["validate"]):
        result = cli(*args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr


def test_validate_of_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    result = cli("validate", str(tmp_path / "nope.binproto"))
    assert result.returncode == 2
    assert "nope.binproto" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bare_command_means_run_on_the_platform_paths() -> None:
    ns = build_parser().parse_args(["run"])
    assert ns.inputs == Path("/tmp/resim/inputs")
    assert ns.outputs == Path("/tmp/resim/outputs")
    assert ns.config is None
