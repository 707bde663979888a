"""One runner for users' Python entries, whichever mode calls them.

Each entry is loaded, called, and its output checked on its own: only metrics, data and events (or a
JobMetrics written by ReSim's library, as a message or its bytes); names unique and not taken by
anything else in the output; accepted by the platform's validator. An entry that fails any of this,
or raises, becomes one FAIL_BLOCK text metric carrying the error, so one broken entry never loses
the other metrics nor the run.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrics_build import model as m
from metrics_build.config.common import PythonEntry
from metrics_build.errors import UserCodeError
from metrics_build.user_code.loading import load_function, on_sys_path
from metrics_build.writer import JobMetricsWriter, output_names

log = logging.getLogger("metrics_build.python")

_CHECK_JOB = uuid.UUID("00000000-0000-4000-8000-000000000000")
_MAX_VIOLATIONS_SHOWN = 5
_MAX_ERROR_CHARS = 2000
_OBJECTS = (m.Metric, m.Event, m.SeriesData, m.GroupedData, m.ExternalFileData)

Call = Callable[[Callable[..., Any], PythonEntry], object]
"""How a mode calls an entry's function (e.g. `func(loaded, **entry.args)`)."""


@dataclass
class EntryOutput(m.MetricSet):
    """What the entries produced, failure metrics included, and the labels of the entries that failed."""

    failed: list[str] = field(default_factory=list)


def describe_error(exc: BaseException) -> str:
    """`Type: message (at file line N, in function)`, whatever the exception's `__str__` does."""
    try:
        text = str(exc)
    except Exception:  # a user's exception whose __str__ itself raises
        text = "<the exception's message cannot be shown>"
    if isinstance(exc, UserCodeError):
        return text[:_MAX_ERROR_CHARS]
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f" (at {Path(last.filename).name} line {last.lineno}, in {last.name})"
    return f"{type(exc).__name__}: {text[:_MAX_ERROR_CHARS]}{where}"


def sort_output(result: object) -> EntryOutput:
    """A function's return value as metrics, data and events.

    Raises:
        UserCodeError: the value is not None, one object, an iterable of objects, or a JobMetrics.
    """
    out = EntryOutput()
    if result is None:
        return out
    imported = _imported(result)
    if imported is not None:
        out.imported.append(imported)
        return out
    if isinstance(result, _OBJECTS):
        items: Iterable[object] = [result]
    elif isinstance(result, str | bytes) or not hasattr(result, "__iter__"):
        raise UserCodeError(f"returned a {type(result).__name__}, not metrics, data and events")
    else:
        items = list(result)
    for item in items:
        if isinstance(item, m.Metric):
            out.metrics.append(item)
        elif isinstance(item, m.Event):
            out.events.append(item)
        elif isinstance(item, m.SeriesData | m.GroupedData | m.ExternalFileData):
            out.data.append(item)
        else:
            raise UserCodeError(f"returned a {type(item).__name__}, not a metric, data or event")
    return out


def _imported(result: object) -> m.ImportedJobMetrics | None:
    """A JobMetrics written by ReSim's library: its `ResimMetricsWriter` (written here), the writer's
    output (`ResimMetricsOutput`, its `metrics_msg`), the JobMetrics message, or its bytes; else None."""
    if isinstance(result, bytes | bytearray):
        return m.ImportedJobMetrics(bytes(result))
    if _is_job_metrics(result):
        return m.ImportedJobMetrics(result.SerializeToString(deterministic=True))  # type: ignore[attr-defined]
    message = getattr(result, "metrics_msg", None)
    if _is_job_metrics(message):
        return m.ImportedJobMetrics(message.SerializeToString(deterministic=True))  # type: ignore[union-attr]
    if type(result).__name__ == "ResimMetricsWriter" and callable(getattr(result, "write", None)):
        return _imported(result.write())  # type: ignore[attr-defined]
    return None


def _is_job_metrics(obj: object) -> bool:
    descriptor = getattr(obj, "DESCRIPTOR", None)
    return str(getattr(descriptor, "full_name", "")).endswith(".JobMetrics") and hasattr(obj, "SerializeToString")


def check_output(out: m.MetricSet, names: m.Names) -> None:
    """Claim every name `out` uses; raise when they clash or the platform would reject `out`.

    Raises:
        UserCodeError: a name repeated within `out` or already taken, or output the platform rejects.
    """
    used = output_names(out)
    dupes = sorted({n for n in used if used.count(n) > 1})
    if dupes:
        raise UserCodeError(f"returned several objects named {dupes[0]!r}")
    taken = [n for n in used if n in names]
    if taken:
        raise UserCodeError(f"the name {taken[0]!r} is already used by another metric, data or event")
    violations = JobMetricsWriter(_CHECK_JOB).add_all(out).violations()
    if violations:
        shown = "; ".join(str(v) for v in violations[:_MAX_VIOLATIONS_SHOWN])
        more = len(violations) - _MAX_VIOLATIONS_SHOWN
        raise UserCodeError(f"returned metrics the platform would reject: {shown}"
                            + (f"; and {more} more" if more > 0 else ""))
    for n in used:
        names.claim(n)


def failure_metric(entry: PythonEntry, error: str, names: m.Names, what: str) -> m.TextMetric:
    """The FAIL_BLOCK text metric standing for a failed entry (named after it, made unique)."""
    text = f"The {what} `{entry.function}` failed:\n\n```\n{error}\n```"
    return m.TextMetric(name=names.unique(entry.label()), text=text, status=m.Status.FAIL_BLOCK,
                        importance=m.Importance.HIGH, description=f"a {what} that failed")


def run_entries(entries: Sequence[PythonEntry], call: Call, *, config_dir: Path | None, names: m.Names,
                what: str = "Python metric") -> EntryOutput:
    """Load, call and check every entry in order (see the module docstring).

    Args:
        entries: The config's `[[python]]` (or `[[batch.python]]`) entries.
        call: Calls one entry's function with the mode's input.
        config_dir: The config file's directory, first on `sys.path` while entries run (None: nothing added).
        names: Every name already used in the output; the entries' names are claimed in it.
        what: How logs and failure metrics call an entry ("Python metric", "Python batch metric").

    Returns:
        Everything the entries produced, in entry order; a failed entry gives its failure metric instead.
    """
    total = EntryOutput()
    for entry in entries:
        try:
            with on_sys_path(config_dir):
                out = sort_output(call(load_function(entry.function, config_dir), entry))
            check_output(out, names)
        except (Exception, SystemExit) as exc:  # SystemExit: a user's sys.exit() must not end the run
            error = describe_error(exc)
            log.error("%s %s failed: %s", what, entry.label(), error)
            total.metrics.append(failure_metric(entry, error, names, what))
            total.failed.append(entry.label())
            continue
        total.extend(out)
    return total


__all__ = ["Call", "EntryOutput", "check_output", "describe_error", "failure_metric", "run_entries", "sort_output"]
