"""The one named contract between the modes: names test mode writes and batch mode reads.

Test mode exports every channel as a MetricsData with no Metric, named `export/<channel>`:
numeric channels as an un-indexed DOUBLE series, state channels as an un-indexed STRING series.
Batch mode finds per-test series by these names and never guesses at other data.
"""

from __future__ import annotations

EXPORT_PREFIX = "export/"
INPUT_REPORT_METRIC = "input report"


def export_name(channel: str) -> str:
    """Data name under which test mode exports `channel`."""
    return f"{EXPORT_PREFIX}{channel}"


def channel_of_export(data_name: str) -> str | None:
    """The channel an exported data name carries, or None when the data is not an export."""
    if data_name.startswith(EXPORT_PREFIX) and len(data_name) > len(EXPORT_PREFIX):
        return data_name[len(EXPORT_PREFIX):]
    return None
