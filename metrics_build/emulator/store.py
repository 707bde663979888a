"""The object-store server's handler: serves stored objects behind presigned-style URLs, as S3 does.

A URL's signature covers the canonical form of its path (each segment decoded, then percent-encoded),
so ids with characters a client encodes (`{uuid}`) are found however the client sent them.
"""

from __future__ import annotations

import hmac
from pathlib import Path

from metrics_build.emulator.handler import BaseHandler
from metrics_build.emulator.paths import inside
from metrics_build.emulator.state import canonical_path

MAX_EXTERNAL_FILE = 512 * 1024 * 1024
_XML = "application/xml"


class StoreHandler(BaseHandler):
    """Answers `GET /objects/...?X-Amz-Signature=...` with the object's bytes, or an S3-like XML error."""

    role = "store"

    def route(self, segments: list[str], query: dict[str, list[str]], path: str, has_auth: bool) -> None:
        state = self.server.state
        if has_auth:
            # Like S3: a presigned URL plus an Authorization header is two auth mechanisms.
            self._send(400, b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism "
                       b"allowed</Message></Error>", _XML, path, has_auth)
            return
        signature = query.get("X-Amz-Signature", [""])[0]
        if not hmac.compare_digest(signature.encode(), state.sign(canonical_path(path)).encode()):
            self._send(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>", _XML, path, has_auth)
            return
        body = self._object(segments)
        if isinstance(body, Path):
            # An external file is checked again when served: a symlink may have changed since.
            real = inside(state.root, body)
            if real is None and body.exists():
                self._send(403, b"<Error><Code>AccessDenied</Code></Error>", _XML, path, has_auth)
                return
            body = _read(real) if real is not None else None
        if body is None:
            self._send(404, b"<Error><Code>NoSuchKey</Code></Error>", _XML, path, has_auth)
            return
        self._send(200, body, "application/octet-stream", path, has_auth)

    def _object(self, segments: list[str]) -> bytes | Path | None:
        # ["", "objects", project, batch, owner, kind, id]
        if len(segments) != 7 or segments[1] != "objects" or segments[2] != self.server.state.catalog.project_id:
            return None
        content = self.server.state.content(segments[3], segments[4])
        return content.objects.get(f"{segments[5]}/{segments[6]}") if content is not None else None


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.stat().st_size <= MAX_EXTERNAL_FILE else None
    except OSError:
        return None


__all__ = ["StoreHandler"]
