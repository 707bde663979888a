"""The value/status pair rule (§2.5 "VS") shared by every chart-like metric type."""

from __future__ import annotations

from dataclasses import dataclass

from metrics_build.validation.context import Checks, data_type_name, data_type_names, is_valid_uuid
from metrics_build.validation.series import INDEXED_STATUS, INDEXED_TYPES, STATUS, disagreement
from metrics_build.wire import metrics_pb2 as pb


@dataclass(frozen=True)
class PairRule:
    """Where a pair sits and what it may hold: rule prefix (e.g. "39 double-over-time"),
    allowed value data types, allowed index data types."""

    prefix: str
    values: frozenset[int]
    indexes: frozenset[int]


def referenced(ctx: Checks, ref: pb.MetricsDataId, where: str, rule: str, role: str) -> pb.MetricsData | None:
    """The data a reference names, or None after recording why it cannot be used."""
    text = ref.id.data
    if not is_valid_uuid(text):
        ctx.add(f"{rule}-id", where, f"{role} data id {text!r} is not a valid UUID")
        return None
    data = ctx.data_by_id.get(text)
    if data is None:
        ctx.add(f"{rule}-missing", where, f"{role} data {text} is not in this file")
    return data


def check_pair(ctx: Checks, where: str, rule: PairRule, value_ref: pb.MetricsDataId,
               status_ref: pb.MetricsDataId, role: str = "value") -> pb.MetricsData | None:
    """Check one value/status pair; returns the value data when it exists (for further checks)."""
    p = rule.prefix
    value = referenced(ctx, value_ref, where, f"{p}.value", role)
    if value is not None and value.data_type not in rule.values:
        ctx.add(f"{p}.value-type", where,
                f"{role} {ctx.data_label(value_ref.id.data)} has type {data_type_name(value.data_type)}, "
                f"needs {data_type_names(rule.values)}")
    status = referenced(ctx, status_ref, where, f"{p}.status", f"{role}'s status")
    if value is None or status is None:
        return value
    value_label, status_label = ctx.data_label(value_ref.id.data), ctx.data_label(status_ref.id.data)
    if value.data_type not in INDEXED_TYPES:
        if status.data_type != STATUS:
            ctx.add(f"{p}.status-type", where,
                    f"status {status_label} of un-indexed {role} {value_label} has type "
                    f"{data_type_name(status.data_type)}, needs {data_type_name(STATUS)}")
    else:
        if status.data_type != INDEXED_STATUS:
            ctx.add(f"{p}.status-type", where,
                    f"status {status_label} of indexed {role} {value_label} has type "
                    f"{data_type_name(status.data_type)}, needs {data_type_name(INDEXED_STATUS)}")
        if status.index_data_id != value.index_data_id:
            ctx.add(f"{p}.status-index", where,
                    f"status {status_label} and {role} {value_label} are indexed by different data "
                    f"({status.index_data_id.id.data or 'none'} vs {value.index_data_id.id.data or 'none'})")
        for which, data in ((status_label, status), (value_label, value)):
            if data.index_data_type not in rule.indexes:
                ctx.add(f"{p}.index-type", where,
                        f"{which} declares index type {data_type_name(data.index_data_type)}, "
                        f"needs {data_type_names(rule.indexes)}")
    reason = disagreement(value, status)
    if reason is not None:
        ctx.add(f"{p}.shape", where, f"{role} {value_label} and status {status_label} differ in shape: {reason}")
    return value
