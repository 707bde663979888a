"""Loading: read every discovered log with its format's reader and merge them into one `Loaded`.

Channel names and eval job names are made unique across files here; nothing else knows about
more than one file at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from metrics_build.channels import Channel, Loaded, SourceReport
from metrics_build.errors import InputError
from metrics_build.sources import csv_table, emissions, eval_runner, json_samples, jsonl_steps, mcap_log
from metrics_build.sources._options import FileData, SourceOptions
from metrics_build.sources._text import clean, shown
from metrics_build.sources.discover import looked_for, scan

log = logging.getLogger("metrics_build.sources")

READERS: Mapping[str, Callable[[Path, str, SourceOptions], FileData]] = {
    "jsonl": jsonl_steps.read,
    "emissions": emissions.read,
    "json": json_samples.read,
    "csv": csv_table.read,
    "eval": eval_runner.read,
    "mcap": mcap_log.read,
}
NOT_READ = "-"


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
    """One log line of counts for a file: rows read and skipped with reasons, values dropped.

    Names read from the logs are escaped, so a file name cannot forge or break a log line.
    """
    text = f"{shown(report.path)} ({report.format}): {report.rows_read} rows read, {report.rows_skipped} skipped"
    if report.skip_reasons:
        text += " (" + ", ".join(f"{shown(r)}: {n}" for r, n in sorted(report.skip_reasons.items())) + ")"
    if report.values_dropped:
        text += "; values dropped: " + ", ".join(f"{shown(r)}: {n}" for r, n in sorted(report.values_dropped.items()))
    return text


def _unread(rel: str, fmt: str, reason: str) -> FileData:
    # Listed in the input report as one record that gave nothing.
    data = FileData(report=SourceReport(path=rel, format=fmt, rows_read=1))
    data.report.skip(reason)
    return data


def load_logs(logs_dir: Path, options: SourceOptions) -> Loaded:
    """Read every log under `logs_dir` into one `Loaded`, channel names made unique.

    An empty or wholly malformed file is not an error: it adds no channels, only its report.
    When two files yield the same channel name the first (in discovery order) keeps it and later
    ones are renamed `<file stem>.<name>` (then `<path without suffix>.<name>`, then `...#n`).
    Entries discovery refused (links leading outside `logs/`, ...) are listed in the reports.

    Raises:
        InputError: `logs_dir` is missing, holds no supported file, or no file could be read.
    """
    if not logs_dir.is_dir():
        what = "is not a directory" if logs_dir.exists() else "does not exist"
        raise InputError(f"logs directory {shown(str(logs_dir))} {what} (test mode reads the test's logs from there)")
    discovery = scan(logs_dir, options)
    if not discovery.found:
        refused = f"; not read: {len(discovery.refused)} (see the warnings above)" if discovery.refused else ""
        raise InputError(f"no log found in {shown(str(logs_dir))}: looked for {looked_for(options)}{refused}")
    loaded = Loaded()
    errors: list[str] = []
    for fmt, path in discovery.found:
        rel = clean(path.relative_to(logs_dir).as_posix())
        try:
            data = READERS[fmt](path, rel, options)
        except OSError as exc:
            reason = str(exc.strerror or exc)
            errors.append(f"{shown(rel)}: {reason}")
            log.warning("cannot read %s: %s", shown(rel), reason)
            data = _unread(rel, fmt, f"unreadable file ({reason})")
        _merge(loaded, data, rel)
        log.info("%s; %d channels", describe(data.report), len(data.channels))
    for rel, reason in discovery.refused:
        loaded.reports.append(_unread(clean(rel), NOT_READ, reason).report)
    if len(errors) == len(discovery.found):
        raise InputError(f"no readable log in {shown(str(logs_dir))}: {len(errors)} found, none could be read "
                         f"({errors[0]})")
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
