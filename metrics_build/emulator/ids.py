"""Stable ids and times: every id the emulator hands out is a uuid5 of a name, every time an ISO-8601 string.

Reruns over the same directories therefore give byte-identical answers.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

JOB_NAMESPACE = uuid.UUID("5d0c6f0e-9c1b-5b7e-8a57-6d2f1c0e4b10")
CREATED = "2026-11-23T00:00:00Z"
CREATED_AT = datetime(2026, 11, 23, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def stable_id(name: str) -> str:
    """The uuid5 of `name` in the emulator's namespace, as lowercase hyphenated text."""
    return str(uuid.uuid5(JOB_NAMESPACE, name))


def job_id_for(test_name: str) -> str:
    """The job id the emulator gives the test directory `test_name` of a jobs directory (a uuid5, stable)."""
    return stable_id(test_name)


def experience_id_for(test_name: str) -> str:
    """The experience id of a test: the same in every batch, so a history can follow one experience."""
    return stable_id(f"experience/{test_name}")


def iso(moment: datetime) -> str:
    """`moment` in UTC as ISO-8601 with a `Z` suffix (microseconds only when there are any)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime | None:
    """An ISO-8601 time (`Z`, an offset, a space instead of `T`); naive times are UTC. None if unreadable."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def from_epoch(seconds: int, nanos: int = 0) -> str:
    """A protobuf Timestamp as ISO-8601; the epoch itself when it lies outside what datetime can hold."""
    try:
        return iso(EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000))
    except OverflowError:
        return iso(EPOCH)


__all__ = ["CREATED", "CREATED_AT", "JOB_NAMESPACE", "experience_id_for", "from_epoch", "iso", "job_id_for",
           "parse_time", "stable_id"]
