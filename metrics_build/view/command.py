"""`metrics-build view FILE... [-o report.html]`: render files into one page (the command line parses
the arguments, see `metrics_build.cli.view`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from metrics_build.errors import InputError

log = logging.getLogger(__name__)

DEFAULT_OUTPUT = Path("report.html")
EXTRA_HINT = "pip install 'metrics-build[view]'"


def require_view_dependencies() -> None:
    """Raises InputError naming the missing package when the `view` extra is not installed."""
    for module in ("jinja2", "markdown_it", "plotly"):
        try:
            __import__(module)
        except ImportError:
            raise InputError(f"the view needs the optional package {module!r}: {EXTRA_HINT}") from None


def run(files: Sequence[Path], output: Path, title: str | None = None) -> int:
    """Render `files` into `output`; prints the page's path. Returns the exit code (0).

    Raises:
        InputError: a file is missing or not JobMetrics, the output cannot be written, or the `view`
            extra is not installed.
    """
    require_view_dependencies()
    from metrics_build.view.report import view_files

    if output.is_dir():
        raise InputError(f"{output}: is a directory; give the HTML file to write")
    path = view_files(files, output, title=title)
    print(path)
    return 0
