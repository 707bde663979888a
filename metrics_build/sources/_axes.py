"""Which field of a table-like source (CSV, JSON samples) is its time axis or its step axis."""

from __future__ import annotations

import re
from collections.abc import Iterable

TIME_NAMES = ("timestamp", "time", "ts", "t", "stamp", "datetime", "date", "wall_time", "walltime")
STEP_NAMES = ("step", "global_step", "_step", "frame", "tick", "iteration", "iter")
_TIME_WITH_UNIT = re.compile(r"(timestamp|time|ts|t|stamp|wall_time)_(ns|nsec|us|usec|ms|msec|s|sec|secs|seconds)")


def _pick(keys: list[str], explicit: str | None, matches: Iterable[str]) -> str | None:
    if explicit is not None and explicit in keys:
        return explicit
    lowered = {key.lower(): key for key in reversed(keys)}  # first spelling wins
    for name in matches:
        if name in lowered:
            return lowered[name]
    return None


def time_key(keys: Iterable[str], explicit: str | None = None) -> str | None:
    """The timestamp field: `explicit` when present, else a known name (`timestamp`, `time_ns`, ...)."""
    names = list(keys)
    found = _pick(names, explicit, TIME_NAMES)
    if found is None:
        found = next((key for key in names if _TIME_WITH_UNIT.fullmatch(key.lower())), None)
    return found


def step_key(keys: Iterable[str], explicit: str | None = None) -> str | None:
    """The step field: `explicit` when present, else a known name (`step`, `frame`, ...)."""
    return _pick(list(keys), explicit, STEP_NAMES)
