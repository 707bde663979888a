"""Test-mode sources: find the logs under `logs/`, read each with its format's reader, merge.

Formats (names used in config `patterns`): jsonl step logs, ReSim emissions, JSON sample
documents, CSV tables, eval-runner results, MCAP. One module per format; none knows about metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from metrics_build.channels import Channel, Loaded, SourceReport
from metrics_build.errors import InputError
from metrics_build.sources import csv_table, emissions, eval_runner, json_samples, jsonl_steps, mcap_log
from metrics_build.sources._options import FORMATS, FileData, SourceOptions

log = logging.getLogger("metrics_build.sources")

READERS: Mapping[str, Callable[[Path, str, SourceOptions], FileData]] = {
    "jsonl": jsonl_steps.read,
    "emissions": emissions.read,
    "json": json_samples.read,
    "csv": csv_table.read,
    "eval": eval_runner.read,
    "mcap": mcap_log.read,
}
DEFAULT_PATTERNS: Mapping[str, tuple[str, ...]] = {
    "jsonl": ("**/*.jsonl", "**/*.ndjson"),
    "emissions": ("**/*.resim.jsonl",),
    "json": ("**/*.json",),
    "csv": ("**/*.csv", "**/*.tsv"),
    "eval": ("**/eval_results.json", "**/eval_metrics.json", "**/results.json", "**/*.eval.json",
             "**/episodes.json", "**/episodes.jsonl", "**/*.episodes.jsonl"),
    "mcap": ("**/*.mcap",),
}
# A file matched by several formats' default patterns goes to the first of these.
CLAIM_ORDER = ("emissions", "eval", "mcap", "jsonl", "csv", "json")
# Within a format, these names come first at each depth (`metrics.jsonl` before `other.jsonl`).
PREFERRED_NAMES = {"jsonl": "metrics.jsonl", "emissions": "emissions.resim.jsonl"}


def _patterns(options: SourceOptions) -> dict[str, tuple[str, ...]]:
    explicit = dict(options.patterns or {})
    unknown = sorted(set(explicit) - set(FORMATS))
    if unknown:
        raise InputError(f"unknown log format(s) in patterns: {', '.join(unknown)} "
                         f"(known: {', '.join(FORMATS)})")
    return {fmt: tuple(explicit.get(fmt, DEFAULT_PATTERNS[fmt])) for fmt in FORMATS}


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def discover(logs_dir: Path, options: SourceOptions) -> list[tuple[str, Path]]:
    """Every log under `logs_dir` with its format, in a deterministic order.

    Order: by format (as in FORMATS), then by depth (shallowest first), then the format's preferred
    file name first, then by path. Each file is read by one format only: formats given explicit
    patterns claim first, then the defaults in CLAIM_ORDER. Hidden files and directories are
    skipped by the default patterns.

    Raises:
        InputError: `options.patterns` names an unknown format.
    """
    patterns = _patterns(options)
    explicit = [fmt for fmt in FORMATS if options.patterns and fmt in options.patterns]
    order = explicit + [fmt for fmt in CLAIM_ORDER if fmt not in explicit]
    claimed: dict[Path, str] = {}
    for fmt in order:
        for pattern in patterns[fmt]:
            for path in sorted(logs_dir.glob(pattern)):
                rel = path.relative_to(logs_dir)
                if path in claimed or not path.is_file() or (fmt not in explicit and _hidden(rel)):
                    continue
                claimed[path] = fmt

    def key(item: tuple[Path, str]) -> tuple[int, int, bool, str]:
        path, fmt = item
        rel = path.relative_to(logs_dir)
        return FORMATS.index(fmt), len(rel.parts), rel.name != PREFERRED_NAMES.get(fmt), rel.as_posix()

    return [(fmt, path) for path, fmt in sorted(claimed.items(), key=key)]


def _looked_for(options: SourceOptions) -> str:
    patterns = _patterns(options)
    return "; ".join(f"{fmt}: {', '.join(patterns[fmt]) or '(off)'}" for fmt in FORMATS)


def _unique(name: str, rel: str, taken: Mapping[str, object]) -> str:
    # First file wins the plain name; later files get their file stem, then their whole path, then #n.
    if name not in taken:
        return name
    stem = Path(rel).name.split(".", 1)[0]
    candidates = [f"{stem}.{name}", f"{Path(rel).with_suffix('').as_posix().replace('/', '.')}.{name}"]
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    n = 2
    while f"{candidates[-1]}#{n}" in taken:
        n += 1
    return f"{candidates[-1]}#{n}"


def describe(report: SourceReport) -> str:
    """One line of counts for a file: rows read and skipped with reasons, values dropped."""
    text = f"{report.path} ({report.format}): {report.rows_read} rows read, {report.rows_skipped} skipped"
    if report.skip_reasons:
        text += " (" + ", ".join(f"{r}: {n}" for r, n in sorted(report.skip_reasons.items())) + ")"
    if report.values_dropped:
        text += "; values dropped: " + ", ".join(f"{r}: {n}" for r, n in sorted(report.values_dropped.items()))
    return text


def load_logs(logs_dir: Path, options: SourceOptions) -> Loaded:
    """Read every log under `logs_dir` into one `Loaded`, channel names made unique.

    An empty or wholly malformed file is not an error: it adds no channels, only its report.
    When two files yield the same channel name the first (in `discover` order) keeps it and later
    ones are renamed `<file stem>.<name>` (then `<path without suffix>.<name>`, then `...#n`).

    Raises:
        InputError: `logs_dir` is missing, holds no supported file, or no file could be read.
    """
    if not logs_dir.is_dir():
        what = "is not a directory" if logs_dir.exists() else "does not exist"
        raise InputError(f"logs directory {logs_dir} {what} (test mode reads the test's logs from there)")
    found = discover(logs_dir, options)
    if not found:
        raise InputError(f"no log found in {logs_dir}: looked for {_looked_for(options)}")
    loaded = Loaded()
    errors: list[str] = []
    for fmt, path in found:
        rel = path.relative_to(logs_dir).as_posix()
        try:
            data = READERS[fmt](path, rel, options)
        except OSError as exc:
            reason = str(exc.strerror or exc)
            errors.append(f"{rel}: {reason}")
            log.warning("cannot read %s: %s", rel, reason)
            # Still listed in the input report, as one unreadable record.
            data = FileData(report=SourceReport(path=rel, format=fmt, rows_read=1))
            data.report.skip(f"unreadable file ({reason})")
        _merge(loaded, data, rel)
        log.info("%s; %d channels", describe(data.report), len(data.channels))
    if len(errors) == len(found):
        raise InputError(f"no readable log in {logs_dir}: {len(errors)} found, none could be read ({errors[0]})")
    return loaded


def _merge(loaded: Loaded, data: FileData, rel: str) -> None:
    for channel in data.channels:
        name = _unique(channel.name, rel, loaded.channels)
        loaded.channels[name] = channel if name == channel.name else _renamed(channel, name)
    loaded.episodes.extend(data.episodes)
    loaded.events.extend(data.events)
    for job, metrics in data.results.items():
        loaded.results[_unique(job, rel, loaded.results)] = metrics
    loaded.reports.append(data.report)


def _renamed(channel: Channel, name: str) -> Channel:
    return Channel(name=name, kind=channel.kind, values=channel.values, timestamps_ns=channel.timestamps_ns,
                   steps=channel.steps, unit=channel.unit, source=channel.source)


def list_experience_files(experience_dir: Path) -> list[str]:
    """Relative paths of the experience's input files (sorted), or [] when there is no such directory."""
    if not experience_dir.is_dir():
        return []
    return sorted(p.relative_to(experience_dir).as_posix() for p in experience_dir.rglob("*") if p.is_file())


__all__ = [
    "DEFAULT_PATTERNS", "FORMATS", "FileData", "SourceOptions", "describe", "discover",
    "list_experience_files", "load_logs",
]
