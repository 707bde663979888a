"""Confinement: the emulator reads only files inside the directory it was given, symlinks resolved.

A metrics file names its external files (`ExternalFile.path`) and a test directory may hold symlinks;
neither may lead the store to a file outside the served directory.
"""

from __future__ import annotations

from pathlib import Path

from metrics_build.errors import InputError


def resolved_root(directory: Path) -> Path:
    """`directory` with every symlink resolved, the root that every served file must lie under.

    Raises:
        InputError: `directory` does not exist or is not a directory.
    """
    try:
        root = directory.resolve(strict=True)
    except (OSError, RuntimeError):
        raise InputError(f"{directory}: directory not found") from None
    if not root.is_dir():
        raise InputError(f"{directory}: not a directory")
    return root


def inside(root: Path, path: Path) -> Path | None:
    """The real location of `path` if it exists and lies under `root` (resolved), else None.

    Symlinks are followed before the check, so a link that leads outside `root` gives None, as do
    loops and paths that cannot be resolved.
    """
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    return real if real == root or real.is_relative_to(root) else None


def check_inside(root: Path, path: Path) -> None:
    """Refuse `path` when it exists but resolves outside `root`.

    Raises:
        InputError: `path` leads outside `root` (through a symlink).
    """
    if path.exists() and inside(root, path) is None:
        raise InputError(f"{path}: leads outside {root} (a symlink?); refused")


__all__ = ["check_inside", "inside", "resolved_root"]
