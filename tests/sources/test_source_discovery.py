"""Discovery order, glob overrides, name collisions, the input errors and the per-file log lines."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from source_helpers import load, values, write_lines, write_text

from metrics_build.errors import EXIT_BAD_INPUT, InputError
from metrics_build.sources import FORMATS, SourceOptions, discover, list_experience_files, load_logs


def _tree(logs: Path) -> None:
    write_lines(logs / "deep" / "er" / "metrics.jsonl", [{"step": 1, "loss": 3.0}])
    write_lines(logs / "a.jsonl", [{"step": 1, "loss": 2.0}])
    write_lines(logs / "metrics.jsonl", [{"step": 1, "loss": 1.0}])
    write_lines(logs / "sub" / "metrics.jsonl", [{"step": 1, "loss": 4.0}])
    write_lines(logs / "emissions.resim.jsonl", [{"$metadata": {"topic": "ego"}, "$data": {"v": 1}}])
    write_text(logs / "z.csv", "step,loss\n1,5\n")
    write_text(logs / "b.json", '[{"step": 1, "loss": 6}]')
    write_text(logs / "results.json", '{"job": {"m": 1}}')
    write_lines(logs / "episodes.jsonl", [{"start": 0, "end": 1}])
    write_text(logs / "run.mcap", "")
    write_text(logs / ".hidden" / "metrics.jsonl", '{"step": 1, "loss": 9}\n')
    write_text(logs / "notes.txt", "not a log")


def test_discovery_order_is_deterministic_and_each_file_has_one_format(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = [(fmt, path.relative_to(tmp_path).as_posix()) for fmt, path in discover(tmp_path, SourceOptions())]
    assert found == [
        ("jsonl", "metrics.jsonl"),
        ("jsonl", "a.jsonl"),
        ("jsonl", "sub/metrics.jsonl"),
        ("jsonl", "deep/er/metrics.jsonl"),
        ("emissions", "emissions.resim.jsonl"),
        ("json", "b.json"),
        ("csv", "z.csv"),
        ("eval", "episodes.jsonl"),
        ("eval", "results.json"),
        ("mcap", "run.mcap"),
    ]
    assert FORMATS == ("jsonl", "emissions", "json", "csv", "eval", "mcap")


def test_same_channel_names_from_several_files_are_made_unique(tmp_path: Path) -> None:
    _tree(tmp_path)
    loaded = load(tmp_path)
    losses = {name: values(ch) for name, ch in loaded.channels.items() if name.endswith("loss")}
    assert losses == {
        "loss": [1.0],              # the shallowest metrics.jsonl keeps the plain name
        "a.loss": [2.0],
        "metrics.loss": [4.0],      # sub/metrics.jsonl: file stem
        "deep.er.metrics.loss": [3.0],  # stem taken too: path without suffix
        "b.loss": [6.0],
        "z.loss": [5.0],
    }
    assert loaded.channels["deep.er.metrics.loss"].source == "deep/er/metrics.jsonl"
    assert loaded.results == {"job": {"m": 1}}
    assert [r.path for r in loaded.reports][:2] == ["metrics.jsonl", "a.jsonl"]


def test_glob_patterns_override_one_format_and_can_turn_one_off(tmp_path: Path) -> None:
    _tree(tmp_path)
    write_text(tmp_path / "data" / "table.txt", "step,speed\n1,2\n")
    options = SourceOptions(patterns={"csv": ["data/*.txt"], "jsonl": [], "json": ["*.json", ".hidden/*"]})
    found = [(fmt, path.relative_to(tmp_path).as_posix()) for fmt, path in discover(tmp_path, options)]
    assert ("csv", "data/table.txt") in found and ("csv", "z.csv") not in found
    assert not [f for f in found if f[0] == "jsonl"]
    # Explicit patterns claim before the defaults: results.json is now a json document, and a
    # hidden file named explicitly is read.
    assert ("json", "results.json") in found and ("json", ".hidden/metrics.jsonl") in found
    assert ("eval", "episodes.jsonl") in found


def test_unknown_format_in_patterns(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"unknown log format\(s\) in patterns: parquet \(known: jsonl, "):
        discover(tmp_path, SourceOptions(patterns={"parquet": ["*.parquet"]}))


def test_missing_directory_is_a_one_line_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_logs(tmp_path / "logs", SourceOptions())
    message = str(caught.value)
    assert message == f"logs directory {tmp_path / 'logs'} does not exist (test mode reads the test's logs from there)"
    assert caught.value.exit_code == EXIT_BAD_INPUT
    write_text(tmp_path / "file", "")
    with pytest.raises(InputError, match="is not a directory"):
        load_logs(tmp_path / "file", SourceOptions())


def test_no_logs_says_what_was_looked_for_where(tmp_path: Path) -> None:
    write_text(tmp_path / "notes.txt", "hello")
    with pytest.raises(InputError) as caught:
        load_logs(tmp_path, SourceOptions(patterns={"mcap": []}))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"no log found in {tmp_path}: looked for jsonl: **/*.jsonl, **/*.ndjson; ")
    assert "mcap: (off)" in message and "csv: **/*.csv, **/*.tsv" in message


@contextmanager
def _unprivileged() -> Iterator[None]:
    """Run the body with an unprivileged effective user (root reads files whatever their mode)."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


