"""Examples → test mode → the API emulator → batch fetch → aggregations → ReSim's validator, with every
aggregated value recomputed with NumPy from the test-mode files (parsed with ReSim's own classes)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from aggregation_fixtures import Batch, compute
from oracle import assert_resim_accepts, resim_pb, resim_unpack

from metrics_build import model as m
from metrics_build.batch.cache import FetchCache
from metrics_build.batch.compute import BatchOutput, write_batch_output
from metrics_build.batch.defaults import (
    PASS_RATE_METRIC,
    STATUS_COUNTS_METRIC,
    SUMMARY_METRIC,
    histogram_name,
    stat_name,
)
from metrics_build.batch.fetch import open_batch
from metrics_build.batch.run import batch_job_id
from metrics_build.config import BatchSection, load_config
from metrics_build.emulator import Emulator
from metrics_build.http import ApiClient, parse_batch_settings
from metrics_build.test_mode.run import run_test_mode

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
JOB = uuid.UUID("0c9a4f43-7d1e-4d7e-a3c1-52f6b1f0d0aa")

# Two extra tests reuse example logs with a threshold on speed, so the batch has warnings and blockers.
THRESHOLD_CONFIG = """
[[metrics]]
kind = "scalar"
name = "max speed"
channel = "speed"
reduce = "max"
fails_above = 0.0
severity = "{severity}"
"""


@dataclass
class Reference:
    """What the test-mode files hold, read with ReSim's classes: the NumPy side of every check."""

    scalars: dict[str, list[float]]          # SCALAR name → value in each test that has it
    exports: dict[str, list[np.ndarray]]     # numeric channel → its exported series, one per test
    statuses: dict[str, str]                 # test → conflated status
    lengths: dict[str, dict[str, int]]       # test → channel → exported series length
    metric_status: dict[str, dict[str, int]]  # test → metric name → status (first of that name)


def _run_examples(jobs: Path) -> None:
    names = sorted(p.name for p in EXAMPLES.iterdir() if (p / "inputs" / "logs").is_dir())
    assert len(names) >= 6, names
    for name in names:
        # Each example with the built-in default config (stable metric names for the declared checks),
        # and again with the example's own config when it has one.
        run_test_mode(inputs=EXAMPLES / name / "inputs", outputs=jobs / name, config_path=None, job_id=None)
        config = EXAMPLES / name / "metrics.toml"
        if config.is_file():
            run_test_mode(inputs=EXAMPLES / name / "inputs", outputs=jobs / f"{name} (configured)",
                          config_path=config, job_id=None)
    for name, source, severity in (("strict csv", "csv-table", "block"), ("warned samples", "json-samples", "warn")):
        config = jobs.parent / f"{severity}.toml"
        config.write_text(THRESHOLD_CONFIG.format(severity=severity))
        run_test_mode(inputs=EXAMPLES / source / "inputs", outputs=jobs / name, config_path=config, job_id=None)
    for name, status in (("crashed", "ERROR"), ("stopped", "CANCELLED")):
        (jobs / name).mkdir()
        (jobs / name / "job.json").write_text(json.dumps({"conflatedStatus": status, "jobStatus": status,
                                                          "jobMetricsStatus": "NO_STATUS_REPORTED"}))


def _reference(jobs: Path) -> Reference:
    ref = Reference({}, {}, {}, {}, {})
    conflated = {resim_pb.FAIL_BLOCK_METRIC_STATUS: "BLOCKER", resim_pb.FAIL_WARN_METRIC_STATUS: "WARNING"}
    for test_dir in sorted(jobs.iterdir()):
        path = test_dir / "metrics.binproto"
        if not path.is_file():
            ref.statuses[test_dir.name] = json.loads((test_dir / "job.json").read_text())["conflatedStatus"]
            continue
        msg = assert_resim_accepts(path)
        ref.statuses[test_dir.name] = conflated.get(msg.metrics_status, "PASSED")
        ref.metric_status[test_dir.name] = {}
        for metric in sorted(msg.job_level_metrics.metrics, key=lambda x: (x.name, x.metric_id.id.data)):
            ref.metric_status[test_dir.name].setdefault(metric.name, metric.status)
        for metric in msg.job_level_metrics.metrics:
            if metric.type == resim_pb.SCALAR_METRIC_TYPE and not metric.event_metric:
                ref.scalars.setdefault(metric.name, []).append(metric.metric_values.scalar_metric_values.value)
        ref.lengths[test_dir.name] = {}
        for data in msg.metrics_data:
            if not data.name.startswith("export/"):
                continue
            channel = data.name.removeprefix("export/")
            if data.data_type == resim_pb.DOUBLE_SERIES_DATA_TYPE:
                values = np.asarray(data.series.doubles.series, dtype=np.float64)
                ref.exports.setdefault(channel, []).append(values)
                ref.lengths[test_dir.name][channel] = values.size
            else:
                ref.lengths[test_dir.name][channel] = len(data.series.strings.series)
    return ref


