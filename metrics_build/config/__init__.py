"""Every model a user writes (pydantic, frozen, unknown keys rejected), the default config, and loading.

`common` holds what the sections share; `metrics` and `events` the test-mode entries; `sections` the
test-mode tables; `batch`, `compare` and `report` the tables of those commands and modes; `root` the whole
file; `loading` TOML → models with readable errors; `defaults` the built-in default as TOML text.
"""

from __future__ import annotations

from metrics_build.config.batch import (
    BaselineSpec,
    BatchHistogramSpec,
    BatchMetricSpec,
    BatchSection,
    NanPolicy,
    PassRateSpec,
    PerTestBarSpec,
    ScalarStatSpec,
    StatusCountsSpec,
    WeightedMeanSpec,
)
from metrics_build.config.common import FixedEdges, Frozen, ImportanceName, NonEmpty, PythonEntry, Severity, Thresholds
from metrics_build.config.compare import Better, CompareSection, Denominator, MetricRule
from metrics_build.config.events import EpisodeEventSpec, EventSpec, StateEventSpec, ThresholdEventSpec
from metrics_build.config.loading import (
    check_config_file,
    default_config,
    default_config_text,
    format_validation_error,
    load_config,
    load_run_config,
    parse_config_text,
)
from metrics_build.config.metrics import (
    REDUCTIONS,
    BarChartSpec,
    DoubleOverTimeSpec,
    DoubleSummarySpec,
    HistogramSpec,
    LinePlotSpec,
    MetricSpec,
    Reduction,
    ScalarSpec,
    StatesOverTimeSpec,
    TextSpec,
)
from metrics_build.config.report import (
    BATCH_METRIC_PREFIX,
    DEFAULT_REPORT_METRICS,
    JOB_METRIC_PREFIX,
    BatchMetricTrend,
    JobMetricTrend,
    PassRateTrend,
    ReportSection,
    TrendSpec,
    trend_name,
)
from metrics_build.config.root import MetricsConfig
from metrics_build.config.sections import LOG_FORMATS, AutoSection, OutputSection, SourcesSection

__all__ = [
    "BATCH_METRIC_PREFIX",
    "DEFAULT_REPORT_METRICS",
    "JOB_METRIC_PREFIX",
    "LOG_FORMATS",
    "REDUCTIONS",
    "AutoSection",
    "BarChartSpec",
    "BaselineSpec",
    "BatchHistogramSpec",
    "BatchMetricSpec",
    "BatchMetricTrend",
    "BatchSection",
    "Better",
    "CompareSection",
    "Denominator",
    "DoubleOverTimeSpec",
    "DoubleSummarySpec",
    "EpisodeEventSpec",
    "EventSpec",
    "FixedEdges",
    "Frozen",
    "HistogramSpec",
    "ImportanceName",
    "JobMetricTrend",
    "LinePlotSpec",
    "MetricRule",
    "MetricSpec",
    "MetricsConfig",
    "NanPolicy",
    "NonEmpty",
    "OutputSection",
    "PassRateSpec",
    "PassRateTrend",
    "PerTestBarSpec",
    "PythonEntry",
    "Reduction",
    "ReportSection",
    "ScalarSpec",
    "ScalarStatSpec",
    "Severity",
    "SourcesSection",
    "StateEventSpec",
    "StatesOverTimeSpec",
    "StatusCountsSpec",
    "TextSpec",
    "ThresholdEventSpec",
    "Thresholds",
    "TrendSpec",
    "WeightedMeanSpec",
    "check_config_file",
    "default_config",
    "default_config_text",
    "format_validation_error",
    "load_config",
    "load_run_config",
    "parse_config_text",
    "trend_name",
]
