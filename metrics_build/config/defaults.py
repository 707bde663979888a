"""The built-in default config: what `metrics-build` does with no config file at all.

It is kept as TOML text so that `metrics-build config --show-default` prints exactly the config that
runs (and a user can start from it): every channel gets min, max and mean scalars and an over-time
plot, state channels a states-over-time plot, episodes their statistics, results a scalar each; the
input report is written and every channel is exported for batch mode; batch mode runs its built-in
aggregations.
"""

from __future__ import annotations

TEST_MODE_TOML = """\
# metrics-build config. This is the built-in default, used when no config is given
# (--config, else $METRICS_BUILD_CONFIG, else /etc/metrics-build/metrics.toml).
# Print it with `metrics-build config --show-default`; check an edited copy with
# `metrics-build config --check FILE`. Every key is described in docs/test-mode.md.
version = 1

[sources]
# NaN / ±inf samples: "drop" removes them (counted in the input report), "keep" keeps them
# (reductions then ignore NaN).
nonfinite = "drop"
# time_column = "t"          # CSV / JSON samples: the timestamp column (default: found by name)
# step_column = "frame"      # CSV / JSON samples: the step column (default: found by name)
# [sources.patterns]         # glob patterns under logs/ replacing a format's discovery
# jsonl = ["**/train*.jsonl"]

[output]
input_report = true          # the "input report" text metric: files, rows read and skipped, channels
export = ["*"]               # channels (globs) exported as data `export/<channel>` for batch mode
max_plot_points = 10000      # over-time plots keep each slice's min and max; exports keep everything
status_without_thresholds = "passed"   # or "raw": status of metrics that have no thresholds
log_events = true            # events the logs recorded themselves (e.g. ReSim emissions) become events
max_log_events = 1000

# Generated metrics. Leave the [auto] table out of your config to get only declared metrics.
[auto]
channels = ["*"]             # globs of channels to cover
exclude = []
scalars = ["min", "max", "mean"]   # also: sum first last count std p50 p90 p95 p99 duration max_rate_of_change
over_time = true             # `<channel> over time` plot for numeric channels
states_over_time = true      # `<channel> states` plot for state channels
episodes = true              # `episode count` and `episode success rate` when episodes were logged
results = true               # one scalar per numeric eval-runner result, named `<job>.<metric>`
state_case = "lower"         # state words in plots: "lower" (NOMINAL = nominal), "upper" or "keep"
max_states = 50              # more distinct words than this is free text: a table of counts, not a plot
importance = "medium"

# Declared metrics come before the generated ones. One example of each kind:
#
# [[metrics]]
# kind = "scalar"
# name = "max speed"
# channel = "speed"
# reduce = "max"
# fails_above = 30.0
# severity = "block"         # "block" -> FAIL_BLOCK, "warn" -> FAIL_WARN
# unit = "m/s"
# importance = "high"        # zero low medium high critical
# events = true              # an event per crossing of the threshold, linked to this metric
#
# [[metrics]]
# kind = "double_over_time"
# name = "speeds"
# channels = ["speed", "target_speed"]
# fails_above = 30.0
#
# [[metrics]]
# kind = "histogram"
# name = "speed distribution"
# channel = "speed"
# lower = 0.0
# upper = 40.0
# count = 20                 # or: edges = [0, 5, 10, 20, 40]
#
# [[metrics]]
# kind = "states_over_time"
# name = "controller"
# channel = "controller_state"
# states = ["nominal", "degraded", "fault"]
# failure_states = ["fault"]
# case = "lower"
#
# [[metrics]]
# kind = "bar_chart"
# name = "reward per episode"
# channel = "reward"
# reduce = "sum"
# per_episode = true
#
# [[events]]
# kind = "threshold"         # or "state" (states = [...]) or "episodes"
# name = "too close"
# channel = "obstacle_distance"
# fails_below = 2.0
# metrics = ["max speed"]
#
# [[python]]
# function = "custom_metrics:compute"   # module beside this file; called with the loaded logs

"""

