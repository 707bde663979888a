"""The platform's input files for the API modes: `batch_metrics_config.json` and `report_config.json`.

The platform writes these files, so unknown keys are ignored rather than refused. The token is a
`SecretStr`: it never appears in reprs, logs or error messages, not even when it is malformed.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from metrics_build.bounded import nesting_depth, read_bounded
from metrics_build.errors import ConfigError
from metrics_build.http.loopback import is_loopback_host
from metrics_build.platform import BATCH_CONFIG_FILE, REPORT_CONFIG_FILE

MAX_SETTINGS_BYTES = 1024 * 1024
"""The platform's config files are a few hundred bytes; a file this large is not one."""
_MAX_DEPTH = 16


class ApiSettings(BaseModel):
    """How to reach the API.

    Attributes:
        auth_token: `authToken`, the bearer token for the API (secret).
        api_url: `apiURL`, e.g. `https://api.resim.ai/v1`, without a trailing slash. Must be https
            unless the host is loopback (the local emulator).
    """

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, hide_input_in_errors=True)

    auth_token: SecretStr = Field(alias="authToken")
    api_url: str = Field(alias="apiURL")

    @field_validator("auth_token")
    @classmethod
    def _token_usable(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token:
            raise ValueError("must not be empty")
        # An HTTP header carries visible ASCII only; anything else cannot be sent as a bearer token.
        if not all(0x21 <= ord(c) <= 0x7E for c in token):
            raise ValueError("holds characters an HTTP header cannot carry (spaces, control or non-ASCII "
                             "characters); the token itself is not shown")
        return SecretStr(token)

    @field_validator("api_url")
    @classmethod
    def _url_usable(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        try:
            parts = urlsplit(url)
            host = parts.hostname
            _ = parts.port
        except ValueError:
            raise ValueError("is not a valid URL") from None
        if parts.scheme not in ("https", "http") or not host:
            raise ValueError("must be an absolute http(s) URL such as https://api.resim.ai/v1")
        if parts.query or parts.fragment:
            raise ValueError("must not have a query string or fragment")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials")
        if parts.scheme == "http" and not is_loopback_host(host):
            raise ValueError(f"must use https (plain http is only allowed for loopback hosts, not {host})")
        return url


class BatchSettings(ApiSettings):
    """`batch_metrics_config.json`: the batch to fetch.

    Attributes:
        batch_id: `batchID`.
        project_id: `projectID`; absent in the older 3-field form, then found through the API.
    """

    batch_id: uuid.UUID = Field(alias="batchID")
    project_id: uuid.UUID | None = Field(default=None, alias="projectID")


class ReportSettings(ApiSettings):
    """`report_config.json`: the report to compute (`projectID`, `reportID`)."""

    project_id: uuid.UUID = Field(alias="projectID")
    report_id: uuid.UUID = Field(alias="reportID")


S = TypeVar("S", bound=ApiSettings)


def _describe(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = "missing (a required field)" if err["type"] == "missing" else err["msg"].removeprefix("Value error, ")
        problems.append(f"{field}: {msg}")
    return "; ".join(problems)


def parse_settings(raw: Any, model: type[S], *, source: str) -> S:
    """Validate an already-decoded config object as `model`.

    Raises:
        ConfigError: naming every missing or malformed field (never echoing the token).
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a JSON object, got {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_describe(exc)}") from None


def _read_json(path: Path, what: str) -> Any:
    data = read_bounded(path, what, MAX_SETTINGS_BYTES)
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        # The decoder's message holds a position, never the file's content.
        raise ConfigError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a {what}") from None
    if nesting_depth(raw) > _MAX_DEPTH:
        raise ConfigError(f"{path}: nested more than {_MAX_DEPTH} deep, not a {what}")
    return raw


def parse_batch_settings(raw: Any, *, source: str = BATCH_CONFIG_FILE) -> BatchSettings:
    """`parse_settings` for the batch config (the emulator's `config()` dict, for instance)."""
    return parse_settings(raw, BatchSettings, source=source)


def parse_report_settings(raw: Any, *, source: str = REPORT_CONFIG_FILE) -> ReportSettings:
    """`parse_settings` for the report config."""
    return parse_settings(raw, ReportSettings, source=source)


def load_batch_settings(path: Path) -> BatchSettings:
    """Read and validate `batch_metrics_config.json`.

    Raises:
        InputError: the file cannot be read.
        ConfigError: it is not JSON, or a field is missing or malformed (the field is named).
    """
    return parse_settings(_read_json(path, "batch config"), BatchSettings, source=str(path))


def load_report_settings(path: Path) -> ReportSettings:
    """Read and validate `report_config.json`.

    Raises:
        InputError: the file cannot be read.
        ConfigError: it is not JSON, or a field is missing or malformed (the field is named).
    """
    return parse_settings(_read_json(path, "report config"), ReportSettings, source=str(path))


__all__ = ["ApiSettings", "BatchSettings", "ReportSettings", "load_batch_settings", "load_report_settings",
           "parse_batch_settings", "parse_report_settings", "parse_settings"]
