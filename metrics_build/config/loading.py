"""Loading the config: TOML text → `MetricsConfig`, with every problem as one readable line.

Errors become one `ConfigError` line naming the file, the entry and the field path, e.g.
`metrics.toml: metrics[2] ("max speed").fails_above: Input should be a valid number`.
`docs/test-mode.md` and `docs/batch-aggregations.md` are the user reference for every key.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from metrics_build.bounded import nesting_depth, read_bounded
from metrics_build.config.defaults import DEFAULT_CONFIG_TOML
from metrics_build.config.root import MetricsConfig
from metrics_build.errors import ConfigError

_MAX_ERRORS_SHOWN = 5
MAX_CONFIG_BYTES = 4 * 1024 * 1024
"""A config is a few kilobytes; anything this large is not one (and would only cost memory)."""
MAX_NESTING = 32
"""Deepest nesting of tables and arrays a config may have (the deepest real one has about 4)."""


def _item_label(raw: Any, loc: tuple[int | str, ...], i: int) -> str:
    """`[2] ("max speed")` for list items whose raw value has a name."""
    node: Any = raw
    for part in loc[: i + 1]:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return f"[{loc[i]}]"
    if isinstance(node, dict) and isinstance(node.get("name"), str):
        return f'[{loc[i]}] ("{node["name"]}")'
    if isinstance(node, dict) and isinstance(node.get("function"), str):
        return f'[{loc[i]}] ("{node["function"]}")'
    return f"[{loc[i]}]"


def _path(raw: Any, loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as `metrics[2] ("max speed").fails_above`.

    Discriminated unions add the tag (e.g. `scalar`) to the location; it is dropped because the
    user never wrote it as a key.
    """
    parts: list[str] = []
    node: Any = raw
    for i, part in enumerate(loc):
        if isinstance(part, int):
            parts.append(_item_label(raw, loc, i))
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            continue
        if isinstance(node, dict) and part not in node and node.get("kind") == part:
            continue  # the union tag
        if part.startswith("function-") or part in ("model", "model_validator"):
            continue
        parts.append(("." if parts else "") + part)
        node = node.get(part) if isinstance(node, dict) else None
    return "".join(parts)


def _message(err: Any) -> str:
    msg = str(err.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    ctx = err.get("ctx") or {}
    if err.get("type") == "extra_forbidden":
        msg = "unknown key"
    elif err.get("type") == "union_tag_invalid":
        msg = f"unknown kind {ctx.get('tag')!r} (kinds: {ctx.get('expected_tags')})"
    elif err.get("type") == "union_tag_not_found":
        msg = "missing"
    return msg


def format_validation_error(source: str, raw: Any, exc: ValidationError) -> str:
    """One line naming every problem (the first few) with its path, prefixed by `source`."""
    items = []
    for err in exc.errors():
        path = _path(raw, tuple(err.get("loc", ())))
        if err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
            path += ".kind"
        msg = _message(err)
        if not path and re.match(r"^(metrics|events|python|batch\.metrics)\[", msg):
            items.append(msg)  # cross-item checks name their own path
        else:
            items.append(f"{path}: {msg}" if path else msg)
    shown = "; ".join(items[:_MAX_ERRORS_SHOWN])
    more = len(items) - _MAX_ERRORS_SHOWN
    return f"{source}: {shown}" + (f"; and {more} more" if more > 0 else "")


def parse_config_text(text: str, source: str) -> MetricsConfig:
    """Parse and validate TOML text (`source` names it in errors).

    Raises:
        ConfigError: invalid TOML or a value that fails validation; one line with the field path.
    """
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{source}: {len(text)} characters is too large for a config "
                          f"(at most {MAX_CONFIG_BYTES})")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{source}: tables or arrays nested too deeply") from None
    if nesting_depth(raw) > MAX_NESTING:
        raise ConfigError(f"{source}: tables or arrays nested more than {MAX_NESTING} deep")
    try:
        return MetricsConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(source, raw, exc)) from None


def load_config(path: Path) -> MetricsConfig:
    """Read and validate a config file.

    Raises:
        ConfigError: the file is missing, unreadable, not UTF-8 TOML, or fails validation.
    """
    data = read_bounded(path, "config file", MAX_CONFIG_BYTES, ConfigError)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return parse_config_text(text, str(path))


def check_config_file(path: Path) -> None:
    """Validate `path` without running anything (`metrics-build config --check`).

    Raises:
        ConfigError: as `load_config`.
    """
    load_config(path)


def default_config_text() -> str:
    """The built-in default config as TOML (`metrics-build config --show-default`)."""
    return DEFAULT_CONFIG_TOML


def default_config() -> MetricsConfig:
    """The built-in default config, parsed from exactly the text `default_config_text` shows."""
    return parse_config_text(default_config_text(), "built-in default config")


def load_run_config(config_path: Path | None) -> tuple[MetricsConfig, Path | None]:
    """The config a mode runs with (the file, else the built-in default) and the directory its Python
    metrics are looked up in (the file's; None for the default).

    Raises:
        ConfigError: the file is missing or invalid.
    """
    if config_path is None:
        return default_config(), None
    return load_config(config_path), config_path.resolve().parent


__all__ = [
    "check_config_file",
    "default_config",
    "default_config_text",
    "format_validation_error",
    "load_config",
    "load_run_config",
    "parse_config_text",
]