DEFAULT_BATCH_TOML = """\
[batch]
# Skip objects that still fail to download after retries (they are listed in the output) instead of failing.
allow_partial = false
# NaN inputs: "skip" drops them (and says how many), "warn" / "fail" drop them and mark the metric
# FAIL_WARN / FAIL_BLOCK.
nan_policy = "skip"
# With no [[batch.metrics]] declared, the built-in defaults run: test status counts and the pass rate
# (FAIL_BLOCK when a test was blocked or errored, FAIL_WARN when one warned); per SCALAR metric name
# found across tests, one SCALAR holding its mean across tests (its status: the worst of the tests
# whose thresholds judged it, RAW when none did; min, p50, p95 and max in its description), a per-test
# bar chart for judged scalars, and a table of every scalar's statistics; a merged histogram of every
# exported series (edges from the global min/max); a summary.
use_defaults = true
# "summary" (above) or "per_statistic": mean, min, max, p50, p95 and a test count per scalar name, each
# its own SCALAR named "<scalar>: <statistic>" (for trending each statistic on its own).
default_layout = "summary"
default_histogram_buckets = 20
default_histogram_samples = 10000

# Declared aggregations replace the defaults. One example of each kind:
#
# [[batch.metrics]]
# kind = "weighted_mean"           # weight_by = "equal" | "scalar" | "series_length"
# name = "mean speed (by distance)"
# scalar = "mean speed"
# weight_by = "scalar"
# weight = "distance"
#
# [[batch.metrics]]
# kind = "scalar_stat"             # stat = mean | min | max | sum | std | count | median | p<q>
# name = "p95 of max speed"
# scalar = "max speed"
# stat = "p95"
# fails_above = 30.0
# severity = "warn"                # "warn" -> FAIL_WARN, "block" -> FAIL_BLOCK
#
# [[batch.metrics]]
# kind = "histogram"               # fixed edges, so shards merge exactly
# name = "speed distribution"
# channel = "speed"                # the channel test mode exported as export/speed
# lower = 0.0
# upper = 40.0
# count = 20                       # or: edges = [0, 5, 10, 20, 40]
#
# [[batch.metrics]]
# kind = "pass_rate"               # by each test's metrics status, or by `metric`'s status
# name = "pass rate"
# fails_below = 0.9
#
# [[batch.metrics]]
# kind = "status_counts"
# name = "test statuses"
#
# [[batch.metrics]]
# kind = "per_test_bar"
# name = "max speed per test"
# scalar = "max speed"
#
# [[batch.python]]
# function = "my_batch_metrics:compute"   # called with the whole batch; module beside this file
"""

DEFAULT_REPORT_TOML = """\

[report]
# Report mode (report_config.json): the built-in report metrics over the report's batches: test
# statuses per batch, totals, per-experience and per-metric status counts, the pass rate per batch with
# its Wilson interval, flaky experiences, regression onset, the same per experience tag, and trends of
# job and batch scalars. See docs/report-mode.md.
use_defaults = true
warn_passes = false          # a test that warned passes
errors_fail = false          # a test that errored fails (else it has no verdict)
confidence = 0.95            # of the Wilson intervals
# tags = ["highway"]         # experience tags to slice by (default: the 20 with most experiences)
# last_batches = 30          # only the newest N batches
#
# [[report.trends]]
# kind = "pass_rate"         # or "job_metric" (metric, stat) or "batch_metric" (metric)
# max_drop = 10.0            # FAIL_WARN when it falls more than 10 points below the previous batch's
# fails_below = 70.0
#
# [[report.python]]
# function = "report_metrics:streaks"   # called with the lazily fetched history
"""

DEFAULT_CONFIG_TOML = TEST_MODE_TOML + DEFAULT_BATCH_TOML + DEFAULT_REPORT_TOML

__all__ = ["DEFAULT_BATCH_TOML", "DEFAULT_CONFIG_TOML", "DEFAULT_REPORT_TOML", "TEST_MODE_TOML"]
