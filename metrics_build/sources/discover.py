"""Discovery: every log file under `logs/`, each with the one format that reads it.

One walk of the directory (bounded in depth and file count; symbolic links leading outside `logs/`
refused, link loops ended), then one decision per file: formats given explicit `patterns` claim
their matches first; every other file is classified by its extension, then by a look at its first
bytes (a `*.json` holding a results document is eval output whatever its name, a `*.jsonl` whose
rows carry `$metadata` is a ReSim emissions log).
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache, lru_cache
from pathlib import Path

from metrics_build.errors import InputError
from metrics_build.sources._keys import EPISODE_END_KEYS, EPISODE_START_KEYS
from metrics_build.sources._options import FORMATS, SourceOptions
from metrics_build.sources._sniff import HEAD_BYTES, first_row, json_head, read_head
from metrics_build.sources._text import shown

log = logging.getLogger("metrics_build.sources")

# What each format reads without explicit patterns (for messages and docs; content decides the rest).
DEFAULT_PATTERNS: Mapping[str, tuple[str, ...]] = {
    "jsonl": ("**/*.jsonl", "**/*.ndjson"),
    "emissions": ("**/*.resim.jsonl", "**/*.jsonl whose rows hold $metadata"),
    "json": ("**/*.json",),
    "csv": ("**/*.csv", "**/*.tsv"),
    "eval": ("**/*.json holding results or episodes", "**/episodes.jsonl", "**/*.episodes.jsonl"),
    "mcap": ("**/*.mcap",),
}
# Within a format, these names come first at each depth (`metrics.jsonl` before `other.jsonl`).
PREFERRED_NAMES = {"jsonl": "metrics.jsonl", "emissions": "emissions.resim.jsonl"}
RESULT_WORDS = ("metrics", "results", "eval")
MAX_DIR_DEPTH = 32
MAX_FILES = 100_000
OUTSIDE = "symbolic link leading outside logs/ (not followed)"
_WARNINGS = 20


@dataclass
class Discovery:
    """The files to read (format, path) in reading order, and the entries refused (path, reason)."""

    found: list[tuple[str, Path]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _File:
    parts: tuple[str, ...]
    identity: tuple[int, int]
    via_link: bool


def _patterns(options: SourceOptions) -> dict[str, tuple[str, ...]]:
    explicit = dict(options.patterns or {})
    unknown = sorted(set(explicit) - set(FORMATS))
    if unknown:
        raise InputError(f"unknown log format(s) in patterns: {', '.join(unknown)} "
                         f"(known: {', '.join(FORMATS)})")
    return {fmt: tuple(explicit[fmt]) for fmt in FORMATS if fmt in explicit}


def looked_for(options: SourceOptions) -> str:
    """The discovery rules in effect, for the message of a run that found nothing."""
    explicit = _patterns(options)
    rules = {fmt: explicit.get(fmt, DEFAULT_PATTERNS[fmt]) for fmt in FORMATS}
    return "; ".join(f"{fmt}: {', '.join(rules[fmt]) or '(off)'}" for fmt in FORMATS)


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)


def _walk(logs_dir: Path, refused: list[tuple[str, str]]) -> list[_File]:
    """Every regular file under `logs_dir` once (by identity), preferring paths without links."""
    root = os.path.realpath(logs_dir)
    top = os.stat(logs_dir)
    visited = {(top.st_dev, top.st_ino)}
    stack: list[tuple[str, tuple[str, ...], bool]] = [(str(logs_dir), (), False)]
    files: list[_File] = []
    too_deep = 0
    while stack and len(files) + len(refused) < MAX_FILES:
        directory, parts, linked = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as exc:
            refused.append(("/".join(parts) or ".", f"unreadable directory ({exc.strerror or exc})"))
            continue
        for entry in entries:
            rel = (*parts, entry.name)
            try:
                link = entry.is_symlink()
                if link and not _inside(os.path.realpath(entry.path), root):
                    refused.append(("/".join(rel), OUTSIDE))
                    continue
                info = os.stat(entry.path)  # follows a link that stays inside; a loop raises ELOOP
            except OSError as exc:
                refused.append(("/".join(rel), f"unreadable ({exc.strerror or exc})"))
                continue
            identity = (info.st_dev, info.st_ino)
            if stat.S_ISDIR(info.st_mode):
                if identity in visited:
                    continue  # a directory seen before (through a link, or a link loop)
                if len(rel) > MAX_DIR_DEPTH:
                    too_deep += 1
                    continue
                visited.add(identity)
                stack.append((entry.path, rel, linked or link))
            elif stat.S_ISREG(info.st_mode):  # FIFOs, sockets and devices would block or never end
                files.append(_File(rel, identity, linked or link))
            if len(files) + len(refused) >= MAX_FILES:
                break
    if too_deep:
        refused.append(("(deeper directories)", f"{too_deep} directories deeper than {MAX_DIR_DEPTH} levels "
                                                "not searched"))
    if len(files) + len(refused) >= MAX_FILES:
        refused.append(("(more files)", f"only the first {MAX_FILES} entries were considered"))
    unique: dict[tuple[int, int], _File] = {}
    for file in sorted(files, key=lambda f: (f.via_link, len(f.parts), f.parts)):
        unique.setdefault(file.identity, file)
    return list(unique.values())


@lru_cache(maxsize=256)
def _pattern_parts(pattern: str) -> tuple[str, ...]:
    return tuple(part for part in pattern.split("/") if part not in ("", "."))


def matches(parts: Sequence[str], pattern: str) -> bool:
    """True when the relative path `parts` matches the glob `pattern` (`*` within a name, `**` across)."""
    pats = _pattern_parts(pattern)

    @cache
    def match(i: int, j: int) -> bool:
        if j == len(pats):
            return i == len(parts)
        if pats[j] == "**":
            return any(match(k, j + 1) for k in range(i, len(parts) + 1))
        return i < len(parts) and fnmatchcase(parts[i], pats[j]) and match(i + 1, j + 1)

    return match(0, 0)


def _sniff_jsonl(path: Path, name: str) -> str:
    if name.endswith(".resim.jsonl"):
        return "emissions"
    if name == "episodes.jsonl" or name.endswith(".episodes.jsonl"):
        return "eval"
    head = read_head(path)
    row = first_row(head, whole=len(head) < HEAD_BYTES)
    return "emissions" if isinstance(row, dict) and "$metadata" in row else "jsonl"


def _sniff_json(path: Path, name: str) -> str:
    head = json_head(read_head(path))
    if head.kind == "{":
        keys = head.keys
        if keys.get("results") == "{" or keys.get("metrics") == "{" or keys.get("episodes") == "[":
            return "eval"
        # A `job -> metric -> value` object is results only in a file named like results: a
        # config.json of nested sections has the same shape.
        if keys and all(kind == "{" for kind in keys.values()) and any(w in name for w in RESULT_WORDS):
            return "eval"
    elif head.kind == "[" and any(key in head.item_keys for key in (*EPISODE_START_KEYS, *EPISODE_END_KEYS)):
        return "eval"
    return "json"


def _sniff(how: Callable[[Path, str], str], path: Path, name: str) -> str:
    try:
        return how(path, name)
    except OSError:
        return ""  # the extension's reader will meet the same error and report it


def _by_content(path: Path, name: str, enabled: set[str]) -> str | None:
    """The default format of one file: by extension, then content; None when nothing reads it."""
    if name.endswith(".mcap"):
        choices = ["mcap"]
    elif name.endswith((".csv", ".tsv")):
        choices = ["csv"]
    elif name.endswith((".jsonl", ".ndjson")):
        choices = [_sniff(_sniff_jsonl, path, name) if enabled - {"jsonl"} else "jsonl", "jsonl"]
    elif name.endswith(".json"):
        choices = [_sniff(_sniff_json, path, name) if "eval" in enabled else "json", "json"]
    else:
        return None
    # A sniffed format that has explicit patterns falls back to the extension's plain format.
    return next((fmt for fmt in choices if fmt in enabled), None)


def scan(logs_dir: Path, options: SourceOptions) -> Discovery:
    """Every log under `logs_dir` with its format, in reading order, and the entries refused.

    Order: by format (as in FORMATS), then by depth (shallowest first), then the format's preferred
    file name first, then by path. Hidden files and directories (a part starting with `.`) are
    skipped unless a pattern names them.

    Raises:
        InputError: `options.patterns` names an unknown format.
    """
    explicit = _patterns(options)
    enabled = set(FORMATS) - set(explicit)
    discovery = Discovery()
    claimed: dict[tuple[str, ...], str] = {}
    for file in _walk(logs_dir, discovery.refused):
        fmt = next((f for f, pats in explicit.items() if any(matches(file.parts, p) for p in pats)), None)
        if fmt is None and not any(part.startswith(".") for part in file.parts):
            fmt = _by_content(logs_dir.joinpath(*file.parts), file.parts[-1].lower(), enabled)
        if fmt is not None:
            claimed[file.parts] = fmt

    def key(item: tuple[tuple[str, ...], str]) -> tuple[int, int, bool, str]:
        parts, fmt = item
        return FORMATS.index(fmt), len(parts), parts[-1] != PREFERRED_NAMES.get(fmt), "/".join(parts)

    discovery.found = [(fmt, logs_dir.joinpath(*parts)) for parts, fmt in sorted(claimed.items(), key=key)]
    for rel, reason in discovery.refused[:_WARNINGS]:
        log.warning("not read: %s: %s", shown(rel), reason)
    if len(discovery.refused) > _WARNINGS:
        log.warning("not read: %d more entries (listed in the input report)", len(discovery.refused) - _WARNINGS)
    return discovery


def discover(logs_dir: Path, options: SourceOptions) -> list[tuple[str, Path]]:
    """Every log under `logs_dir` with its format, in reading order (see `scan`).

    Raises:
        InputError: `options.patterns` names an unknown format.
    """
    return scan(logs_dir, options).found
