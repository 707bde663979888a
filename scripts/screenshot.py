#!/usr/bin/env python3
"""Make the README's screenshot: test mode on an example, its HTML view, then headless Chromium.

Usage: .venv/bin/python scripts/screenshot.py [--example csv-table] [--out docs/view-csv-table.png]
       [--width 1280] [--height 1400] [--html FILE]   (--html also keeps the page)
Needs Chromium (Debian's `chromium`; scripts/test.sh installs it as root) and the `view` extra.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default="csv-table", help="a directory under examples/ (default csv-table)")
    parser.add_argument("--out", type=Path, default=None, help="the PNG (default docs/view-EXAMPLE.png)")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1400, help="the visible top of the page that is captured")
    parser.add_argument("--html", type=Path, default=None, help="also keep the HTML page here")
    args = parser.parse_args()

    from metrics_build.test_mode.run import run_test_mode
    from metrics_build.view.browser import Browser, find_chromium
    from metrics_build.view.report import view_files

    example = REPO / "examples" / args.example
    chromium = find_chromium()
    if chromium is None:
        print("screenshot: no Chromium found (apt-get install chromium)", file=sys.stderr)
        return 2
    out = args.out or REPO / "docs" / f"view-{args.example}.png"
    out, html = out.resolve(), args.html.resolve() if args.html else None
    with tempfile.TemporaryDirectory() as tmp:
        # Render from out/EXAMPLE/ in a scratch directory, as the README's commands do, so the page
        # names that path and not a temporary one.
        os.chdir(tmp)
        outputs = Path("out") / args.example
        code = run_test_mode(inputs=example / "inputs", outputs=outputs, config_path=example / "metrics.toml",
                             job_id=None)
        if code:
            return code
        page = view_files([outputs / "metrics.binproto"], html or Path("report.html"))
        with Browser(chromium, width=args.width, height=args.height) as browser:
            report = browser.load(page, ready="document.body && document.body.dataset.ready === '1'",
                                  screenshot=out, full_page=False)
    if not report.ready or report.errors:
        print(f"screenshot: the page did not draw cleanly: {report.errors}", file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
