"""A loopback stand-in for the platform API and its object store, serving a directory of test outputs.

`DIR/<test>/metrics.binproto` (a JobMetrics) becomes one job of one batch; each of its Metric and
MetricsData messages is stored as its own object behind a presigned-style URL on a second server, as the
platform does. An optional `DIR/<test>/job.json` overrides fields of the job's JSON (a test dir may
hold only that file, e.g. an ERROR or CANCELLED test without metrics). Faults and latency can be
injected; nothing is logged that contains the token or a URL signature.

Modules: `jobs` (jobs directory → job JSON and objects), `faults` (the `Faults` config and injection
decisions), `state` (what both servers share), `handler` (the server and the shared handler), `api` and
`store` (each server's answers), `server` (the `Emulator` that starts both).
"""

from metrics_build.emulator.api import API_PREFIX as API_PREFIX
from metrics_build.emulator.faults import FAULT_KINDS, Faults
from metrics_build.emulator.jobs import CREATED as CREATED
from metrics_build.emulator.jobs import JOB_NAMESPACE as JOB_NAMESPACE
from metrics_build.emulator.jobs import job_id_for
from metrics_build.emulator.server import Emulator
from metrics_build.emulator.state import RequestRecord

__all__ = ["FAULT_KINDS", "Emulator", "Faults", "RequestRecord", "job_id_for"]
