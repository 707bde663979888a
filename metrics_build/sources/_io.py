"""Byte-level helpers: newline-aligned chunks, lenient JSON parsing, bounded whole-document reads.

Every read here is bounded: a line longer than `MAX_LINE_BYTES` and a JSON document larger than
`MAX_DOCUMENT_BYTES` are skipped and counted instead of being held in memory.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from metrics_build.channels import SourceReport
from metrics_build.sources._text import clean

CHUNK_BYTES = 1 << 18
MAX_LINE_BYTES = 64 << 20
MAX_DOCUMENT_BYTES = 256 << 20
_LONG_LINE = f"line longer than {MAX_LINE_BYTES >> 20} MiB"
# A JSON escape of a UTF-16 surrogate; orjson rejects lone ones, the standard parser keeps them.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _discard_line(stream: BinaryIO) -> None:
    """Skip the rest of the current line without holding it."""
    piece = stream.readline(CHUNK_BYTES)
    while piece and not piece.endswith(b"\n"):
        piece = stream.readline(CHUNK_BYTES)


def line_chunks(stream: BinaryIO, size: int = CHUNK_BYTES, end: int | None = None,
                report: SourceReport | None = None) -> Iterator[list[bytes]]:
    """Yield the non-empty lines of `stream` in lists covering about `size` bytes each.

    Chunks end on a newline, so memory stays bounded by the chunk size however long the file is; a
    line longer than `MAX_LINE_BYTES` is dropped and counted in `report`. With `end` (an offset just
    after a newline, from `split_offset`), reading stops there.
    """
    position = stream.tell()
    while end is None or position < end:
        block = stream.read(size if end is None else min(size, end - position))
        if not block:
            return
        if not block.endswith(b"\n"):
            cut = block.rfind(b"\n") + 1
            budget = MAX_LINE_BYTES - (len(block) - cut)
            rest = stream.readline(budget) if budget > 0 else b""
            if budget <= 0 or (len(rest) == budget and not rest.endswith(b"\n")):
                _discard_line(stream)
                block = block[:cut]
                if report is not None:
                    report.rows_read += 1
                    report.skip(_LONG_LINE)
            else:
                block += rest
        position = stream.tell()
        lines = [line for line in block.split(b"\n") if line]
        if lines:
            yield lines


def split_offset(stream: BinaryIO, near: int) -> int:
    """The offset just after the first newline at or after `near` (the stream's end if none)."""
    stream.seek(max(near - 1, 0))
    while True:
        piece = stream.readline(CHUNK_BYTES)
        if not piece or piece.endswith(b"\n"):
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


def _cleaned(document: Any) -> Any:
    """`document` with lone surrogates replaced in every key and string (iterative: any depth)."""
    if isinstance(document, str):
        return clean(document)
    if not isinstance(document, dict | list):
        return document
    root: list[Any] = [document]
    stack: list[dict[str, Any] | list[Any]] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            pairs = list(node.items())
            node.clear()
            for key, value in pairs:
                node[clean(key)] = clean(value) if isinstance(value, str) else value
                if isinstance(value, dict | list):
                    stack.append(value)
        else:
            for index, value in enumerate(node):
                if isinstance(value, str):
                    node[index] = clean(value)
                elif isinstance(value, dict | list):
                    stack.append(value)
    return root[0]


def loads_lenient(line: bytes) -> Any:
    """Parse one JSON text; NaN/Infinity tokens, huge numbers, big ints and lone surrogates too.

    orjson handles the common case fast; the standard library parser is the fallback because it
    accepts the non-standard tokens many loggers write (NaN, Infinity) and arbitrary-size integers.
    Lone surrogate escapes (`"\\ud800"`) become U+FFFD. Returns `INVALID` when neither parser
    accepts the text.
    """
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        pass
    try:
        document = json.loads(line)
    except (ValueError, RecursionError):
        return INVALID
    return _cleaned(document) if _SURROGATE_ESCAPE.search(line) else document


def load_json_file(path: Path, report: SourceReport) -> Any:
    """The whole file parsed as one JSON document, or INVALID when it is empty, too large or not JSON.

    An empty file is not a skipped row; a file that is not JSON, or larger than
    `MAX_DOCUMENT_BYTES`, counts as one, in `report`.
    """
    with path.open("rb") as stream:
        text = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(text) > MAX_DOCUMENT_BYTES:
        report.rows_read += 1
        report.skip(f"JSON document larger than {MAX_DOCUMENT_BYTES >> 20} MiB")
        return INVALID
    if not text.strip():
        return INVALID
    with paused_gc():
        document = loads_lenient(text)
    if document is INVALID:
        report.rows_read += 1
        report.skip("invalid JSON document")
    return document
