"""Test-mode sources: find the logs under `logs/`, read each with its format's reader, merge.

Formats (names used in config `patterns`): jsonl step logs, ReSim emissions, JSON sample
documents, CSV tables, eval-runner results, MCAP. This package only re-exports: discovery lives in
`discover`, loading in `load`, one leaf module per format, shared helpers in private modules.
"""

from __future__ import annotations

from metrics_build.sources._options import FORMATS, FileData, SourceOptions
from metrics_build.sources.discover import DEFAULT_PATTERNS, discover
from metrics_build.sources.load import describe, list_experience_files, load_logs

__all__ = [
    "DEFAULT_PATTERNS", "FORMATS", "FileData", "SourceOptions", "describe", "discover",
    "list_experience_files", "load_logs",
]
