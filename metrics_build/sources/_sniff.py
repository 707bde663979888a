"""A look at the first bytes of a log: the top-level shape of a JSON document, the first JSONL row.

The scan is bounded (`HEAD_BYTES`) and tolerant of a document cut short: it records what it saw of
the top-level keys (and the kind of each value) and of the first item of a top-level list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrics_build.sources._io import loads_lenient

HEAD_BYTES = 1 << 16
# Strings (a cut-off one ends the scan), structural characters, and bare literals.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|"[^"]*$|[{}\[\],:]|[^\s{}\[\],:"]+')


@dataclass
class Head:
    """What the first bytes of a JSON document show.

    Attributes:
        kind: "{" (object), "[" (list), "" (empty) or "?" (something else).
        keys: Top-level key -> first character of its value (`{`, `[`, `"`, or a literal's).
        item_keys: Keys of the first item of a top-level list, when that item is an object.
        complete: The whole document fitted in the scanned bytes.
    """

    kind: str
    keys: dict[str, str] = field(default_factory=dict)
    item_keys: dict[str, str] = field(default_factory=dict)
    complete: bool = False


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first `size` bytes of `path` (fewer for a shorter file)."""
    with path.open("rb") as stream:
        return stream.read(size)


def _key(token: str) -> str:
    try:
        return str(json.loads(token))
    except ValueError:
        return token.strip('"')


def json_head(data: bytes) -> Head:
    """The top-level shape of the JSON document starting `data` (which may be cut short)."""
    text = data.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if not text:
        return Head("")
    if text[0] not in "{[":
        return Head("?")
    head = Head(text[0])
    stack: list[str] = []      # open containers
    expect_key: list[bool] = []
    key: list[str | None] = []
    items = 0                  # items started in the top-level list
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in ("{", "["):
            _note(head, stack, key, items, token)
            stack.append(token)
            expect_key.append(token == "{")
            key.append(None)
        elif token in ("}", "]"):
            if not stack:
                break
            stack.pop()
            expect_key.pop()
            key.pop()
            if not stack:
                head.complete = True
                break
        elif token == ",":
            if stack and stack[-1] == "{":
                expect_key[-1] = True
            elif stack == ["["]:
                items += 1
        elif token == ":":
            continue
        elif token.startswith('"') and (len(token) == 1 or not token.endswith('"')):
            break  # a string cut off by the end of the scanned bytes
        elif stack and stack[-1] == "{" and expect_key[-1]:
            key[-1] = _key(token)
            expect_key[-1] = False
        else:
            _note(head, stack, key, items, token)
    return head


def _note(head: Head, stack: list[str], key: list[str | None], items: int, token: str) -> None:
    """Record the kind of the value starting with `token` when it belongs to a key we keep."""
    if not stack or key[-1] is None:
        return
    if stack == ["{"]:
        head.keys[key[-1]] = token[0]
    elif stack == ["[", "{"] and items == 0:
        head.item_keys[key[-1]] = token[0]


def first_row(data: bytes, whole: bool) -> Any:
    """The first non-blank line of JSONL `data` parsed, or None when no whole line is there.

    `whole` says that `data` is the entire file, so its last line is complete even without a newline.
    """
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    if not whole:
        lines.pop()
    for line in lines:
        if line.strip():
            return loads_lenient(line)
    return None
