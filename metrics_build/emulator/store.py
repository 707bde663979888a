"""The object-store server's handler: serves stored objects behind presigned-style URLs, as S3 does."""

from __future__ import annotations

import hmac

from metrics_build.emulator.handler import BaseHandler


class StoreHandler(BaseHandler):
    """Answers `GET /objects/...?X-Amz-Signature=...` with the object's bytes, or an S3-like XML error."""

    role = "store"

    def route(self, path: str, query: dict[str, list[str]], has_auth: bool) -> None:
        state = self.server.state
        if has_auth:
            # Like S3: a presigned URL plus an Authorization header is two auth mechanisms.
            self._send(400, b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism "
                       b"allowed</Message></Error>", "application/xml", path, has_auth)
            return
        signature = query.get("X-Amz-Signature", [""])[0]
        if not hmac.compare_digest(signature, state.sign(path)):
            self._send(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>", "application/xml", path, has_auth)
            return
        body = state.objects.get(path)
        if body is None:
            self._send(404, b"<Error><Code>NoSuchKey</Code></Error>", "application/xml", path, has_auth)
            return
        self._send(200, body, "application/octet-stream", path, has_auth)
