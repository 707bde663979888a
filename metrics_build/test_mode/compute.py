"""Config + loaded logs → every metric, data and event of one test's output.

Order in the output: declared metrics, `[auto]` metrics, Python metrics, then the input report;
then the exported channels (data without a metric); then events. Names are claimed in that spirit:
declared names first, export names (the contract with batch mode) next, everything else after.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from metrics_build import config as c
from metrics_build import model as m
from metrics_build.channels import ChannelKind, Loaded
from metrics_build.errors import InvalidMetricsError
from metrics_build.platform import INPUT_REPORT_METRIC
from metrics_build.test_mode import events as ev
from metrics_build.test_mode.auto import expand
from metrics_build.test_mode.context import BuildContext, importance
from metrics_build.test_mode.episodes import with_episode_channels
from metrics_build.test_mode.kinds import build
from metrics_build.test_mode.plots import cased
from metrics_build.test_mode.reduce import NotApplicable
from metrics_build.test_mode.report import input_report
from metrics_build.user_code import run_entries
from metrics_build.writer import repeated_names

log = logging.getLogger("metrics_build.test_mode")


@dataclass
class TestModeOutput(m.MetricSet):
    """What the writer receives, plus what went wrong in Python metrics."""

    python_failures: list[str] = field(default_factory=list)


def _event_style(spec: c.EventSpec, linked: Sequence[m.Metric]) -> ev.EventStyle:
    return ev.EventStyle(name=spec.name, severity=spec.severity, importance=importance(spec.importance),
                         description=spec.description, tags=list(spec.tags), linked=list(linked),
                         max_events=spec.max_events, metric_status=m.Status.RAW)


def declared_events(ctx: BuildContext, spec: c.EventSpec, linked: Sequence[m.Metric]) -> list[ev.PendingEvent]:
    """The events of one `[[events]]` entry (none, with a log line, when its channel is missing)."""
    style = _event_style(spec, linked)
    try:
        if isinstance(spec, c.ThresholdEventSpec):
            failure = m.FailureDefinition(fails_above=spec.fails_above, fails_below=spec.fails_below)
            return ev.threshold_events(ctx, ctx.numeric(spec.channel), failure, style)
        if isinstance(spec, c.StateEventSpec):
            ch = ctx.channel(spec.channel)
            if ch.kind is not ChannelKind.STATE:
                raise NotApplicable(f"channel {ch.name!r} holds numbers, not states")
            bad = [w.lower() if spec.case == "lower" else w.upper() if spec.case == "upper" else w
                   for w in spec.states]
            return ev.state_events(ctx, ch, cased(ch.values, spec.case), bad, style)
        return ev.episode_events(ctx, ctx.loaded.episodes, style)
    except NotApplicable as reason:
        log.info("events %r: none (%s)", spec.name, reason)
        return []


def compute(config: c.MetricsConfig, loaded: Loaded, *, config_dir: Path | None) -> TestModeOutput:
    """Everything test mode writes for `loaded` under `config`.

    Raises:
        InvalidMetricsError: two objects of the output would share a name (ReSim's reader refuses that).
    """
    loaded = with_episode_channels(loaded)
    names = m.Names()
    ctx = BuildContext(loaded=loaded, names=names, max_plot_points=config.output.max_plot_points,
                  base_status=m.Status.RAW if config.output.status_without_thresholds == "raw" else m.Status.PASSED,
                  export=config.output.export)
    for spec in config.metrics:
        names.claim(spec.name)
    if config.output.input_report:
        names.claim(INPUT_REPORT_METRIC)
    ctx.reserve_exports()

    out = TestModeOutput()
    pending: list[ev.PendingEvent] = []
    by_name: dict[str, m.Metric] = {}
    for spec in config.metrics:
        built = build(ctx, spec)
        by_name[spec.name] = built.metrics[0]
        out.metrics += built.metrics
        pending += built.events
    if config.auto is not None:
        for spec in expand(config.auto, loaded):
            if not names.claim(spec.name):
                log.debug("auto metric %r skipped: the name is taken", spec.name)
                continue
            built = build(ctx, spec)
            out.metrics += built.metrics
            pending += built.events
    for event_spec in config.events:
        pending += declared_events(ctx, event_spec, [by_name[n] for n in event_spec.metrics])
    if config.output.log_events:
        pending += ev.logged_events(ctx, loaded.events, config.output.max_log_events)

    py = run_entries(config.python, lambda func, entry: func(loaded, **entry.args), config_dir=config_dir,
                     names=names)
    out.metrics += py.metrics
    out.imported += py.imported
    out.python_failures = py.failed
    if config.output.input_report:
        out.metrics.append(input_report(loaded))
    out.data = ctx.exports() + py.data
    relative = any(e.timestamp_type == m.TimestampType.RELATIVE for e in py.events)
    out.events = ev.finalize(pending, ev.origin_of(list(loaded.channels.values())), force_relative=relative)
    out.events += py.events

    clashes = repeated_names(out)
    if clashes:
        raise InvalidMetricsError([f"the name {n!r} is used by more than one metric, data or event "
                                   "(ReSim's reader refuses that)" for n in clashes], what="test-mode output")
    return out
