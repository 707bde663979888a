"""Fixtures shared across the test packages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from resim.sdk.client.models.batch_metric import BatchMetric
from resim.sdk.client.models.job_metric import JobMetric


@pytest.fixture
def resim_type_alias() -> Iterator[None]:
    """ReSim's report build reads `metric.type` where its generated models name the field `type_`
    (resim-contract.md §6): for the test only, the two models get a `type` property reading `type_`."""
    classes = (JobMetric, BatchMetric)
    assert not any("type" in vars(c) for c in classes), "ReSim fixed the attribute: drop this alias"
    for cls in classes:
        cls.type = property(lambda self: self.type_)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for cls in classes:
            delattr(cls, "type")
