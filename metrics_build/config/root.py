"""The whole config file (`MetricsConfig`): test mode's tables, `[batch]`, `[compare]`, `[report]`, and the
rules across entries."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from metrics_build.config.batch import BatchSection
from metrics_build.config.common import Frozen, PythonEntry
from metrics_build.config.compare import CompareSection
from metrics_build.config.events import EventSpec
from metrics_build.config.metrics import MetricSpec
from metrics_build.config.report import ReportSection
from metrics_build.config.sections import AutoSection, OutputSection, SourcesSection
from metrics_build.platform import reserved_reason


class MetricsConfig(Frozen):
    """The whole config file: test mode's sections, `[batch]`, `[compare]` and `[report]`.

    Names are checked once for both modes: a declared name that the platform's contract reserves, or
    that another entry of the same mode already uses, is a config error naming both entries.
    """

    version: Literal[1] = 1
    sources: SourcesSection = SourcesSection()
    output: OutputSection = OutputSection()
    auto: AutoSection | None = None
    metrics: list[MetricSpec] = Field(default_factory=list)
    events: list[EventSpec] = Field(default_factory=list)
    python: list[PythonEntry] = Field(default_factory=list)
    batch: BatchSection = BatchSection()
    compare: CompareSection = CompareSection()
    report: ReportSection = ReportSection()

    @model_validator(mode="after")
    def _names(self) -> MetricsConfig:
        test_mode: dict[str, str] = {}
        for i, spec in enumerate(self.metrics):
            _claim(test_mode, spec.name, f"metrics[{i}]", reserved=True)
        metric_names = {s.name for s in self.metrics}
        for i, ev in enumerate(self.events):
            _claim(test_mode, ev.name, f"events[{i}]", reserved=True)
            unknown = [m for m in ev.metrics if m not in metric_names]
            if unknown:
                raise ValueError(f'events[{i}] ("{ev.name}").metrics: no metric named {unknown[0]!r} in [[metrics]]')
        batch: dict[str, str] = {}
        for i, aggregation in enumerate(self.batch.metrics):
            _claim(batch, aggregation.name, f"batch.metrics[{i}]", reserved=False)
        return self


def _claim(seen: dict[str, str], name: str, item: str, *, reserved: bool) -> None:
    """Take `name` for `item` (e.g. `metrics[2]`); a reserved or already taken name fails."""
    where = f'{item} ("{name}").name'
    why = reserved_reason(name) if reserved else None
    if why:
        raise ValueError(f"{where}: {why}")
    if name in seen:
        raise ValueError(f"{where}: the name is already used by {seen[name]}")
    seen[name] = item


__all__ = ["MetricsConfig"]
