"""The platform's paths and the config lookup chain: the only place that knows where things live."""

from __future__ import annotations

import os
from pathlib import Path

PLATFORM_INPUTS = Path("/tmp/resim/inputs")
PLATFORM_OUTPUTS = Path("/tmp/resim/outputs")
CONFIG_ENV = "METRICS_BUILD_CONFIG"
BAKED_CONFIG = Path("/etc/metrics-build/metrics.toml")


def resolve_config(explicit: Path | None) -> Path | None:
    """--config, else $METRICS_BUILD_CONFIG, else the baked-in file if present, else None (the default)."""
    if explicit is not None:
        return explicit
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    if BAKED_CONFIG.is_file():
        return BAKED_CONFIG
    return None


__all__ = ["BAKED_CONFIG", "CONFIG_ENV", "PLATFORM_INPUTS", "PLATFORM_OUTPUTS", "resolve_config"]