def test_unreadable_files() -> None:
    # A directory an unprivileged user can enter, holding a file nobody may read.
    root = Path(tempfile.mkdtemp(prefix="mb-unreadable-"))
    try:
        root.chmod(0o755)
        write_text(root / "metrics.jsonl", '{"step": 1, "x": 1}\n').chmod(0o000)
        with _unprivileged(), pytest.raises(
                InputError, match=r"^no readable log in .*: 1 found, none could be read \(metrics.jsonl: "):
            load_logs(root, SourceOptions())
        write_text(root / "ok.csv", "a\n1\n").chmod(0o644)
        with _unprivileged():
            loaded = load_logs(root, SourceOptions())
        assert [r.path for r in loaded.reports] == ["metrics.jsonl", "ok.csv"]
        assert dict(loaded.reports[0].skip_reasons) == {"unreadable file (Permission denied)": 1}
    finally:
        shutil.rmtree(root)


def test_a_link_leading_outside_the_logs_is_not_followed(tmp_path: Path) -> None:
    # Today's system file must not be copied into the output: the link is listed, never read.
    (tmp_path / "metrics.jsonl").symlink_to("/proc/self/mem")
    with pytest.raises(InputError, match=r"^no log found in .*; not read: 1 \(see the warnings above\)$"):
        load_logs(tmp_path, SourceOptions())
    write_text(tmp_path / "ok.csv", "a\n1\n")
    loaded = load_logs(tmp_path, SourceOptions())
    assert [(r.path, r.format) for r in loaded.reports] == [("ok.csv", "csv"), ("metrics.jsonl", "-")]
    assert dict(loaded.reports[1].skip_reasons) == {"symbolic link leading outside logs/ (not followed)": 1}


def test_a_directory_named_like_a_log_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "metrics.jsonl").mkdir()
    write_text(tmp_path / "x.csv", "a\n1\n")
    assert [p.name for _, p in discover(tmp_path, SourceOptions())] == ["x.csv"]


def test_counts_are_logged_per_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_lines(tmp_path / "metrics.jsonl", [{"step": 1, "x": float("nan")}, "oops", {"step": 2, "x": 1}])
    with caplog.at_level(logging.INFO, logger="metrics_build.sources"):
        load(tmp_path)
    assert caplog.messages == [
        "metrics.jsonl (jsonl): 3 rows read, 1 skipped (invalid JSON: 1); values dropped: non-finite value: 1;"
        " 1 channels"]


def test_experience_file_list(tmp_path: Path) -> None:
    write_text(tmp_path / "exp" / "b" / "scenario.yaml", "x")
    write_text(tmp_path / "exp" / "a.json", "{}")
    assert list_experience_files(tmp_path / "exp") == ["a.json", "b/scenario.yaml"]
    assert list_experience_files(tmp_path / "missing") == []
