"""Rules for each MetricsData (§2.3, rules 25-30) and the index graph (cycles, self-index)."""

from __future__ import annotations

from metrics_build.validation.context import (
    Checks,
    data_type_name,
    is_valid_uuid,
    known_values,
    label,
)
from metrics_build.validation.series import (
    EXTERNAL_FILE,
    INDEXED_TYPES,
    all_series,
    bad_status_values,
    bad_uuid_values,
    disagreement,
    kind_for,
    series_length,
)
from metrics_build.wire import metrics_pb2 as pb

_DATA_TYPES = known_values(pb.MetricsDataType)


def check_data(ctx: Checks, data: pb.MetricsData, position: int) -> None:
    """Every per-data rule for one MetricsData."""
    where = label("data", data.name, position)
    if data.data_type == pb.NO_DATA_TYPE:
        ctx.add("26 data.type", where, "data_type is NO_DATA_TYPE")
    elif data.data_type not in _DATA_TYPES:
        ctx.add("extra:enum.unknown-value", where, f"data_type {data.data_type} is not a known data type")
    if data.data_type == EXTERNAL_FILE:
        if data.WhichOneof("data") != "external_file":
            ctx.add("27 data.external-file", where, "EXTERNAL_FILE data has no external_file member")
        elif not data.external_file.path:
            ctx.add("27 data.external-file", where, "external_file.path is empty")
    elif data.is_per_category:
        _check_per_category(ctx, data, where)
    else:
        _check_plain_series(ctx, data, where)
    _check_flags(ctx, data, where)
    if data.is_indexed:
        _check_index(ctx, data, where)
    _check_elements(ctx, data, where)


def _check_plain_series(ctx: Checks, data: pb.MetricsData, where: str) -> None:
    if data.WhichOneof("data") != "series":
        ctx.add("29 data.series-member", where,
                f"is not per-category but holds {data.WhichOneof('data') or 'no data'}, needs series")
        return
    _check_one_series(ctx, data, data.series, where, "29 data", "series")


def _check_one_series(ctx: Checks, data: pb.MetricsData, series: pb.Series, where: str,
                      rule: str, what: str) -> None:
    length = series_length(series)
    if length is None:
        ctx.add(f"{rule}.series-empty", where, f"{what} has no values member")
        return
    if length == 0:
        ctx.add(f"{rule}.series-empty", where, f"{what} is empty")
    member, needed = series.WhichOneof("series"), kind_for(data.data_type)
    if member != needed and data.data_type != pb.NO_DATA_TYPE:  # type 0 is reported once, by rule 26
        ctx.add(f"{rule}.series-kind", where,
                f"{what} holds {member}, but data_type {data_type_name(data.data_type)} needs {needed}")


def _check_per_category(ctx: Checks, data: pb.MetricsData, where: str) -> None:
    if data.WhichOneof("data") != "series_per_category":
        ctx.add("28 data.per-category-member", where,
                f"is per-category but holds {data.WhichOneof('data') or 'no data'}, needs series_per_category")
        return
    mapping = data.series_per_category.category_to_series
    for key in sorted(mapping):
        _check_one_series(ctx, data, mapping[key], where, "28 data", f"category {key!r}")
    names = list(data.category_names)
    if not names:
        ctx.add("28 data.category-names", where, "category_names is empty")
    elif set(names) != set(mapping):
        missing = sorted(set(mapping) - set(names))
        unknown = sorted(set(names) - set(mapping))
        parts = []
        if missing:
            parts.append(f"categories {missing} are not in category_names")
        if unknown:
            parts.append(f"category_names {unknown} have no series")
        ctx.add("28 data.category-names", where, "; ".join(parts))
    duplicates = sorted({n for n in names if names.count(n) > 1}) if len(set(names)) != len(names) else []
    if duplicates:
        ctx.add("extra:data.duplicate-category-name", where, f"category_names repeats {duplicates}")


def _check_flags(ctx: Checks, data: pb.MetricsData, where: str) -> None:
    indexed_type = data.data_type in INDEXED_TYPES
    if indexed_type and not data.is_indexed:
        ctx.add("extra:data.indexed-flag", where,
                f"data_type {data_type_name(data.data_type)} is indexed but is_indexed is false")
    elif data.is_indexed and not indexed_type:
        ctx.add("extra:data.indexed-flag", where,
                f"is_indexed is true but data_type {data_type_name(data.data_type)} is not an INDEXED_ type")


def _check_index(ctx: Checks, data: pb.MetricsData, where: str) -> None:
    index_id = data.index_data_id.id.data
    if not is_valid_uuid(index_id):
        ctx.add("30 data.index-id", where, f"index_data_id {index_id!r} is not a valid UUID")
        return
    index = ctx.data_by_id.get(index_id)
    if index is None:
        ctx.add("30 data.index-missing", where, f"index data {index_id} is not in this file")
        return
    if index_id == data.metrics_data_id.id.data:
        ctx.add("extra:data.self-index", where, "is its own index")
    reason = disagreement(data, index)
    if reason is not None:
        ctx.add("30 data.index-shape", where, f"does not match the shape of its index {ctx.data_label(index_id)}: "
                f"{reason}")
    if data.index_data_type != index.data_type:
        ctx.add("30 data.index-type", where,
                f"index_data_type is {data_type_name(data.index_data_type)} but its index "
                f"{ctx.data_label(index_id)} has type {data_type_name(index.data_type)}")


def _check_elements(ctx: Checks, data: pb.MetricsData, where: str) -> None:
    for category, series in all_series(data):
        what = "series" if category is None else f"category {category!r}"
        member = series.WhichOneof("series")
        if member == "statuses":
            bad = bad_status_values(series.statuses)
            if bad:
                ctx.add("extra:data.status-values", where,
                        f"{what} holds status values {bad} (NO_METRIC_STATUS or unknown)")
        elif member == "uuids":
            bad_ids = bad_uuid_values(series.uuids)
            if bad_ids:
                ctx.add("extra:data.uuid-values", where, f"{what} holds invalid UUIDs {bad_ids}")


def check_index_cycles(ctx: Checks) -> None:
    """Report each index cycle of two or more data once, at its first data in file order.

    Each data has at most one index, so the index links form a functional graph: one walk per
    unvisited data finds every cycle in linear time.
    """
    done: set[str] = set()
    for data in ctx.msg.metrics_data:
        path: list[str] = []
        on_path: dict[str, int] = {}
        current = data.metrics_data_id.id.data
        while current not in done and current not in on_path:
            on_path[current] = len(path)
            path.append(current)
            node = ctx.data_by_id.get(current)
            if node is None or not node.is_indexed:
                break
            current = node.index_data_id.id.data
        else:
            if current in on_path:
                _report_cycle(ctx, path[on_path[current]:])
        done.update(path)


def _report_cycle(ctx: Checks, cycle: list[str]) -> None:
    if len(cycle) < 2:
        return  # a data that is its own index: reported by the per-data rule
    first = min(range(len(cycle)), key=lambda i: ctx.data_position[cycle[i]])
    ordered = cycle[first:] + cycle[:first]
    names = " -> ".join(ctx.data_label(i) for i in [*ordered, ordered[0]])
    head = ctx.data_by_id[ordered[0]]
    ctx.add("extra:data.index-cycle", label("data", head.name, ctx.data_position[ordered[0]]),
            f"index chain is a cycle: {names}")
