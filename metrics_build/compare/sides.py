"""A directory of test outputs as one side: a `local-batch` output (`OUT/tests/<name>/metrics.binproto`
with `OUT/batch_manifest.json` telling failed and unfinished tests) or any `DIR/<test>/metrics.binproto`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from metrics_build.compare.extract import read_record
from metrics_build.compare.records import Outcome, Side, SideTest
from metrics_build.errors import InputError

log = logging.getLogger(__name__)

METRICS_FILE = "metrics.binproto"
MANIFEST_FILE = "batch_manifest.json"
TESTS_DIR = "tests"
# Manifest statuses (metrics_build.local_batch.manifest.Status) that mean the test has no metrics.
_ERRORED = "failed"
_CANCELLED = "pending"


def _plain_name(name: object) -> bool:
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\\" not in name


def _read_test(root: Path, name: str) -> SideTest:
    path = root / name / METRICS_FILE
    if not path.is_file():
        return SideTest(name=name, outcome=Outcome.ERRORED, reason=f"no {METRICS_FILE}")
    if not path.resolve().is_relative_to(root.resolve()):
        return SideTest(name=name, outcome=Outcome.ERRORED, reason=f"{path} links outside {root}")
    try:
        return read_record(path, name)
    except InputError as exc:
        log.warning("%s: left out as errored: %s", name, exc)
        return SideTest(name=name, outcome=Outcome.ERRORED, reason=str(exc))


def _test_dirs(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()
                  if not p.name.startswith(".") and p.is_dir() and (p / METRICS_FILE).is_file())


def _manifest_tests(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: unreadable local-batch manifest ({type(exc).__name__})") from None
    tests = data.get("tests") if isinstance(data, dict) else None
    if not isinstance(tests, dict) or not all(_plain_name(n) and isinstance(r, dict) for n, r in tests.items()):
        raise InputError(f"{path}: not a local-batch manifest (no 'tests' object of test directory names)")
    return tests


def _from_manifest(root: Path, manifest: Path) -> Iterator[SideTest]:
    tests = _manifest_tests(manifest)
    for name in sorted(tests):
        record = tests[name]
        status = record.get("status")
        error = record.get("error")
        reason = str(error) if error else f"local-batch status {status!r}"
        if status == _ERRORED:
            yield SideTest(name=name, outcome=Outcome.ERRORED, reason=reason)
        elif status == _CANCELLED:
            yield SideTest(name=name, outcome=Outcome.CANCELLED, reason="never ran (the local batch was stopped)")
        else:
            yield _read_test(root / TESTS_DIR, name)
    for name in _test_dirs(root / TESTS_DIR):
        if name not in tests:
            log.warning("%s: in %s but not in %s; compared as it is", name, root / TESTS_DIR, manifest.name)
            yield _read_test(root / TESTS_DIR, name)


def _from_dirs(root: Path, names: list[str]) -> Iterator[SideTest]:
    for name in names:
        yield _read_test(root, name)


def directory_side(path: Path, label: str) -> Side:
    """The tests under `path`, read one at a time as they are iterated.

    Args:
        path: A `local-batch` output directory, or a directory of `<test>/metrics.binproto`.
        label: How output names this side ("baseline" or "candidate").

    Returns:
        The side; unreadable files become ERRORED tests (logged), never a crash.

    Raises:
        InputError: `path` is not a directory, its manifest is malformed, or it holds no test.
    """
    if not path.is_dir():
        raise InputError(f"{label} {path}: not a directory of test outputs")
    manifest = path / MANIFEST_FILE
    if manifest.is_file() and (path / TESTS_DIR).is_dir():
        return Side(label=label, tests=_from_manifest(path, manifest), source=str(path))
    names = _test_dirs(path)
    if not names and (path / TESTS_DIR).is_dir():
        path = path / TESTS_DIR
        names = _test_dirs(path)
    if not names:
        raise InputError(f"{label} {path}: no tests (expected <test>/{METRICS_FILE} or a local-batch output)")
    return Side(label=label, tests=_from_dirs(path, names), source=str(path))
