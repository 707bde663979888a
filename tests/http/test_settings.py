"""batch_metrics_config.json: both platform forms, field-naming errors, https rule, a token that never leaks."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from metrics_build.errors import EXIT_BAD_INPUT, ConfigError, InputError
from metrics_build.http import BatchSettings, is_loopback_host, load_batch_settings, parse_batch_settings

TOKEN = "tok-3f9a1c55e2b8-very-secret"
BATCH = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
PROJECT = "6fa459ea-ee8a-3ca4-894e-db77e160355e"


def _full(**changes: Any) -> dict[str, Any]:
    cfg: dict[str, Any] = {"authToken": TOKEN, "apiURL": "https://api.resim.ai/v1/", "batchID": BATCH,
                           "projectID": PROJECT}
    cfg.update(changes)
    return {k: v for k, v in cfg.items() if v is not None}


def _write(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "batch_metrics_config.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_newer_four_field_form(tmp_path: Path) -> None:
    s = load_batch_settings(_write(tmp_path, _full()))
    assert s.auth_token.get_secret_value() == TOKEN
    assert s.api_url == "https://api.resim.ai/v1"  # trailing slash dropped
    assert s.batch_id == uuid.UUID(BATCH)
    assert s.project_id == uuid.UUID(PROJECT)


def test_older_three_field_form_has_no_project(tmp_path: Path) -> None:
    s = load_batch_settings(_write(tmp_path, _full(projectID=None)))
    assert s.project_id is None
    assert s.batch_id == uuid.UUID(BATCH)


def test_unknown_keys_from_the_platform_are_ignored() -> None:
    s = parse_batch_settings(_full(somethingNew={"x": 1}))
    assert s.batch_id == uuid.UUID(BATCH)


@pytest.mark.parametrize("field", ["authToken", "apiURL", "batchID"])
def test_missing_field_is_named(field: str) -> None:
    cfg = _full()
    del cfg[field]
    with pytest.raises(ConfigError) as info:
        parse_batch_settings(cfg)
    assert field in str(info.value)
    assert "missing" in str(info.value).lower()
    assert info.value.exit_code == EXIT_BAD_INPUT


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"batchID": "not-a-uuid"}, "batchID"),
        ({"projectID": "1234"}, "projectID"),
        ({"batchID": 5}, "batchID"),
        ({"authToken": ""}, "authToken"),
        ({"authToken": "   "}, "authToken"),
        ({"authToken": 12345}, "authToken"),
        ({"apiURL": "api.resim.ai/v1"}, "apiURL"),
        ({"apiURL": "ftp://api.resim.ai/v1"}, "apiURL"),
        ({"apiURL": "https://api.resim.ai/v1?x=1"}, "apiURL"),
        ({"apiURL": ["https://api.resim.ai"]}, "apiURL"),
    ],
)
def test_malformed_field_is_named(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_batch_settings(_full(**changes))
    assert str(info.value).count(":") >= 1
    assert field in str(info.value)
    assert TOKEN not in str(info.value)


def test_plain_http_is_refused_for_remote_hosts() -> None:
    with pytest.raises(ConfigError) as info:
        parse_batch_settings(_full(apiURL="http://api.resim.ai/v1"))
    assert "apiURL" in str(info.value)
    assert "https" in str(info.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1", "http://localhost:9/v1", "http://[::1]:9/v1",
                                 "http://127.3.4.5/v1"])
def test_plain_http_is_allowed_for_loopback(url: str) -> None:
    assert parse_batch_settings(_full(apiURL=url)).api_url == url


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("::1", True), ("[::1]", True),
                                                ("localhost", True), ("10.0.0.1", False),
                                                ("api.resim.ai", False), ("localhost.evil.com", False)])
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_token_never_in_repr_str_or_errors(tmp_path: Path) -> None:
    s = parse_batch_settings(_full())
    assert TOKEN not in repr(s)
    assert TOKEN not in str(s)
    assert TOKEN not in s.model_dump_json()
    for bad in (_full(batchID="nope"), _full(authToken=TOKEN + " with space"), _full(apiURL=TOKEN)):
        with pytest.raises(ConfigError) as info:
            load_batch_settings(_write(tmp_path, bad))
        assert TOKEN not in str(info.value)


def test_token_with_whitespace_inside_is_refused_without_echo() -> None:
    with pytest.raises(ConfigError) as info:
        parse_batch_settings(_full(authToken="abc def"))
    assert "authToken" in str(info.value)
    assert "abc def" not in str(info.value)


def test_token_surrounding_whitespace_is_trimmed() -> None:
    assert parse_batch_settings(_full(authToken=f"  {TOKEN}\n")).auth_token.get_secret_value() == TOKEN


def test_not_json_names_the_file_and_position(tmp_path: Path) -> None:
    path = _write(tmp_path, '{"authToken": "' + TOKEN + '", ')
    with pytest.raises(ConfigError) as info:
        load_batch_settings(path)
    assert str(path) in str(info.value)
    assert "not valid JSON" in str(info.value)
    assert TOKEN not in str(info.value)


def test_json_that_is_not_an_object(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected a JSON object, got list"):
        load_batch_settings(_write(tmp_path, [1, 2]))


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="batch config not found") as info:
        load_batch_settings(tmp_path / "absent.json")
    assert info.value.exit_code == EXIT_BAD_INPUT


def test_settings_are_frozen() -> None:
    s = parse_batch_settings(_full())
    with pytest.raises(Exception, match="frozen"):
        s.api_url = "https://other"  # type: ignore[misc]
    assert isinstance(s, BatchSettings)


@pytest.mark.parametrize("token", ["sëcret-3f9a1c55e2b8", "sec\u00a03f9a1c55", "sec\x00ret", "sec ret",
                                   "sec\u2028ret", "sec-\ud800-ret"])
def test_a_token_headers_cannot_carry_is_one_line_that_shows_nothing_of_it(token: str) -> None:
    with pytest.raises(ConfigError, match="authToken: holds characters an HTTP header cannot carry") as info:
        parse_batch_settings(_full(authToken=token))
    text = str(info.value)
    assert "\n" not in text and "sec" not in text and "3f9a" not in text


def test_a_dot_localhost_name_counts_only_when_it_resolves_to_loopback() -> None:
    name = "metrics-build-test.localhost"
    assert is_loopback_host(name, lambda host: ["127.0.0.1", "::1"]) is True
    assert is_loopback_host(name, lambda host: ["127.0.0.1", "10.0.0.7"]) is False  # one address elsewhere
    assert is_loopback_host(name, lambda host: []) is False  # does not resolve
    assert is_loopback_host("metrics-build-test-no-such-name.localhost") is False  # the system resolver: nothing
    with pytest.raises(ConfigError, match="must use https"):
        parse_batch_settings(_full(apiURL="http://metrics-build-test-no-such-name.localhost:8080/v1"))


@pytest.mark.parametrize("content", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50 + "1" + "}" * 50])
def test_deeply_nested_batch_config_is_a_config_error(tmp_path: Path, content: str) -> None:
    with pytest.raises(ConfigError, match="nested"):
        load_batch_settings(_write(tmp_path, content))


def test_a_huge_batch_config_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "batch_metrics_config.json"
    with path.open("wb") as f:
        f.write(b'{"authToken": "' + b"x" * (3 * 1024 * 1024) + b'"}')
    with pytest.raises(InputError, match="larger than 1048576 bytes, not a batch config"):
        load_batch_settings(path)
