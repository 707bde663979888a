"""The one vocabulary of step and time field names, shared by every format.

A field is the step axis when its name (any case) is one of `STEP_KEYS`, the time axis when it is
one of `TIME_KEYS` or such a name with a unit suffix (`time_s`, `timestamp_ns`); the first match in
the order below wins. Row-based logs (JSONL) also treat `META_KEYS` as bookkeeping, not channels.
Episode records are recognised by their start or end step.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

STEP_KEYS = ("step", "global_step", "_step", "frame", "tick", "iteration", "iter")
TIME_KEYS = ("timestamp", "time", "ts", "t", "stamp", "datetime", "date", "wall_time", "walltime", "_timestamp")
_TIME_WITH_UNIT = re.compile(
    r"(?:timestamp|time|ts|t|stamp|wall_time)_(?:ns|nsec|us|usec|ms|msec|s|sec|secs|seconds)")
# Episode records (eval runners) are told apart from samples by their boundaries.
EPISODE_START_KEYS = ("start_step", "start")
EPISODE_END_KEYS = ("end_step", "end")
# Written by training loggers beside the step (Keras/W&B); never a metric of their own.
_BOOKKEEPING = ("epoch", "_runtime")
META_KEYS = frozenset((*STEP_KEYS, *TIME_KEYS, *_BOOKKEEPING))


def _pick(keys: list[str], explicit: str | None, names: Iterable[str]) -> str | None:
    if explicit is not None and explicit in keys:
        return explicit
    lowered = {key.lower(): key for key in reversed(keys)}  # the first spelling of a name wins
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def time_key(keys: Iterable[str], explicit: str | None = None) -> str | None:
    """The time field among `keys`: `explicit` when present, else a vocabulary name (any case)."""
    names = list(keys)
    found = _pick(names, explicit, TIME_KEYS)
    if found is None:
        found = next((key for key in names if _TIME_WITH_UNIT.fullmatch(key.lower())), None)
    return found


def step_key(keys: Iterable[str], explicit: str | None = None) -> str | None:
    """The step field among `keys`: `explicit` when present, else a vocabulary name (any case)."""
    return _pick(list(keys), explicit, STEP_KEYS)


def is_meta(key: str) -> bool:
    """True for a step, time or bookkeeping name (any case, unit suffixes included)."""
    lower = key.lower()
    return lower in META_KEYS or _TIME_WITH_UNIT.fullmatch(lower) is not None
