"""local-batch's report: `OUT/report.html` over `OUT/tests/*` and `OUT/batch`, written when the `view`
extra is installed (a warning says how to get it otherwise). Imports the renderer only when called."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from metrics_build.errors import InputError

log = logging.getLogger(__name__)


def write_local_batch_report(root: Path, errors: Mapping[str, str]) -> Path | None:
    """Write `root/report.html` (and a page per test under `root/tests/<name>/`).

    Args:
        root: local-batch's output directory.
        errors: failed test name -> its error line.

    Returns:
        The overview page, or None when it could not be written (logged as a warning: the batch's
        own results are complete without it).
    """
    from metrics_build.view.command import require_view_dependencies

    try:
        require_view_dependencies()
        from metrics_build.view.batch import render_test_outputs

        logs = {p.stem: p for p in (root / "logs").glob("*.log")}
        pages = render_test_outputs(root / "tests", root / "report.html", batch_file=root / "batch" /
                                    "metrics.binproto", errors=errors, logs=logs, title=f"local batch: {root}")
    except InputError as exc:
        log.warning("no report.html: %s", exc)
        return None
    log.info("report: %s", pages.overview)
    return pages.overview
