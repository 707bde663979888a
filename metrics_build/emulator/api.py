"""The API server's handler: bearer-token auth and the project-level routes (projects, batches, builds,
experience tags, reports); a batch's own routes are in `batch_routes`.
"""

from __future__ import annotations

import hmac

from metrics_build.emulator.batch_routes import batch_route
from metrics_build.emulator.handler import BaseHandler
from metrics_build.emulator.listing import Answer, listing, not_found, paged
from metrics_build.emulator.models import branch_json, build_json, report_json, tag_json
from metrics_build.emulator.search import SearchError, parse_search
from metrics_build.emulator.state import State

API_PREFIX = "/v1"
_ORDER_FIELDS = ("timestamp", "creationTimestamp", "created_at")


class ApiHandler(BaseHandler):
    """Answers every read the platform's clients make of a project, as JSON."""

    role = "api"

    def route(self, segments: list[str], query: dict[str, list[str]], path: str, has_auth: bool) -> None:
        state = self.server.state
        expected = f"Bearer {state.token}"
        if not hmac.compare_digest(self.headers.get("Authorization", "").encode(), expected.encode()):
            self._json(401, {"message": "unauthorized"}, path, has_auth)
            return
        parts = segments[1:]
        while parts and parts[-1] == "":
            parts.pop()
        if not parts or parts[0] != API_PREFIX[1:]:
            status, body = not_found()
        else:
            status, body = api_route(state, parts[1:], query)
        self._json(status, body, path, has_auth)


def api_route(state: State, parts: list[str], query: dict[str, list[str]]) -> Answer:
    """The answer to `GET /v1/<parts...>?<query>`."""
    catalog = state.catalog
    if parts == ["projects"]:
        return listing(state, state.projects, "projects", query)
    if len(parts) < 2 or parts[0] != "projects":
        return not_found()
    if parts[1] != catalog.project_id:
        return not_found("project not found")
    rest = parts[2:]
    if not rest:
        return 200, state.projects[-1]
    if rest == ["batches"]:
        return _list_batches(state, query)
    if rest[0] == "batches" and len(rest) >= 2:
        return batch_route(state, rest[1], rest[2:], query)
    if len(rest) == 2 and rest[0] == "builds":
        build = catalog.builds.get(rest[1])
        return (200, build_json(catalog, build)) if build is not None else not_found("build not found")
    if len(rest) == 3 and rest[0] == "experiences" and rest[2] == "experienceTags":
        names = catalog.tags.get(rest[1], ())
        return listing(state, [tag_json(catalog, n) for n in names], "experienceTags", query)
    if rest == ["branches"]:
        wanted = query.get("name", [None])[0]
        branches = [branch_json(catalog, branch_id, name) for branch_id, name in sorted(catalog.branches.items(),
                                                                                       key=lambda e: e[1])
                    if wanted is None or name == wanted]
        return listing(state, branches, "branches", query)
    if len(rest) == 2 and rest[0] == "branches":
        name = catalog.branches.get(rest[1])
        return (200, branch_json(catalog, rest[1], name)) if name is not None else not_found("branch not found")
    if len(rest) == 2 and rest[0] == "reports":
        if rest[1] != catalog.report.report_id:
            return not_found("report not found")
        return 200, report_json(catalog, catalog.report)
    return not_found()


def _list_batches(state: State, query: dict[str, list[str]]) -> Answer:
    """The project's batches: `search` filter, `text` in the name, `orderBy` (newest first by default)."""
    try:
        matches = parse_search(query.get("search", [""])[0])
    except SearchError as exc:
        return 400, {"message": str(exc)}
    order = query.get("orderBy", ["timestamp"])[0].split()
    if not 1 <= len(order) <= 2 or order[0] not in _ORDER_FIELDS or order[1:] not in ([], ["asc"], ["desc"]):
        return 400, {"message": f"orderBy must be one of {', '.join(_ORDER_FIELDS)}, optionally followed by "
                                "asc or desc"}
    text = query.get("text", [""])[0].casefold()
    batches = [b for b in state.catalog.batches if matches(b) and text in b.name.casefold()]
    if order[1:] != ["asc"]:
        batches.reverse()
    return paged(state, len(batches), lambda a, z: [state.batch_json[b.batch_id] for b in batches[a:z]],
                 "batches", query, total=True)


__all__ = ["API_PREFIX", "ApiHandler", "api_route"]

