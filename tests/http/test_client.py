"""The HTTP client against the loopback emulator: pagination, retries, Retry-After, timeouts, auth, redaction."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from emulator_fixtures import build_jobs_dir

from metrics_build.emulator import Emulator, Faults
from metrics_build.errors import EXIT_UPSTREAM, AuthenticationError, NotFoundError, UpstreamError
from metrics_build.http import (
    ApiClient,
    BatchSettings,
    ClientOptions,
    describe_exception,
    parse_batch_settings,
    redact_url,
)

FAST = ClientOptions(workers=4, retries=3, backoff_factor=0.01, backoff_max=2.0, connect_timeout=2, read_timeout=5)


@pytest.fixture(scope="module")
def jobs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("jobs")
    build_jobs_dir(root, 7, scalars=1, series=1, length=5, image=False)
    return root


def _settings(emu: Emulator, token: str | None = None) -> BatchSettings:
    cfg = emu.config()
    if token is not None:
        cfg["authToken"] = token
    return parse_batch_settings(cfg)


def _jobs_path(emu: Emulator) -> str:
    return f"/projects/{emu.project_id}/batches/{emu.batch_id}/jobs"


@pytest.fixture()
def emu(jobs_dir: Path) -> Iterator[Emulator]:
    with Emulator(jobs_dir, max_page_size=2) as e:
        yield e


def test_listing_follows_every_page_with_page_size(emu: Emulator) -> None:
    with ApiClient(_settings(emu), FAST) as client:
        jobs = client.list_all(_jobs_path(emu), "jobs")
    assert [j["experienceName"] for j in jobs] == [f"test_{i:03d}" for i in range(7)]
    listing = [r for r in emu.requests if r.server == "api" and r.path.endswith("/jobs")]
    assert len(listing) == 4  # 2 + 2 + 2 + 1 items
    assert all(r.status == 200 and r.authorization for r in listing)


def test_repeated_page_token_is_an_error_not_a_loop(jobs_dir: Path) -> None:
    with Emulator(jobs_dir, max_page_size=2, faults=Faults(repeat_page_token=True)) as emu, \
            ApiClient(_settings(emu), FAST) as client:
        with pytest.raises(UpstreamError, match="same nextPageToken twice"):
            client.list_all(_jobs_path(emu), "jobs")
        assert len(emu.requests) == 2  # page 1 gives token T, the page for T gives T again: stop


def test_wrong_token_is_a_clear_authentication_error(emu: Emulator) -> None:
    wrong = "wrong-token-0123456789abcdef"
    with ApiClient(_settings(emu, token=wrong), FAST) as client, pytest.raises(AuthenticationError) as info:
        client.get_json(_jobs_path(emu))
    message = str(info.value)
    assert "HTTP 401" in message and "authToken" in message
    assert wrong not in message and emu.token not in message
    assert info.value.exit_code == EXIT_UPSTREAM
    assert len(emu.requests) == 1  # 401 is not retried


def test_unknown_path_is_not_found(emu: Emulator) -> None:
    with ApiClient(_settings(emu), FAST) as client, pytest.raises(NotFoundError, match="HTTP 404"):
        client.get_json(f"/projects/{emu.project_id}/batches/00000000-0000-0000-0000-000000000000")


@pytest.mark.parametrize("kind", ["500", "502", "503", "504", "429", "drop", "truncate"])
def test_transient_faults_are_retried(jobs_dir: Path, kind: str) -> None:
    faults = Faults(rate=1.0, kinds=(kind,), max_per_url=2, retry_after=0)
    with Emulator(jobs_dir, faults=faults) as emu, ApiClient(_settings(emu), FAST) as client:
        jobs = client.list_all(_jobs_path(emu), "jobs")
        url = client.list_all(f"{_jobs_path(emu)}/{jobs[0]['jobID']}/metrics", "metrics")[0]["metricURL"]
        body = client.download(url)
    assert len(jobs) == 7
    assert body and body[:1] == b"\x0a"  # a serialized Metric starts with field 1 (metric_id)
    assert emu.faults_injected == {kind: 6}  # 2 per URL, 3 URLs


def test_retry_after_is_honoured(jobs_dir: Path) -> None:
    faults = Faults(rate=1.0, kinds=("429",), max_per_url=1, retry_after=1)
    with Emulator(jobs_dir, faults=faults) as emu, ApiClient(_settings(emu), FAST) as client:
        started = time.monotonic()
        client.get_json(_jobs_path(emu))
        elapsed = time.monotonic() - started
    assert elapsed >= 0.95  # backoff alone would have waited ~0.01 s
    assert [r.status for r in emu.requests] == [429, 200]


def test_persistent_failure_gives_up_after_the_configured_retries(jobs_dir: Path) -> None:
    with Emulator(jobs_dir, faults=Faults(always_fail=("/jobs",))) as emu, \
            ApiClient(_settings(emu), FAST) as client:
        with pytest.raises(UpstreamError, match=r"HTTP 500 \(after retries\)"):
            client.get_json(_jobs_path(emu))
        assert len(emu.requests) == FAST.retries + 1


def test_every_call_has_a_timeout(jobs_dir: Path) -> None:
    options = ClientOptions(workers=2, retries=1, backoff_factor=0.01, connect_timeout=1, read_timeout=0.3)
    with Emulator(jobs_dir, faults=Faults(latency=1.5)) as emu, ApiClient(_settings(emu), options) as client:
        started = time.monotonic()
        with pytest.raises(UpstreamError, match="Timeout"):
            client.get_json(_jobs_path(emu))
        assert time.monotonic() - started < 1.4  # two attempts of 0.3 s, not the server's 1.5 s


def test_connection_refused_is_an_upstream_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nobody listens there
    settings = parse_batch_settings({"authToken": "t", "apiURL": f"http://127.0.0.1:{port}/v1",
                               "batchID": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"})
    with ApiClient(settings, FAST) as client, pytest.raises(UpstreamError, match="ConnectionRefusedError"):
        client.get_json("/projects")


def test_downloads_never_carry_authorization(emu: Emulator) -> None:
    with ApiClient(_settings(emu), FAST) as client:
        job_id = emu.job_ids["test_000"]
        items = client.list_all(f"{_jobs_path(emu)}/{job_id}/metricsData", "metricsData")
        for item in items:
            client.download(item["metricsDataURL"])
    store = [r for r in emu.requests if r.server == "store"]
    assert store and all(r.status == 200 and not r.authorization for r in store)
    api = [r for r in emu.requests if r.server == "api"]
    assert api and all(r.authorization for r in api)


def test_store_rejects_authorization_and_bad_signatures(emu: Emulator) -> None:
    with ApiClient(_settings(emu), FAST) as client:
        item = client.list_all(f"{_jobs_path(emu)}/{emu.job_ids['test_001']}/metrics", "metrics")[0]
    url = item["metricURL"]
    assert requests.get(url, timeout=5).status_code == 200
    assert requests.get(url, headers={"Authorization": f"Bearer {emu.token}"}, timeout=5).status_code == 400
    assert requests.get(url.replace("Signature=", "Signature=0"), timeout=5).status_code == 403


def test_download_errors_do_not_show_the_signature(jobs_dir: Path) -> None:
    with Emulator(jobs_dir, faults=Faults(always_fail=("/objects/",))) as emu, \
            ApiClient(_settings(emu), FAST) as client:
        url = client.list_all(f"{_jobs_path(emu)}/{emu.job_ids['test_002']}/metrics", "metrics")[0]["metricURL"]
        with pytest.raises(UpstreamError) as info:
            client.download(url)
    assert "X-Amz-Signature" not in str(info.value)
    assert redact_url(url) in str(info.value)


def test_redact_url_drops_query_and_credentials() -> None:
    url = "https://user:pw@store.example:8443/a/b?X-Amz-Signature=abc&X-Amz-Credential=k#frag"
    assert redact_url(url) == "https://store.example:8443/a/b"


def test_describe_exception_names_causes_not_urls() -> None:
    try:
        requests.get("http://127.0.0.1:9/x?X-Amz-Signature=secret", timeout=0.5)
    except requests.RequestException as exc:
        text = describe_exception(exc)
    assert "secret" not in text and "ConnectionError" in text


def test_client_repr_hides_the_token(emu: Emulator) -> None:
    client = ApiClient(_settings(emu), FAST)
    try:
        assert emu.token not in repr(client) and emu.token not in repr(client.settings)
    finally:
        client.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_environment_proxies_are_used(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with ApiClient(_settings(emu), FAST) as client:
        with pytest.raises(UpstreamError, match="ProxyError"):
            client.get_json(_jobs_path(emu))
        with pytest.raises(UpstreamError, match="ProxyError"):
            client.download(f"{emu.store_url}/objects/x?X-Amz-Signature=s")
    assert emu.requests == []  # nothing reached the servers directly


def test_no_proxy_is_honoured(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with ApiClient(_settings(emu), FAST) as client:
        jobs = client.list_all(_jobs_path(emu), "jobs")
        url = client.list_all(f"{_jobs_path(emu)}/{jobs[0]['jobID']}/metrics", "metrics")[0]["metricURL"]
        assert client.download(url)
