"""The platform's vocabulary, defined once: file names, modes, the names test mode writes for batch mode,
and how config words and API strings map to statuses and importances.

Every mode and tool takes these from here; none spells a file name or a status string itself.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Literal

from metrics_build.errors import InputError
from metrics_build.model.enums import Importance, Status

# -- files ------------------------------------------------------------------------------------------

METRICS_FILE = "metrics.binproto"
"""The one output every mode writes (a serialized JobMetrics), and what the platform uploads."""
BATCH_CONFIG_FILE = "batch_metrics_config.json"
REPORT_CONFIG_FILE = "report_config.json"
LOGS_DIR = "logs"
EXPERIENCE_DIR = "experience"


class Mode(Enum):
    """What a run does, chosen only by which config file the inputs hold."""

    TEST = "test"
    BATCH = "batch"
    REPORT = "report"


def mode_of(inputs: Path) -> Mode:
    """The mode for an inputs directory: batch with `batch_metrics_config.json`, report with
    `report_config.json`, else test.

    Raises:
        InputError: both config files are present (the platform never writes both).
    """
    batch = (inputs / BATCH_CONFIG_FILE).is_file()
    report = (inputs / REPORT_CONFIG_FILE).is_file()
    if batch and report:
        raise InputError(f"{inputs} holds both {BATCH_CONFIG_FILE} and {REPORT_CONFIG_FILE}: "
                         "a run is either batch mode or report mode, remove one")
    if batch:
        return Mode.BATCH
    return Mode.REPORT if report else Mode.TEST


# -- names test mode writes and the other modes read -------------------------------------------------

EXPORT_PREFIX = "export/"
"""Test mode exports every channel as a MetricsData with no Metric, named `export/<channel>`: numeric
channels as an un-indexed DOUBLE series, state channels as an un-indexed STRING series."""
INPUT_REPORT_METRIC = "input report"


def export_name(channel: str) -> str:
    """Data name under which test mode exports `channel`."""
    return f"{EXPORT_PREFIX}{channel}"


def channel_of_export(data_name: str) -> str | None:
    """The channel an exported data name carries, or None when the data is not an export."""
    if data_name.startswith(EXPORT_PREFIX) and len(data_name) > len(EXPORT_PREFIX):
        return data_name[len(EXPORT_PREFIX):]
    return None


def reserved_reason(name: str) -> str | None:
    """Why a user cannot name a metric `name` (the contract uses it), or None."""
    if name.startswith(EXPORT_PREFIX):
        return f"names starting with {EXPORT_PREFIX!r} are reserved for exported channels"
    if name == INPUT_REPORT_METRIC:
        return f"{INPUT_REPORT_METRIC!r} is the name of the input report"
    return None


# -- config words → statuses and importances ---------------------------------------------------------

Severity = Literal["warn", "block"]
ImportanceName = Literal["zero", "low", "medium", "high", "critical"]

_FAILING: dict[str, Status] = {"warn": Status.FAIL_WARN, "block": Status.FAIL_BLOCK}
_IMPORTANCE: dict[str, Importance] = {
    "zero": Importance.ZERO, "low": Importance.LOW, "medium": Importance.MEDIUM,
    "high": Importance.HIGH, "critical": Importance.CRITICAL,
}


def failing_status(severity: Severity) -> Status:
    """The status a failing check takes: FAIL_WARN for "warn", FAIL_BLOCK for "block"."""
    return _FAILING[severity]


def importance_of(name: ImportanceName) -> Importance:
    """The config's importance word as the model enum."""
    return _IMPORTANCE[name]


# -- API strings -------------------------------------------------------------------------------------

API_STATUS: dict[Status, str] = {s: s.name for s in Status}
"""The API's MetricStatus strings (listings, job and batch metrics status) by model status; the API
also sends NO_STATUS_REPORTED, which has no model status."""
_FROM_API = {text: status for status, text in API_STATUS.items()}
_STATUS_BY_VALUE = {status.value: status for status in Status}

CONFLATED_STATUSES = ("PASSED", "WARNING", "BLOCKER", "ERROR", "CANCELLED")
"""A job's conflated statuses that end a run, in the order status charts draw them (QUEUED and RUNNING
are the others the API knows)."""
NO_RUN_STATUSES = frozenset({"ERROR", "CANCELLED"})
"""Conflated statuses of a job that has no verdict of its metrics."""
_CONFLATED_VERDICT = {"PASSED": Status.PASSED, "WARNING": Status.FAIL_WARN, "BLOCKER": Status.FAIL_BLOCK}


def api_status(value: int) -> str:
    """The API's MetricStatus string of a wire status number (NO_STATUS_REPORTED for 0 and unknown ones)."""
    status = _STATUS_BY_VALUE.get(value)
    return API_STATUS[status] if status is not None else "NO_STATUS_REPORTED"


def status_from_api(text: str | None) -> Status | None:
    """The model status of an API MetricStatus string; None for NO_STATUS_REPORTED, unknown or missing."""
    return _FROM_API.get(text or "")


def conflated_of(status: Status | int) -> str:
    """The conflated status of a finished job whose metrics have `status` (a wire number is fine)."""
    if status == Status.FAIL_BLOCK:
        return "BLOCKER"
    return "WARNING" if status == Status.FAIL_WARN else "PASSED"


def verdict_status(conflated: str | None) -> Status | None:
    """The metrics status a conflated status implies (PASSED, WARNING, BLOCKER), else None."""
    return _CONFLATED_VERDICT.get(conflated or "")


def passes(status: Status, *, warn_passes: bool = False) -> bool | None:
    """Whether a status counts as passing: PASSED and RAW pass, FAIL_BLOCK fails, FAIL_WARN fails unless
    `warn_passes`; NOT_APPLICABLE is no verdict (None)."""
    if status is Status.NOT_APPLICABLE:
        return None
    if status is Status.FAIL_WARN:
        return warn_passes
    return status is not Status.FAIL_BLOCK


__all__ = [
    "API_STATUS",
    "BATCH_CONFIG_FILE",
    "CONFLATED_STATUSES",
    "EXPERIENCE_DIR",
    "EXPORT_PREFIX",
    "INPUT_REPORT_METRIC",
    "LOGS_DIR",
    "METRICS_FILE",
    "NO_RUN_STATUSES",
    "REPORT_CONFIG_FILE",
    "ImportanceName",
    "Mode",
    "Severity",
    "api_status",
    "channel_of_export",
    "conflated_of",
    "export_name",
    "failing_status",
    "importance_of",
    "mode_of",
    "passes",
    "reserved_reason",
    "status_from_api",
    "verdict_status",
]
