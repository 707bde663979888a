"""Images of IMAGE and IMAGE_LIST metrics, embedded as data: URIs.

Only regular files inside the directory that holds the metrics file are read (symbolic links are
resolved first), only of a known image format (by content, not name), and within size limits, so a
crafted path can neither read other files nor blow up the page.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_IMAGE_BYTES = 16 * 1024 * 1024
MAX_PAGE_IMAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Image:
    """One image as the page shows it: its data: URI, or why it is not there."""

    name: str
    path: str
    uri: str = ""
    problem: str = ""


def sniff(head: bytes, path: str) -> str:
    """The MIME type of an image from its first bytes ("" when not a format the page embeds)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    # An SVG shown through <img> runs no script and loads nothing, so it is as safe as a bitmap.
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if path.lower().endswith(".svg") and text.startswith((b"<svg", b"<?xml")):
        return "image/svg+xml"
    return ""


class ImageLoader:
    """Reads images relative to `base` (the metrics file's directory; None reads nothing), up to a
    per-page byte budget."""

    def __init__(self, base: Path | None, budget: int = MAX_PAGE_IMAGE_BYTES) -> None:
        self.base = base.resolve() if base is not None else None
        self.left = budget

    def _file(self, relative: str) -> tuple[Path | None, str]:
        if self.base is None:
            return None, "no directory to read images from"
        if not relative or PurePosixPath(relative).is_absolute() or Path(relative).is_absolute():
            return None, "not a path relative to the metrics file"
        try:
            path = (self.base / relative).resolve(strict=True)
        except (OSError, RuntimeError):
            return None, "file not found beside the metrics file"
        if not path.is_relative_to(self.base):
            return None, "outside the metrics file's directory, not read"
        if not path.is_file():
            return None, "not a regular file"
        return path, ""

    def load(self, name: str, relative: str) -> Image:
        """The image at `relative` (a path from the metrics file's directory) as a data: URI."""
        path, problem = self._file(relative)
        if path is None:
            return Image(name, relative, problem=problem)
        try:
            size = path.stat().st_size
            if size > min(MAX_IMAGE_BYTES, self.left):
                return Image(name, relative, problem=f"too large to embed ({size:,} bytes)")
            data = path.read_bytes()
        except OSError as exc:
            return Image(name, relative, problem=f"cannot read ({exc.strerror or type(exc).__name__})")
        mime = sniff(data[:64], relative)
        if not mime:
            return Image(name, relative, problem="not a PNG, JPEG, GIF, WebP or SVG image")
        self.left -= len(data)
        return Image(name, relative, uri=f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}")
