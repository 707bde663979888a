"""The emulator's hardening: it serves only files inside the directory it was given, listens on loopback
only (names are resolved, not trusted), and answers malformed requests with 4xx while staying up."""

from __future__ import annotations

import base64
import os
import re
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from emulator_fixtures import build_jobs_dir

from metrics_build import model as m
from metrics_build.emulator import Emulator
from metrics_build.errors import InputError
from metrics_build.http.loopback import is_loopback_host as is_loopback
from metrics_build.writer import JobMetricsWriter

SECRET = b"not for the store\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def _test_with_images(test_dir: Path, paths: dict[str, str]) -> None:
    """A test whose image metrics name the external files `paths` (data name -> ExternalFile.path)."""
    test_dir.mkdir(parents=True)
    writer = JobMetricsWriter(uuid.uuid5(uuid.NAMESPACE_URL, test_dir.name))
    for name, rel in paths.items():
        writer.add_metric(m.ImageMetric(name=f"{name} image", image=m.external_file(name, rel)))
    (test_dir / "metrics.binproto").write_bytes(writer.build().SerializeToString(deterministic=True))


@pytest.fixture
def escaping(tmp_path: Path) -> Iterator[tuple[Emulator, dict[str, dict[str, Any]]]]:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    jobs = tmp_path / "jobs"
    test_dir = jobs / "t"
    _test_with_images(test_dir, {
        "inside": "plot.png", "linked inside": "link-in.png", "parent": "../../outside/secret.txt",
        "absolute": str(outside / "secret.txt"), "linked outside": "link-out.png", "missing": "absent.png",
        "shared": "../shared.png"})
    (test_dir / "plot.png").write_bytes(PNG)
    (jobs / "shared.png").write_bytes(PNG)
    os.symlink(test_dir / "plot.png", test_dir / "link-in.png")
    os.symlink(outside / "secret.txt", test_dir / "link-out.png")
    with Emulator(jobs) as emu:
        items = requests.get(f"{emu.api_url}/projects/{emu.project_id}/batches/{emu.batch_id}/jobs/"
                             f"{emu.job_ids['t']}/metricsData", headers={"Authorization": f"Bearer {emu.token}"},
                             timeout=5).json()["metricsData"]
        yield emu, {i["name"]: i for i in items}


@pytest.mark.parametrize(("name", "status"), [
    ("inside", 200), ("linked inside", 200), ("shared", 200),  # inside the jobs directory
    ("parent", 403), ("absolute", 403), ("linked outside", 403),  # a path or a symlink leading outside
    ("missing", 404),
])
def test_external_files_are_served_from_inside_only(escaping: tuple[Emulator, dict[str, dict[str, Any]]],
                                                    name: str, status: int) -> None:
    answer = requests.get(escaping[1][name]["metricsDataURL"], timeout=5)
    assert answer.status_code == status
    assert SECRET not in answer.content
    if status == 200:
        assert answer.content == PNG


def test_a_symlink_swapped_after_start_is_refused(escaping: tuple[Emulator, dict[str, dict[str, Any]]],
                                                 tmp_path: Path) -> None:
    link = tmp_path / "jobs" / "t" / "link-in.png"
    link.unlink()
    os.symlink(tmp_path / "outside" / "secret.txt", link)
    assert requests.get(escaping[1]["linked inside"]["metricsDataURL"], timeout=5).status_code == 403


@pytest.mark.parametrize("what", ["test dir", "metrics file", "job file", "batch dir"])
def test_inputs_that_lead_outside_are_refused(tmp_path: Path, what: str) -> None:
    outside = tmp_path / "outside"
    build_jobs_dir(outside, 1, series=0, image=False)
    (outside / "test_000" / "job.json").write_text("{}")
    root = tmp_path / "served"
    jobs = root / "b1" / "jobs" if what == "batch dir" else root
    if what == "batch dir":
        root.mkdir()
        os.symlink(tmp_path / "outside-batch", root / "b1")
        build_jobs_dir(tmp_path / "outside-batch" / "jobs", 1, series=0, image=False)
    elif what == "test dir":
        jobs.mkdir()
        os.symlink(outside / "test_000", jobs / "linked")
    else:
        build_jobs_dir(jobs, 1, series=0, image=False)
        name = "metrics.binproto" if what == "metrics file" else "job.json"
        target = jobs / "test_000" / name
        target.unlink(missing_ok=True)
        os.symlink(outside / "test_000" / name, target)
    with pytest.raises(InputError, match="leads outside"):
        Emulator(history=root) if what == "batch dir" else Emulator(jobs)


def _resolver(*addresses: str) -> Any:
    return lambda host: list(addresses)


