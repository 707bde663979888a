"""ReSim's own report build (`resim.metrics.default_report_metrics`, test-only) runs against the emulator
serving a history, and what it computes matches the history; its output passes ReSim's validator.

ReSim 1.6.0's report build reads `.type` on the generated `JobMetric` and `BatchMetric` models, whose
attribute is `type_`, so as shipped it crashes on any report that has metrics (a bug of ReSim's, not
of the API's answers). The `resim_type_alias` fixture adds, for the test only, a property `type`
returning `type_` to those two classes, and removes it afterwards.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from history_fixtures import CONFLATED, build_history, report_batches
from oracle import assert_resim_accepts, resim_pb
from resim.metrics import default_report_metrics

from metrics_build.emulator import Emulator


def _figure(msg: resim_pb.JobMetrics, name: str) -> dict[str, Any]:
    metric = next(m for m in msg.job_level_metrics.metrics if m.name == name)
    figure: dict[str, Any] = json_format.MessageToDict(metric.metric_values.plotly_metric_values.json)
    return figure


def _series(msg: resim_pb.JobMetrics, name: str) -> list[Any]:
    data = next(d for d in msg.metrics_data if d.name == name)
    kind = data.series.WhichOneof("series")
    values = getattr(data.series, kind).series
    return [v.data for v in values] if kind == "uuids" else list(values)


def test_resims_report_build_over_a_history(tmp_path: Path, resim_type_alias: None) -> None:
    history = build_history(tmp_path)
    out = tmp_path / "outputs" / "metrics.binproto"
    out.parent.mkdir()
    with Emulator(history=history) as emu:
        config = json.loads(emu.write_report_config(tmp_path / "inputs" / "report_config.json").read_text())
        run = default_report_metrics.fetch_and_compute_metrics(
            token=config["authToken"], api_url=config["apiURL"], project_id=uuid.UUID(config["projectID"]),
            report_id=uuid.UUID(config["reportID"]), output_path=str(out))
        asyncio.run(asyncio.wait_for(run, timeout=120))
        batch_ids = emu.batch_names
        requests = emu.requests
    assert sorted(r.status for r in requests if r.status != 200) == []
    called = {r.path.split("/")[-1] if "/reports/" not in r.path else "report" for r in requests}
    assert {"report", "batches", "jobs", "metrics", "experienceTags"} <= called

    msg = assert_resim_accepts(out)
    names = [m.name for m in msg.job_level_metrics.metrics]
    assert names[:5] == ["test_status_over_time", "high_level_totals", "experience_status_counts",
                         "job_metric_status_counts", "batch_metric_status_counts"]
    assert {"max speed_distribution", "collisions_distribution", "pass rate_over_time"} <= set(names)

    batches = report_batches()
    job_statuses = [CONFLATED[o] for b in batches for o in b.outcomes.values()]
    totals = dict(zip(*_figure(msg, "high_level_totals")["data"][0]["cells"]["values"], strict=True))
    assert totals == {"Number of batches": len(batches), "Number of tests": len(job_statuses),
                      "Number of error batches": 0, "Number of fail block batches": 1,
                      "Number of fail warn batches": 1, "Number of passed batches": 1}

    # Tests per status in each batch, as ReSim charts them (RUNNING is not one of its categories).
    order = [uuid.UUID(x) for x in _series(msg, "batch_ids")]
    for status in ("PASSED", "WARNING", "BLOCKER", "ERROR", "CANCELLED"):
        charted = dict(zip(order, _series(msg, f"Status Counts: {status}"), strict=True))
        expected = {uuid.UUID(batch_ids[b.key]): float(Counter(CONFLATED[o] for o in b.outcomes.values())[status])
                    for b in batches}
        assert charted == expected, status

    table = _figure(msg, "experience_status_counts")["data"][0]
    header, columns = table["header"]["values"], table["cells"]["values"]
    charted_rows = {name: {status: columns[k][row] for k, status in enumerate(header) if k}
                    for row, name in enumerate(columns[0])}
    per_experience: dict[str, Counter[str]] = {}
    for b in batches:
        for test, outcome in b.outcomes.items():
            per_experience.setdefault(test, Counter())[CONFLATED[outcome]] += 1
    assert charted_rows == {test: {s: float(counts[s]) for s in header[1:]} for test, counts in per_experience.items()}
