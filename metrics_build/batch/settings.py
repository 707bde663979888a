"""`batch_metrics_config.json`: where the batch lives and how to reach the API (both platform forms).

The platform writes this file, so unknown keys are ignored rather than refused. The token is a
`SecretStr`: it never appears in reprs, logs or error messages.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from metrics_build.errors import ConfigError, InputError

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def is_loopback_host(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1): the only hosts allowed over http."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BatchSettings(BaseModel):
    """The batch to fetch and the API to fetch it from.

    Attributes:
        auth_token: `authToken`, the bearer token for the API (secret).
        api_url: `apiURL`, e.g. `https://api.resim.ai/v1`, without a trailing slash. Must be https
            unless the host is loopback (the local emulator).
        batch_id: `batchID`.
        project_id: `projectID`; absent in the older 3-field form, then found through the API.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, hide_input_in_errors=True)

    auth_token: SecretStr = Field(alias="authToken")
    api_url: str = Field(alias="apiURL")
    batch_id: uuid.UUID = Field(alias="batchID")
    project_id: uuid.UUID | None = Field(default=None, alias="projectID")

    @field_validator("auth_token")
    @classmethod
    def _token_usable(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token:
            raise ValueError("must not be empty")
        # A token with control characters or spaces cannot travel in an HTTP header.
        if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in token):
            raise ValueError("must not contain whitespace or control characters")
        return SecretStr(token)

    @field_validator("api_url")
    @classmethod
    def _url_usable(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be an absolute http(s) URL such as https://api.resim.ai/v1")
        if parts.query or parts.fragment:
            raise ValueError("must not have a query string or fragment")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials")
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            raise ValueError(f"must use https (plain http is only allowed for loopback hosts, not {parts.hostname})")
        return url


def _describe(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = "missing (a required field)" if err["type"] == "missing" else err["msg"].removeprefix("Value error, ")
        problems.append(f"{field}: {msg}")
    return "; ".join(problems)


def parse_settings(raw: Any, *, source: str = "batch_metrics_config.json") -> BatchSettings:
    """Validate an already-decoded config object.

    Raises:
        ConfigError: naming every missing or malformed field (never echoing the token).
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a JSON object, got {type(raw).__name__}")
    try:
        return BatchSettings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc)}") from None


def load_settings(path: Path) -> BatchSettings:
    """Read and validate `batch_metrics_config.json`.

    Raises:
        InputError: when the file cannot be read.
        ConfigError: when it is not JSON or a field is missing or malformed (the field is named).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: batch config not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read batch config ({type(exc).__name__})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        # The decoder's message holds a position, never the file's content.
        raise ConfigError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    return parse_settings(raw, source=str(path))


__all__ = ["BatchSettings", "is_loopback_host", "load_settings", "parse_settings"]
