"""Writing an output file atomically: a temporary file beside it, fsync, rename.

An interrupted or failed write leaves the previous file or none, never a truncated one, and never a
stray temporary file in `outputs/` (which the platform uploads whole): the next run removes any that a
killed run left behind.
"""

from __future__ import annotations

import errno
import logging
import os
import tempfile
from pathlib import Path

from metrics_build.errors import OutputError

log = logging.getLogger("metrics_build.writer")

_TMP_SUFFIX = ".tmp"


def _tmp_prefix(path: Path) -> str:
    return f".{path.name}."


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    if exc.errno == errno.EDQUOT:
        return "disk quota exceeded"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    return exc.strerror or type(exc).__name__


def remove_stale_temporaries(path: Path) -> int:
    """Remove the temporary files a killed earlier write of `path` left beside it; returns how many."""
    removed = 0
    try:
        candidates = list(path.parent.glob(f"{_tmp_prefix(path)}*{_TMP_SUFFIX}"))
    except OSError:
        return 0
    for stale in candidates:
        try:
            stale.unlink()
            removed += 1
        except OSError:
            continue
    if removed:
        log.info("removed %d temporary file%s left by an interrupted run beside %s", removed,
                 "s" if removed != 1 else "", path.name)
    return removed


def write_atomic(path: Path, payload: bytes) -> None:
    """Write `payload` to a temporary file beside `path`, fsync, then rename over `path`.

    Raises:
        OutputError: the directory cannot be created or written (full, read-only, ...), or `path` is
            a directory; nothing is left behind.
    """
    directory = path.parent
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(path), suffix=_TMP_SUFFIX, dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write to {directory}: {_reason(exc)}") from None
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): no temporary file stays behind
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # the file is in place; only the directory entry's durability is not confirmed
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _umask() -> int:
    """The process umask (reading it means setting it; set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


__all__ = ["remove_stale_temporaries", "write_atomic"]
