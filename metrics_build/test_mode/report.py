"""The input report: a text metric saying what was read from each log file, what was skipped and why.

Its status is PASSED when anything usable was read, FAIL_WARN when nothing was (an empty or
all-malformed log should not pass silently); skipped rows are listed but do not change the status.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from metrics_build import model as m
from metrics_build.channels import Channel, ChannelKind, Loaded
from metrics_build.platform import INPUT_REPORT_METRIC

MAX_ROWS = 200


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _reasons(counts: dict[str, int]) -> str:
    return ", ".join(f"{reason}: {n}" for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _g(value: float) -> str:
    return f"{value:.6g}"


def channel_table(channels: Sequence[Channel | None], names: Sequence[str]) -> str:
    """A markdown table: per channel its samples, axis, unit, and min/mean/max (or the commonest states)."""
    lines = ["| channel | samples | axis | unit | summary |", "|---|---:|---|---|---|"]
    for name, ch in list(zip(names, channels, strict=True))[:MAX_ROWS]:
        if ch is None:
            lines.append(f"| {_cell(name)} | 0 | | | not found in the logs |")
            continue
        axis = "time" if ch.timestamps_ns is not None else ("step" if ch.steps is not None else "position")
        lines.append(f"| {_cell(name)} | {len(ch)} | {axis} | {_cell(ch.unit)} | {_cell(_summary(ch))} |")
    if len(names) > MAX_ROWS:
        lines.append(f"| … {len(names) - MAX_ROWS} more | | | | |")
    return "\n".join(lines)


def _summary(ch: Channel) -> str:
    if len(ch) == 0:
        return "no samples"
    if ch.kind is ChannelKind.STATE:
        words, counts = np.unique(ch.values.astype(np.str_), return_counts=True)
        order = np.argsort(-counts, kind="stable")[:5]
        return ", ".join(f"{words[i]} ×{counts[i]}" for i in order)
    finite = ch.values[~np.isnan(ch.values)]
    if finite.size == 0:
        return "only NaN"
    with np.errstate(invalid="ignore", over="ignore"):  # the mean of +inf and -inf is NaN: shown as nan
        mean = finite.mean()
    return f"min {_g(finite.min())}, mean {_g(mean)}, max {_g(finite.max())}"


def input_report(loaded: Loaded, *, importance: m.Importance = m.Importance.LOW) -> m.TextMetric:
    """The input report metric (named `contract.INPUT_REPORT_METRIC`)."""
    usable = bool(loaded.channels or loaded.results or loaded.episodes or loaded.events)
    files = loaded.reports
    head = (f"Read {len(files)} file{'s' * (len(files) != 1)}: {len(loaded.channels)} channels, "
            f"{len(loaded.episodes)} episodes, {len(loaded.events)} logged events, "
            f"{sum(len(v) for v in loaded.results.values())} results.")
    if not usable:
        head += "\n\n**Nothing usable was read** (the logs are empty or every row was malformed)."
    parts = [head]
    lines = ["| file | format | rows read | rows skipped | why skipped | values dropped |",
             "|---|---|---:|---:|---|---|"]
    for r in files[:MAX_ROWS]:
        dropped = dict(getattr(r, "values_dropped", {}) or {})
        lines.append(f"| {_cell(r.path)} | {r.format} | {r.rows_read} | {r.rows_skipped} | "
                     f"{_cell(_reasons(dict(r.skip_reasons)))} | {_cell(_reasons(dropped))} |")
    if len(files) > MAX_ROWS:
        lines.append(f"| … {len(files) - MAX_ROWS} more files | | | | | |")
    parts.append("\n".join(lines))
    if loaded.channels:
        names = list(loaded.channels)
        parts.append(channel_table([loaded.channels[n] for n in names], names))
    return m.TextMetric(
        name=INPUT_REPORT_METRIC, text="\n\n".join(parts), importance=importance,
        status=m.Status.PASSED if usable else m.Status.FAIL_WARN,
        description="what was read from each log file, what was skipped and why",
    )
