"""Python metrics: `module:function` entries of the config, called with the loaded logs.

The function gets the `Loaded` logs (channels, episodes, events, results) and the entry's `args` as
keyword arguments, and returns model metrics, data and events (one object, any iterable of them, or
None). A module beside the config file is loaded from there (with that directory on `sys.path`);
otherwise it is imported normally. An entry that cannot be imported, raises, returns something else,
reuses a name, or returns metrics the platform would reject does not stop the others: it becomes a
FAIL_BLOCK text metric carrying the error, and the error is logged.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrics_build import model as m
from metrics_build.channels import Loaded
from metrics_build.config import PythonSpec
from metrics_build.test_mode.naming import Names
from metrics_build.user_code import UserCodeError, load_function, on_sys_path

log = logging.getLogger("metrics_build.test_mode")
_CHECK_JOB = uuid.UUID("00000000-0000-4000-8000-000000000000")
_MAX_VIOLATIONS_SHOWN = 5


class PythonMetricError(UserCodeError):
    """One Python metric entry failed; the message is shown in its failure metric."""


@dataclass
class PythonOutput(m.MetricSet):
    """Everything the Python entries produced, failure metrics included."""

    failed: list[str] = field(default_factory=list)


def _items(result: Any) -> list[Any]:
    if result is None:
        return []
    if isinstance(result, m.Metric | m.Event | m.SeriesData | m.GroupedData | m.ExternalFileData):
        return [result]
    if isinstance(result, str | bytes) or not hasattr(result, "__iter__"):
        raise PythonMetricError(f"returned a {type(result).__name__}, not metrics, data and events")
    return list(result)


def _sort(items: Sequence[Any]) -> PythonOutput:
    out = PythonOutput()
    for item in items:
        if isinstance(item, m.Metric):
            out.metrics.append(item)
        elif isinstance(item, m.Event):
            out.events.append(item)
        elif isinstance(item, m.SeriesData | m.GroupedData | m.ExternalFileData):
            out.data.append(item)
        else:
            raise PythonMetricError(f"returned a {type(item).__name__}, not a metric, data or event")
    return out


def _check(out: PythonOutput, names: Names) -> list[str]:
    """The names `out` uses (claimed); raises when they clash or the platform would reject `out`."""
    from metrics_build.validate import validate_job_metrics
    from metrics_build.writer import JobMetricsWriter

    used = out.names()
    dupes = sorted({n for n in used if used.count(n) > 1})
    if dupes:
        raise PythonMetricError(f"returned several objects named {dupes[0]!r}")
    taken = [n for n in used if n in names]
    if taken:
        raise PythonMetricError(f"the name {taken[0]!r} is already used by another metric, data or event")
    violations = validate_job_metrics(JobMetricsWriter(_CHECK_JOB).add_all(out).build())
    if violations:
        shown = "; ".join(str(v) for v in violations[:_MAX_VIOLATIONS_SHOWN])
        more = len(violations) - _MAX_VIOLATIONS_SHOWN
        raise PythonMetricError(f"returned metrics the platform would reject: {shown}"
                                + (f"; and {more} more" if more > 0 else ""))
    for n in used:
        names.claim(n)
    return used


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" (at {Path(last.filename).name} line {last.lineno}, in {last.name})"


def run_one(spec: PythonSpec, loaded: Loaded, config_dir: Path | None, names: Names) -> PythonOutput:
    """Run one entry; on any failure, a PythonOutput holding only its FAIL_BLOCK text metric."""
    try:
        with on_sys_path(config_dir):
            func = load_function(spec.function, config_dir)
            result = func(loaded, **spec.args)
            out = _sort(_items(result))
        _check(out, names)
        return out
    except (Exception, SystemExit) as exc:
        error = str(exc) if isinstance(exc, UserCodeError) else f"{type(exc).__name__}: {exc}{_where(exc)}"
        log.error("Python metric %s failed: %s", spec.label(), error)
        text = f"The Python metric `{spec.function}` failed:\n\n```\n{error}\n```"
        failed = m.TextMetric(name=names.unique(spec.label()), text=text, status=m.Status.FAIL_BLOCK,
                              importance=m.Importance.HIGH, description="a Python metric raised an error")
        return PythonOutput(metrics=[failed], failed=[spec.label()])


def run_python_metrics(specs: Sequence[PythonSpec], loaded: Loaded, *, config_dir: Path | None,
                       names: Names) -> PythonOutput:
    """Run every entry in order and gather what they produced (see the module docstring)."""
    total = PythonOutput()
    for spec in specs:
        out = run_one(spec, loaded, config_dir, names)
        total.extend(out)
        total.failed += out.failed
    return total
