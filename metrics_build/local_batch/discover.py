"""Find the tests of a local batch: subdirectories holding `logs/` (or `inputs/logs/`), and their
optional own `metrics.toml` (the layout of `examples/<name>/`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from metrics_build.errors import InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalTest:
    """One test: its name (the directory name), the directory mounted as the platform's inputs, and
    its own config (`<test dir>/metrics.toml`), if it has one."""

    name: str
    inputs: Path
    config: Path | None = None


def _inputs_of(directory: Path) -> Path | None:
    # A test directory is laid out like /tmp/resim/inputs (logs/, optional experience/), or holds
    # such a directory as `inputs/` (the layout of examples/<name>/).
    for candidate in (directory, directory / "inputs"):
        if (candidate / "logs").is_dir():
            return candidate
    return None


def discover_tests(root: Path) -> list[LocalTest]:
    """Every test directory directly under `root`, sorted by name; hidden directories are ignored.

    Raises:
        InputError: `root` is not a directory, or holds no test directory.
    """
    if not root.is_dir():
        raise InputError(f"tests directory not found: {root}")
    cases: list[LocalTest] = []
    ignored: list[str] = []
    for child in sorted(root.iterdir(), key=lambda p: p.name):
        if child.name.startswith(".") or not child.is_dir():
            continue
        inputs = _inputs_of(child)
        if inputs is None:
            ignored.append(child.name)
        else:
            config = child / "metrics.toml"
            cases.append(LocalTest(name=child.name, inputs=inputs.resolve(),
                                  config=config.resolve() if config.is_file() else None))
    if ignored:
        log.warning("ignoring %d directories without logs/ or inputs/logs/: %s", len(ignored), ", ".join(ignored))
    if not cases:
        raise InputError(f"no test directories under {root} (each needs logs/ or inputs/logs/)")
    return cases
