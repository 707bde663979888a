"""Text read from logs made safe to keep and to show: lone surrogates replaced, log-line escaping."""

from __future__ import annotations

import re

# Lone UTF-16 surrogates come from JSON escapes such as "\ud800" and from file names that are not
# UTF-8 (Python maps their bytes to U+DC80..U+DCFF); protobuf strings cannot hold them.
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD (unchanged, and fast, for ASCII)."""
    if text.isascii():
        return text
    return _SURROGATE.sub(REPLACEMENT, text)


def shown(text: str) -> str:
    """`text` as it may appear in one log line: unchanged when printable, else its escaped repr.

    A file or channel name holding a newline or a control character cannot then forge or break a
    log line.
    """
    return text if text.isprintable() else repr(text)
