"""The page as HTML, without a browser: every metric type gets its body, user text stays text, the CSP
allows exactly the inline scripts, output is deterministic, long series are thinned, images stay inside."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path

import pytest
from markupsafe import escape
from resim_fixtures import METRIC_NAMES
from view_helpers import BREAKOUT, HOSTILE, hostile_file, long_series_file, markup, png, resim_written_dir

from metrics_build.errors import InputError
from metrics_build.reader import read_job_metrics
from metrics_build.view.charts import CHART_TYPES
from metrics_build.view.decimate import MAX_POINTS
from metrics_build.view.page import Figures, build_section
from metrics_build.view.report import render_files
from metrics_build.wire import metrics_pb2 as pb

SCRIPT = re.compile(r"<script([^>]*)>(.*?)</script>", re.DOTALL)


def _figures(page: str) -> dict[str, dict[str, object]]:
    blocks = [body for attrs, body in SCRIPT.findall(page) if 'type="application/json"' in attrs]
    assert len(blocks) == 1
    figures: dict[str, dict[str, object]] = json.loads(blocks[0])
    return figures


def _card(page: str, name: str) -> str:
    """The HTML of the metric card whose title is `name`."""
    for article in re.findall(r"<article class=\"metric.*?</article>", page, re.DOTALL):
        if f"<h3>{escape(name)}</h3>" in article:
            return str(article)
    raise AssertionError(f"no card for {name!r}")


def test_every_resim_metric_type_is_drawn_with_its_own_body(tmp_path: Path) -> None:
    page = render_files([resim_written_dir(tmp_path)])
    figures = _figures(page)
    for type_name, name in METRIC_NAMES.items():
        card = _card(page, name)
        assert f'data-type="{type_name.removesuffix("_METRIC_TYPE")}"' in card
        if pb.MetricType.Value(type_name) in CHART_TYPES:
            chart_id = re.search(r'class="chart[^"]*" id="(chart-\d+)"', card)
            assert chart_id and figures[chart_id.group(1)]["data"], name
        else:
            assert 'class="chart' not in card, name
    assert "0</span> <span class=\"unit\">m</span>" in _card(page, "scalar zero")  # value and unit
    assert "fails above 1, fails below -1" in _card(page, "scalar zero")
    assert "at 3.5 s" in _card(page, "summary") and ">3</span>" in _card(page, "summary")
    assert "<h1>Report</h1>" in _card(page, "text") and "<em>good</em>" in _card(page, "text")
    assert _card(page, "image").count('src="data:image/png;base64,') == 1
    assert _card(page, "image list").count('src="data:image/png;base64,') == 2
    # Events link to their metrics and back; the timeline is one more chart.
    assert len(figures) == len([t for t in METRIC_NAMES if pb.MetricType.Value(t) in CHART_TYPES]) + 1
    assert "hard brake" in page and "decel &gt; 3 m/s^2" in page


def test_chart_figures_carry_the_data_thresholds_and_statuses(tmp_path: Path) -> None:
    figures = _figures(render_files([resim_written_dir(tmp_path)]))
    by_first_trace = {json.dumps(f["data"][0].get("name", ""))[1:-1]: f for f in figures.values() if f["data"]}
    speed = by_first_trace["speed"]
    assert speed["data"][0]["y"] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    assert speed["data"][0]["x"][:3] == [0.0, 1.5, 2.0]  # relative times in seconds
    assert speed["layout"]["shapes"][0]["y0"] == 30.0  # fails_above drawn
    states = next(f for f in figures.values() if f["data"] and f["data"][0].get("orientation") == "h")
    rows = {t["name"] for t in states["data"]}
    assert rows == {"park", "drive", "reverse"}
    stored = next(f for f in figures.values() if f["data"] and f["data"][0].get("x") == ["a", "b"])
    assert stored["layout"]["title"] == {"text": "t"}  # the string title in the form plotly.js 3 draws


def test_failing_metrics_come_first_and_say_why(tmp_path: Path) -> None:
    page = render_files([resim_written_dir(tmp_path)])
    groups = re.findall(r'<h3 class="group (\w+)">', page)
    assert groups[:2] == ["warn", "passed"]
    why = page[page.index('<div class="why'):page.index("</div>", page.index('<div class="why'))]
    assert "histogram" in why and "hard brake" in why


def test_untrusted_text_is_escaped_everywhere(tmp_path: Path) -> None:
    page = render_files([hostile_file(tmp_path / "metrics.binproto")])
    shown, breakout = str(escape(HOSTILE)), str(escape(BREAKOUT))
    assert "<img src=x" not in page and "onerror=\"document" not in page
    card = _card(page, HOSTILE)
    assert f"<h3>{shown}</h3>" in card  # the name
    assert f'<p class="description">{shown}</p>' in card
    assert f'<span class="unit">{breakout}</span>' in card
    assert f'<span class="tag">{shown}: {breakout}</span>' in card
    assert f"<b>{shown}</b>" in page  # the event's name
    assert f'<div class="description">{breakout}</div>' in page  # the event's description
    # Only the page's own script elements exist: plotly.js, the figures (JSON) and the page script.
    assert page.count("<script") == 3 and page.count("</script>") == 3
    # A stored figure holding "</script>..." comes back out of the page's JSON exactly as stored.
    titles = [f["layout"].get("title") for f in _figures(page).values()]  # type: ignore[attr-defined]
    assert {"text": BREAKOUT} in titles
    text_card = _card(page, f"text {BREAKOUT}")
    assert "&lt;img src=x onerror=" in text_card  # raw HTML in Markdown is shown as text
    assert "javascript:" in text_card and 'href="javascript:' not in text_card  # that link is refused
    assert "<img" not in text_card  # a Markdown image would load from elsewhere: it stays a link


def test_plotly_labels_are_escaped_for_plotly(tmp_path: Path) -> None:
    figures = _figures(render_files([hostile_file(tmp_path / "metrics.binproto")]))
    names = [t.get("name", "") for f in figures.values() for t in f["data"]]
    assert "&lt;img src=x onerror=\"document.title='pwned'\"&gt;" in names
    assert not any("<img" in str(n) for n in names)


def test_the_csp_allows_exactly_the_inline_scripts(tmp_path: Path) -> None:
    page = render_files([resim_written_dir(tmp_path)])
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert csp
    policy = dict(part.strip().split(" ", 1) for part in html.unescape(csp.group(1)).split(";"))
    assert policy["default-src"] == "'none'" and policy["img-src"] == "data:"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
    executed = [body for attrs, body in SCRIPT.findall(page) if "application/json" not in attrs]
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'" for b in executed}
    assert set(policy["script-src"].split()) == hashes and len(hashes) == 2
    assert "https://" not in policy["script-src"] and "http:" not in page.split("<script")[0]


def test_plotly_js_is_inlined_once_and_only_when_there_are_charts(tmp_path: Path) -> None:
    page = render_files([resim_written_dir(tmp_path / "a"), resim_written_dir(tmp_path / "b")])
    assert page.count("plotly.js v") == 1
    assert "<section class=\"job" in page and page.count('<section class="job') == 2
    text_only = tmp_path / "text" / "metrics.binproto"
    msg = read_job_metrics(resim_written_dir(tmp_path / "text"))
    keep = [m for m in msg.job_level_metrics.metrics if m.type == pb.SCALAR_METRIC_TYPE]
    del msg.job_level_metrics.metrics[:]
    msg.job_level_metrics.metrics.extend(keep)
    del msg.events[:]
    text_only.write_bytes(msg.SerializeToString())
    assert "plotly.js v" not in render_files([text_only])


def test_output_is_deterministic(tmp_path: Path) -> None:
    file = resim_written_dir(tmp_path)
    assert render_files([file]) == render_files([file])


def test_a_million_points_are_thinned_per_trace_keeping_the_spikes(tmp_path: Path) -> None:
    n = 1_000_000
    page = render_files([long_series_file(tmp_path / "metrics.binproto", n)])
    figures = _figures(page)
    line = next(iter(figures.values()))["data"][0]
    assert len(line["x"]) == len(line["y"]) <= MAX_POINTS
    assert max(line["y"]) == 50.0 and min(line["y"]) == -50.0
    assert len(page.encode()) < 6_000_000  # plotly.js (4.8 MB) plus the thinned data
    assert f"{n:,} points drawn as" in page


def test_images_are_read_only_from_inside_the_metrics_directory(tmp_path: Path) -> None:
    root = tmp_path / "job"
    file = resim_written_dir(root)
    (tmp_path / "secret.png").write_bytes(png(4, 4, (1, 2, 3)))
    msg = read_job_metrics(file)
    paths = {"image file": "../secret.png", "frame 0": str(tmp_path / "secret.png"), "frame 1": "frames/0.png"}
    for data in msg.metrics_data:
        if data.name in paths:
            data.external_file.path = paths[data.name]
    (root / "frames" / "0.png").unlink()
    (root / "frames" / "0.png").symlink_to(tmp_path / "secret.png")
    file.write_bytes(msg.SerializeToString())
    page = markup(render_files([file]))
    assert 'src="data:image' not in page
    assert "outside the metrics file&#39;s directory" in page or "outside the metrics file's directory" in page
    assert "not a path relative to the metrics file" in page


def test_files_that_are_not_images_are_not_embedded(tmp_path: Path) -> None:
    file = resim_written_dir(tmp_path)
    (tmp_path / "plot.png").write_text("<script>alert(1)</script>")
    assert "not a PNG, JPEG, GIF, WebP or SVG image" in _card(render_files([file]), "image")


def test_sections_build_from_a_message_without_a_file() -> None:
    msg = pb.JobMetrics()
    msg.job_level_metrics.metrics.add(name="lonely", type=pb.IMAGE_METRIC_TYPE, status=pb.PASSED_METRIC_STATUS)
    section = build_section(msg, title="in memory", prefix="x", figures=Figures(), base=None)
    card = section.groups[0].cards[0]
    assert card.notes and section.problems > 0


def test_a_missing_or_foreign_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="JobMetrics file not found"):
        render_files([tmp_path / "nope.binproto"])
    (tmp_path / "x.binproto").write_text("not protobuf at all \xff")
    with pytest.raises(InputError, match="not a JobMetrics file"):
        render_files([tmp_path / "x.binproto"])


def _states_file(path: Path, states: list[str], failure: list[str]) -> Path:
    import uuid

    import numpy as np

    from metrics_build import model as m
    from metrics_build.writer import JobMetricsWriter

    w = JobMetricsWriter(uuid.uuid5(uuid.NAMESPACE_URL, "states"))
    t = m.timestamps("t", np.arange(len(states)) * 10_000_000)  # 10 ms apart, relative
    w.add_metric(m.StatesOverTimeMetric(name="mode", states=[m.strings("mode", np.array(states), index=t)],
                                        states_set=sorted(set(states)), failure_states=failure,
                                        status=m.Status.FAIL_WARN if failure else m.Status.PASSED))
    w.write(path)
    return path


def test_states_become_stretches_from_sample_to_sample(tmp_path: Path) -> None:
    file = _states_file(tmp_path / "metrics.binproto", ["idle", "idle", "run", "run", "run", "idle"], [])
    (figure,) = _figures(render_files([file])).values()
    bars = {t["name"]: (t["base"], t["x"]) for t in figure["data"]}  # type: ignore[index]
    assert bars["idle"] == ([0.0, 0.05], [0.02, 0.0])  # 0-20 ms, then the last sample
    assert bars["run"] == ([0.02], [0.03])


def test_many_stretches_are_sliced_without_losing_a_rare_failure_state(tmp_path: Path) -> None:
    states = ["a", "b"] * 15_000
    states[12_345] = "fault"
    file = _states_file(tmp_path / "metrics.binproto", states, ["fault"])
    page = render_files([file])
    (figure,) = _figures(page).values()
    bars = {t["name"]: t for t in figure["data"]}  # type: ignore[index]
    assert len(bars["fault"]["base"]) == 1 and bars["fault"]["marker"]["color"] == "#c62828"
    assert abs(bars["fault"]["base"][0] - 123.45) < 0.2  # the slice holding sample 12,345 (t = 123.45 s)
    assert all(len(t["base"]) <= MAX_POINTS // 2 for t in bars.values())
    assert "30,000 samples drawn on 5,000 time slices" in page
    assert "failure states entered: fault (1 sample)" in page
