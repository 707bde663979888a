"""Build comparison inputs for the compare tests: records in memory, or real metrics.binproto files
written with the project's writer (so extraction reads real protobuf)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from metrics_build import model as m
from metrics_build.compare.records import Outcome, Scalar, Side, SideTest
from metrics_build.model.enums import rollup
from metrics_build.writer import JobMetricsWriter

JOB = "8a1f2b8e-2c61-4c0b-9a3e-6f1d2e3c4b5a"


def record(name: str, values: Mapping[str, float], *, statuses: Mapping[str, m.Status] | None = None,
           fails_above: Sequence[str] = (), fails_below: Sequence[str] = ()) -> SideTest:
    """An OK test with the given scalar values (status PASSED unless given)."""
    statuses = statuses or {}
    scalars = {
        k: Scalar(value=v, status=statuses.get(k, m.Status.PASSED), unit="m",
                  fails_above=1e9 if k in fails_above else None, fails_below=-1e9 if k in fails_below else None)
        for k, v in values.items()
    }
    return SideTest(name=name, outcome=Outcome.OK, status=rollup(s.status for s in scalars.values()),
                      scalars=scalars)


def side(label: str, records: Sequence[SideTest]) -> Side:
    """A side over in-memory records."""
    return Side(label=label, tests=list(records), source=f"<{label}>")


def series_side(label: str, metric: str, values: Sequence[float], **kw: Sequence[str]) -> Side:
    """Tests t00, t01, ... each with one value of `metric`."""
    return side(label, [record(f"t{i:02d}", {metric: float(v)}, **kw) for i, v in enumerate(values)])


def write_test(directory: Path, scalars: Mapping[str, float], *, block: Mapping[str, float] | None = None,
               warn: Mapping[str, float] | None = None) -> Path:
    """`directory/metrics.binproto` with scalar metrics: plain ones, and ones with `fails_above` limits
    (`block` / `warn`: failing when above the given limit, with that severity)."""
    metrics = {name: m.ScalarMetric(name=name, value=value, unit="m") for name, value in scalars.items()}
    for limits, failing in ((block or {}, m.Status.FAIL_BLOCK), (warn or {}, m.Status.FAIL_WARN)):
        for name, limit in limits.items():
            value = scalars.get(name, 0.0)
            metrics[name] = m.ScalarMetric(name=name, value=value, unit="m",
                                           status=failing if value > limit else m.Status.PASSED,
                                           failure=m.FailureDefinition(fails_above=limit))
    w = JobMetricsWriter(JOB)
    for metric in metrics.values():
        w.add_metric(metric)
    path = directory / "metrics.binproto"
    w.write(path)
    return path


def write_manifest(out: Path, statuses: Mapping[str, str], errors: Mapping[str, str] | None = None) -> None:
    """A local-batch `batch_manifest.json` with the given test statuses."""
    errors = errors or {}
    tests = {n: {"status": s, "error": errors.get(n), "output": f"tests/{n}/metrics.binproto"}
             for n, s in statuses.items()}
    (out / "batch_manifest.json").write_text(json.dumps({"schema_version": 1, "tests": tests}))