def _fetch_all(client: ApiClient, emu: Emulator, tmp: Path) -> Batch:
    with FetchCache.open(None, batch_id=emu.batch_id, outputs=tmp) as cache:
        stream = open_batch(client, cache, batch_id=emu.batch_id, project_id=emu.project_id)
        return Batch(list(stream), project_id=stream.project_id, batch_id=stream.batch_id)


@dataclass
class Served:
    batch: Batch
    ref: Reference
    emulator: Emulator


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("e2e")
    jobs = root / "jobs"
    _run_examples(jobs)
    with Emulator(jobs, max_page_size=3) as emu:
        settings = parse_batch_settings(emu.config())
        with ApiClient(settings) as client:
            batch = _fetch_all(client, emu, root)
        yield Served(batch, _reference(jobs), emu)


def _write(out: BatchOutput, path: Path) -> resim_pb.JobMetrics:
    write_batch_output(out, path, job_id=JOB)
    msg = assert_resim_accepts(path)
    resim_unpack(msg)
    return msg


def _scalars(msg: resim_pb.JobMetrics) -> dict[str, float]:
    return {x.name: x.metric_values.scalar_metric_values.value for x in msg.job_level_metrics.metrics
            if x.type == resim_pb.SCALAR_METRIC_TYPE}


def test_per_statistic_defaults_pass_resims_validator_and_match_numpy(served: Served, tmp_path: Path) -> None:
    out = compute(served.batch, BatchSection(default_layout="per_statistic"), config_dir=None)
    msg = _write(out, tmp_path / "metrics.binproto")
    got = _scalars(msg)
    ref = served.ref
    assert ref.scalars, "the examples produced no scalar metrics"
    for name, values in ref.scalars.items():
        arr = np.asarray(values)
        assert got[stat_name(name, "mean")] == pytest.approx(float(arr.mean()), rel=1e-12, abs=1e-12)
        assert got[stat_name(name, "min")] == float(arr.min())
        assert got[stat_name(name, "max")] == float(arr.max())
        assert got[stat_name(name, "p50")] == pytest.approx(float(np.percentile(arr, 50)), rel=1e-12, abs=1e-12)
        assert got[stat_name(name, "p95")] == pytest.approx(float(np.percentile(arr, 95)), rel=1e-12, abs=1e-12)
        assert got[stat_name(name, "count")] == arr.size

    decided = [s for s in ref.statuses.values() if s in ("PASSED", "WARNING", "BLOCKER")]
    assert got[PASS_RATE_METRIC] == pytest.approx(decided.count("PASSED") / len(decided))
    assert {"WARNING", "BLOCKER", "ERROR", "CANCELLED"} <= set(ref.statuses.values())

    by_name = {x.name: x for x in msg.job_level_metrics.metrics}
    data = {d.metrics_data_id.id.data: d for d in msg.metrics_data}
    bars = by_name[STATUS_COUNTS_METRIC].metric_values.bar_chart_metric_values
    values = data[bars.values_data_id[0].id.data]
    labels = data[values.index_data_id.id.data].series.strings.series
    counts = dict(zip(labels, values.series.doubles.series, strict=True))
    for status in ("PASSED", "WARNING", "BLOCKER", "ERROR", "CANCELLED"):
        assert counts[status] == list(ref.statuses.values()).count(status)

    for channel, series in ref.exports.items():
        allv = np.concatenate(series)
        finite = allv[np.isfinite(allv)]
        hist = by_name[histogram_name(channel)].metric_values.histogram_metric_values
        edges = [hist.buckets[0].lower, *(b.upper for b in hist.buckets)]
        assert edges[0] == finite.min() and edges[-1] == finite.max()
        np.testing.assert_allclose(edges, np.linspace(finite.min(), finite.max(), 21), rtol=1e-12, atol=1e-12)
        shown = np.asarray(data[hist.values_data_id.id.data].series.doubles.series)
        got_counts, _ = np.histogram(shown, bins=edges)
        expected, _ = np.histogram(finite, bins=edges)
        np.testing.assert_array_equal(got_counts, expected)

    summary = by_name[SUMMARY_METRIC].metric_values.text_metric_values.text
    assert f"{len(ref.statuses)} tests" in summary


