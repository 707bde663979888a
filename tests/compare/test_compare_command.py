"""`metrics-build compare` end to end on real files: exit codes, the table, a JobMetrics that ReSim's
validator accepts with the right statuses, deterministic bytes, the `[compare]` config and errors."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from compare_helpers import write_test
from oracle import assert_resim_accepts, resim_pb

from metrics_build.cli import main

BASE = [10.2, 11.5, 9.8, 12.1, 10.9, 11.3, 10.4, 12.6]
WORSE = [10.9, 11.4, 10.6, 12.9, 11.8, 11.9, 10.3, 13.5]


def _sides(tmp_path, candidate=WORSE):
    for i, (b, c) in enumerate(zip(BASE, candidate, strict=True)):
        # "speed" warns above 12.5, "load" blocks above 12.5; "steps" never changes.
        write_test(tmp_path / "base" / f"t{i}", {"speed": b, "load": b, "steps": 100.0},
                   warn={"speed": 12.5}, block={"load": 12.5})
        write_test(tmp_path / "cand" / f"t{i}", {"speed": c, "load": c, "steps": 100.0},
                   warn={"speed": 12.5}, block={"load": 12.5})
    return str(tmp_path / "base"), str(tmp_path / "cand")


def _by_name(msg):
    return {x.name: x for x in msg.job_level_metrics.metrics}


def test_a_regression_fails_the_gate_and_is_written_with_block_and_warn_statuses(tmp_path, capsys):
    base, cand = _sides(tmp_path)
    out = tmp_path / "out"
    assert main(["-q", "compare", base, cand, "--out", str(out), "--fail-on-regression"]) == 1
    table = capsys.readouterr().out
    rows = [re.split(r"\s{2,}", line) for line in table.splitlines()
            if line.startswith(("REGRESSION", "no significant"))]
    assert [r[:3] for r in rows] == [["REGRESSION (block)", "load", "8"], ["REGRESSION (warn)", "speed", "8"],
                                     ["no significant change", "steps", "8"]]
    assert rows[0][3] == "+0.5625 m"
    # The tests named: the one that flipped to failing, then those that got worse most.
    assert rows[0][-1] == "t3 (+0.8), t4 (+0.9), t7 (+0.9), t2 (+0.8), t0 (+0.7)"
    assert table.rstrip().endswith("2 significant regressions: load, speed")

    msg = assert_resim_accepts(out / "metrics.binproto")
    metrics = _by_name(msg)
    assert metrics["load: mean difference"].status == resim_pb.FAIL_BLOCK_METRIC_STATUS
    assert metrics["speed: mean difference"].status == resim_pb.FAIL_WARN_METRIC_STATUS
    assert metrics["steps: mean difference"].status == resim_pb.PASSED_METRIC_STATUS
    assert msg.job_level_metrics.metrics_status == resim_pb.FAIL_BLOCK_METRIC_STATUS
    assert metrics["load: mean difference"].metric_values.scalar_metric_values.value == pytest.approx(0.5625)
    assert "REGRESSION (block)" in metrics["comparison"].metric_values.text_metric_values.text
    first = (out / "metrics.binproto").read_bytes()
    assert main(["-q", "compare", base, cand, "--out", str(out)]) == 0  # no gate: 0 whatever happened
    assert (out / "metrics.binproto").read_bytes() == first


def test_identical_sides_pass_the_gate(tmp_path, capsys):
    base, _ = _sides(tmp_path)
    out = tmp_path / "out"
    assert main(["-q", "compare", base, base, "--out", str(out), "--fail-on-regression"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("no significant regression")
    msg = assert_resim_accepts(out / "metrics.binproto")
    assert msg.job_level_metrics.metrics_status == resim_pb.PASSED_METRIC_STATUS
    assert {x.status for x in msg.job_level_metrics.metrics} <= {resim_pb.PASSED_METRIC_STATUS,
                                                                 resim_pb.RAW_METRIC_STATUS}


def test_the_compare_section_of_the_config_is_used(tmp_path, capsys):
    base, cand = _sides(tmp_path)
    config = tmp_path / "metrics.toml"
    config.write_text('[compare]\nseverity = "block"\n[compare.metrics.speed]\nbetter = "higher"\n'
                      '[compare.metrics.load]\nmin_difference = 5.0\n')
    assert main(["-q", "compare", base, cand, "--config", str(config), "--fail-on-regression"]) == 0
    table = capsys.readouterr().out
    verdicts = {cells[1]: cells[0] for cells in (re.split(r"\s{2,}", line) for line in table.splitlines())
                if len(cells) > 2}
    assert verdicts["speed"] == "improvement"
    assert verdicts["load"] == "no significant change"
    assert verdicts["steps"] == "no significant change"


@pytest.mark.parametrize(("toml", "message"), [
    ("[compare]\nbogus = 1\n", "compare.bogus: unknown key"),
    ("[compare]\nalpha = 0.7\n", "compare.alpha: Input should be less than 0.5"),
    ('[compare]\ndenominator = "maybe"\n', "compare.denominator: Input should be 'exclude' or 'fail'"),
    ('[compare.metrics.x]\nbetter = "up"\n', "compare.metrics.x.better"),
])
def test_a_bad_compare_section_is_one_line_and_exit_2(tmp_path, capsys, toml, message):
    base, cand = _sides(tmp_path)
    config = tmp_path / "metrics.toml"
    config.write_text(toml)
    assert main(["compare", base, cand, "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err


def test_a_missing_side_is_one_line_and_exit_2(tmp_path, capsys):
    base, _ = _sides(tmp_path)
    assert main(["compare", base, str(tmp_path / "nope")]) == 2
    expected = f"metrics-build: error: candidate {tmp_path / 'nope'}: not a directory of test outputs"
    assert capsys.readouterr().err.strip() == expected


def test_without_scipy_the_command_says_how_to_install_it(tmp_path):
    base, cand = _sides(tmp_path)
    # A None entry in sys.modules makes `import scipy` fail, as on an install without the extra.
    code = ("import sys; sys.modules['scipy'] = None; from metrics_build.cli import main; "
            f"sys.exit(main(['compare', {base!r}, {cand!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == ("metrics-build: error: `compare` needs SciPy: install metrics-build[compare] "
                                   "(pip install 'metrics-build[compare]')")


def test_the_documented_compare_section_is_valid():
    from pathlib import Path

    from metrics_build.config import parse_config_text

    doc = (Path(__file__).resolve().parents[2] / "docs" / "compare.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```toml\n(.*?)```", doc, flags=re.S)
    section = parse_config_text(block, "docs/compare.md").compare
    assert (section.alpha, section.min_pairs, section.denominator, section.exclude) == (0.05, 5, "exclude", ["*time*"])
    rule = section.rule("max speed")
    assert (rule.better, rule.severity, rule.min_difference) == ("lower", "block", 0.2)
