"""A loopback stand-in for the platform API and its object store, serving a directory of test outputs.

`DIR/<test>/metrics.binproto` (a JobMetrics) becomes one job of one batch; each of its Metric and
MetricsData messages is stored as its own object behind a presigned-style URL on a second server, as the
platform does. An optional `DIR/<test>/job.json` overrides fields of the job's JSON (a test dir may
hold only that file, e.g. an ERROR or CANCELLED test without metrics). Faults and latency can be
injected; nothing is logged that contains the token or a URL signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import random
import secrets
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from google.protobuf.message import DecodeError, Message

from metrics_build.errors import InputError
from metrics_build.wire import metrics_pb2 as pb

log = logging.getLogger(__name__)

JOB_NAMESPACE = uuid.UUID("5d0c6f0e-9c1b-5b7e-8a57-6d2f1c0e4b10")
API_PREFIX = "/v1"
CREATED = "2026-11-23T00:00:00Z"
FAULT_KINDS = ("500", "502", "503", "504", "429", "drop", "truncate")

_API_STATUS = {
    pb.NO_METRIC_STATUS: "NO_STATUS_REPORTED",
    pb.PASSED_METRIC_STATUS: "PASSED",
    pb.FAIL_WARN_METRIC_STATUS: "FAIL_WARN",
    pb.NOT_APPLICABLE_METRIC_STATUS: "NOT_APPLICABLE",
    pb.RAW_METRIC_STATUS: "RAW",
    pb.FAIL_BLOCK_METRIC_STATUS: "FAIL_BLOCK",
}
_CONFLATED = {pb.FAIL_BLOCK_METRIC_STATUS: "BLOCKER", pb.FAIL_WARN_METRIC_STATUS: "WARNING"}


@dataclass(frozen=True)
class Faults:
    """What goes wrong, and how slowly.

    Attributes:
        rate: Fraction of requests answered with a fault (each URL at most `max_per_url` times, so
            every request eventually succeeds unless it matches `always_fail`).
        kinds: Faults to pick from: "500", "502", "503", "504", "429" (with `Retry-After`),
            "drop" (close the connection without answering), "truncate" (cut the body short).
        max_per_url: Most faults injected for the same URL (path and query).
        retry_after: Seconds sent in `Retry-After` with a 429.
        seed: Makes the choice of faulted requests reproducible.
        always_fail: Path substrings answered 500 on every attempt (a permanently broken object).
        latency: Seconds added to every answer, on both servers.
        jitter: Up to this many extra seconds, random per answer (shuffles completion order).
        repeat_page_token: Listings always answer the same `nextPageToken` (a buggy API).
        target: Where faults apply: "all", "api" or "store".
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    max_per_url: int = 2
    retry_after: int = 0
    seed: int = 0
    always_fail: tuple[str, ...] = ()
    latency: float = 0.0
    jitter: float = 0.0
    repeat_page_token: bool = False
    target: str = "all"

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise InputError(f"unknown fault kinds {sorted(unknown)}; choose from {', '.join(FAULT_KINDS)}")
        if not 0.0 <= self.rate <= 1.0:
            raise InputError(f"fault rate must be within [0, 1], not {self.rate}")
        if self.target not in ("all", "api", "store"):
            raise InputError(f"fault target must be all, api or store, not {self.target!r}")


@dataclass
class _Job:
    json: dict[str, Any]
    metrics: list[dict[str, Any]] = field(default_factory=list)
    data: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RequestRecord:
    """One request as the emulator saw it (query strings and secrets left out)."""

    server: str
    path: str
    status: int
    authorization: bool


def job_id_for(test_name: str) -> str:
    """The job id the emulator gives the test directory `test_name` (a uuid5, stable)."""
    return str(uuid.uuid5(JOB_NAMESPACE, test_name))


def _data_ids(message: Message) -> list[str]:
    """Ids of every MetricsData a metric's values reference, in field order."""
    found: list[str] = []
    for fd, value in message.ListFields():
        if fd.message_type is None:
            continue
        items = value if fd.is_repeated else [value]
        for item in items:
            if fd.message_type.name == "MetricsDataId":
                found.append(item.id.data)
            else:
                found.extend(_data_ids(item))
    return found


