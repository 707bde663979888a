"""The pages in a real browser (headless Chromium over the DevTools pipe): every example's report and a
ReSim-written file of every metric type open without console errors or network requests, draw one chart
per chart metric, and injected markup does not run. Screenshots stay in each test's tmp_path."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from view_helpers import (
    EXAMPLES,
    HOSTILE,
    METRIC_CHART_DIVS,
    METRIC_PLOTS,
    READY,
    hostile_file,
    long_series_file,
    resim_written_dir,
)

from metrics_build.reader import read_job_metrics
from metrics_build.test_mode.run import run_test_mode
from metrics_build.view.browser import Browser, PageReport
from metrics_build.view.charts import is_chart
from metrics_build.view.report import view_files

PROBES = {
    "plots": METRIC_PLOTS,
    "chart_divs": METRIC_CHART_DIVS,
    "drawn": "Number(document.body.dataset.charts)",
    "title": "document.title",
    "images": "Array.from(document.images).map(i => i.naturalWidth)",
    "ms": "Number(document.body.dataset.readyMs)",
}


def _open(browser: Browser, page: Path, screenshot: Path) -> PageReport:
    report = browser.load(page, ready=READY, probes=PROBES, screenshot=screenshot)
    assert report.ready, f"{page} never finished drawing; errors: {report.errors}"
    assert report.errors == []
    assert [u for u in report.requests if not u.startswith(("file:", "data:"))] == []
    assert screenshot.stat().st_size > 10_000
    return report


def _chart_metrics(file: Path) -> int:
    msg = read_job_metrics(file)
    return sum(is_chart(m) for m in msg.job_level_metrics.metrics)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_report_opens_and_draws_a_chart_per_chart_metric(example: Path, browser: Browser,
                                                                        tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_test_mode(inputs=example / "inputs", outputs=out, config_path=example / "metrics.toml",
                         job_id=None) == 0
    page = view_files([out / "metrics.binproto"], tmp_path / "report.html")
    report = _open(browser, page, tmp_path / f"{example.name}.png")
    charts = _chart_metrics(out / "metrics.binproto")
    assert charts > 0
    assert report.values["plots"] == report.values["chart_divs"] == charts
    assert report.values["drawn"] == charts + 1  # and the events timeline


def test_a_resim_written_file_of_every_metric_type_opens_with_its_images(browser: Browser, tmp_path: Path) -> None:
    file = resim_written_dir(tmp_path / "job")
    page = view_files([file], tmp_path / "report.html")
    report = _open(browser, page, tmp_path / "resim.png")
    assert report.values["plots"] == report.values["chart_divs"] == _chart_metrics(file) == 7
    assert report.values["images"] == [64, 48, 48]  # decoded from the embedded files


def test_injected_markup_does_not_run(browser: Browser, tmp_path: Path) -> None:
    file = hostile_file(tmp_path / "metrics.binproto")
    page = view_files([file], tmp_path / "report.html", title="hostile")
    probes = PROBES | {
        "injected_images": "document.querySelectorAll('img[src=\"x\"]').length",
        "scripts": "document.scripts.length",
        "name_shown": f"document.body.innerText.includes({HOSTILE!r})",
        "links": "Array.from(document.links).map(a => a.protocol)",
    }
    report = browser.load(page, ready=READY, probes=probes, screenshot=tmp_path / "hostile.png")
    assert report.ready and report.errors == []
    assert report.values["title"] == "hostile"  # no onerror or injected script renamed the page
    assert report.values["injected_images"] == 0 and report.values["scripts"] == 3
    assert report.values["name_shown"] is True  # the markup is shown as the characters it is
    assert "javascript:" not in report.values["links"]
    assert report.values["plots"] == _chart_metrics(file) == 4


def test_a_million_point_file_opens_thinned(browser: Browser, tmp_path: Path) -> None:
    file = long_series_file(tmp_path / "metrics.binproto", 1_000_000)
    page = view_files([file], tmp_path / "report.html")
    assert page.stat().st_size < 6_000_000
    report = _open(browser, page, tmp_path / "million.png")
    points = browser.load(page, ready=READY, probes={
        "points": "document.querySelector('.metric .js-plotly-plot').data[0].y.length"})
    assert 9_000 <= points.values["points"] <= 10_000
    assert report.values["ms"] < 30_000  # generous: a loaded 2-core machine; docs/view.md has real numbers


def test_local_batch_report_links_work_both_ways(browser: Browser, tmp_path: Path) -> None:
    from metrics_build.local_batch import Settings, local_batch

    tests = tmp_path / "tests"
    for example in EXAMPLES[:2]:
        shutil.copytree(example, tests / example.name)
    out = tmp_path / "out"
    local_batch(Settings(tests_dir=tests, output_dir=out, max_workers=2))
    overview = out / "report.html"
    probes = {"links": "Array.from(document.querySelectorAll('table.tests a')).map(a => a.href)"}
    report = browser.load(overview, ready=READY, probes=probes, screenshot=tmp_path / "overview.png")
    assert report.ready and report.errors == []
    pages = [link for link in report.values["links"] if link.endswith("report.html")]
    assert len(pages) == 2
    for link in pages:
        test_page = browser.load(link, ready=READY, probes={"back": "document.querySelector('a.back').href"})
        assert test_page.ready and test_page.errors == []
        assert Path(re.sub("^file://", "", test_page.values["back"])) == overview.resolve()
