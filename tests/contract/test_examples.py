"""(a) Every JobMetrics file shipped under examples/ passes ReSim's library and our validator.

Other tests call `oracle.assert_resim_accepts` on each file they make; this one covers the
checked-in example outputs (e.g. `examples/<name>/outputs/metrics.binproto`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from oracle import assert_resim_accepts

from metrics_build.reader import read_job_metrics
from metrics_build.validate import validate_job_metrics

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = sorted(EXAMPLES.glob("*/**/*.binproto"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_output_is_valid_for_resim_and_us(path: Path) -> None:
    assert_resim_accepts(path)
    assert [str(v) for v in validate_job_metrics(read_job_metrics(path))] == []
