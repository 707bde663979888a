"""Loading users' Python entries (`module:function`) for test-mode and batch metrics.

A module that is a file in the config file's directory is loaded from that file under a private
module name (two configs with a `custom_metrics.py` each never share a module); any other module is
imported normally. While entries run, the config directory is first on `sys.path`, so their own
imports of neighbouring files work.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from metrics_build.errors import UserCodeError


@contextlib.contextmanager
def on_sys_path(directory: Path | None) -> Iterator[None]:
    """`directory` first on `sys.path` for the duration (nothing when None)."""
    if directory is None:
        yield
        return
    entry = str(directory.resolve())
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(entry)


def _module_file(module: str, directory: Path) -> Path | None:
    base = directory.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _import(module: str, config_dir: Path | None) -> ModuleType:
    path = _module_file(module, config_dir) if config_dir is not None else None
    if path is None:
        return importlib.import_module(module)
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    private = f"_metrics_build_user_{digest}_{module.replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(private, path)
    if spec is None or spec.loader is None:
        raise UserCodeError(f"cannot load {path}")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[private] = loaded
    try:
        spec.loader.exec_module(loaded)
    except BaseException:
        sys.modules.pop(private, None)
        raise
    return loaded


def load_function(ref: str, config_dir: Path | None) -> Callable[..., Any]:
    """The function named by `module:function`, its module found as the module docstring says.

    Raises:
        UserCodeError: the module has no such attribute, or it is not callable.
        ImportError (and whatever the module raises while loading): the module cannot be imported.
    """
    module_name, _, func_name = ref.partition(":")
    module = _import(module_name, config_dir)
    func = getattr(module, func_name, None)
    if func is None:
        raise UserCodeError(f"module {module_name!r} has no attribute {func_name!r}")
    if not callable(func):
        raise UserCodeError(f"{ref} is not a function")
    return func  # type: ignore[no-any-return]
