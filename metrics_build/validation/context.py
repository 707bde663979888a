"""The violation record, and the per-message context every rule module reads and appends to."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from metrics_build.wire import metrics_pb2 as pb

EXTRA = "extra:"


@dataclass(frozen=True)
class Violation:
    """One broken rule: which rule, which item, and what is wrong with it.

    `rule` is a stable slug: "<§2 rule number> <area>.<check>" for the platform's own rules,
    "extra:<area>.<check>" for rules the platform does not enforce but we do.
    """

    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message} [rule {self.rule}]"

    @property
    def is_extra(self) -> bool:
        """True for our extra strictness, False for a rule the platform's validator enforces."""
        return self.rule.startswith(EXTRA)


class Checks:
    """Lookups built once per message, plus the growing list of violations (deduplicated, in order)."""

    def __init__(self, msg: pb.JobMetrics) -> None:
        self.msg = msg
        # Later duplicates win, as in the platform's lookups; duplicates are reported separately.
        self.data_by_id: dict[str, pb.MetricsData] = {d.metrics_data_id.id.data: d for d in msg.metrics_data}
        self.data_position: dict[str, int] = {
            d.metrics_data_id.id.data: i for i, d in enumerate(msg.metrics_data)
        }
        self.metric_by_id: dict[str, pb.Metric] = {
            m.metric_id.id.data: m for m in msg.job_level_metrics.metrics
        }
        self.violations: list[Violation] = []
        self._seen: set[Violation] = set()

    def add(self, rule: str, where: str, message: str) -> None:
        """Record a violation once (shared checks, e.g. a line plot's status, can repeat)."""
        violation = Violation(rule, where, message)
        if violation not in self._seen:
            self._seen.add(violation)
            self.violations.append(violation)

    def data_label(self, data_id: str) -> str:
        """How to name a referenced data in a message: its name, else its position."""
        data = self.data_by_id[data_id]
        if data.name:
            return f"data {data.name!r}"
        return f"data #{self.data_position[data_id]}"


def uuid_int(text: str) -> int | None:
    """The UUID's value under the platform's rule (Python's `uuid.UUID(hex=text)`), else None."""
    try:
        return uuid.UUID(hex=text).int
    except (ValueError, TypeError):
        return None


def is_valid_uuid(text: str) -> bool:
    """True when the platform's validator accepts `text` as a UUID."""
    return uuid_int(text) is not None


def label(kind: str, name: str, position: int) -> str:
    """`metric 'speed'`, or `metric #3` when the item has no name."""
    return f"{kind} {name!r}" if name else f"{kind} #{position}"


def enum_name(enum: object, value: int, suffix: str = "") -> str:
    """The enum value's name without `suffix` (e.g. "_DATA_TYPE"), or the bare number if unknown."""
    try:
        name: str = enum.Name(value)  # type: ignore[attr-defined]
    except ValueError:
        return str(value)
    if value == 0 or not suffix or not name.endswith(suffix):
        return name  # the zero value keeps its full name: "NO_DATA_TYPE", not "NO"
    return name[: -len(suffix)]


def data_type_name(value: int) -> str:
    """`DOUBLE_SERIES`, `INDEXED_DOUBLE_SERIES`, `EXTERNAL_FILE`, ... (or the bare number)."""
    return enum_name(pb.MetricsDataType, value, "_DATA_TYPE")


def data_type_names(values: frozenset[int]) -> str:
    """A readable, ordered list of allowed data types."""
    names = [data_type_name(v) for v in sorted(values)]
    return names[0] if len(names) == 1 else "one of " + ", ".join(names)


def known_values(enum: object) -> frozenset[int]:
    """Every value an enum of the platform's schema defines."""
    return frozenset(enum.values())  # type: ignore[attr-defined]


def is_nan(value: float) -> bool:
    """NaN check that never raises."""
    return math.isnan(value)
