"""Differential fuzzing against ReSim's validator: random field-level mutations of the golden file.

Whatever the mutation, ReSim rejecting implies we report at least one platform (non-`extra:`) rule,
and ReSim accepting implies every violation we report is one of our documented `extra:` rules.
"""

from __future__ import annotations

import math
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import resim_rejects
from resim_fixtures import resim_written_bytes

from metrics_build.validate import validate_job_metrics
from metrics_build.wire import metrics_pb2 as pb

GOLDEN = resim_written_bytes()
_INTS = [0, 1, 2, 3, 5, 6, 9, 11, 42]
_SIGNED = [-1, 0, 1, 10**9, 10**9 - 1]
_DOUBLES = [0.0, -1.0, 0.5, 1.0, math.nan, math.inf, -math.inf]


def _targets(msg: Message) -> list[tuple[Message, FieldDescriptor, Any]]:
    """(parent, field, key) for every set field, element and map entry, depth first, in a fixed order."""
    out: list[tuple[Message, FieldDescriptor, Any]] = []
    for field, value in msg.ListFields():
        out.append((msg, field, None))
        is_map = field.message_type is not None and field.message_type.GetOptions().map_entry
        if is_map:
            for key in sorted(value):
                out.append((msg, field, key))
                if isinstance(value[key], Message):
                    out.extend(_targets(value[key]))
        elif field.is_repeated:
            for i, element in enumerate(value):
                out.append((msg, field, i))
                if isinstance(element, Message):
                    out.extend(_targets(element))
        elif isinstance(value, Message):
            out.extend(_targets(value))
    return out


def _new_scalar(draw: st.DrawFn, field: FieldDescriptor, current: Any, ids: list[str]) -> Any:
    t = field.type
    if t == FieldDescriptor.TYPE_BOOL:
        return not current
    if t in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return draw(st.sampled_from(_DOUBLES))
    if t == FieldDescriptor.TYPE_STRING:
        options = ["", "x", current + "\n", current.upper(), "#abc", *ids]
        return draw(st.sampled_from(options))
    if t in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64):
        return draw(st.sampled_from(_SIGNED))
    return draw(st.sampled_from(_INTS))


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    msg = pb.JobMetrics.FromString(GOLDEN)
    ids = sorted({d.metrics_data_id.id.data for d in msg.metrics_data}
                 | {m.metric_id.id.data for m in msg.job_level_metrics.metrics})
    for _ in range(draw(st.integers(1, 2))):
        targets = _targets(msg)
        parent, field, key = draw(st.sampled_from(targets))
        container = getattr(parent, field.name)
        is_map = field.message_type is not None and field.message_type.GetOptions().map_entry
        if key is None:
            clear = field.is_repeated or isinstance(container, Message) or (
                field.containing_oneof is not None and draw(st.booleans()))
            if clear:
                parent.ClearField(field.name)
            else:
                setattr(parent, field.name, _new_scalar(draw, field, container, ids))
        elif is_map:
            del container[key]
        elif isinstance(container[key], Message):
            if draw(st.booleans()):
                del container[key]
            else:
                container.add().CopyFrom(container[key])
        else:
            action = draw(st.sampled_from(["delete", "set", "duplicate"]))
            if action == "delete":
                del container[key]
            elif action == "duplicate":
                container.append(container[key])
            else:
                container[key] = _new_scalar(draw, field, container[key], ids)
    return msg.SerializeToString()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_files())
def test_we_reject_whatever_resim_rejects_and_only_extra_rules_beyond(data: bytes) -> None:
    ours = validate_job_metrics(pb.JobMetrics.FromString(data))
    platform_rules = [str(v) for v in ours if not v.is_extra]
    if resim_rejects(data):
        assert platform_rules, f"ReSim rejects, we report {[str(v) for v in ours]}"
    else:
        assert platform_rules == []
