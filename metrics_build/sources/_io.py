"""Byte-level helpers for line-oriented logs: newline-aligned chunks and a GC pause while parsing."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from metrics_build.channels import SourceReport

CHUNK_BYTES = 1 << 18


def line_chunks(stream: BinaryIO, size: int = CHUNK_BYTES, end: int | None = None) -> Iterator[list[bytes]]:
    """Yield the non-empty lines of `stream` in lists covering about `size` bytes each.

    Chunks end on a newline, so memory stays bounded by the chunk size however long the file is
    (a single line longer than the chunk is still returned whole). With `end` (an offset just after
    a newline, from `split_offset`), reading stops there.
    """
    position = stream.tell()
    while end is None or position < end:
        block = stream.read(size if end is None else min(size, end - position))
        if not block:
            return
        if not block.endswith(b"\n"):
            block += stream.readline()
        position += len(block)
        lines = [line for line in block.split(b"\n") if line]
        if lines:
            yield lines


def split_offset(stream: BinaryIO, near: int) -> int:
    """The offset just after the first newline at or after `near` (the stream's end if none)."""
    stream.seek(max(near - 1, 0))
    stream.readline()
    return stream.tell()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Parsed JSON rows are freed by reference counting; letting the collector scan them repeatedly
    roughly doubles parse time on large logs. The previous state is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Invalid:
    """Returned by `loads_lenient` for text that is not JSON."""


INVALID = Invalid()


def loads_lenient(line: bytes) -> Any:
    """Parse one JSON text; NaN/Infinity tokens, huge numbers and big ints are accepted too.

    orjson handles the common case fast; the standard library parser is the fallback because it
    accepts the non-standard tokens many loggers write (NaN, Infinity) and arbitrary-size integers.
    Returns `INVALID` when neither parser accepts the text.
    """
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return INVALID


def load_json_file(path: Path, report: SourceReport) -> Any:
    """The whole file parsed as one JSON document, or INVALID when it is empty or not JSON.

    An empty file is not a skipped row; a file that is not JSON counts as one, in `report`.
    """
    text = path.read_bytes()
    if not text.strip():
        return INVALID
    with paused_gc():
        document = loads_lenient(text)
    if document is INVALID:
        report.rows_read += 1
        report.skip("invalid JSON document")
    return document
