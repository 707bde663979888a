"""The API server's handler: bearer-token auth, the batch's routes and paged listings, as the platform has them."""

from __future__ import annotations

import base64
import hmac
from typing import Any

from metrics_build.emulator.handler import BaseHandler
from metrics_build.emulator.jobs import CREATED

API_PREFIX = "/v1"


class ApiHandler(BaseHandler):
    """Answers the project list, the batch, its jobs and each job's metrics and metrics data, as JSON."""

    role = "api"

    def route(self, path: str, query: dict[str, list[str]], has_auth: bool) -> None:
        state = self.server.state
        expected = f"Bearer {state.token}"
        if not hmac.compare_digest(self.headers.get("Authorization", "").encode(), expected.encode()):
            self._json(401, {"message": "unauthorized"}, path, has_auth)
            return
        if not path.startswith(API_PREFIX + "/"):
            self._json(404, {"message": "not found"}, path, has_auth)
            return
        seg = path[len(API_PREFIX) + 1:].rstrip("/").split("/")
        if seg == ["projects"]:
            self._page(state.projects, "projects", query, path, has_auth)
            return
        if len(seg) < 4 or seg[0] != "projects" or seg[2] != "batches" or \
                seg[1] != state.project_id or seg[3] != state.batch_id:
            self._json(404, {"message": "not found"}, path, has_auth)
            return
        rest = seg[4:]
        if not rest:
            self._json(200, {"batchID": state.batch_id, "projectID": state.project_id, "status": "SUCCEEDED",
                             "totalJobs": len(state.jobs), "creationTimestamp": CREATED}, path, has_auth)
        elif rest == ["jobs"]:
            self._page([j.json for j in state.jobs], "jobs", query, path, has_auth, total=True)
        elif len(rest) == 3 and rest[0] == "jobs" and rest[2] in ("metrics", "metricsData"):
            job = state.jobs_by_id.get(rest[1])
            if job is None:
                self._json(404, {"message": "job not found"}, path, has_auth)
            elif rest[2] == "metrics":
                self._page(job.metrics, "metrics", query, path, has_auth)
            else:
                self._page(job.data, "metricsData", query, path, has_auth)
        else:
            self._json(404, {"message": "not found"}, path, has_auth)

    def _page(self, items: list[dict[str, Any]], key: str, query: dict[str, list[str]], path: str,
              has_auth: bool, total: bool = False) -> None:
        state = self.server.state
        size_text = query.get("pageSize", ["100"])[0]
        if not size_text.isdigit() or not 1 <= int(size_text) <= 100:
            self._json(400, {"message": "pageSize must be an integer within 1..100"}, path, has_auth)
            return
        size = min(int(size_text), state.max_page_size)
        token = query.get("pageToken", [""])[0]
        offset = _page_offset(token) if token else 0
        if offset is None:
            self._json(400, {"message": "invalid pageToken"}, path, has_auth)
            return
        end = offset + size
        page: dict[str, Any] = {key: items[offset:end]}
        if state.faults.repeat_page_token and end < len(items):
            page["nextPageToken"] = _page_token(size)
        else:
            page["nextPageToken"] = _page_token(end) if end < len(items) else ""
        if total:
            page["total"] = len(items)
        self._json(200, page, path, has_auth)


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _page_offset(token: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    kind, _, number = text.partition(":")
    return int(number) if kind == "offset" and number.isdigit() else None
