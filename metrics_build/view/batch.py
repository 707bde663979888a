"""A directory of test outputs (plus, optionally, a batch output) as linked pages: an overview with the
pass / warn / block / error counts, a row per test and the batch metrics, and one page per test beside
its metrics file. Any mode that leaves test outputs in a directory (local-batch, report, compare) can
call `render_test_outputs`."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from metrics_build.errors import InputError
from metrics_build.reader import read_job_metrics
from metrics_build.view import status as st
from metrics_build.view.page import Figures, Section, build_section
from metrics_build.view.render import Overview, TestRow, render_page, write_page
from metrics_build.wire import metrics_pb2 as pb

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.binproto"
PAGE_NAME = "report.html"
ERROR = "ERROR"
# The overview's counts, in this order; tests with another status are counted under their own label.
_OUTCOMES = [("PASSED", "passed"), ("FAIL_WARN", "warn"), ("FAIL_BLOCK", "block"), (ERROR, "error")]


@dataclass(frozen=True)
class BatchPages:
    """What `render_test_outputs` wrote."""

    overview: Path
    tests: dict[str, Path]


def _href(target: Path, page: Path) -> str:
    """A relative link from `page` to `target`, safe for any file name."""
    return quote(Path(os.path.relpath(target, page.parent)).as_posix())


def _why(section: Section) -> str:
    parts = [f"{r.link.text}: {r.text}" if r.text else r.link.text for r in section.reasons[:3]]
    if len(section.reasons) > 3:
        parts.append(f"and {len(section.reasons) - 3} more failing metrics")
    return "; ".join(parts)


def _test_page(name: str, metrics: Path, overview: Path) -> tuple[TestRow, Path]:
    page = metrics.parent / PAGE_NAME
    msg = read_job_metrics(metrics)
    figures = Figures()
    section = build_section(msg, title=f"test {name}", prefix="t", figures=figures, base=metrics.parent)
    write_page(page, render_page(f"test {name}", [section], figures,
                                 back=(_href(overview, page), "← batch overview")))
    row = TestRow(name, st.label(msg.metrics_status), st.css(msg.metrics_status), _why(section),
                  href=_href(page, overview))
    return row, page


def render_test_outputs(tests_dir: Path, output: Path, *, batch_file: Path | None = None,
                        errors: Mapping[str, str] | None = None, logs: Mapping[str, Path] | None = None,
                        title: str = "batch") -> BatchPages:
    """Write a page per test (`tests_dir/<name>/report.html`) and the overview at `output`.

    Args:
        tests_dir: one directory per test; those holding `metrics.binproto` get a page, the others
            are listed as errors.
        output: the overview page; it links to every test page and each links back.
        batch_file: the batch's own metrics, drawn on the overview (when given and present).
        errors: test name -> why it has no metrics (e.g. local-batch's error line).
        logs: test name -> its log file, linked from the overview.
        title: the overview's title.

    Returns:
        The pages written.

    Raises:
        InputError: `tests_dir` is not a directory, or a page cannot be written.
    """
    if not tests_dir.is_dir():
        raise InputError(f"{tests_dir}: not a directory of test outputs")
    errors, logs = errors or {}, logs or {}
    rows, pages = [], {}
    for directory in sorted(p for p in tests_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        name, metrics = directory.name, directory / METRICS_FILE
        log_href = _href(logs[name], output) if name in logs and logs[name].is_file() else ""
        if not metrics.is_file():
            rows.append(TestRow(name, ERROR, "error", errors.get(name, f"no {METRICS_FILE}"), log_href=log_href))
            continue
        try:
            row, pages[name] = _test_page(name, metrics, output)
        except InputError as exc:
            log.warning("%s: no page: %s", name, exc)
            row = TestRow(name, ERROR, "error", str(exc))
        rows.append(TestRow(row.name, row.label, row.css, row.why, row.href, log_href))
    counts = {label: sum(r.label == label for r in rows) for label, _ in _OUTCOMES}
    others = sorted({r.label for r in rows} - set(counts))
    overview = Overview([(label, css, counts[label]) for label, css in _OUTCOMES]
                        + [(label, "none", sum(r.label == label for r in rows)) for label in others], rows)
    figures = Figures()
    sections = []
    if batch_file is not None and batch_file.is_file():
        msg: pb.JobMetrics = read_job_metrics(batch_file)
        sections.append(build_section(msg, title="batch metrics", prefix="b", figures=figures,
                                      base=batch_file.parent))
    elif batch_file is not None:
        overview.notes.append(f"no batch metrics ({batch_file} does not exist)")
    write_page(output, render_page(title, sections, figures, overview=overview))
    return BatchPages(output, pages)