BATCH_TOML = """
[batch]
nan_policy = "warn"

[[batch.metrics]]
kind = "weighted_mean"
name = "mean of max speed, by samples"
scalar = "speed max"
weight_by = "series_length"
weight = "speed"

[[batch.metrics]]
kind = "scalar_stat"
name = "p90 of mean speed"
scalar = "speed mean"
stat = "p90"
fails_above = 0.0
severity = "warn"

[[batch.metrics]]
kind = "histogram"
name = "speed histogram"
channel = "speed"
lower = 0.0
upper = 40.0
count = 8

[[batch.metrics]]
kind = "pass_rate"
name = "pass rate by max speed"
metric = "max speed"
fails_below = 0.9

[[batch.metrics]]
kind = "status_counts"
name = "statuses"

[[batch.metrics]]
kind = "per_test_bar"
name = "max speed per test"
scalar = "speed max"

[[batch.python]]
function = "e2e_batch_metrics:slowest"
"""

PYTHON = '''
from metrics_build import model as m

def slowest(batch):
    """The test with the lowest `speed mean`, as text."""
    found = [(t.scalar("speed mean").value, t.name) for t in batch.tests if t.scalar("speed mean") is not None]
    value, name = min(found)
    return m.TextMetric(name="slowest test", text=f"{name}: {value:.3f}")
'''


def test_declared_batch_section_from_a_config_file(served: Served, tmp_path: Path) -> None:
    config_file = tmp_path / "metrics.toml"
    config_file.write_text(BATCH_TOML)
    (tmp_path / "e2e_batch_metrics.py").write_text(textwrap.dedent(PYTHON))
    section = load_config(config_file).batch
    out = compute(served.batch, section, config_dir=tmp_path)
    msg = _write(out, tmp_path / "out" / "metrics.binproto")
    got = _scalars(msg)
    ref = served.ref

    speed_max = {t.name: s.value for t in served.batch.tests if (s := t.scalar("speed max")) is not None}
    tests_with_speed = [t for t, ch in ref.lengths.items() if "speed" in ch and t in speed_max]
    assert len(tests_with_speed) >= 2
    maxes = [speed_max[t] for t in tests_with_speed]
    weights = [ref.lengths[t]["speed"] for t in tests_with_speed]
    assert got["mean of max speed, by samples"] == pytest.approx(float(np.average(maxes, weights=weights)))
    assert got["p90 of mean speed"] == pytest.approx(float(np.percentile(ref.scalars["speed mean"], 90)))

    by_name = {x.name: x for x in msg.job_level_metrics.metrics}
    assert by_name["p90 of mean speed"].status == resim_pb.FAIL_WARN_METRIC_STATUS
    # "max speed" blocks in one threshold test and warns in the other (a failure: warn_passes is off).
    verdicts = [st in (resim_pb.PASSED_METRIC_STATUS, resim_pb.RAW_METRIC_STATUS)
                for per_test in ref.metric_status.values() if (st := per_test.get("max speed")) is not None
                and st != resim_pb.NOT_APPLICABLE_METRIC_STATUS]
    assert len(verdicts) >= 2
    assert got["pass rate by max speed"] == pytest.approx(float(np.mean(verdicts)))
    assert by_name["pass rate by max speed"].status == resim_pb.FAIL_BLOCK_METRIC_STATUS  # below 0.9

    data = {d.metrics_data_id.id.data: d for d in msg.metrics_data}
    hist = by_name["speed histogram"].metric_values.histogram_metric_values
    edges = np.linspace(0.0, 40.0, 9)
    shown = np.asarray(data[hist.values_data_id.id.data].series.doubles.series)
    allv = np.concatenate(ref.exports["speed"])
    expected, _ = np.histogram(allv[(allv >= 0) & (allv <= 40)], bins=edges)
    np.testing.assert_array_equal(np.histogram(shown, bins=edges)[0], expected)

    bars = by_name["max speed per test"].metric_values.bar_chart_metric_values
    values = data[bars.values_data_id[0].id.data]
    labels = list(data[values.index_data_id.id.data].series.strings.series)
    assert labels == sorted(tests_with_speed)
    np.testing.assert_array_equal(values.series.doubles.series, [speed_max[t] for t in labels])

    slowest = min((s.value, t.name) for t in served.batch.tests if (s := t.scalar("speed mean")) is not None)
    text = by_name["slowest test"].metric_values.text_metric_values.text
    assert text == f"{slowest[1]}: {slowest[0]:.3f}"
    assert [x.name for x in out.metrics][-1] == "slowest test"  # no summary with a declared section


