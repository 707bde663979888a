"""The inspect table: every metric type summarised, display order, events, data, odd content."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from resim_fixtures import resim_written_bytes

from metrics_build.inspect import render
from metrics_build.wire import metrics_pb2 as pb


def _golden() -> pb.JobMetrics:
    return pb.JobMetrics.FromString(resim_written_bytes())


def _row(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(name + "  "))


def test_every_metric_has_a_row_with_type_status_and_summary() -> None:
    text = render(_golden(), show_data=False)
    expected = {
        "scalar zero": ("SCALAR", "PASSED", "HIGH", "0 m"),
        "text": ("TEXT", "PASSED", "HIGH", "# Report"),
        "plotly": ("PLOTLY", "PASSED", "HIGH", "plotly figure: t"),
        "image": ("IMAGE", "PASSED", "HIGH", "plot.png", "1 file"),
        "image list": ("IMAGE_LIST", "2 images", "2 files"),
        "speed": ("DOUBLE_OVER_TIME", "'speed values': 8 pts, 0 … 7", "2 data, 16 pts"),
        "summary": ("DOUBLE_SUMMARY", "3 @ 3.5 s"),
        "gear states": ("STATES_OVER_TIME", "states: "),
        "trajectory": ("LINE_PLOT", "1 line(s); y 'y': 5 pts, 0 … 0.5", "3 data, 15 pts"),
        "histogram": ("HISTOGRAM", "FAIL_WARN", "2 buckets over [0, 1]"),
        "bars": ("BAR_CHART", "1 bar series"),
        "batchwise": ("BATCHWISE_BAR_CHART", "categories: PASSED, BLOCKER", "6 data, 18 pts"),
        "event value (event metric)": ("SCALAR", "2.5", "hard brake"),
    }
    for name, cells in expected.items():
        row = _row(text, name)
        for cell in cells:
            assert cell in row, (name, cell, row)
    assert text.startswith("job 6c1e0b52-3f3a-4d0e-9a43-2f0d1c3b5a71  status FAIL_WARN  14 metrics, 24 data, 2 events")
    assert text.endswith("valid: yes, the platform accepts it\n")


def test_events_and_data_sections() -> None:
    without = render(_golden(), show_data=False)
    text = render(_golden(), show_data=True)
    assert "Data:" not in without and "Data:" in text
    assert "4.00000025 s (absolute)" in _row(text, "hard brake")
    assert "brake, safety" in _row(text, "hard brake")
    assert "INDEXED_DOUBLE_SERIES" in _row(text, "speed values") and "'time'" in _row(text, "speed values")
    assert "2 categories, 8 pts" in _row(text, "speed values-grouped-by-lane")
    assert "frames/0.png" in _row(text, "frame 0")


def test_rows_follow_the_platform_display_order() -> None:
    msg = _golden()
    metrics = msg.job_level_metrics.metrics
    for m in metrics:
        m.ClearField("order")
    metrics[5].order = 2.0  # speed
    metrics[0].order = -1.0  # scalar zero
    lines = render(msg, show_data=False).splitlines()
    names = [line.split("  ")[0] for line in lines[4:4 + len(metrics)]]
    assert names[:2] == ["scalar zero", "speed"]
    assert names[2:] == sorted(names[2:])  # unset orders last, by name


def test_double_summary_by_string_uuid_and_position() -> None:
    msg = pb.JobMetrics()
    labels = msg.metrics_data.add(name="labels", data_type=pb.STRING_SERIES_DATA_TYPE)
    labels.metrics_data_id.id.data = str(uuid.UUID(int=1))
    labels.series.strings.series.extend(["a", "b"])
    ids = msg.metrics_data.add(name="ids", data_type=pb.UUID_SERIES_DATA_TYPE)
    ids.metrics_data_id.id.data = str(uuid.UUID(int=2))
    ids.series.uuids.series.add(data="u1")
    ids.series.uuids.series.add(data="u2")
    for n, index in ((3, labels), (4, ids)):
        values = msg.metrics_data.add(name=f"v{n}", data_type=pb.INDEXED_DOUBLE_SERIES_DATA_TYPE, is_indexed=True)
        values.metrics_data_id.id.data = str(uuid.UUID(int=n))
        values.index_data_id.CopyFrom(index.metrics_data_id)
        values.series.doubles.series.extend([10.0 * n, 20.0 * n])
    cases = [("by label", 3, "string_index", "b", "60 @ 'b'"), ("by id", 4, "uuid_index", "u1", "40 @ u1"),
             ("by position", 3, "series_index", 0, "30 @ #0"), ("past the end", 3, "series_index", 5, "(not found)")]
    for name, n, field, key, _ in cases:
        metric = msg.job_level_metrics.metrics.add(name=name, type=pb.DOUBLE_SUMMARY_METRIC_TYPE)
        summary = metric.metric_values.double_metric_values
        summary.value_data_id.id.data = str(uuid.UUID(int=n))
        if field == "uuid_index":
            summary.uuid_index.data = key  # type: ignore[assignment]
        else:
            setattr(summary, field, key)
    text = render(msg, show_data=False)
    for name, *_, expected in cases:
        assert expected in _row(text, name)


def test_odd_content_is_escaped_truncated_and_never_crashes() -> None:
    msg = pb.JobMetrics()
    metric = msg.job_level_metrics.metrics.add(name="two\nlines\x1b", type=42, status=9)
    metric.metric_values.text_metric_values.text = "x" * 200
    msg.job_level_metrics.metrics.add(name="no values")
    text = render(msg, show_data=True)
    row = _row(text, "two\\nlines\\x1b")
    assert "42" in row and "9" in row
    assert "x" * 47 + "…" in row and "x" * 48 not in row
    assert "(no values)" in _row(text, "no values")
    assert "job (none)  status -" in text
    assert "valid: no, the platform would reject it" in text
    assert text.rstrip().endswith("`metrics-build validate` lists them)")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_render_never_raises_on_corrupted_files(data: st.DataObject) -> None:
    raw = bytearray(resim_written_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        msg = pb.JobMetrics.FromString(bytes(raw))
    except Exception:  # not parseable: the reader reports it before rendering
        return
    assert render(msg, show_data=True).endswith("\n")
