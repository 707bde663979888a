"""HTTP to the platform: options, the platform's API config files, one transport, the API client."""

from metrics_build.http.api import ApiClient
from metrics_build.http.loopback import is_loopback_host
from metrics_build.http.options import DEFAULT_WORKERS, ClientOptions
from metrics_build.http.settings import (
    ApiSettings,
    BatchSettings,
    ReportSettings,
    load_batch_settings,
    load_report_settings,
    parse_batch_settings,
    parse_report_settings,
)
from metrics_build.http.transport import (
    Answer,
    PooledTransport,
    Transport,
    describe_exception,
    install_log_filter,
    redact_url,
)

__all__ = [
    "DEFAULT_WORKERS",
    "Answer",
    "ApiClient",
    "ApiSettings",
    "BatchSettings",
    "ClientOptions",
    "PooledTransport",
    "ReportSettings",
    "Transport",
    "describe_exception",
    "install_log_filter",
    "is_loopback_host",
    "load_batch_settings",
    "load_report_settings",
    "parse_batch_settings",
    "parse_report_settings",
    "redact_url",
]