@pytest.mark.parametrize(("host", "resolve", "expected"), [
    ("127.0.0.1", None, True), ("127.8.9.10", None, True), ("::1", None, True), ("[::1]", None, True),
    ("0.0.0.0", None, False), ("192.0.2.1", None, False), ("::", None, False), ("", None, False),
    ("nothing.invalid", _resolver(), False),
    ("api.localhost", _resolver("203.0.113.5"), False),  # named like loopback, resolves elsewhere
    ("api.localhost", _resolver("127.0.0.1", "::1"), True),
    ("mixed.localhost", _resolver("127.0.0.1", "198.51.100.7"), False),
    ("scoped", _resolver("fe80::1%eth0"), False),
])
def test_loopback_is_decided_by_resolution(host: str, resolve: Any, expected: bool) -> None:
    assert (is_loopback(host) if resolve is None else is_loopback(host, resolve)) is expected


def test_localhost_resolves_to_loopback_here() -> None:
    assert is_loopback("localhost")


def test_the_emulator_refuses_a_public_host(tmp_path: Path) -> None:
    build_jobs_dir(tmp_path, 1, series=0, image=False)
    for host in ("0.0.0.0", "192.0.2.1", "nothing.invalid"):
        with pytest.raises(InputError, match="only listens on loopback"):
            Emulator(tmp_path, host=host)


def test_ipv6_loopback(tmp_path: Path) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    build_jobs_dir(tmp_path, 1, series=0, image=False)
    try:
        emu = Emulator(tmp_path, host="::1")
    except OSError:
        pytest.skip("cannot bind ::1 here")
    with emu:
        assert emu.api_url.startswith("http://[::1]:")
        assert requests.get(f"{emu.api_url}/projects", headers={"Authorization": f"Bearer {emu.token}"},
                            timeout=5).status_code == 200


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    root = tmp_path_factory.mktemp("jobs")
    build_jobs_dir(root, 2, series=1, length=4, image=False)
    with Emulator(root) as e:
        yield e


def _raw(url: str, request: bytes) -> int:
    """Send `request` as it is on a new connection; the status code of the answer."""
    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(request)
        answer = conn.recv(65536)
    if not answer.startswith(b"HTTP/"):  # an HTTP/0.9-style request is answered without a status line
        found = re.search(rb"Error code: (\d+)", answer)
        assert found is not None, answer[:200]
        return int(found.group(1))
    return int(answer.split(b"\r\n", 1)[0].split()[1])


def _token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_malformed_requests_get_4xx_and_the_server_stays_up(emu: Emulator) -> None:
    auth = f"Authorization: Bearer {emu.token}\r\n".encode()
    jobs = f"/v1/projects/{emu.project_id}/batches/{emu.batch_id}/jobs"
    api, store = emu.api_url, emu.store_url
    cases: list[tuple[str, bytes, int]] = [
        (api, b"POST /v1/projects HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n" + auth + b"\r\n{}", 405),
        (api, b"DELETE /v1/projects HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n", 405),
        (api, b"BREW /v1/projects HTTP/1.1\r\nHost: x\r\n\r\n", 405),
        (store, b"PUT /objects/x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405),
        (api, b"GARBAGE\r\n\r\n", 400),
        (api, b"GET /v1/projects HTTP/9.9\r\nHost: x\r\n\r\n", 400),
        (api, b"GET /v1/projects HTTP/one\r\nHost: x\r\n\r\n", 400),
        (api, b"GET /v1/projects HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", 431),
        (api, b"GET /v1/projects/%ff%fe HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n", 400),
        (api, f"GET {jobs}?pageToken={_token('offset:²')} HTTP/1.1\r\nHost: x\r\n".encode() + auth + b"\r\n", 400),
        (api, f"GET {jobs}?pageSize=%D9%A3 HTTP/1.1\r\nHost: x\r\n".encode() + auth + b"\r\n", 400),
        (api, f"GET {jobs}?search=%ff HTTP/1.1\r\nHost: x\r\n".encode() + auth + b"\r\n", 400),
        (api, f"GET {jobs}?{'&'.join(f'k{i}=v' for i in range(500))} HTTP/1.1\r\nHost: x\r\n".encode()
         + auth + b"\r\n", 400),
        (api, b"GET /v1/projects HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\r\n\r\n", 401),
        (store, b"GET /objects/%ff/x HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (store, "GET /objects/a/b?X-Amz-Signature=é HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 403),
        (store, b"GET /objects/a/b HTTP/1.1\r\nHost: x\r\n\r\n", 403),
    ]
    for url, request, status in cases:
        assert _raw(url, request) == status, request[:80]
    assert not [r for r in emu.requests if r.status >= 500]
    assert requests.get(f"{api}/projects", headers={"Authorization": f"Bearer {emu.token}"},
                        timeout=5).status_code == 200
