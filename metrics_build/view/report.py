"""`metrics-build view`: metrics files in, one self-contained HTML page out (a section per file)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from metrics_build.reader import read_job_metrics
from metrics_build.view.page import Figures, build_section
from metrics_build.view.render import render_page, write_page


def render_files(files: Sequence[Path], *, title: str | None = None) -> str:
    """The HTML page of one or more JobMetrics files, in the order given.

    Images are read from each file's own directory.

    Raises:
        InputError: a file is missing, unreadable or not a JobMetrics message.
    """
    messages = [(path, read_job_metrics(path)) for path in files]
    figures = Figures()
    sections = [build_section(msg, title=str(path), prefix=f"f{i + 1}", figures=figures, base=path.parent)
                for i, (path, msg) in enumerate(messages)]
    if title is None:
        title = f"metrics: {files[0]}" if len(files) == 1 else f"metrics of {len(files)} files"
    return render_page(title, sections, figures)


def view_files(files: Sequence[Path], output: Path, *, title: str | None = None) -> Path:
    """Render `files` into the page `output` (written atomically) and return its path."""
    write_page(output, render_files(files, title=title))
    return output
