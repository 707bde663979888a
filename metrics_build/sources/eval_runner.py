"""Eval-runner output: results (job -> metric -> value) and per-episode records.

Results come from a JSON object's `results` (or `metrics`) section, or from an object whose every
value is an object (job name -> metrics): lm-evaluation-harness files (`results_<date>.json`, the
older `*-res.json`; the `,none` filter suffix is dropped, `<metric>_stderr` companions are results of
their own), IsaacLab-Arena's flat `{"metrics": {...}}` (flat entries belong to a job named after
the file) and documents whose top level also holds text (`git_hash`, `date`), which is ignored.
Episodes come from a list under `episodes`, a JSON list or a JSONL file of records needing two of
start step, end step and length (`[start, end]` is inclusive). Episodes also become channels stepped
by their end step: `episode.reward`, `episode.length`, `episode.success` (0/1), `episode.<field>`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from metrics_build.channels import Episode, SourceReport
from metrics_build.sources._columns import ColumnSet
from metrics_build.sources._flatten import flatten
from metrics_build.sources._io import INVALID, line_chunks, load_json_file, loads_lenient, paused_gc
from metrics_build.sources._keys import EPISODE_END_KEYS, EPISODE_START_KEYS
from metrics_build.sources._numbers import as_number, as_step
from metrics_build.sources._options import FileData, SourceOptions

FORMAT = "eval"
INDEX_KEYS = ("episode", "episode_index", "episode_id", "index", "id")
ENV_KEYS = ("env_index", "env_idx", "env", "env_id")
START_KEYS = EPISODE_START_KEYS
END_KEYS = EPISODE_END_KEYS
LENGTH_KEYS = ("length", "episode_length", "len", "num_steps", "steps")
SUCCESS_KEYS = ("success", "is_success", "succeeded", "solved")
REWARD_KEYS = ("reward", "return", "episode_reward", "total_reward", "episode_return")
RESULT_SECTIONS = ("results", "metrics")
_KNOWN = frozenset((*INDEX_KEYS, *ENV_KEYS, *START_KEYS, *END_KEYS, *LENGTH_KEYS, *SUCCESS_KEYS, *REWARD_KEYS))
_TRUE = frozenset(("true", "yes", "1", "success", "succeeded"))
_FALSE = frozenset(("false", "no", "0", "failure", "failed"))
# lm-evaluation-harness writes `<metric>,<filter>`; `none` is the filter of plain metrics.
_DEFAULT_FILTER = ",none"


def read(path: Path, rel: str, options: SourceOptions) -> FileData:
    """Read one eval-runner file (JSON results/episodes document, or JSONL episode records).

    Raises:
        OSError: The file cannot be opened or read.
    """
    report = SourceReport(path=rel, format=FORMAT)
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        records: list[Any] = []
        with path.open("rb") as stream, paused_gc():
            for lines in line_chunks(stream, report=report):
                records.extend(loads_lenient(line) for line in lines if line.strip())
        return _episodes_data(records, rel, options, report)
    document = load_json_file(path, report)
    if document is INVALID:
        return FileData(report=report)
    return read_document(document, rel, options, report)


def results_section(document: Any) -> dict[str, Any] | None:
    """The results part of a parsed document: `results` or `metrics`, else the whole job -> metrics object."""
    if not isinstance(document, dict) or not document:
        return None
    for key in RESULT_SECTIONS:
        if isinstance(document.get(key), dict):
            return document[key]  # type: ignore[no-any-return]
    if all(isinstance(value, dict) for value in document.values()):
        return document
    return None


def read_document(document: Any, rel: str, options: SourceOptions, report: SourceReport) -> FileData:
    """Results, episodes and their channels from a parsed eval document."""
    if isinstance(document, list):
        if any(_is_episode(item) for item in document):
            return _episodes_data(document, rel, options, report)
    elif isinstance(document, dict):
        results = results_section(document)
        episodes = document.get("episodes")
        if results is not None or isinstance(episodes, list):
            data = _episodes_data(episodes if isinstance(episodes, list) else [], rel, options, report)
            if results is not None:
                data.results = _results(results, PurePosixPath(rel).stem, options, report)
            return data
    report.rows_read += 1
    report.skip("no results or episodes")
    return FileData(report=report)


def _first(record: dict[str, Any], keys: Iterable[str]) -> Any:
    return next((record[key] for key in keys if key in record), None)


def _is_episode(item: Any) -> bool:
    return isinstance(item, dict) and any(key in item for key in (*START_KEYS, *END_KEYS))


def _metric_name(name: str) -> str:
    return name.removesuffix(_DEFAULT_FILTER)


def _results(section: dict[str, Any], file_job: str, options: SourceOptions,
             report: SourceReport) -> dict[str, dict[str, Any]]:
    """job -> metric -> value; entries that are not objects belong to the job named `file_job`."""
    jobs: dict[str, dict[str, Any]] = {}
    flat: dict[str, Any] = {}
    for job, metrics in section.items():
        if isinstance(metrics, dict):
            report.rows_read += 1
            values = jobs.setdefault(str(job), {})
            _add_values(values, flatten(metrics, report=report), options, report)
        else:
            flat[str(job)] = metrics
    if flat:
        report.rows_read += 1
        name = file_job if file_job not in jobs else f"{file_job}#file"
        _add_values(jobs.setdefault(name, {}), flatten(flat, report=report), options, report)
    for job in [job for job, values in jobs.items() if not values]:
        report.skip("result without values")
        del jobs[job]
    return jobs


def _add_values(values: dict[str, Any], pairs: Iterable[tuple[str, Any]], options: SourceOptions,
                report: SourceReport) -> None:
    for raw_name, value in pairs:
        name = _metric_name(raw_name)
        if name in values:
            continue  # `acc` and `acc,none` in one job: the first spelling wins
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
        for name, value in flatten(record, skip=_KNOWN, report=report):
            if not isinstance(value, str):
                columns.add(f"episode.{name}", value, step, None)
    return FileData(report=report, channels=columns.finish(options.nonfinite),
                    episodes=[episode for episode, _ in episodes])
