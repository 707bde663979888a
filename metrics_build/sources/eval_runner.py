"""Eval-runner output: results (job name -> metric -> value) and per-episode records.

A JSON object may hold `results` (or `metrics`) and/or `episodes`; an object whose every value is
an object is read as results; a JSON list or a JSONL file is read as episode records. A record needs
two of start step, end step and length (`[start, end]` is inclusive, so length = end - start + 1).
Episodes also become channels stepped by their end step: `episode.reward`, `episode.length`,
`episode.success` (0/1) and `episode.<field>` for any other numeric field. A document with neither
results nor episodes is read as a JSON sample document instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from metrics_build.channels import Episode, SourceReport
from metrics_build.sources import json_samples
from metrics_build.sources._columns import ColumnSet, as_number
from metrics_build.sources._flatten import flatten
from metrics_build.sources._io import INVALID, line_chunks, load_json_file, loads_lenient, paused_gc
from metrics_build.sources._options import FileData, SourceOptions
from metrics_build.sources.jsonl_steps import as_step

FORMAT = "eval"
INDEX_KEYS = ("episode", "episode_index", "episode_id", "index", "id")
ENV_KEYS = ("env_index", "env_idx", "env", "env_id")
START_KEYS = ("start_step", "start")
END_KEYS = ("end_step", "end")
LENGTH_KEYS = ("length", "episode_length", "len", "num_steps", "steps")
SUCCESS_KEYS = ("success", "is_success", "succeeded", "solved")
REWARD_KEYS = ("reward", "return", "episode_reward", "total_reward", "episode_return")
_KNOWN = frozenset((*INDEX_KEYS, *ENV_KEYS, *START_KEYS, *END_KEYS, *LENGTH_KEYS, *SUCCESS_KEYS, *REWARD_KEYS))
_TRUE = frozenset(("true", "yes", "1", "success", "succeeded"))
_FALSE = frozenset(("false", "no", "0", "failure", "failed"))


def read(path: Path, rel: str, options: SourceOptions) -> FileData:
    """Read one eval-runner file (JSON results/episodes document, or JSONL episode records).

    Raises:
        OSError: The file cannot be opened or read.
    """
    report = SourceReport(path=rel, format=FORMAT)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        records: list[Any] = []
        with path.open("rb") as stream, paused_gc():
            for lines in line_chunks(stream):
                records.extend(loads_lenient(line) for line in lines if line.strip())
        return _episodes_data(records, rel, options, report)
    document = load_json_file(path, report)
    if document is INVALID:
        return FileData(report=report)
    return read_document(document, rel, options, report)


def looks_like_results(document: Any) -> bool:
    """True for a non-empty object whose every value is an object (job name -> metric -> value)."""
    return isinstance(document, dict) and bool(document) and all(isinstance(v, dict) for v in document.values())


def read_document(document: Any, rel: str, options: SourceOptions, report: SourceReport) -> FileData:
    """Results, episodes and their channels from a parsed eval document (else read as samples)."""
    report.format = FORMAT
    if isinstance(document, list):
        if any(_is_episode(item) for item in document):
            return _episodes_data(document, rel, options, report)
    elif isinstance(document, dict):
        results = document.get("results", document.get("metrics"))
        episodes = document.get("episodes")
        if not isinstance(results, dict) and not isinstance(episodes, list) and looks_like_results(document):
            results = document
        if isinstance(results, dict) or isinstance(episodes, list):
            data = _episodes_data(episodes if isinstance(episodes, list) else [], rel, options, report)
            if isinstance(results, dict):
                data.results = _results(results, options, report)
            return data
    report.format = json_samples.FORMAT
    return json_samples.read_document(document, rel, options, report)


def _first(record: dict[str, Any], keys: Iterable[str]) -> Any:
    return next((record[key] for key in keys if key in record), None)


def _is_episode(item: Any) -> bool:
    return isinstance(item, dict) and any(key in item for key in (*START_KEYS, *END_KEYS))


def _results(results: dict[str, Any], options: SourceOptions, report: SourceReport) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for job, metrics in results.items():
        report.rows_read += 1
        if not isinstance(metrics, dict):
            report.skip("result is not an object")
            continue
        values: dict[str, Any] = {}
        for name, value in flatten(metrics):
            if isinstance(value, str):
                values[name] = value
                continue
            number = as_number(value)
            if number is None:
                report.drop("not a scalar")
            elif not math.isfinite(number) and options.nonfinite == "drop":
                report.drop("non-finite value")
            else:
                values[name] = value if isinstance(value, int) and math.isfinite(number) else number
        out[str(job)] = values
    return out


def _success(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        return True if word in _TRUE else False if word in _FALSE else None
    return None


def _episode(record: dict[str, Any], position: int, rel: str) -> Episode | str:
    start = as_step(_first(record, START_KEYS))
    end = as_step(_first(record, END_KEYS))
    length = as_step(_first(record, LENGTH_KEYS))
    if start is None and end is not None and length is not None:
        start = end - length + 1
    if end is None and start is not None and length is not None:
        end = start + length - 1
    if start is None or end is None:
        return "no episode boundaries"
    if end < start:
        return "end step before start step"
    index = as_step(_first(record, INDEX_KEYS))
    env = as_step(_first(record, ENV_KEYS))
    reward = as_number(_first(record, REWARD_KEYS))
    return Episode(index=position if index is None else index, env_index=0 if env is None else env,
                   start_step=start, end_step=end, success=_success(_first(record, SUCCESS_KEYS)),
                   reward=reward, length=end - start + 1 if length is None else length, source=rel)


def _episodes_data(records: list[Any], rel: str, options: SourceOptions, report: SourceReport) -> FileData:
    episodes: list[tuple[Episode, dict[str, Any]]] = []
    for position, record in enumerate(records):
        report.rows_read += 1
        if record is INVALID:
            report.skip("invalid JSON")
            continue
        if not isinstance(record, dict):
            report.skip("not a JSON object")
            continue
        episode = _episode(record, position, rel)
        if isinstance(episode, str):
            report.skip(episode)
            continue
        if episode.reward is not None and not math.isfinite(episode.reward) and options.nonfinite == "drop":
            report.drop("non-finite value")
            episode = replace(episode, reward=None)
        episodes.append((episode, record))
    columns = ColumnSet(rel, report)
    # Channels are ordered by end step (then env, then episode) so they read as a time series.
    for episode, record in sorted(episodes, key=lambda pair: (pair[0].end_step, pair[0].env_index, pair[0].index)):
        step = episode.end_step
        if episode.reward is not None:
            columns.add("episode.reward", episode.reward, step, None)
        columns.add("episode.length", episode.length, step, None)
        if episode.success is not None:
            columns.add("episode.success", float(episode.success), step, None)
        for name, value in flatten(record, skip=_KNOWN):
            if not isinstance(value, str):
                columns.add(f"episode.{name}", value, step, None)
    return FileData(report=report, channels=columns.finish(options.nonfinite),
                    episodes=[episode for episode, _ in episodes])
