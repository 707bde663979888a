"""Statuses and importances as the page shows them: labels, colours, severity and sort order."""

from __future__ import annotations

from metrics_build.wire import metrics_pb2 as pb

LABELS: dict[int, str] = {
    pb.FAIL_BLOCK_METRIC_STATUS: "FAIL_BLOCK",
    pb.FAIL_WARN_METRIC_STATUS: "FAIL_WARN",
    pb.PASSED_METRIC_STATUS: "PASSED",
    pb.NOT_APPLICABLE_METRIC_STATUS: "NOT_APPLICABLE",
    pb.RAW_METRIC_STATUS: "RAW",
    pb.NO_METRIC_STATUS: "NO_STATUS",
}
COLORS: dict[int, str] = {
    pb.FAIL_BLOCK_METRIC_STATUS: "#c62828",
    pb.FAIL_WARN_METRIC_STATUS: "#e67700",
    pb.PASSED_METRIC_STATUS: "#2e7d32",
    pb.NOT_APPLICABLE_METRIC_STATUS: "#757575",
    pb.RAW_METRIC_STATUS: "#1565c0",
    pb.NO_METRIC_STATUS: "#9e9e9e",
}
# Failing first, then the ones with a verdict, then the rest.
ORDER: list[int] = [pb.FAIL_BLOCK_METRIC_STATUS, pb.FAIL_WARN_METRIC_STATUS, pb.PASSED_METRIC_STATUS,
         pb.NOT_APPLICABLE_METRIC_STATUS, pb.RAW_METRIC_STATUS, pb.NO_METRIC_STATUS]
IMPORTANCE_LABELS: dict[int, str] = {
    pb.CRITICAL_IMPORTANCE: "CRITICAL",
    pb.HIGH_IMPORTANCE: "HIGH",
    pb.MEDIUM_IMPORTANCE: "MEDIUM",
    pb.LOW_IMPORTANCE: "LOW",
    pb.ZERO_IMPORTANCE: "ZERO",
    pb.NO_SPECIFIED_IMPORTANCE: "UNSPECIFIED",
}
_CSS: dict[int, str] = {
    pb.FAIL_BLOCK_METRIC_STATUS: "block", pb.FAIL_WARN_METRIC_STATUS: "warn", pb.PASSED_METRIC_STATUS: "passed",
    pb.NOT_APPLICABLE_METRIC_STATUS: "na", pb.RAW_METRIC_STATUS: "raw",
}
_SEVERITY: dict[int, int] = {pb.FAIL_BLOCK_METRIC_STATUS: 2, pb.FAIL_WARN_METRIC_STATUS: 1}
FAILING: tuple[int, int] = (pb.FAIL_BLOCK_METRIC_STATUS, pb.FAIL_WARN_METRIC_STATUS)


def label(status: int) -> str:
    """The status's name (`FAIL_BLOCK`, ...); a number the schema does not know shows as itself."""
    return LABELS.get(status, f"STATUS_{status}")


def color(status: int) -> str:
    """The colour the page uses for a status."""
    return COLORS.get(status, COLORS[pb.NO_METRIC_STATUS])


def css(status: int) -> str:
    """The CSS class suffix for a status: block, warn, passed, na, raw or none."""
    return _CSS.get(status, "none")


def rank(status: int) -> int:
    """Sort position: FAIL_BLOCK first, unknown statuses last."""
    return ORDER.index(status) if status in ORDER else len(ORDER)


def severity(status: int) -> int:
    """2 for FAIL_BLOCK, 1 for FAIL_WARN, else 0."""
    return _SEVERITY.get(status, 0)


def importance_label(importance: int) -> str:
    """The importance's name (`CRITICAL` ... `ZERO`, `UNSPECIFIED`)."""
    return IMPORTANCE_LABELS.get(importance, f"IMPORTANCE_{importance}")


class Shows:
    """A mixin for anything shown with a status (a `status` number): its label and CSS class."""

    status: int

    @property
    def status_label(self) -> str:
        return label(self.status)

    @property
    def status_css(self) -> str:
        return css(self.status)

