"""Reading JobMetrics back: files into messages (`files`), and fetched or read objects into the typed
`TestRecord`s the other modes consume (`records`)."""

from metrics_build.reader.files import parse_job_metrics, read_job_metrics
from metrics_build.reader.records import (
    ObjectKind,
    decode_object,
    info_from_job_metrics,
    read_test_record,
    record_from_bodies,
    record_from_job_metrics,
    record_from_objects,
)

__all__ = ["ObjectKind", "decode_object", "info_from_job_metrics", "parse_job_metrics", "read_job_metrics",
           "read_test_record", "record_from_bodies", "record_from_job_metrics", "record_from_objects"]
