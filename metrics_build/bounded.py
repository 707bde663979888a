"""Reading a user's input file whole, within a size bound, with one-line errors; and measuring how deep
parsed JSON or TOML nests without recursing (a hostile file must not reach a recursive validator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from metrics_build.errors import InputError


def read_bounded(path: Path, what: str, max_bytes: int, error: type[InputError] = InputError) -> bytes:
    """The bytes of `path` (a `what`, e.g. "config file"), refusing files over `max_bytes` unread.

    Raises:
        `error` (an InputError): missing, a directory, not permitted, unreadable, or too large.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a {what}") from None
    except PermissionError:
        raise error(f"{path}: permission denied") from None
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror or type(exc).__name__})") from None
    if len(data) > max_bytes:
        raise error(f"{path}: larger than {max_bytes} bytes, not a {what}")
    return data


def nesting_depth(value: Any) -> int:
    """How deep dicts and lists nest in parsed JSON or TOML (iteratively: any depth is measured)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


__all__ = ["nesting_depth", "read_bounded"]