def test_batch_of_only_errored_tests_through_the_emulator(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    for name in ("a", "b"):
        (jobs / name).mkdir(parents=True)
        (jobs / name / "job.json").write_text(json.dumps({"conflatedStatus": "ERROR", "jobStatus": "ERROR"}))
    with Emulator(jobs) as emu, ApiClient(parse_batch_settings(emu.config())) as client:
        batch = _fetch_all(client, emu, tmp_path)
    out = compute(batch, BatchSection(), config_dir=None)
    msg = _write(out, tmp_path / "metrics.binproto")
    by_name = {x.name: x for x in msg.job_level_metrics.metrics}
    assert "None of the 2 tests produced metrics" in by_name[SUMMARY_METRIC].metric_values.text_metric_values.text
    assert by_name[PASS_RATE_METRIC].status == resim_pb.NOT_APPLICABLE_METRIC_STATUS
    assert not any(math.isnan(v) for v in _scalars(msg).values())
    assert isinstance(out.metric(SUMMARY_METRIC), m.TextMetric)


def test_metrics_build_run_in_batch_mode_writes_the_same_bytes(served: Served, tmp_path: Path) -> None:
    # The real command, in a subprocess, against the served batch: same bytes as computing in process.
    inputs, outputs = tmp_path / "inputs", tmp_path / "outputs"
    served.emulator.write_config(inputs / "batch_metrics_config.json")
    config_file = tmp_path / "metrics.toml"
    config_file.write_text(BATCH_TOML)
    (tmp_path / "e2e_batch_metrics.py").write_text(textwrap.dedent(PYTHON))
    env = {k: v for k, v in os.environ.items() if k != "METRICS_BUILD_CONFIG"}
    done = subprocess.run([sys.executable, "-m", "metrics_build", "run", "--inputs", str(inputs), "--outputs",
                           str(outputs), "--config", str(config_file)], capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and served.emulator.token not in done.stderr + done.stdout
    written = outputs / "metrics.binproto"
    assert_resim_accepts(written)

    expected = compute(served.batch, load_config(config_file).batch, config_dir=tmp_path)
    write_batch_output(expected, tmp_path / "expected.binproto", job_id=batch_job_id(served.batch.batch_id))
    assert written.read_bytes() == (tmp_path / "expected.binproto").read_bytes()


def test_summary_defaults_are_compact_and_truthful_over_the_examples(served: Served, tmp_path: Path) -> None:
    out = compute(served.batch, BatchSection(), config_dir=None)
    msg = _write(out, tmp_path / "metrics.binproto")
    ref = served.ref
    by_name = {x.name: x for x in msg.job_level_metrics.metrics}
    scalars = [x for x in msg.job_level_metrics.metrics if x.type == resim_pb.SCALAR_METRIC_TYPE]
    # one SCALAR per scalar name (its mean) and the pass rate; before: six per name
    assert len(scalars) == len(ref.scalars) + 1
    for name, values in ref.scalars.items():
        value = by_name[name].metric_values.scalar_metric_values.value
        assert value == pytest.approx(float(np.mean(values)), rel=1e-12, abs=1e-12)
    decided = [s for s in ref.statuses.values() if s in ("PASSED", "WARNING", "BLOCKER")]
    assert by_name[PASS_RATE_METRIC].metric_values.scalar_metric_values.value == \
        pytest.approx(decided.count("PASSED") / len(decided))
    # three tests blocked: the pass rate and the status counts say so
    assert by_name[PASS_RATE_METRIC].status == resim_pb.FAIL_BLOCK_METRIC_STATUS
    assert by_name[STATUS_COUNTS_METRIC].status == resim_pb.FAIL_BLOCK_METRIC_STATUS
    # a scalar no threshold judged in any test is RAW, not a pass
    assert by_name["speed mean"].status == resim_pb.RAW_METRIC_STATUS
    assert len(msg.job_level_metrics.metrics) < 200

