"""Benchmark the batch aggregations alone (no network): N synthetic tests → default batch metrics → file.

    .venv/bin/python scripts/bench_aggregate.py [--tests 1000] [--scalars 20] [--series 5] [--length 1000]

Each test is written with the project's writer, parsed back and decoded into its record, as batch
fetching delivers it; then `aggregate_tests` folds every test into the built-in defaults (and reads
them again for the histograms) and `write_batch_output` validates and writes.
Prints wall times of each step, the output size and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from metrics_build import model as m
from metrics_build.batch.compute import BatchFacts, write_batch_output
from metrics_build.batch.local import aggregate_tests
from metrics_build.config import BatchSection
from metrics_build.platform import export_name
from metrics_build.reader import parse_job_metrics, record_from_job_metrics
from metrics_build.records import TestInfo, TestRecord
from metrics_build.writer import JobMetricsWriter


def synthetic_test(i: int, rng: np.random.Generator, scalars: int, series: int, length: int) -> TestRecord:
    """One test's metrics as fetched: `scalars` SCALAR metrics and `series` exported channels."""
    job_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{i}"))
    writer = JobMetricsWriter(job_id)
    status = m.Status.FAIL_BLOCK if i % 7 == 0 else m.Status.PASSED
    for k in range(scalars):
        writer.add_metric(m.ScalarMetric(name=f"scalar {k}", value=float(rng.normal(k, 1)),
                                         status=status if k == 0 else m.Status.PASSED))
    for k in range(series):
        writer.add_data(m.doubles(export_name(f"channel {k}"), rng.normal(k, 1 + k, size=length)))
    msg = parse_job_metrics(writer.serialize(), f"test {i}")
    info = TestInfo(job_id=job_id, name=f"test {i:05d}", experience_name=f"test {i:05d}",
                    conflated_status="BLOCKER" if status is m.Status.FAIL_BLOCK else "PASSED",
                    job_metrics_status=status.name)
    return record_from_job_metrics(info, msg)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--scalars", type=int, default=20)
    parser.add_argument("--series", type=int, default=5)
    parser.add_argument("--length", type=int, default=1000)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    tests = [synthetic_test(i, rng, args.scalars, args.series, args.length) for i in range(args.tests)]
    facts = BatchFacts(project_id=str(uuid.UUID(int=2)), batch_id=str(uuid.UUID(int=3)))
    t1 = time.perf_counter()
    out = aggregate_tests(lambda: iter(tests), [t.info for t in tests], facts, BatchSection(), config_dir=None)
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        size = write_batch_output(out, Path(tmp) / "metrics.binproto", job_id=uuid.UUID(int=1))
    t3 = time.perf_counter()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.tests} tests x ({args.scalars} scalars + {args.series} series of {args.length}): "
          f"build {t1 - t0:.2f} s, aggregate {t2 - t1:.2f} s, write {t3 - t2:.2f} s; "
          f"{len(out.metrics)} metrics, {size / 1e6:.1f} MB; peak RSS {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
