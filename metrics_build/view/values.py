"""The metrics that are not charts: scalars and double summaries (value, unit, thresholds, whether one
is crossed), text (Markdown rendered without raw HTML or images), and times for people to read."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

import numpy as np
from markdown_it import MarkdownIt
from markupsafe import Markup

from metrics_build.view.lookup import Lookup
from metrics_build.wire import metrics_pb2 as pb

MAX_TEXT = 200_000
YEAR_2000_NS = 946_684_800 * 1_000_000_000


@dataclass
class Value:
    """A number as a card shows it."""

    value: str
    unit: str = ""
    at: str = ""
    thresholds: list[str] = field(default_factory=list)
    crossed: str = ""
    point_status: int | None = None


def number(value: float) -> str:
    """Six significant digits; infinities and NaN spelled out."""
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "+inf" if value > 0 else "-inf"
    return f"{value:.6g}"


def when(ns: int, absolute: bool | None = None) -> str:
    """A time: a UTC date and time when absolute (by default, from the year 2000 on), else seconds."""
    if absolute is None:
        absolute = ns >= YEAR_2000_NS
    if not absolute:
        return f"{number(ns / 1e9)} s"
    seconds, nanos = divmod(ns, 1_000_000_000)
    try:
        stamp = dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return f"{number(ns / 1e9)} s"
    return f"{stamp}.{nanos // 1_000_000:03d} UTC"


def _judge(value: float, definition: pb.DoubleFailureDefinition) -> tuple[list[str], str]:
    thresholds, crossed = [], ""
    if definition.HasField("fails_above"):
        thresholds.append(f"fails above {number(definition.fails_above)}")
        if value > definition.fails_above:
            crossed = f"above {number(definition.fails_above)}"
    if definition.HasField("fails_below"):
        thresholds.append(f"fails below {number(definition.fails_below)}")
        if value < definition.fails_below:
            crossed = f"below {number(definition.fails_below)}"
    return thresholds, crossed


def scalar(v: pb.ScalarMetricValues) -> Value:
    """A scalar's value, unit and thresholds."""
    if not v.HasField("value"):
        return Value("(no value)", v.unit)
    thresholds, crossed = _judge(v.value, v.failure_definition)
    return Value(number(v.value), v.unit, thresholds=thresholds, crossed=crossed)


def summary(v: pb.DoubleSummaryMetricValues, lookup: Lookup) -> Value:
    """The value a double summary points at (by position, time, string or id), with its thresholds."""
    parts = lookup.parts(v.value_data_id, v.status_data_id)
    unit = lookup.unit(v.value_data_id)
    if not parts or parts[0].kind != "doubles":
        return Value("(value data missing)", unit)
    part = parts[0]
    which = v.WhichOneof("index")
    position: int | None
    if which in (None, "series_index"):
        position, label = v.series_index, f"#{v.series_index}"
    elif part.index is None:
        position, label = None, "(index data missing)"
    else:
        if which == "timestamp_index":
            ns = v.timestamp_index.seconds * 1_000_000_000 + v.timestamp_index.nanos
            wanted: object = ns
            label = when(ns)
        else:
            wanted = v.string_index if which == "string_index" else v.uuid_index.data
            label = str(wanted)
        hits = np.flatnonzero(part.index == wanted)
        position = int(hits[0]) if hits.size else None
    if position is None or position >= part.values.size:
        return Value("(not found)", unit, at=label)
    value = float(part.values[position])
    thresholds, crossed = _judge(value, v.failure_definition)
    status = int(part.statuses[position]) if part.statuses is not None else None
    return Value(number(value), unit, at=label, thresholds=thresholds, crossed=crossed, point_status=status)


@functools.cache
def _markdown() -> MarkdownIt:
    # No raw HTML (it is shown as text) and no images (they would load from elsewhere); links to
    # javascript:, vbscript:, file: and data: are refused by markdown-it's own link check.
    return MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")


def markdown(text: str) -> tuple[Markup, bool]:
    """Text rendered from Markdown to safe HTML, and whether it was cut at `MAX_TEXT` characters."""
    cut = len(text) > MAX_TEXT
    return Markup(_markdown().render(text[:MAX_TEXT])), cut
