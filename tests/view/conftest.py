"""One headless Chromium for all browser tests of this directory (skipped, with the reason, without one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from metrics_build.view.browser import CHROMIUM_ENV, Browser, find_chromium


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.skip(f"no Chromium on PATH (scripts/test.sh installs Debian's chromium as root; or set {CHROMIUM_ENV})")
    with Browser(executable, timeout=90) as running:
        yield running
