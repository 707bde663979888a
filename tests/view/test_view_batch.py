"""A directory of test outputs as linked pages: counts, a row per test (errors included), links that
resolve both ways, the batch metrics on the overview; local-batch writes it as OUT/report.html."""

from __future__ import annotations

import io
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from view_helpers import EXAMPLES, markup, resim_written_dir

from metrics_build.errors import InputError
from metrics_build.test_mode.run import run_test_mode
from metrics_build.view.batch import render_test_outputs
from metrics_build.view.local import write_local_batch_report


def _links(page: Path) -> list[str]:
    return re.findall(r'<a (?:class="back" )?href="([^"#]+)"', markup(page.read_text(encoding="utf-8")))


def _outputs(root: Path) -> Path:
    tests = root / "tests"
    csv = EXAMPLES[[p.name for p in EXAMPLES].index("csv-table")]
    assert run_test_mode(inputs=csv / "inputs", outputs=tests / "csv table #1", config_path=csv / "metrics.toml",
                         job_id=None) == 0
    resim_written_dir(tests / "resim")
    (tests / "broken").mkdir()
    (tests / "garbage").mkdir()
    (tests / "garbage" / "metrics.binproto").write_bytes(b"\xff\xff not protobuf")
    return tests


def test_overview_counts_every_test_and_links_resolve_both_ways(tmp_path: Path) -> None:
    tests = _outputs(tmp_path)
    batch = resim_written_dir(tmp_path / "batch")
    overview = tmp_path / "site" / "index.html"
    overview.parent.mkdir()
    pages = render_test_outputs(tests, overview, batch_file=batch, errors={"broken": "exit 2: no logs found"},
                                title="my batch")
    assert sorted(pages.tests) == ["csv table #1", "resim"]
    text = overview.read_text(encoding="utf-8")
    counts = dict((label, int(n)) for n, label in re.findall(r'<span class="count \w+"><b>(\d+)</b> (\w+)</span>',
                                                            text.split('<section class="job')[0]))
    assert counts == {"PASSED": 0, "FAIL_WARN": 1, "FAIL_BLOCK": 1, "ERROR": 2}
    assert "exit 2: no logs found" in text and "not a JobMetrics file" in text
    assert "closest approach: 0.0009 m is below 0.5" in text  # why csv-table failed, on the overview
    assert "batch metrics" in text and text.count("plotly.js v") == 1  # the batch's charts
    for link in _links(overview):
        target = (overview.parent / unquote(link)).resolve()
        assert target.is_file(), link
        back = [b for b in _links(target) if b.endswith("index.html")]
        assert back and (target.parent / unquote(back[0])).resolve() == overview.resolve()
    assert len(_links(overview)) == 2


def test_a_failing_test_page_starts_with_why_it_failed(tmp_path: Path) -> None:
    tests = _outputs(tmp_path)
    pages = render_test_outputs(tests, tmp_path / "report.html")
    page = pages.tests["csv table #1"].read_text(encoding="utf-8")
    body = page[page.index("<main>"):]
    why = body.index('<div class="why block">')
    assert why < body.index('<h3 class="group')  # before any metric
    assert "closest approach" in body[why:why + 3000] and "failing events" in body[why:why + 6000]


def test_not_a_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        render_test_outputs(tmp_path / "none", tmp_path / "r.html")


def test_local_batch_writes_the_report_with_its_logs_and_errors(tmp_path: Path) -> None:
    from metrics_build.local_batch import Settings, local_batch

    tests = tmp_path / "tests"
    shutil.copytree(EXAMPLES[0], tests / EXAMPLES[0].name)
    (tests / "empty" / "logs").mkdir(parents=True)  # a test that fails: no readable log
    out = tmp_path / "out"
    assert local_batch(Settings(tests_dir=tests, output_dir=out, max_workers=2), out=io.StringIO()) == 1
    text = (out / "report.html").read_text(encoding="utf-8")
    assert (out / "tests" / EXAMPLES[0].name / "report.html").is_file()
    assert 'href="logs/empty.log"' in text and "ERROR" in text
    assert "batch metrics" in text  # the batch step ran over the one good test


def test_without_the_view_extra_local_batch_only_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "tests").mkdir()
    monkeypatch.setitem(sys.modules, "plotly", None)  # as if the package were not installed
    assert write_local_batch_report(tmp_path, {}) is None
    assert "metrics-build[view]" in caplog.text
    assert not (tmp_path / "report.html").exists()


def test_an_unwritable_report_is_a_warning_for_local_batch(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                                           ) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "report.html").mkdir()  # in the way, for any user
    assert write_local_batch_report(tmp_path, {}) is None
    assert "cannot write" in caplog.text and not list(tmp_path.glob(".report.html.*"))
