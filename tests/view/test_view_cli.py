"""`metrics-build view`: writes the page and prints its path; bad input is one line and exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from view_helpers import resim_written_dir

from metrics_build.cli import main


def test_view_writes_one_page_for_several_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = resim_written_dir(tmp_path / "a"), resim_written_dir(tmp_path / "b")
    out = tmp_path / "r.html"
    assert main(["view", str(a), str(b), "-o", str(out), "--title", "two runs"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    text = out.read_text(encoding="utf-8")
    assert "<title>two runs</title>" in text and text.count('<section class="job') == 2
    assert '<nav class="toc">' in text


@pytest.mark.parametrize(("args", "message"), [
    (["missing.binproto"], "missing.binproto: JobMetrics file not found"),
    (["{dir}"], "is a directory, not a JobMetrics file"),
    (["{file}", "-o", "{dir}"], "is a directory; give the HTML file to write"),
    (["{file}", "-o", "{dir}/no/such/dir/r.html"], "cannot write"),
])
def test_bad_input_is_one_line_and_exit_code_2(args: list[str], message: str, tmp_path: Path) -> None:
    file = resim_written_dir(tmp_path / "job")
    argv = [a.format(dir=tmp_path, file=file) for a in args]
    done = subprocess.run([sys.executable, "-m", "metrics_build", "view", *argv], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and message in done.stderr and "Traceback" not in done.stderr


def test_without_the_view_extra_the_command_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)  # as if the package were not installed
    assert main(["view", str(resim_written_dir(tmp_path)), "-o", str(tmp_path / "r.html")]) == 2
    assert "pip install 'metrics-build[view]'" in capsys.readouterr().err