def _read_job(test_dir: Path) -> tuple[pb.JobMetrics | None, dict[str, Any]]:
    metrics_file = test_dir / "metrics.binproto"
    override_file = test_dir / "job.json"
    job_metrics: pb.JobMetrics | None = None
    override: dict[str, Any] = {}
    if metrics_file.is_file():
        job_metrics = pb.JobMetrics()
        try:
            job_metrics.ParseFromString(metrics_file.read_bytes())
        except DecodeError:
            raise InputError(f"{metrics_file}: not a serialized JobMetrics") from None
    if override_file.is_file():
        try:
            loaded = json.loads(override_file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{override_file}: not valid JSON ({type(exc).__name__})") from None
        if not isinstance(loaded, dict):
            raise InputError(f"{override_file}: expected a JSON object")
        override = loaded
    return job_metrics, override


class _State:
    """Everything both servers share: the batch's jobs, stored objects, fault bookkeeping and logs."""

    def __init__(self, *, token: str, project_id: str, batch_id: str, faults: Faults,
                 max_page_size: int, extra_projects: int, quirks: bool) -> None:
        self.token = token
        self.project_id = project_id
        self.batch_id = batch_id
        self.faults = faults
        self.max_page_size = max_page_size
        self.quirks = quirks
        self.secret = secrets.token_bytes(32)
        self.jobs: list[_Job] = []
        self.jobs_by_id: dict[str, _Job] = {}
        self.jobs_dir = Path()
        self.objects: dict[str, bytes] = {}
        self.store_url = ""
        self.projects: list[dict[str, Any]] = [
            {"projectID": str(uuid.uuid5(JOB_NAMESPACE, f"decoy-{i}")), "name": f"decoy {i}"}
            for i in range(extra_projects)
        ]
        self.projects.append({"projectID": project_id, "name": "emulated project"})
        self.lock = threading.Lock()
        self.attempts: Counter[str] = Counter()
        self.log: list[RequestRecord] = []
        self.keep_log = True
        self.faults_injected: Counter[str] = Counter()
        self.active: Counter[str] = Counter()  # requests being answered, per server
        self.peak: Counter[str] = Counter()  # most answered at once, per server

    # -- loading ---------------------------------------------------------------------------

    def load(self, jobs_dir: Path) -> None:
        if not jobs_dir.is_dir():
            raise InputError(f"{jobs_dir}: jobs directory not found")
        self.jobs_dir = jobs_dir
        for test_dir in sorted(p for p in jobs_dir.iterdir() if p.is_dir()):
            job_metrics, override = _read_job(test_dir)
            if job_metrics is None and not override:
                continue
            job = self._job(test_dir.name, job_metrics, override)
            self.jobs.append(job)
            self.jobs_by_id.setdefault(str(job.json.get("jobID")), job)
        if self.quirks:
            self.projects[0] = {**self.projects[0], "futureField": {"nested": [1, 2]}}

    def _job(self, name: str, jm: pb.JobMetrics | None, override: dict[str, Any]) -> _Job:
        status = jm.metrics_status if jm is not None else pb.NO_METRIC_STATUS
        job: dict[str, Any] = {
            "jobID": job_id_for(name), "projectID": self.project_id, "batchID": self.batch_id,
            "experienceID": str(uuid.uuid5(JOB_NAMESPACE, f"experience/{name}")), "experienceName": name,
            "conflatedStatus": _CONFLATED.get(status, "PASSED"), "jobStatus": "SUCCEEDED",
            "jobMetricsStatus": _API_STATUS.get(status, "NO_STATUS_REPORTED"),
            "buildID": str(uuid.uuid5(JOB_NAMESPACE, "build")), "creationTimestamp": CREATED,
            "lastUpdatedTimestamp": CREATED, "description": "", "parameters": {}, "executionErrors": None,
            "userID": "emulator", "orgID": "emulator",
        }
        job.update(override)
        job_id = str(job.get("jobID") or job_id_for(name))
        result = _Job(json=job)
        if jm is None:
            return result
        common = {"jobID": job_id, "batchID": self.batch_id, "projectID": self.project_id,
                  "creationTimestamp": CREATED, "userID": "emulator", "orgID": "emulator"}
        for metric in jm.job_level_metrics.metrics:
            mid = metric.metric_id.id.data
            url = self._store(f"{job_id}/metrics/{mid}", metric.SerializeToString(deterministic=True))
            scalar = metric.metric_values.scalar_metric_values
            is_scalar = metric.type == pb.SCALAR_METRIC_TYPE
            result.metrics.append({
                **common, "metricID": mid, "name": metric.name, "metricURL": url,
                "type": "SCALAR" if is_scalar else "COMPOSITE",
                "status": _API_STATUS.get(metric.status, "NO_STATUS_REPORTED"),
                "value": scalar.value if is_scalar and scalar.HasField("value") else None,
                "unit": scalar.unit if is_scalar and scalar.HasField("unit") else None,
                "dataIDs": _data_ids(metric.metric_values), "eventMetric": metric.event_metric,
                "fileLocation": f"s3://emulator/{job_id}/metrics/{mid}",
            })
        for data in jm.metrics_data:
            did = data.metrics_data_id.id.data
            external = data.data_type == pb.EXTERNAL_FILE_DATA_TYPE
            body = self._external_file(name, data.external_file.path) if external else \
                data.SerializeToString(deterministic=True)
            url = self._store(f"{job_id}/metricsData/{did}", body)
            result.data.append({
                **common, "dataID": did, "name": data.name, "metricsDataURL": url,
                "metricsDataType": "EXTERNAL_FILE" if external else "STANDARD",
                "filename": data.external_file.path if external else None,
                "fileLocation": f"s3://emulator/{job_id}/metricsData/{did}",
            })
        if self.quirks:
            result.json["futureField"] = {"added": "later"}
            url = self._store(f"{job_id}/metricsData/hologram", b"\x00not a protobuf\xff")
            result.data.append({**common, "dataID": str(uuid.uuid5(JOB_NAMESPACE, f"{job_id}/holo")),
                                "name": "hologram", "metricsDataType": "HOLOGRAM", "metricsDataURL": url,
                                "futureField": 1})
            for item in result.metrics:
                item["futureField"] = [1, "x"]
        return result

    def _external_file(self, test: str, rel: str) -> bytes:
        path = self.jobs_dir / test / rel if rel else None
        if path is not None and path.is_file():
            return path.read_bytes()
        return b""

    def _store(self, key: str, body: bytes) -> str:
        path = f"/objects/{self.project_id}/{self.batch_id}/{key}"
        self.objects[path] = body
        return f"{self.store_url}{path}?X-Amz-Expires=3600&X-Amz-Signature={self.sign(path)}"

    def sign(self, path: str) -> str:
        return hmac.new(self.secret, path.encode(), hashlib.sha256).hexdigest()

    # -- request bookkeeping ---------------------------------------------------------------

    def record(self, record: RequestRecord) -> None:
        if not self.keep_log:
            return
        with self.lock:
            self.log.append(record)

    def fault_for(self, server: str, key: str) -> str | None:
        """The fault to inject for this request, if any (counts attempts per key)."""
        f = self.faults
        if any(s in key for s in f.always_fail):
            return "500"
        if f.rate <= 0 or f.target not in ("all", server):
            return None
        with self.lock:
            attempt = self.attempts[key]
            self.attempts[key] += 1
        if attempt >= f.max_per_url:
            return None
        draw = random.Random(f"{f.seed}|{key}|{attempt}")
        if draw.random() >= f.rate:
            return None
        kind = draw.choice(f.kinds)
        with self.lock:
            self.faults_injected[kind] += 1
        return kind


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _page_offset(token: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    kind, _, number = text.partition(":")
    return int(number) if kind == "offset" and number.isdigit() else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "metrics-build-emulator"
    timeout = 60
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm meets the
        # client's delayed ACK and every answer stalls ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        # The default logs the request line, which holds the presigned signature.
        return

    def do_GET(self) -> None:
        state, role = self.server.state, self.server.role
        with state.lock:
            state.active[role] += 1
            state.peak[role] = max(state.peak[role], state.active[role])
        try:
            self._answer()
        finally:
            with state.lock:
                state.active[role] -= 1

    def _answer(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        role = self.server.role
        fault = state.fault_for(role, self.path)
        delay = state.faults.latency + (random.random() * state.faults.jitter if state.faults.jitter else 0.0)
        if delay:
            time.sleep(delay)
        has_auth = "Authorization" in self.headers
        if fault is not None:
            self._fault(fault, parts.path, has_auth)
            return
        if role == "store":
            self._store(parts.path, parse_qs(parts.query), has_auth)
        else:
            self._api(parts.path, parse_qs(parts.query), has_auth)

    # -- answers ----------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, path: str, has_auth: bool,
              extra: dict[str, str] | None = None) -> None:
        self.server.state.record(RequestRecord(self.server.role, path, status, has_auth))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any, path: str, has_auth: bool) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json", path, has_auth)

    def _fault(self, kind: str, path: str, has_auth: bool) -> None:
        if kind == "drop":
            self.server.state.record(RequestRecord(self.server.role, path, 0, has_auth))
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "truncate":
            self.server.state.record(RequestRecord(self.server.role, path, -200, has_auth))
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"partial")
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status = int(kind)
        headers = {"Retry-After": str(self.server.state.faults.retry_after)} if status == 429 else None
        self._send(status, b'{"message":"injected fault"}', "application/json", path, has_auth, headers)

    def _store(self, path: str, query: dict[str, list[str]], has_auth: bool) -> None:
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

    def _api(self, path: str, query: dict[str, list[str]], has_auth: bool) -> None:
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: _State, role: str) -> None:
        self.state = state
        self.role = role
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up (and injected drops) are normal here; never print tracebacks.
        log.debug("emulator %s: error while answering a request", self.role, exc_info=True)


