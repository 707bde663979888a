"""A loopback stand-in for the platform API and its object store, serving one batch or a test suite's history.

`DIR/<test>/metrics.binproto` (a JobMetrics) becomes one job of one batch; each of its Metric and
MetricsData messages is served as its own object behind a presigned-style URL on a second server, as
the platform does. An optional `DIR/<test>/job.json` overrides fields of the job's JSON (a test dir may
hold only that file, e.g. an ERROR or CANCELLED test without metrics). A history is a directory of such
batches with a `batch.json` each, served with a report over them (see `history`). Faults and latency can
be injected; nothing is logged that contains the token or a URL signature.

Modules: `ids` (stable ids and times), `catalog` (the served records), `jobs` and `history` (directories
→ records), `paths` (confinement), `models` (the platform's JSON), `refs` and `content` (a metrics
file → listings and objects), `paging`, `search` and `listing` (query handling), `faults`, `state`
(what both servers share), `handler`, `api`, `batch_routes` and `store` (the servers' answers),
`hosts` (loopback only) and `server` (the `Emulator` that starts both).
"""

from metrics_build.emulator.api import API_PREFIX as API_PREFIX
from metrics_build.emulator.faults import FAULT_KINDS, Faults
from metrics_build.emulator.ids import CREATED as CREATED
from metrics_build.emulator.ids import JOB_NAMESPACE as JOB_NAMESPACE
from metrics_build.emulator.ids import job_id_for
from metrics_build.emulator.server import Emulator
from metrics_build.emulator.state import RequestRecord

__all__ = ["FAULT_KINDS", "Emulator", "Faults", "RequestRecord", "job_id_for"]