class Emulator:
    """The API server and the object-store server, both on loopback, serving one batch.

    Use as a context manager:

        with Emulator(jobs_dir, faults=Faults(rate=0.2)) as emu:
            emu.write_config(inputs / "batch_metrics_config.json")

    Attributes:
        token: The bearer token the API accepts (random unless given).
        project_id, batch_id: The batch's ids.
        requests: Every request seen so far (`RequestRecord`), for assertions (empty with
            `keep_log=False`, which a long-running server uses so that memory stays flat).
    """

    def __init__(self, jobs_dir: Path, *, host: str = "127.0.0.1", port: int = 0, store_port: int = 0,
                 token: str | None = None, project_id: str | None = None, batch_id: str | None = None,
                 faults: Faults | None = None, max_page_size: int = 100, extra_projects: int = 2,
                 quirks: bool = False, keep_log: bool = True) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self.project_id = project_id or str(uuid.uuid5(JOB_NAMESPACE, f"project/{jobs_dir.resolve()}"))
        self.batch_id = batch_id or str(uuid.uuid5(JOB_NAMESPACE, f"batch/{jobs_dir.resolve()}"))
        self._host = host
        self._state = _State(token=self.token, project_id=self.project_id, batch_id=self.batch_id,
                             faults=faults or Faults(), max_page_size=max_page_size,
                             extra_projects=extra_projects, quirks=quirks)
        self._state.keep_log = keep_log
        self._store_server = _Server((host, store_port), self._state, "store")
        self._api_server = _Server((host, port), self._state, "api")
        self._state.store_url = f"http://{self._url_host()}:{self._store_server.server_address[1]}"
        try:
            self._state.load(jobs_dir)
        except BaseException:
            self._store_server.server_close()
            self._api_server.server_close()
            raise
        self._threads: list[threading.Thread] = []

    def _url_host(self) -> str:
        return f"[{self._host}]" if ":" in self._host else self._host

    @property
    def api_url(self) -> str:
        """The `apiURL` clients use (with the `/v1` base path)."""
        return f"http://{self._url_host()}:{self._api_server.server_address[1]}{API_PREFIX}"

    @property
    def store_url(self) -> str:
        """Base URL of the object-store server."""
        return self._state.store_url

    @property
    def requests(self) -> list[RequestRecord]:
        with self._state.lock:
            return list(self._state.log)

    @property
    def faults_injected(self) -> dict[str, int]:
        with self._state.lock:
            return dict(self._state.faults_injected)

    @property
    def peak_concurrency(self) -> dict[str, int]:
        """Most requests answered at the same time, per server ("api", "store")."""
        with self._state.lock:
            return dict(self._state.peak)

    @property
    def job_ids(self) -> dict[str, str]:
        """Test directory name → job id, for every served job."""
        return {str(j.json.get("experienceName", "")): str(j.json.get("jobID", "")) for j in self._state.jobs}

    def start(self) -> Emulator:
        """Serve both servers in background threads."""
        for server in (self._store_server, self._api_server):
            t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                 name=f"emulator-{server.role}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        """Stop serving and close the listening sockets."""
        for server in (self._api_server, self._store_server):
            if self._threads:
                server.shutdown()
            server.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def config(self, *, with_project: bool = True) -> dict[str, str]:
        """The `batch_metrics_config.json` content (the newer 4-field form, or the older 3-field one)."""
        cfg = {"authToken": self.token, "apiURL": self.api_url, "batchID": self.batch_id}
        if with_project:
            cfg["projectID"] = self.project_id
        return cfg

    def write_config(self, path: Path, *, with_project: bool = True) -> Path:
        """Write `config()` to `path` (readable by the owner only) and return the path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(self.config(with_project=with_project), fh, indent=2)
            fh.write("\n")
        return path


__all__ = ["FAULT_KINDS", "Emulator", "Faults", "RequestRecord", "job_id_for"]
